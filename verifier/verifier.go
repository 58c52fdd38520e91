package verifier

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/loopbrug/paspoort/credentials/did"
	"github.com/loopbrug/paspoort/credentials/oid4vp"
	"github.com/loopbrug/paspoort/credentials/pki"
	"github.com/loopbrug/paspoort/credentials/profile"
	"github.com/loopbrug/paspoort/credentials/registry"
	"github.com/loopbrug/paspoort/credentials/sdjwtvc"
	"github.com/loopbrug/paspoort/credentials/statuslist"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/safehttp"
)

// Config is what a verifier must be given.
type Config struct {
	// BaseURL is the verifier's public URL, such as
	// https://toelating.domstad.nl. The request objects are served at
	// BaseURL/request/{id} and responses received at BaseURL/response.
	// http is allowed only for a loopback host with WithAllowLoopback.
	BaseURL string
	// SigningKey signs request objects and receipts. Its key ID is set
	// to the verifier DID's verification method (DID + "#key-1").
	SigningKey *jose.PrivateKey
	// ClientIDPrefix is the Client Identifier Prefix (OpenID4VP §5.9.3):
	// oid4vp.PrefixDecentralizedIdentifier (the default; client_id
	// "decentralized_identifier:" + DID, request objects signed with
	// SigningKey); oid4vp.PrefixX509Hash (HAIP 1.0 §5; client_id
	// "x509_hash:" + the SHA-256 of X5CChain's leaf) or
	// oid4vp.PrefixX509SANDNS (client_id "x509_san_dns:" + BaseURL's
	// host), request objects signed with SigningKey and carrying X5CChain
	// in "x5c", responses only in direct_post.jwt (HAIP 1.0 §5); or, for
	// development only, oid4vp.PrefixRedirectURI (client_id
	// "redirect_uri:" + BaseURL + "/response", unsigned request objects,
	// which wallets accept only when told to; this is how `paspoort dev`
	// runs verifiers on plain http://127.0.0.1).
	ClientIDPrefix string
	// X5CChain is the certificate chain of an x509_hash or x509_san_dns
	// verifier, leaf first, the trust anchor left out: the leaf certifies
	// SigningKey with keyUsage digitalSignature and, for x509_san_dns,
	// names BaseURL's host as a dNSName SAN. New refuses a chain that does
	// not certify the key (*ChainKeyError), is out of its validity period
	// (pki.ErrExpired, pki.ErrNotYetValid), is not a chain
	// (pki.ErrUntrusted) or does not name the host (pki.ErrNameMismatch),
	// and a chain given with another prefix. Wallets validate it to their
	// own anchors.
	X5CChain []*x509.Certificate
	// DID is the verifier's DID: with the decentralized_identifier
	// prefix its client_id, and the "iss" of receipts. Empty means the
	// did:web of BaseURL, whose document the verifier serves at
	// /.well-known/did.json (or BaseURL/did.json when BaseURL has a path),
	// or, with the redirect_uri prefix, the did:jwk of SigningKey.
	DID string
	// Profiles are the requirement profiles served; at least one.
	Profiles []*profile.Profile
	// Catalogues are the module catalogues learning plans are made from.
	Catalogues []*profile.Catalogue
	// Trust provides the trust list.
	Trust TrustSource
	// TrustAnchors, when set, are the X.509 trust anchors for issuers
	// (HAIP 1.0 §7.1): a credential whose "x5c" chains to one of them has
	// its issuer key from the chain (sdjwtvc.X509Keys, before any other
	// mechanism), and counts only as far as a trust list entry naming
	// that anchor allows (TrustedIssuer.Anchor); its status list must be
	// signed under the same anchor. A credential with an x5c that does not
	// chain to them is refused (TRUST). Nil ignores x5c headers.
	TrustAnchors *pki.Anchors
	// RequireAnchoredIssuers asks, in every Credential Query, for
	// credentials whose chain leads to TrustAnchors (DCQL
	// trusted_authorities of type "aki", OpenID4VP 1.0 §6.1.1), and
	// refuses a presented credential that does not match it (CLAIM). It
	// needs TrustAnchors, each with a subject key identifier.
	RequireAnchoredIssuers bool
	// Registrations, when set, gives the verifier's entries in consortium
	// registers (a *RegisterTrust), presented in every request as
	// verifier_info (OpenID4VP 1.0 §5.1).
	Registrations interface {
		Registrations(clientID string) []registry.Registration
	}
	// AdminToken guards the admin API (Authorization: Bearer). Required.
	AdminToken string
	// TransactionTTL is how long a request may be answered; default 10
	// minutes.
	TransactionTTL time.Duration
	// Retention is how long decisions are kept; default 30 days.
	Retention time.Duration
	// ResponseMode is the default response mode:
	// oid4vp.ResponseModeDirectPost or oid4vp.ResponseModeDirectPostJWT
	// (the default). With an X.509 ClientIDPrefix only direct_post.jwt
	// (HAIP 1.0 §5).
	ResponseMode string
	// RequestURIMethod is the request_uri_method of the openid4vp://
	// links (§5.1): "post" (the default: the wallet POSTs a wallet_nonce
	// that the request object echoes, §5.10) or "get". The request_uri
	// answers both methods either way.
	RequestURIMethod string
}

