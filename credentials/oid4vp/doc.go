// Package oid4vp holds the protocol pieces of OpenID for Verifiable
// Presentations 1.0 that a Verifier and a Wallet share, as pure functions
// over bytes: the Authorization Request and its Client Identifier Prefixes
// (§5, §5.9), the signed Request Object ("oauth-authz-req+jwt", §5, JAR) with
// "request_uri_method" post and "wallet_nonce" (§5.10), the "openid4vp://"
// invocation URI (§9), the Authorization Response with a "vp_token" keyed by
// DCQL Credential Query id (§8.1), its form encoding for "direct_post" (§8.2)
// and its JWE encryption for "direct_post.jwt" (§8.3), the Response URI's
// reply with a "redirect_uri" carrying a "response_code" (§8.2, §13.3), and
// error responses (§8.5).
//
// Supported Client Identifier Prefixes: "decentralized_identifier" (signed
// request objects, the key resolved from the DID through a caller-given
// KeyResolver, the "kid" a DID URL of that DID), "x509_hash" and
// "x509_san_dns" (signed request objects carrying the Verifier's
// certificate chain in "x5c", validated by credentials/pki against the
// Wallet's VerifyOptions.VerifierAnchors; HAIP 1.0 §5 requires x509_hash)
// and "redirect_uri" (unsigned, so accepted by a Wallet only with
// AllowRedirectURIPrefixUnsafe, for development). Other prefixes and
// pre-registered clients are refused.
//
// Fetching is the caller's job: a Wallet fetches the request_uri with
// internal/safehttp with WithMaxRedirects(0), so that an HTTP 3xx is an error (
// SECURITY.md C.32) and loopback addresses unless allowed; this package only
// checks what came back. Every parser is strict: duplicate JSON members,
// case-variant member names, duplicate form parameters and oversized input
// are refused with errors of the credentials classes.
//
// The package does no I/O except through the KeyResolver it is handed, keeps
// no state and never logs; everything is safe for concurrent use.
//
// credentials/ packages may import internal/ and other credentials/ packages; never issuer, wallet, verifier, bench or cmd.
package oid4vp
