-- The issuer's state on PostgreSQL (or CockroachDB). Every record column
-- holds a record sealed with AES-256-GCM under a key derived from the
-- issuer's master key, bound to its table and id; every id that stands
-- for a secret (a pre-authorized code hash, an access token hash, a
-- c_nonce hash, an offer id, which opens the offer object and so its
-- code) is an HMAC under another key derived from the master key. Credential ids are
-- opaque handles the admin API pages through in order: they are kept as
-- they are. Status list entries are what the published status lists say.
CREATE TABLE issuer_keys (
	id     BYTEA PRIMARY KEY,
	record BYTEA NOT NULL
);
CREATE TABLE issuer_offers (
	id     BYTEA PRIMARY KEY,
	code   BYTEA NOT NULL UNIQUE,
	record BYTEA NOT NULL
);
CREATE TABLE issuer_tokens (
	id         BYTEA PRIMARY KEY,
	expires_at TIMESTAMPTZ NOT NULL,
	record     BYTEA NOT NULL
);
CREATE INDEX issuer_tokens_expires ON issuer_tokens (expires_at);
CREATE TABLE issuer_nonces (
	id         BYTEA PRIMARY KEY,
	expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX issuer_nonces_expires ON issuer_nonces (expires_at);
CREATE TABLE issuer_credentials (
	id     TEXT PRIMARY KEY,
	record BYTEA NOT NULL
);
CREATE TABLE issuer_status_index (
	list BIGINT NOT NULL,
	idx  BIGINT NOT NULL,
	PRIMARY KEY (list, idx)
);
CREATE TABLE issuer_status (
	list   BIGINT NOT NULL,
	idx    BIGINT NOT NULL,
	status SMALLINT NOT NULL,
	PRIMARY KEY (list, idx)
);
CREATE TABLE issuer_meta (
	id     BYTEA PRIMARY KEY,
	record BYTEA NOT NULL
);
