// Package dpop implements OAuth 2.0 Demonstrating Proof of Possession
// (DPoP, RFC 9449): creating DPoP proofs (the client side, NewProof) and
// checking them (the server side, Verify), server-provided nonces
// (Nonces, RFC 9449 §8 and §9), a bounded, expiring jti replay cache
// (MemoryReplayCache) and the JWK SHA-256 thumbprint ("jkt", RFC 7638) a
// token or an authorization code is bound to.
//
// Verify checks, in the order of RFC 9449 §4.3:
//
//  1. exactly one DPoP header field;
//  2. a single well-formed compact JWT (size limit first);
//  3. typ is "dpop+jwt" (point 4);
//  4. alg is on the caller's allow-list: asymmetric, never "none" or a MAC
//     (point 5);
//  5. the jwk header is a public key, without private members (point 7),
//     and the only key reference (no kid, x5c, jku);
//  6. the signature verifies with that key (point 6);
//  7. the claims jti, htm, htu and iat are present with the right types
//     (point 3);
//  8. htm equals the request method (point 8);
//  9. htu equals the request URL, both without query and fragment and
//     after syntax- and scheme-based normalisation (RFC 3986 §6.2.2,
//     §6.2.3; point 9);
//  10. a nonce, when the server requires one, is one it issued and is
//     fresh (point 10; ErrUseNonce);
//  11. iat lies within the window (point 11);
//  12. with an access token, ath is its hash (point 12), and the key is
//     the one the token is bound to (BoundJKT);
//  13. the jti was not seen before for this key (RFC 9449 §11.1;
//     ErrReplayed).
//
// Every failure wraps ErrInvalidProof (HTTP error code invalid_dpop_proof)
// and the class of its cause, except a missing or stale server nonce,
// which wraps ErrUseNonce (use_dpop_nonce).
//
// The package does no I/O of its own: the replay cache is handed in by
// the caller. A deployment with several replicas must hand in a cache
// they share (the issuer uses its store's single-use records).
package dpop
