package issuer

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/loopbrug/paspoort/credentials/oid4vci"
	"github.com/loopbrug/paspoort/credentials/pki"
	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/credentials/statuslist"
	"github.com/loopbrug/paspoort/internal/jose"
)

// Config is an issuer's configuration. Zero values take the defaults of
// DefaultConfig; New validates the whole once.
type Config struct {
	// URL is the public base URL and Credential Issuer Identifier: https,
	// host, optional port and path, no query or fragment. Required.
	URL string
	// Name is the issuer's display name per locale ("nl", "en"); at least
	// one entry is required.
	Name map[string]string
	// Types lists the PPP credential type names the issuer offers, such as
	// "skill"; empty means every PPP type. The credential configuration id
	// of a type is its name.
	Types []string
	// AdminToken is the bearer token of the admin API: at least 32
	// characters. Required.
	AdminToken string
	// SigningAlg is the algorithm of new signing keys: ES256 (default) or
	// EdDSA.
	SigningAlg jose.Alg
	// ProofAlgs are the accepted key proof algorithms (default ES256 and
	// EdDSA).
	ProofAlgs []jose.Alg
	// OfferTTL is how long an offer can be redeemed (default 7 days; an
	// admin request may ask for less).
	OfferTTL time.Duration
	// AccessTokenTTL is an access token's lifetime (default 5 minutes, the
	// most VCI §13.9 allows for bearer tokens).
	AccessTokenTTL time.Duration
	// NonceTTL is a c_nonce's lifetime (default 5 minutes).
	NonceTTL time.Duration
	// CredentialTTL is the validity of an issued credential (default 365
	// days).
	CredentialTTL time.Duration
	// TxCodeLength is the number of digits of a tx_code (default 6, at
	// least 4).
	TxCodeLength int
	// MaxTxCodeAttempts is the number of wrong tx_codes after which the
	// offer is locked (default 5; SECURITY.md C.29).
	MaxTxCodeAttempts int
	// BatchSize is the most proofs one credential request may carry, and
	// the most credentials one access token yields (default 10).
	BatchSize int
	// StatusListSize is the number of entries per status list (default
	// and minimum statuslist.HerdPrivacyMinEntries, 131072).
	StatusListSize int
	// StatusListTTL is the "ttl" of the status list token (default 5
	// minutes): how long relying parties cache it.
	StatusListTTL time.Duration
	// TLS, when set, makes Serve speak TLS on its listener.
	TLS *tls.Config
	// AllowLoopback admits loopback hosts in the did:web DID (development
	// and tests).
	AllowLoopback bool
	// X5CChain, when set, is the certificate chain of the signing key,
	// leaf first, without the trust anchor (HAIP 1.0 "Issuer
	// identification and key resolution"). Every SD-JWT VC is then signed
	// with an "x5c" header carrying it, beside the DID kid. New refuses to
	// start when the leaf does not certify the current signing key
	// (ChainKeyError), does not name URL (pki.MatchIssuer), is out of its
	// validity period, or when a certificate is not signed by the next;
	// and RotateKey is refused (ErrRotateWithChain). Default: none, the
	// DID profile only.
	X5CChain []*x509.Certificate
	// RequireDPoP refuses token requests without a DPoP proof (RFC 9449),
	// for the authorization code and the pre-authorized code flow alike,
	// so that every access token is DPoP-bound (HAIP 1.0 §4). Without it a
	// DPoP proof is honoured when sent and Bearer tokens are issued
	// otherwise. Default false (the DID profile).
	RequireDPoP bool
	// DPoPAlgs are the accepted DPoP proof algorithms (default ES256,
	// HAIP 1.0 §8).
	DPoPAlgs []jose.Alg
	// PARTTL is a request_uri's lifetime (default 60 s, RFC 9126 §2.2).
	PARTTL time.Duration
	// AuthCodeTTL is an authorization code's lifetime (default 2 minutes;
	// RFC 6749 §4.1.2 recommends at most 10).
	AuthCodeTTL time.Duration
	// ClientAttestationAnchors, when set, are the wallet providers' trust
	// anchors: a client attestation (OAuth-Client-Attestation and
	// -PoP headers, draft-ietf-oauth-attestation-based-client-auth, HAIP
	// 1.0 §4.4.1) sent to the PAR or token endpoint is verified against
	// them and its sub must be the client_id. Default: none (public
	// clients; the headers are ignored).
	ClientAttestationAnchors *pki.Anchors
	// RequireClientAttestation refuses PAR and token requests without a
	// valid client attestation (invalid_client). It needs
	// ClientAttestationAnchors.
	RequireClientAttestation bool
	// RequireKeyAttestation refuses credential requests whose keys are not
	// attested by a wallet provider under ClientAttestationAnchors (VCI
	// Appendix D; HAIP 1.0 §4.5.1): a "jwt" proof must carry a
	// key_attestation, or the request uses the "attestation" proof type.
	// The metadata then says key_attestations_required. With the anchors
	// and without this, key attestations are checked when sent. It needs
	// ClientAttestationAnchors.
	RequireKeyAttestation bool
}