// Option configures a Verifier beyond its Config.
type Option func(*options) error

type options struct {
	logger        *slog.Logger
	now           func() time.Time
	fetcher       *safehttp.Client
	allowLoopback bool
	keys          sdjwtvc.KeyResolver
	status        sdjwtvc.StatusChecker
	registry      *prometheus.Registry
}

// WithLogger sets the logger. Default: slog.New(slog.DiscardHandler).
// Tokens, keys, codes and claim values are never logged.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return fmt.Errorf("%w: nil logger", ErrBadConfig)
		}
		o.logger = l
		return nil
	}
}

// WithClock sets the clock: of transactions, credential and KB-JWT times,
// decisions and the default status checker's caching. Default: time.Now.
func WithClock(now func() time.Time) Option {
	return func(o *options) error { o.now = now; return nil }
}

// WithFetcher sets the outbound fetcher for did:web documents, issuer
// metadata and status lists. Default: a safehttp client (https only, no
// internal addresses, 256 KiB, 5 s), with loopback allowed when
// WithAllowLoopback is given.
func WithFetcher(f *safehttp.Client) Option {
	return func(o *options) error { o.fetcher = f; return nil }
}

// WithAllowLoopback allows did:web hosts and fetches on 127.0.0.0/8 and
// localhost, for development and tests. Default: refused.
func WithAllowLoopback() Option {
	return func(o *options) error { o.allowLoopback = true; return nil }
}

// WithIssuerKeys replaces the issuer key resolution (default: did:jwk,
// did:key and did:web through the fetcher, then JWT VC Issuer Metadata for
// https issuers). Resolution is always restricted to issuers on the trust
// list.
func WithIssuerKeys(k sdjwtvc.KeyResolver) Option {
	return func(o *options) error { o.keys = k; return nil }
}

// WithStatusChecker replaces the status checker (default: a
// statuslist.Checker over the fetcher and the issuer keys).
func WithStatusChecker(s sdjwtvc.StatusChecker) Option {
	return func(o *options) error { o.status = s; return nil }
}

// WithRegistry registers the verifier's metrics in r. Default: a registry
// of its own, served at /metrics, so that several verifiers can run in one
// process.
func WithRegistry(r *prometheus.Registry) Option {
	return func(o *options) error { o.registry = r; return nil }
}

// Verifier is an OpenID4VP verifier that decides on requirement profiles.
// It is safe for concurrent use; several can run in one process, each
// with its own Store.
type Verifier struct {
	cfg         Config
	store       Store
	log         *slog.Logger
	now         func() time.Time
	did         string
	clientID    string
	prefix      string
	urls        oid4vp.URLPolicy
	key         *jose.PrivateKey
	chain       []*x509.Certificate
	profiles    map[string]*profile.Profile
	queries     map[string]*profileQuery
	order       []string
	catalogues  map[string]*profile.Catalogue
	sdjwt       *sdjwtvc.Verifier
	responseURI string
	metrics     *metrics
	registry    *prometheus.Registry
}

