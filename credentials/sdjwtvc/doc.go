// Package sdjwtvc implements the SD-JWT VC profile (draft-ietf-oauth-sd-jwt-vc)
// on top of package sdjwt: the "dc+sd-jwt" typ, the registered claims (vct,
// iss, iat, nbf, exp, cnf, status) and which of them may never be selectively
// disclosed, issuer key resolution through Issuer Signature Mechanisms (a DID
// URL in "kid", JWT VC Issuer Metadata at /.well-known/jwt-vc-issuer, or an
// "x5c" chain to configured X.509 anchors: X509Keys), the
// status check through a caller-supplied checker, and Type Metadata
// documents with their integrity strings.
//
// A Verifier is safe for concurrent use. The package does no I/O of its own:
// key resolvers and status checkers are handed in by the caller, who owns
// their limits and timeouts.
//
// credentials/ packages may import internal/ and other credentials/ packages; never issuer, wallet, verifier, bench or cmd.
package sdjwtvc
