// Package replicas holds the end-to-end tests of issuer and verifier
// replicas sharing one PostgreSQL database: the paspoort binary built
// from this tree, two "issuer serve --store" and two "verifier serve
// --store" child processes on their own ports, and holders driven over
// HTTP. The tests get their database from internal/pg/pgtest and skip
// only when no PostgreSQL is available. There is no code outside the
// tests.
package replicas
