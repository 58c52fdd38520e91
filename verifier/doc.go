// Package verifier is the paspoort verifier service: OpenID for Verifiable
// Presentations 1.0 with DCQL, for schools (admission without a diploma)
// and employers (hiring into a leerwerktraject on skills), deciding on
// requirement profiles (package credentials/profile).
//
// A transaction starts from a profile: Query derives the DCQL query that
// asks for exactly the claims the profile's predicates read; CreateRequest
// makes a fresh nonce (256 bits, single use) and state, for direct_post.jwt
// an ephemeral ECDH-ES key, and a request object signed with the
// verifier's did:web key (client_id "decentralized_identifier:<did>"),
// served at request_uri. HandleResponse verifies every presentation
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
package verifier
