// Package oid4vci holds the protocol pieces of OpenID for Verifiable
// Credential Issuance 1.0 ("VCI" below; openid/OpenID4VCI, 1.0 final with
// errata) that an issuer and a wallet share: the Credential Offer and its
// openid-credential-offer:// URI (VCI §4.1), Credential Issuer Metadata
// (§12.2) and the Authorization Server Metadata members the Pre-Authorized
// Code Flow needs (§12.3), the Token Request and Response (§6), the Nonce
// Response (§7), the Credential Request and Response (§8), error responses
// (§6.3, §8.3.1) and key proofs of the "jwt" proof type (Appendix F.1):
// BuildProof for the holder, VerifyProof for the issuer.
//
// The package is pure: no HTTP, no storage, no logging. Parsers are strict
// (internal/strictjson: no duplicate members, bounded size and depth) and
// ignore unrecognised members, as VCI asks. Every error wraps one class of
// package credentials, and the sentinels of errors.go map to the error codes
// of VCI with CodeOf.
//
// # Key proofs
//
// VerifyProof checks an openid4vci-proof+jwt in this order (VCI Appendix
// F.1, F.4; RFC 8725; SECURITY.md C.28):
//
//  1. size limit and compact JWS form (internal/jose);
//  2. "typ" is exactly "openid4vci-proof+jwt";
//  3. "alg" on the caller's allow-list (never "none" or a MAC);
//  4. the key: exactly one of "kid" and "jwk" ("x5c" is not supported); a
//     "jwk" must be a public P-256 or Ed25519 key without "d"; a "kid" must
//     be a did:jwk or did:key DID URL, resolved without any fetch;
//  5. the signature with that key;
//  6. the claims: "aud" a single string equal to the Credential Issuer
//     Identifier; "iat" a number not in the future (beyond the leeway) and
//     not older than the maximum age; "nonce" a string, present when the
//     policy requires one and equal to the expected c_nonce when the policy
//     names one; "iss", when present, equal to the client_id when the
//     policy has one, and, when it is a DID, the DID of the proving key.
//
// Whether a c_nonce is fresh and unused is for the issuer's store to
// decide: VerifyProof returns the nonce, the issuer consumes it.
//
// All functions are safe for concurrent use; values are plain data.
//
// credentials/ packages may import internal/ and other credentials/ packages; never issuer, wallet, verifier, bench or cmd.
package oid4vci
