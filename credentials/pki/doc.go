// Package pki holds the X.509 trust material of the HAIP profile (OpenID4VC
// High Assurance Interoperability Profile 1.0): development trust anchors
// and the leaf certificates they issue, PEM chains and anchor sets, the
// "x5c" JOSE header (RFC 7515 §4.1.6), chain validation against anchors
// with crypto/x509 (RFC 5280 path validation: time, basic constraints, name
// constraints; no hand-written path building), the "x509_hash" of a leaf
// (OpenID4VP 1.0 §5.9.3) and subject alternative name matching.
//
// Every error it returns wraps one of the credentials error classes (FMT,
// LIMIT, TRUST, CLAIM, ALG) through the sentinels in errors.go.
//
// The package is pure: no I/O, no logging. Anchors and Authority are safe
// for concurrent use once made.
//
// credentials/ packages may import internal/ and other credentials/ packages; never issuer, wallet, verifier, bench or cmd.
package pki
