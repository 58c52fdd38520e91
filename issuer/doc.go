// Package issuer is the paspoort credential issuer: an assessment provider,
// employer or school runs it to issue PPP credentials (SD-JWT VC,
// "dc+sd-jwt") to any OpenID4VCI 1.0 wallet with the Pre-Authorized Code
// Flow or, for HAIP 1.0 wallets, the Authorization Code Flow, and to revoke
// them through a Token Status List.
//
// # Parts
//
//   - Identity and keys: an ES256 (or EdDSA) signing key, created on first
//     start and kept in the Store, encrypted at rest; a did:web DID whose
//     document is served at /.well-known/did.json (or <path>/did.json);
//     JWT VC Issuer Metadata with the JWKS at /.well-known/jwt-vc-issuer.
//     RotateKey retires the signing key but keeps it published, so what it
//     signed keeps verifying. Every key's "kid" is a DID URL of the did:web
//     DID; credentials carry "iss" = the Credential Issuer Identifier (the
//     issuer URL), so verifiers find the key through JWT VC Issuer Metadata.
//   - Metadata: Credential Issuer Metadata (one dc+sd-jwt configuration per
//     PPP type, id = the type name, display in nl and en, claims metadata)
//     and OAuth Authorization Server Metadata: the issuer is its own
//     authorization server.
//   - Offers (CreateOffer): claims validated against the PPP JSON Schema
//     (field-level errors), an optional numeric tx_code, an expiry; the
//     offer URI by value and by reference, and a QR code PNG.
//   - Flow: Token (single-use pre-authorized code, tx_code with an attempt
//     limit that locks the offer), Nonce (single-use c_nonce), Credential
//     (bearer access token, "jwt" key proofs, one credential per proven key
//     up to batch_size, each bound to its key by cnf and given a random
//     status list index).
//   - Authorization Code Flow (authcode.go, HAIP 1.0 §4): pushed
//     authorization requests (always required, RFC 9126) carrying an
//     offer's issuer_state, PKCE with S256 only (RFC 7636), the
//     authorization page (Dutch, English with ?lang=en) where the holder
//     confirms and enters the offer's tx_code, single-use codes bound to
//     client_id, redirect_uri and, with dpop_jkt or a DPoP proof at PAR,
//     a DPoP key; "iss" in the redirect (RFC 9207).
//   - DPoP (dpop.go, RFC 9449 with credentials/dpop): access tokens bound
//     to the key of the token request's proof (token_type DPoP), accepted
//     at the credential endpoint only with the DPoP scheme and a fresh
//     proof with ath; server nonces in DPoP-Nonce; the jti replay records
//     in the Store, shared by replicas. Config.RequireDPoP makes DPoP
//     mandatory in both flows.
//   - Client attestation (clientauth.go, credentials/attest): wallet
//     attestations verified against Config.ClientAttestationAnchors at PAR
//     and token, required with Config.RequireClientAttestation.
//   - Revocation: status lists of at least 131072 two-bit entries, served
//     as statuslist+jwt tokens at <url>/status/<n> with a ttl; SetStatus
//     revokes (final), suspends and reinstates.
//   - Admin API under <path>/admin, behind a bearer token: offers (one, or
//     in bulk from CSV or JSON Lines with streamed results), issued
//     credential metadata (never claims or disclosures), status changes,
//     key rotation.
//   - Operations: /healthz, /readyz, /metrics (Prometheus, a registry per
//     issuer by default), request body limits, server timeouts, graceful
//     shutdown in Serve, slog logs with IDs only (never tokens, codes, keys
//     or claim values).
//
// # Storage
//
// State lives behind the Store interface; BadgerStore is the embedded
// default. Every write that acknowledges something (a redeemed code, an
// issued credential, a status change) is committed durably before the
// response; badger groups concurrent commits into shared fsyncs.
//
// # Concurrency
//
// An Issuer is safe for concurrent use. New starts no goroutines; Serve
// runs until its context ends. Several issuers can run in one process, each
// with its own Store, URL, listener and metrics registry (paspoort dev).
//
// It may import credentials/ and internal/; never the wallet or the verifier (the parties meet over HTTP only), bench or cmd.
package issuer
