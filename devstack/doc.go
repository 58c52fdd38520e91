// Package devstack wires the demo organisations of the Loopbrug together in
// one process: the engine of `paspoort dev` and `paspoort demo`.
//
// A Stack (New, then Run) holds three issuers (package issuer) —
// Assessment Centrum Loopbrug (talents, drives, working and thinking level,
// goal, agility, skills), NS as Miranda's employer (experience, references)
// and Hogeschool Domstad (completed modules) —, two verifiers (package
// verifier) — Hogeschool Domstad's admission to the part-time secondary
// teacher training (the shipped profile tweedegraads-lerarenopleiding) and
// Stedelijk College Domstad hiring into a leerwerktraject (this package's
// profile docent-leerwerktraject) —, and the holder's wallet (package
// wallet), optionally served as the wallet API. Each has its own embedded
// badger store, keys and admin token in a sub-folder of one data folder;
// a second start on the same folder finds everything again.
//
// The services meet only over HTTP, as real parties do: the issuers and
// verifiers speak https on 127.0.0.1 with certificates of a development CA
// that the stack creates in its data folder (name-constrained to loopback),
// so that the verifiers are decentralized_identifier clients with did:web
// identifiers and the issuers are https Credential Issuers, exactly as in
// production. Loopback addresses are allowed explicitly (the services'
// AllowLoopback options), and the stack's own clients — the wallet, the
// verifiers' fetchers and the admin calls — trust only the dev CA and
// connect only to loopback addresses.
//
// With Options.ServeWallet the stack also serves the web pages on plain
// http (so a browser needs no certificate): the web wallet (wallet/web),
// each issuer's desk (issuer/web) and each verifier's desk (verifier/web).
// The web wallet and the wallet API each unlock their own Wallet on the one
// store; use one of them at a time (wallet.Server does not share its
// unlocked Wallet).
//
// Ports: from Options.BasePort (DefaultBasePort for `paspoort dev`), the
// wallet API, the issuers and the verifiers in the order above, then the
// web wallet, the issuer desks and the verifier desks, then the consortium
// register and the wallet provider (Ports in all); 0 picks random free
// ports (tests, `paspoort demo`).
//
// Options.Profile chooses the DID profile (the default) or the HAIP 1.0
// profile on X.509 (haip.go): a development anchor in DATA/pki certifies
// every issuer, verifier and the wallet provider; issuers take the
// authorization code flow with PAR, PKCE and DPoP and require Wallet and
// Key Attestations; verifiers are identified by x509_hash.
//
// Demo runs the story of Miranda against a running Stack and prints each
// step; it returns nil only if every step verified.
//
// It wires the three parties together, so it may import them all; nothing but cmd/ and tests may import it.
package devstack
