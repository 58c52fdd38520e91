// Package consortium is the consortium's side of the register: the
// folder the toolbox ("paspoort trust") keeps (the draft, the signing key
// sealed with a passphrase, every signed version) and the small echo
// server that publishes it (NewHandler). The register's format, signing
// and verification are credentials/registry's; this package does the
// disk and the HTTP around it.
//
// A consortium folder:
//
//	draft.json            the consortium and its members, edited by the toolbox
//	keys/signing.sealed   the ES256 signing key, sealed (argon2id + AES-256-GCM), mode 0600
//	register-key.json     the public key that signed the latest version: the key to pin
//	versions/N.jwt        every signed version, from 1
package consortium