// New returns a Verifier over store with cfg. It does no I/O and starts
// no goroutine.
func New(store Store, cfg Config, opts ...Option) (*Verifier, error) {
	o := &options{logger: slog.New(slog.DiscardHandler), now: time.Now}
	for _, opt := range opts {
		if err := opt(o); err != nil {
			return nil, err
		}
	}
	if store == nil {
		return nil, fmt.Errorf("%w: a store is required", ErrBadConfig)
	}
	if cfg.TransactionTTL == 0 {
		cfg.TransactionTTL = 10 * time.Minute
	}
	if cfg.Retention == 0 {
		cfg.Retention = 30 * 24 * time.Hour
	}
	if cfg.ResponseMode == "" {
		cfg.ResponseMode = oid4vp.ResponseModeDirectPostJWT
	}
	if cfg.ClientIDPrefix == "" {
		cfg.ClientIDPrefix = oid4vp.PrefixDecentralizedIdentifier
	}
	if cfg.RequestURIMethod == "" {
		cfg.RequestURIMethod = oid4vp.RequestURIMethodPost
	}
	var errs []error
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		errs = append(errs, errors.New("BaseURL must be an absolute http(s) URL without query or fragment"))
	}
	cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	switch {
	case cfg.ClientIDPrefix != oid4vp.PrefixDecentralizedIdentifier && cfg.ClientIDPrefix != oid4vp.PrefixRedirectURI && !oid4vp.IsX509(cfg.ClientIDPrefix):
		errs = append(errs, fmt.Errorf("ClientIDPrefix %q is not decentralized_identifier, x509_hash, x509_san_dns or redirect_uri", cfg.ClientIDPrefix))
	case oid4vp.IsX509(cfg.ClientIDPrefix) && cfg.ResponseMode != oid4vp.ResponseModeDirectPostJWT:
		errs = append(errs, fmt.Errorf("ResponseMode %q with ClientIDPrefix %s: HAIP 1.0 §5 requires direct_post.jwt", cfg.ResponseMode, cfg.ClientIDPrefix))
	case !oid4vp.IsX509(cfg.ClientIDPrefix) && len(cfg.X5CChain) > 0:
		errs = append(errs, fmt.Errorf("X5CChain is only used with ClientIDPrefix x509_hash or x509_san_dns, not %s", cfg.ClientIDPrefix))
	}
	if cfg.RequestURIMethod != oid4vp.RequestURIMethodPost && cfg.RequestURIMethod != oid4vp.RequestURIMethodGet {
		errs = append(errs, fmt.Errorf("RequestURIMethod %q is not post or get", cfg.RequestURIMethod))
	}
	if cfg.SigningKey == nil {
		errs = append(errs, errors.New("SigningKey is required"))
	}
	if len(cfg.AdminToken) < 16 {
		errs = append(errs, errors.New("AdminToken of at least 16 characters is required"))
	}
	if cfg.Trust == nil {
		errs = append(errs, errors.New("Trust is required"))
	}
	if len(cfg.Profiles) == 0 {
		errs = append(errs, errors.New("at least one profile is required"))
	}
	var akis []string
	if cfg.RequireAnchoredIssuers {
		if cfg.TrustAnchors == nil {
			errs = append(errs, errors.New("RequireAnchoredIssuers needs TrustAnchors"))
		} else if akis, err = anchorAKIs(cfg.TrustAnchors); err != nil {
			errs = append(errs, err)
		}
	}
	if cfg.ResponseMode != oid4vp.ResponseModeDirectPost && cfg.ResponseMode != oid4vp.ResponseModeDirectPostJWT {
		errs = append(errs, fmt.Errorf("ResponseMode %q is not direct_post or direct_post.jwt", cfg.ResponseMode))
	}
	if cfg.TransactionTTL < 0 || cfg.Retention < 0 {
		errs = append(errs, errors.New("TransactionTTL and Retention must be positive"))
	}
	v := &Verifier{cfg: cfg, store: store, log: o.logger, now: o.now,
		profiles: map[string]*profile.Profile{}, queries: map[string]*profileQuery{}, catalogues: map[string]*profile.Catalogue{}}
	for _, c := range cfg.Catalogues {
		v.catalogues[c.ID] = c
	}
	for _, p := range cfg.Profiles {
		if _, dup := v.profiles[p.ID]; dup {
			errs = append(errs, fmt.Errorf("profile %q given twice", p.ID))
		}
		if p.Catalogue != "" && v.catalogues[p.Catalogue] == nil {
			errs = append(errs, fmt.Errorf("profile %q: catalogue %q not given", p.ID, p.Catalogue))
		}
		v.profiles[p.ID] = p
		v.order = append(v.order, p.ID)
		pq, err := newProfileQuery(p)
		if err == nil && len(akis) > 0 {
			pq, err = withTrustedAuthorities(pq, akis)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("profile %q: %w", p.ID, err))
		}
		v.queries[p.ID] = pq
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%w: %w", ErrBadConfig, errors.Join(errs...))
	}
	var didOpts []did.Option
	if o.allowLoopback {
		didOpts = append(didOpts, did.WithAllowLoopback())
	}
	v.prefix, v.urls = cfg.ClientIDPrefix, oid4vp.URLPolicy{AllowLoopback: o.allowLoopback}
	v.responseURI = cfg.BaseURL + "/response"
	v.did = cfg.DID
	switch {
	case v.did != "":
	case v.prefix == oid4vp.PrefixRedirectURI:
		if v.did, err = did.JWKFromKey(cfg.SigningKey.Public()); err != nil {
			return nil, fmt.Errorf("%w: verifier DID from SigningKey: %w", ErrBadConfig, err)
		}
	default:
		if v.did, err = did.WebFromURL(cfg.BaseURL, didOpts...); err != nil {
			return nil, fmt.Errorf("%w: verifier DID from BaseURL: %w", ErrBadConfig, err)
		}
	}
	kid := v.did + "#key-1"
	if strings.HasPrefix(v.did, "did:jwk:") {
		kid = v.did + "#0" // the one verification method of a did:jwk
	}
	v.key = cfg.SigningKey.WithKeyID(kid)
	switch {
	case v.prefix == oid4vp.PrefixRedirectURI:
		v.clientID = oid4vp.PrefixRedirectURI + ":" + v.responseURI
	case oid4vp.IsX509(v.prefix):
		if v.clientID, err = x509ClientID(v.prefix, cfg.X5CChain, cfg.SigningKey.Public(), v.responseURI, o.now()); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadConfig, err)
		}
		v.chain = cfg.X5CChain
	default:
		v.clientID = oid4vp.PrefixDecentralizedIdentifier + ":" + v.did
	}
	// The client_id and response_uri must pass the wallet's checks
	// (§5.9.3; §8.2: for did:web the response_uri's host is the DID's).
	cid, err := oid4vp.ParseClientID(v.clientID, v.urls)
	if err == nil {
		err = oid4vp.CheckResponseURI(cid, v.responseURI, v.urls)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: client_id %s with response_uri %s: %w", ErrBadConfig, v.clientID, v.responseURI, err)
	}

	fetcher := o.fetcher
	if fetcher == nil {
		var fo []safehttp.Option
		if o.allowLoopback {
			fo = append(fo, safehttp.WithAllowLoopback())
		}
		if fetcher, err = safehttp.New(fo...); err != nil {
			return nil, fmt.Errorf("%w: fetcher: %w", ErrBadConfig, err)
		}
	}
	keys := o.keys
	if keys == nil {
		web, err := did.NewWebResolver(fetcher, didOpts...)
		if err != nil {
			return nil, fmt.Errorf("%w: did:web resolver: %w", ErrBadConfig, err)
		}
		keys = sdjwtvc.Chain{
			sdjwtvc.DIDKeys{Resolver: did.NewResolver(web)},
			&sdjwtvc.MetadataKeys{Fetcher: fetcher},
		}
	}
	// Pin issuers: no key is resolved, and so nothing fetched, for an
	// issuer that is not on the trust list (SECURITY.md H.57) — except a
	// did:jwk, which is its own key and needs no fetch: a holder's
	// self-issued credential (a portfolio) is signed with it. Whether such
	// a credential counts is decided after verification (decide).
	pinned := sdjwtvc.KeyResolverFunc(func(ctx context.Context, iss, kid string) (*jose.PublicKey, error) {
		tl, err := cfg.Trust.TrustList(ctx)
		if err != nil {
			return nil, fmt.Errorf("trust list: %w", err)
		}
		if !tl.Knows(plainID(iss)) {
			if !strings.HasPrefix(iss, "did:jwk:") {
				return nil, fmt.Errorf("issuer not on the trust list: %w", sdjwtvc.ErrUnknownIssuerKey)
			}
			return selfKey(ctx, iss, kid)
		}
		return keys.ResolveIssuerKey(ctx, iss, kid)
	})
	// An issuer certified by an anchor: its key comes from its x5c chain
	// when the trust list names it under that anchor (pinnedX509), nothing
	// is fetched for it, and what it counts for is decided after
	// verification (trustID). Without anchors the x5c is ignored.
	var issuerKeys sdjwtvc.KeyResolver = pinned
	if cfg.TrustAnchors != nil {
		issuerKeys = sdjwtvc.Chain{pinnedX509{keys: sdjwtvc.X509Keys{Anchors: cfg.TrustAnchors}, trust: cfg.Trust}, pinned}
	}
	status := o.status
	if status == nil {
		sc, err := statuslist.NewChecker(fetcher, pinned, statuslist.WithClock(o.now))
		if err != nil {
			return nil, fmt.Errorf("%w: status checker: %w", ErrBadConfig, err)
		}
		status = sc
	}
	// Status lists are fetched only for issuers on the trust list: a
	// self-issued credential names no status list the verifier will fetch
	// (phone-home, SECURITY.md H.57).
	status = pinnedStatus{trust: cfg.Trust, next: status}
	v.sdjwt, err = sdjwtvc.NewVerifier(issuerKeys, sdjwtvc.WithStatusChecker(status), sdjwtvc.WithClock(o.now))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadConfig, err)
	}
	v.registry = o.registry
	if v.registry == nil {
		v.registry = prometheus.NewRegistry()
	}
	if v.metrics, err = newMetrics(v.registry); err != nil {
		return nil, fmt.Errorf("%w: metrics: %w", ErrBadConfig, err)
	}
	return v, nil
}

