// Package did resolves the three DID methods paspoort supports — did:jwk,
// did:key and did:web — to DID documents (W3C DID Core 1.0) and to the
// verification keys an issuer or holder signs with.
//
// # Methods
//
//   - did:jwk (https://github.com/quartzjer/did-jwk): the DID is the
//     base64url-encoded public JWK; the document has one verification method,
//     "<did>#0". [JWKFromKey] creates one, [ResolveJWK] expands one.
//   - did:key (https://w3c-ccg.github.io/did-method-key/): the DID is
//     "z" + base58btc(multicodec varint ‖ raw key), for ed25519-pub (0xed, 32
//     bytes) and p256-pub (0x1200, a 33-byte compressed point). The only
//     verification method is "<did>#<multibase value>". [KeyFromPublic]
//     creates one, [ResolveKey] expands one.
//   - did:web (https://w3c-ccg.github.io/did-method-web/): the document is
//     fetched over https from the DID's host. [WebURL] maps a DID to its
//     URL, [WebFromURL] an https origin (and path) to its DID, and a
//     [WebResolver] fetches, checks and caches documents through a
//     [Fetcher], normally an internal/safehttp client.
//
// Only P-256 (ES256) and Ed25519 (EdDSA) keys are accepted: all key handling
// goes through internal/jose.
//
// # Resolving keys
//
// [Resolver.ResolveKey] is what a verifier calls with the "kid" of a token.
// In order it checks:
//
//  1. the DID URL is absolute ("did:…#fragment"), without path or query;
//     a relative reference is refused (SECURITY.md E.42);
//  2. the DID is well-formed and its method supported; for did:jwk the
//     fragment must be "0" (did:jwk spec, "To create the DID URL");
//  3. the document is resolved (did:web: fetched through the SSRF-safe
//     fetcher, whose FETCH and LIMIT errors pass through), and its "id" is
//     the DID;
//  4. every verification method of the document — listed or embedded in a
//     relationship — has an id that, resolved against the DID, lies under the
//     DID, and a controller equal to the DID; exactly one has the requested
//     id;
//  5. the requested relationship ("assertionMethod", "authentication")
//     references that method;
//  6. the key is a P-256 or Ed25519 public key (no private part, JWK "use"
//     "sig" if present), and is returned with its key ID set to the DID URL.
//
// An unknown key ID is a TRUST error. For did:web it triggers at most one
// re-fetch of the document per refresh interval (key rotation) and leaves a
// negative-cache entry, so a flood of unknown key IDs does not turn into a
// flood of fetches (SECURITY.md E.43).
//
// # did:web host policy
//
// did:web hosts must be lowercase DNS names with at least two labels. IP
// literals and localhost names are refused (FETCH, SSRF, SECURITY.md E.40)
// unless [WithAllowLoopback] is given, which admits localhost and 127.0.0.0/8
// for development and tests. Internationalised names are refused (FMT,
// homographs, SECURITY.md E.44): raw non-ASCII is not valid DID syntax, and
// A-labels ("xn--…") and other labels with hyphens in the third and fourth
// position are refused unless [WithAllowPunycode] admits "xn--" labels.
// Path segments may contain only letters, digits, ".", "-" and "_", and
// may not be "." or ".."; percent-encoding is allowed only for the port
// colon ("%3A").
//
// # Errors
//
// Every error wraps one class of credentials (errors.Is): FMT for malformed
// DIDs, documents and keys, ALG for unsupported key types, TRUST for
// document-integrity failures and unknown or unauthorised keys, and FETCH or
// LIMIT from the fetcher.
//
// # Concurrency
//
// All functions are safe for concurrent use, and so are [WebResolver] and
// [Resolver] values. A [Document] is a plain value: it is not safe to
// modify one while another goroutine reads it; resolvers return a fresh copy
// on every call.
//
// credentials/ packages may import internal/ and other credentials/ packages; never issuer, wallet, verifier, bench or cmd.
package did
