// Package clientattest implements OAuth 2.0 Attestation-Based Client
// Authentication (draft-ietf-oauth-attestation-based-client-auth, the
// version HAIP 1.0 cites, -07, with the Client Attestation PoP JWT as the
// proof of possession): the Client Attestation JWT a wallet provider signs
// for a wallet instance (typ oauth-client-attestation+jwt; sub the
// client_id, exp, cnf.jwk), and the Client Attestation PoP JWT the
// instance signs with that key for each request (typ
// oauth-client-attestation-pop+jwt; aud the authorization server's issuer
// identifier, jti, iat), sent in the OAuth-Client-Attestation and
// OAuth-Client-Attestation-PoP headers.
//
// The attestation's signing key is found in its "x5c" header, which must
// chain to one of the wallet providers' trust anchors (HAIP 1.0 §4.4.1,
// credentials/pki). Verify checks, in order (draft §7.1, §7.2):
//
//  1. exactly one OAuth-Client-Attestation and one
//     OAuth-Client-Attestation-PoP header;
//  2. the attestation: compact JWT, typ, alg on the allow-list (never
//     none or a MAC), x5c validated to an anchor at now, the signature by
//     the leaf's key, sub, exp not passed (with leeway), nbf and iat not
//     in the future, cnf.jwk a public key;
//  3. sub equal to the request's client_id, when one was sent (§7.1
//     point 7);
//  4. the PoP: compact JWT, typ, alg on the list, the signature by
//     cnf.jwk, aud the issuer identifier (a string, or an array holding
//     only it), jti, iat within the window;
//  5. the PoP's jti not seen before (§11.1), in the caller's replay cache.
//
// Every failure wraps ErrInvalidClient (error code invalid_client) and
// the class of its cause. The package does no I/O of its own.
package clientattest