// ClientID returns the verifier's client_id: "decentralized_identifier:"
// + its DID, "x509_hash:" + its leaf certificate's hash, "x509_san_dns:" +
// its host, or (development) "redirect_uri:" + its response_uri.
func (v *Verifier) ClientID() string { return v.clientID }

// DID returns the verifier's DID.
func (v *Verifier) DID() string { return v.did }

// Profiles returns the profiles served, in configuration order.
func (v *Verifier) Profiles() []*profile.Profile {
	out := make([]*profile.Profile, 0, len(v.order))
	for _, id := range v.order {
		out = append(out, v.profiles[id])
	}
	return out
}

// Profile returns the profile with the given id.
func (v *Verifier) Profile(id string) (*profile.Profile, bool) {
	p, ok := v.profiles[id]
	return p, ok
}

// DIDDocument returns the verifier's DID document: one JsonWebKey2020
// method with the signing key, referenced by authentication (what a wallet
// resolves a decentralized_identifier request object's "kid" for, OpenID4VP
// §5.9.3) and assertionMethod (receipts). Served at /.well-known/did.json
// when the DID is a did:web.
func (v *Verifier) DIDDocument() *did.Document {
	id := v.key.KeyID()
	return &did.Document{
		ID: v.did,
		VerificationMethod: []did.VerificationMethod{{
			ID: id, Type: "JsonWebKey2020", Controller: v.did,
			PublicKeyJWK: v.key.Public().Map(),
		}},
		AssertionMethod: did.Refs(id),
		Authentication:  did.Refs(id),
	}
}

// sortedKeys returns the keys of m, sorted.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
