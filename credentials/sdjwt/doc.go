// Package sdjwt implements Selective Disclosure for JWTs, RFC 9901, exactly:
// issuance with selectively disclosable object properties and array elements
// at any depth and decoy digests (§4, §5); holder-side selection of
// disclosures by claim path, where a nested claim pulls in its parents (§5.2,
// §7.2); presentation with a Key Binding JWT (§4.3); and verification per
// §7.1 and §7.3.
//
// The hash algorithm is always sha-256 (SECURITY.md B.18, HAIP): an
// "_sd_alg" naming anything else is refused with credentials.ErrAlg.
//
// Claim paths are JSON Pointers (RFC 6901) into the processed claims: the
// claims as they read once every disclosure in hand has been applied. An array
// element's index counts the elements a reader with every disclosure would
// see (decoys are never counted).
//
// The package does no I/O and keeps no state; everything is safe for
// concurrent use. It never logs.
//
// credentials/ packages may import internal/ and other credentials/ packages; never issuer, wallet, verifier, bench or cmd.
package sdjwt
