package issuer

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/loopbrug/paspoort/credentials/oid4vci"
)

// ErrNotFound is returned by a Tx for a record that does not exist.
var ErrNotFound = errors.New("issuer: record not found")

// Store is where an issuer keeps its state: signing keys, offers, access
// tokens, c_nonces, issued-credential metadata and status list entries.
// Every Update is one atomic transaction that is durable (synced to disk)
// before Update returns, so a response sent after it never acknowledges a
// write that a crash could lose. A Store may run fn more than once (on a
// conflict), so fn must not have effects outside the transaction.
//
// The badger store (OpenBadgerStore) is the embedded default; another
// implementation (a shared SQL database for several replicas) plugs in
// here without touching the protocol code. Implementations are safe for
// concurrent use.
type Store interface {
	Update(ctx context.Context, fn func(Tx) error) error
	View(ctx context.Context, fn func(Tx) error) error
	// Ping reports whether the store can serve requests (/readyz).
	Ping(ctx context.Context) error
	Close() error
}

// Tx is one transaction of a Store. Get methods return ErrNotFound for a
// missing record.
type Tx interface {
	Keys() ([]KeyRecord, error)
	PutKey(KeyRecord) error

	Offer(id string) (*OfferRecord, error)
	// OfferIDByCode returns the id of the offer whose pre-authorized code
	// has the hash codeHash.
	OfferIDByCode(codeHash string) (string, error)
	// AddOffer stores a new offer and indexes it by its code hash.
	AddOffer(*OfferRecord) error
	// PutOffer updates an offer.
	PutOffer(*OfferRecord) error

	Token(hash string) (*TokenRecord, error)
	PutToken(*TokenRecord) error

	// UseNonce records that the c_nonce with the hash hash was used; the
	// record may be dropped after expires. It reports false when the nonce
	// was used before.
	UseNonce(hash string, expires time.Time) (bool, error)

	Credential(id string) (*CredentialRecord, error)
	PutCredential(*CredentialRecord) error
	// Credentials calls fn for every credential record in id order, from
	// the first id after "after"; fn returns false to stop.
	Credentials(after string, fn func(*CredentialRecord) bool) error

	// ClaimIndex marks index idx of list as allocated; it reports false
	// when it already was.
	ClaimIndex(list, idx int) (bool, error)
	// SetStatus records the status of an index; status 0 (VALID) removes
	// the entry.
	SetStatus(list, idx int, status uint8) error
	// Statuses calls fn for every index of list whose status is not VALID.
	Statuses(list int, fn func(idx int, status uint8)) error

	// Meta reads and writes small named values (the current status list).
	Meta(name string) ([]byte, error)
	PutMeta(name string, val []byte) error
}

// KeyRecord is a signing key. The private JWK is sensitive: a Store keeps
// it encrypted at rest.
type KeyRecord struct {
	// KID is the key's ID: the RFC 7638 thumbprint.
	KID string `json:"kid"`
	// PrivateJWK is the private key as a JWK.
	PrivateJWK json.RawMessage `json:"private_jwk"`
	CreatedAt  time.Time       `json:"created_at"`
	// RetiredAt is set when a newer key took over; a retired key still
	// verifies what it signed.
	RetiredAt time.Time `json:"retired_at,omitzero"`
}

// Offer states.
const (
	OfferPending  = "pending"
	OfferRedeemed = "redeemed"
	OfferLocked   = "locked"
)

