// Package attest makes and checks the two attestations a HAIP 1.0 wallet
// shows a credential issuer:
//
//   - the Wallet Attestation (OpenID4VCI 1.0 Annex E), a Client Attestation
//     JWT ("oauth-client-attestation+jwt") of OAuth 2.0 Attestation-Based
//     Client Authentication (draft-ietf-oauth-attestation-based-client-auth
//     -07 §5.1, the version OpenID4VCI 1.0 names), sent with a Client
//     Attestation PoP JWT ("oauth-client-attestation-pop+jwt", §5.2) in the
//     OAuth-Client-Attestation and OAuth-Client-Attestation-PoP headers
//     (§6.1) at the PAR and token endpoints (HAIP §4.3, §4.4.1);
//   - the Key Attestation (OpenID4VCI 1.0 Annex D), a "key-attestation+jwt"
//     in which the wallet provider or the key store vouches for the keys a
//     credential is bound to, sent as the "key_attestation" header of a
//     "jwt" key proof or as an "attestation" proof (HAIP §4.5).
//
// Both are signed by a key certified in the JWT's "x5c" header (HAIP
// §4.4.1: "The public key certificate, and optionally a trust certificate
// chain, … MUST be included in the x5c JOSE header"), validated with
// credentials/pki to anchors the issuer configures for wallet providers.
// "kid" and "trust_chain" key resolution (allowed by Annex D for key
// attestations) are not supported and are refused with TRUST: HAIP names
// x5c, and an issuer that accepted a bare "kid" would need a key
// directory of every wallet provider.
//
// Every check is in the order of the draft's §8 "Verification and
// Processing", and every failure wraps one of this package's sentinels,
// each of a SECURITY.md class, so an endpoint can answer the error code the
// texts name: ErrChallenge → use_attestation_challenge, ErrStale →
// use_fresh_attestation, the rest → invalid_client (with
// invalid_client_attestation as the draft allows).
package attest
