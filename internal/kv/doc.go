// Package kv holds the badger helpers every embedded store in paspoort
// shares (the issuer's, the verifier's and the wallet's), so the rules of
// SECURITY.md section G are applied once:
//
//   - SyncWrites is always on: a transaction that Update reports committed
//     is on disk (badger#2000 lost values without it).
//   - One transaction is one atomic unit; it is never split, whatever its
//     size, and never lost to a concurrent one.
//   - Concurrent Updates are committed in groups (group.go): one committer
//     runs them one after the other and commits the group with one synced
//     badger commit, so one flush serves many transactions. (Badger alone
//     flushes its write-ahead log once per transaction.)
//   - A wrong encryption key fails closed with ErrKeyMismatch; a database
//     is never recreated empty.
//   - Sealer adds per-record authenticated encryption (AES-256-GCM with the
//     record id as associated data), since badger's own encryption is
//     AES-CTR with a CRC and no MAC.
//
// A DB is safe for concurrent use; a Txn is used by one goroutine, inside
// the function given to Update or View.
//
// It must never import a package of this module outside internal/ (see internal/layering).
package kv
