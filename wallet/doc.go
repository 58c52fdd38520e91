// Package wallet is the holder wallet of paspoort: the overstapper's own
// encrypted paspoort on their own machine.
//
// # Storage
//
// A Wallet keeps its records in a Store (the embedded default is badger, in
// a data folder, OpenStore). The store only ever sees sealed bytes:
//
//   - argon2id (RFC 9106; parameters stored in the header and bounded
//     whenever they are read) derives a key-encryption key from the
//     passphrase, which unwraps the wallet's random 256-bit data key. A
//     wrong passphrase is ErrWrongPassphrase; nothing is ever re-created.
//     ChangePassphrase re-wraps the data key; the old passphrase stops
//     working.
//   - Each credential has its own random data key (KindDEK, sealed with
//     the wallet's), which seals its summary and claims (KindCredential)
//     and its SD-JWT copies with their holder keys (KindSecret). Deleting
//     the credential deletes its key (crypto-shredding).
//   - Every record is sealed with AES-256-GCM with its record key as
//     associated data (internal/kv Sealer), so a record flipped on disk or
//     moved to another id does not open (ErrCorrupt).
//   - A credential's records are written in one transaction, synced before
//     Add returns: after a crash it is complete or absent.
//
// Record ids are random (credentials) or time-ordered (history) and say
// nothing about the content.
//
// # Keys
//
// Holder keys (ES256 by default, EdDSA optionally) are generated in the
// wallet, a fresh one per credential and per batch copy, so verifiers
// cannot link presentations by cnf. They are stored only sealed, with the
// credential they are bound to, and leave the wallet only inside an
// encrypted backup (Export).
//
// # Using it
//
// Add verifies and stores a credential (the OpenID4VCI client in
// receive.go uses it); Credentials, Credential and CheckStatus show
// "my paspoort"; MatchQuery matches a DCQL query and MatchProfile a
// requirement profile, privately; the OpenID4VP client (present.go) shares
// with consent and records every presentation in the History; Export and
// Import move a wallet to another machine.
//
// # HTTP API
//
// Server (wallet serve) exposes the same operations as JSON for the web
// wallet, bound to localhost: a session opened with the passphrase
// (HttpOnly, SameSite=Strict cookie, idle timeout that locks the wallet),
// a Host allow-list against DNS rebinding, an Origin check and a
// per-session CSRF token (X-CSRF-Token) on every state-changing request;
// Server.Handler documents the routes. Echo stays in http.go and
// http_api.go.
//
// A Wallet is safe for concurrent use. It logs (WithLogger) ids, types and
// hosts, never claim values, tokens or keys.
package wallet