// DefaultConfig returns every default written out.
func DefaultConfig() Config {
	return Config{
		SigningAlg:        jose.ES256,
		ProofAlgs:         []jose.Alg{jose.ES256, jose.EdDSA},
		OfferTTL:          7 * 24 * time.Hour,
		AccessTokenTTL:    5 * time.Minute,
		NonceTTL:          5 * time.Minute,
		CredentialTTL:     365 * 24 * time.Hour,
		TxCodeLength:      6,
		MaxTxCodeAttempts: 5,
		BatchSize:         10,
		StatusListSize:    statuslist.HerdPrivacyMinEntries,
		StatusListTTL:     5 * time.Minute,
		DPoPAlgs:          []jose.Alg{jose.ES256},
		PARTTL:            60 * time.Second,
		AuthCodeTTL:       2 * time.Minute,
	}
}

// withDefaults fills the zero fields of c from DefaultConfig.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.SigningAlg == "" {
		c.SigningAlg = d.SigningAlg
	}
	if len(c.ProofAlgs) == 0 {
		c.ProofAlgs = d.ProofAlgs
	}
	if len(c.DPoPAlgs) == 0 {
		c.DPoPAlgs = d.DPoPAlgs
	}
	for _, p := range []struct{ v, d *time.Duration }{
		{&c.OfferTTL, &d.OfferTTL}, {&c.AccessTokenTTL, &d.AccessTokenTTL}, {&c.NonceTTL, &d.NonceTTL},
		{&c.CredentialTTL, &d.CredentialTTL}, {&c.StatusListTTL, &d.StatusListTTL},
		{&c.PARTTL, &d.PARTTL}, {&c.AuthCodeTTL, &d.AuthCodeTTL},
	} {
		if *p.v == 0 {
			*p.v = *p.d
		}
	}
	for _, p := range []struct{ v, d *int }{
		{&c.TxCodeLength, &d.TxCodeLength}, {&c.MaxTxCodeAttempts, &d.MaxTxCodeAttempts},
		{&c.BatchSize, &d.BatchSize}, {&c.StatusListSize, &d.StatusListSize},
	} {
		if *p.v == 0 {
			*p.v = *p.d
		}
	}
	if len(c.Types) == 0 {
		for _, t := range ppp.Types() {
			if !t.SelfIssued() {
				c.Types = append(c.Types, t.Name)
			}
		}
	}
	return c
}