// OfferRecord is a credential offer for one person. It holds claims and
// secrets (hashes of the pre-authorized code and tx_code): a Store keeps it
// encrypted at rest.
type OfferRecord struct {
	ID string `json:"id"`
	// CodeHash is the hash of the pre-authorized code.
	CodeHash string `json:"code_hash"`
	// TxCodeHash is the hash of the tx_code, empty when none is required.
	TxCodeHash string          `json:"tx_code_hash,omitempty"`
	TxCode     *oid4vci.TxCode `json:"tx_code,omitempty"`
	// Credentials lists what is offered, one entry per configuration.
	Credentials []OfferedCredential `json:"credentials"`
	// SubjectRef is the operator's own reference for the person (a
	// student number, say); it never enters a credential or status list.
	SubjectRef string    `json:"subject_ref,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	// Attempts counts wrong tx_codes.
	Attempts int    `json:"attempts"`
	State    string `json:"state"`
	// Object is the Credential Offer object served at credential_offer_uri
	// while the offer is pending.
	Object json.RawMessage `json:"object"`
	// Grant is the offer's grant type: GrantPreAuthorized (also when
	// empty, as in records written before the authorization code flow)
	// or GrantAuthorizationCode.
	Grant string `json:"grant,omitempty"`
	// IssuerStateHash is the hash of the secret part of the offer's
	// issuer_state (authorization_code grant).
	IssuerStateHash string `json:"issuer_state_hash,omitempty"`
	// Auth is the offer's authorization code flow in progress, nil before
	// its first pushed authorization request.
	Auth *AuthState `json:"auth,omitempty"`
}

// Offer grant types.
const (
	GrantPreAuthorized     = "pre-authorized_code"
	GrantAuthorizationCode = "authorization_code"
)

// AuthState is the authorization code flow of one offer: the pushed
// authorization request (RFC 9126) the holder's wallet made last, and the
// authorization code issued for it. Secrets are kept as hashes.
type AuthState struct {
	// RequestHash is the hash of the request_uri's secret part;
	// RequestExpiresAt its expiry (RFC 9126 §2.2 expires_in).
	RequestHash      string    `json:"request_hash"`
	RequestExpiresAt time.Time `json:"request_expires_at"`
	// OpenedAt is when the authorization page was first shown for the
	// request; the request_uri is not accepted again, and the page's form
	// is accepted until OpenedAt + the page lifetime.
	OpenedAt time.Time `json:"opened_at,omitzero"`
	// The authorization request's parameters.
	ClientID      string   `json:"client_id"`
	RedirectURI   string   `json:"redirect_uri"`
	State         string   `json:"state,omitempty"`
	CodeChallenge string   `json:"code_challenge"`
	Scopes        []string `json:"scopes"`
	// DPoPJKT binds the code to a DPoP key (RFC 9449 §10): dpop_jkt, or
	// the key of the DPoP proof sent with the request.
	DPoPJKT string `json:"dpop_jkt,omitempty"`
	// CodeHash is the hash of the authorization code's secret part, set
	// when the holder agreed; CodeExpiresAt its expiry.
	CodeHash      string    `json:"code_hash,omitempty"`
	CodeExpiresAt time.Time `json:"code_expires_at,omitzero"`
	// CodeUsed is set when the code was redeemed; TokenHash is the access
	// token it gave, revoked if the code comes back (RFC 6749 §4.1.2).
	CodeUsed  bool   `json:"code_used,omitempty"`
	TokenHash string `json:"token_hash,omitempty"`
}

// OfferedCredential is one offered credential configuration with its
// claims.
type OfferedCredential struct {
	ConfigurationID string          `json:"configuration_id"`
	Type            string          `json:"type"`
	Claims          json.RawMessage `json:"claims"`
}

// TokenRecord is an access token (stored by its hash).
type TokenRecord struct {
	Hash      string    `json:"hash"`
	OfferID   string    `json:"offer_id"`
	ExpiresAt time.Time `json:"expires_at"`
	// ClientID is the client_id of the token request, empty for anonymous
	// access; key proofs must then carry it as "iss".
	ClientID string `json:"client_id,omitempty"`
	// Issued counts the credentials issued with the token.
	Issued int `json:"issued"`
	// JKT, when set, binds the token to a DPoP key (RFC 9449 §6): it is
	// accepted only with the "DPoP" scheme and a proof by that key.
	JKT string `json:"jkt,omitempty"`
	// ConfigurationIDs, when set, limits the token to these of the
	// offer's credential configurations (the scopes granted).
	ConfigurationIDs []string `json:"configuration_ids,omitempty"`
}

// Credential statuses, as the admin API names them.
const (
	StatusValid     = "valid"
	StatusRevoked   = "revoked"
	StatusSuspended = "suspended"
)

// CredentialRecord is the metadata of an issued credential: never its
// disclosures, claims or holder key.
type CredentialRecord struct {
	ID              string    `json:"id"`
	OfferID         string    `json:"offer_id"`
	Type            string    `json:"type"`
	VCT             string    `json:"vct"`
	ConfigurationID string    `json:"configuration_id"`
	SubjectRef      string    `json:"subject_ref,omitempty"`
	StatusList      int       `json:"status_list"`
	StatusIndex     int       `json:"status_index"`
	Status          string    `json:"status"`
	IssuedAt        time.Time `json:"issued_at"`
	ExpiresAt       time.Time `json:"expires_at"`
	UpdatedAt       time.Time `json:"updated_at,omitzero"`
}
