// Package jose is paspoort's only door to JOSE: JWK keys, compact JWS and
// (later) JWE. It is the only package that imports lestrrat-go/jwx (JWK, JWS)
// and go-jose (JWE), so the rules of SECURITY.md section A are enforced in
// one place:
//
//   - Algorithms come from a required allow-list (ES256 on P-256, EdDSA on
//     Ed25519); "none", MACs and everything else are refused with
//     credentials.ErrAlg, and one key is used with one algorithm only.
//   - Only the compact serialisation is accepted, with exactly three
//     segments of the base64url alphabet, strictly decoded; size limits are
//     checked before splitting.
//   - Headers are parsed with strictjson: duplicate members are refused; an
//     unknown "crit" is refused.
//   - Keys come only from the caller, never from a header (jwk, jku, x5u,
//     x5c are never used for verification here).
//   - "typ" is compared exactly.
//   - JWE (jwe.go): compact only, ECDH-ES on P-256 or dir, A128GCM/A256GCM, never "zip", sizes bounded before parsing.
//
// All types are immutable after construction and safe for concurrent use.
package jose