// Validate checks a configuration with its defaults filled in.
func (c Config) Validate() error {
	var errs []error
	if err := oid4vci.CheckIssuerIdentifier(c.URL); err != nil {
		errs = append(errs, fmt.Errorf("url: %w", err))
	} else if u, _ := url.Parse(c.URL); strings.HasSuffix(u.Path, "/") {
		errs = append(errs, errors.New("url: must not end in /"))
	}
	if len(c.Name) == 0 {
		errs = append(errs, errors.New("name: at least one locale is required"))
	}
	if len(c.AdminToken) < 32 {
		errs = append(errs, errors.New("admin token: at least 32 characters"))
	}
	if c.SigningAlg != jose.ES256 && c.SigningAlg != jose.EdDSA {
		errs = append(errs, fmt.Errorf("signing alg %q: want ES256 or EdDSA", c.SigningAlg))
	}
	for _, a := range c.ProofAlgs {
		if !slices.Contains(jose.DefaultAlgs, a) {
			errs = append(errs, fmt.Errorf("proof alg %q: want ES256 or EdDSA", a))
		}
	}
	for _, t := range c.Types {
		if pt, ok := ppp.Lookup(t); !ok {
			errs = append(errs, fmt.Errorf("type %q: not a PPP type (%s)", t, strings.Join(ppp.Names(), ", ")))
		} else if pt.SelfIssued() {
			errs = append(errs, fmt.Errorf("type %q: the holder issues it to herself, not an issuer", t))
		}
	}
	for _, a := range c.DPoPAlgs {
		if !slices.Contains(jose.DefaultAlgs, a) {
			errs = append(errs, fmt.Errorf("dpop alg %q: want ES256 or EdDSA", a))
		}
	}
	if c.PARTTL < 5*time.Second || c.PARTTL > 10*time.Minute {
		errs = append(errs, errors.New("par ttl: 5s to 10m"))
	}
	if c.AuthCodeTTL < 10*time.Second || c.AuthCodeTTL > 10*time.Minute {
		errs = append(errs, errors.New("authorization code ttl: 10s to 10m (RFC 6749 §4.1.2)"))
	}
	if c.RequireKeyAttestation && c.ClientAttestationAnchors == nil {
		errs = append(errs, errors.New("require key attestation: needs the wallet providers' anchors (client attestation anchors)"))
	}
	if c.RequireClientAttestation && c.ClientAttestationAnchors == nil {
		errs = append(errs, errors.New("require client attestation: needs the wallet providers' trust anchors"))
	}
	if c.TxCodeLength < 4 || c.TxCodeLength > 12 {
		errs = append(errs, errors.New("tx code length: 4 to 12 digits"))
	}
	if c.MaxTxCodeAttempts < 1 || c.MaxTxCodeAttempts > 20 {
		errs = append(errs, errors.New("max tx code attempts: 1 to 20"))
	}
	if c.BatchSize < 1 || c.BatchSize > oid4vci.MaxProofs {
		errs = append(errs, fmt.Errorf("batch size: 1 to %d", oid4vci.MaxProofs))
	}
	if c.StatusListSize < statuslist.HerdPrivacyMinEntries || c.StatusListSize > statuslist.MaxEntries(2) || c.StatusListSize%4 != 0 {
		errs = append(errs, fmt.Errorf("status list size: a multiple of 4 from %d to %d", statuslist.HerdPrivacyMinEntries, statuslist.MaxEntries(2)))
	}
	if c.AccessTokenTTL > 5*time.Minute || c.AccessTokenTTL < time.Second {
		errs = append(errs, errors.New("access token ttl: 1s to 5m (bearer tokens are short-lived, VCI §13.9)"))
	}
	if c.NonceTTL < time.Second || c.OfferTTL < time.Minute || c.CredentialTTL < time.Hour || c.StatusListTTL < time.Minute {
		errs = append(errs, errors.New("ttl: nonce ≥1s, offer ≥1m, credential ≥1h, status list ≥1m"))
	}
	return errors.Join(errs...)
}

// Option configures New.
type Option func(*options) error

type options struct {
	logger   *slog.Logger
	now      func() time.Time
	registry *prometheus.Registry
}

// WithLogger sets the logger (default: discard). Logs never carry tokens,
// codes, keys or claim values; credential and offer IDs only.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return errors.New("issuer: nil logger")
		}
		o.logger = l
		return nil
	}
}

// WithClock sets the clock (default time.Now).
func WithClock(now func() time.Time) Option {
	return func(o *options) error {
		if now == nil {
			return errors.New("issuer: nil clock")
		}
		o.now = now
		return nil
	}
}

// WithRegistry registers the issuer's metrics with r instead of a registry
// of its own; /metrics serves r. Several issuers in one process need their
// own registries (the default) or distinct const labels.
func WithRegistry(r *prometheus.Registry) Option {
	return func(o *options) error {
		if r == nil {
			return errors.New("issuer: nil registry")
		}
		o.registry = r
		return nil
	}
}
