// Package verifier is the paspoort verifier service: OpenID for Verifiable
// Presentations 1.0 with DCQL, for schools (admission without a diploma)
// and employers (hiring into a leerwerktraject on skills), deciding on
// requirement profiles (package credentials/profile).
//
// The protocol messages are those of credentials/oid4vp, the package the
// paspoort wallet speaks too: the verifier is its Verifier side.
//
// A transaction starts from a profile: Query derives the DCQL query that
// asks for exactly the claims the profile's predicates read; CreateRequest
// makes a fresh nonce (256 bits, single use) and state and, for
// direct_post.jwt, an ephemeral ECDH-ES key, and returns an openid4vp://
// link with request_uri_method=post. At request_uri the wallet GETs, or
// POSTs a wallet_nonce, and receives the request object
// (oid4vp.SignRequestObject, echoing the wallet_nonce) signed with the
// verifier's did:web key (client_id "decentralized_identifier:<did>"; the
// key is under authentication in the DID document), or, for an X.509
// verifier (HAIP 1.0 §5; client_id "x509_hash:<leaf hash>" or
// "x509_san_dns:<host>"), signed with the key its certificate chain
// (Config.X5CChain) certifies and carrying the chain in "x5c", answered
// only in direct_post.jwt; or for development an unsigned one of a
// "redirect_uri:" client (Config.ClientIDPrefix).
// HandleResponse reads the response with oid4vp.ParseResponse and
// verifies every presentation
// (sdjwtvc: signature and issuer key through did:jwk, did:key, did:web or
// JWT VC Issuer Metadata, only for issuers on the trust list; typ, times,
// KB-JWT aud = client_id and nonce, sd_hash, status list), consumes the
// transaction atomically (replays are refused), re-checks the presentations
// against the query (dcql.CheckResponse), and decides: per requirement met
// / not met / not proven with evidence, an outcome, a weighted score, the
// gap and a learning or onboarding plan from the profile's module
// catalogue. The holder gets a signed receipt naming credentials by hash;
// the verifier keeps the decision and the claim values the predicates
// read, never a raw presentation, for the retention period.
//
// The HTTP layer (Handler) is echo; the core API takes a context and plain
// types. Store is the persistence interface; NewBadgerStore is the embedded
// default on internal/kv, sealing each record with AES-256-GCM. Several
// Verifiers can run in one process, each with its own store and metrics
// registry.
//
// A Verifier is safe for concurrent use. It logs through the slog logger
// given with WithLogger, never tokens, keys, codes or claim values.
//
// It may import credentials/ and internal/; never the issuer or the wallet (the parties meet over HTTP only), bench or cmd.
package verifier
