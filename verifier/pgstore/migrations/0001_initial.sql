-- The verifier's transactions on PostgreSQL (or CockroachDB). record is
-- the transaction sealed with AES-256-GCM under the verifier's sealing key
-- (bound to its table and id); id, state and kid are HMACs under a key
-- derived from it, since a transaction id opens its request object and a
-- state finds the transaction a response answers. status is what the
-- atomic decision checks; expires_at is the end of the transaction's
-- lifetime, then of its retention.
CREATE TABLE verifier_transactions (
	id         BYTEA PRIMARY KEY,
	state      BYTEA NOT NULL UNIQUE,
	kid        BYTEA UNIQUE,
	status     TEXT NOT NULL,
	expires_at TIMESTAMPTZ NOT NULL,
	record     BYTEA NOT NULL
);
CREATE INDEX verifier_transactions_expires ON verifier_transactions (expires_at);
