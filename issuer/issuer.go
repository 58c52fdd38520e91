package issuer

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/loopbrug/paspoort/credentials/did"
	"github.com/loopbrug/paspoort/credentials/dpop"
	"github.com/loopbrug/paspoort/credentials/oid4vci"
	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/internal/jose"
)

// Issuer is one credential issuer: its keys, metadata and the OpenID4VCI
// flow, over a Store. Its methods are the core logic, free of HTTP; Handler
// serves them. An Issuer is safe for concurrent use, and several can run in
// one process (each with its own Store, URL and metrics registry).
type Issuer struct {
	cfg       Config
	store     Store
	log       *slog.Logger
	now       func() time.Time
	did       string
	path      string // URL path, "" or "/tenant"
	metrics   *metrics
	adminHash [32]byte

	mu     sync.RWMutex
	active *jose.PrivateKey
	keys   []*jose.PublicKey // every key, newest first; KeyIDs are DID URLs

	status   statusCache
	nonceKey []byte
	// dpopNonces makes and checks DPoP server nonces (dpop.go).
	dpopNonces *dpop.Nonces
	// authPage renders the authorization page (authorize_http.go).
	authPage *template.Template
	x5c      []string // Config.X5CChain in x5c form, checked against active
}

// New returns the issuer configured by cfg over store. On first start it
// creates a signing key (kept in the store, encrypted at rest). It starts no
// goroutines.
func New(ctx context.Context, store Store, cfg Config, opts ...Option) (*Issuer, error) {
	if store == nil {
		return nil, errors.New("issuer: a store is required")
	}
	o := options{logger: slog.New(slog.DiscardHandler), now: time.Now}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("issuer: invalid configuration: %w", err)
	}
	var didOpts []did.Option
	if cfg.AllowLoopback {
		didOpts = append(didOpts, did.WithAllowLoopback())
	}
	d, err := did.WebFromURL(cfg.URL, didOpts...)
	if err != nil {
		return nil, fmt.Errorf("issuer: did:web for %s: %w", cfg.URL, err)
	}
	u, _ := url.Parse(cfg.URL)
	reg := o.registry
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	is := &Issuer{
		cfg: cfg, store: store, log: o.logger, now: o.now, did: d, path: u.EscapedPath(),
		metrics: newMetrics(reg), adminHash: sha256.Sum256([]byte(cfg.AdminToken)),
	}
	if err := is.loadKeys(ctx); err != nil {
		return nil, err
	}
	if err := is.checkChain(is.now()); err != nil {
		return nil, err
	}
	if err := is.loadNonceKey(ctx); err != nil {
		return nil, fmt.Errorf("issuer: load nonce key: %w", err)
	}
	if err := is.initDPoP(); err != nil {
		return nil, fmt.Errorf("issuer: DPoP nonces: %w", err)
	}
	if is.authPage, err = parseAuthPage(); err != nil {
		return nil, fmt.Errorf("issuer: authorization page: %w", err)
	}
	return is, nil
}

// Config returns the configuration with its defaults.
func (is *Issuer) Config() Config { return is.cfg }

// DID returns the issuer's did:web DID.
func (is *Issuer) DID() string { return is.did }

// loadKeys reads the signing keys, creating the first one if there is none.
func (is *Issuer) loadKeys(ctx context.Context) error {
	var recs []KeyRecord
	err := is.store.Update(ctx, func(tx Tx) error {
		var err error
		if recs, err = tx.Keys(); err != nil || len(recs) > 0 {
			return err
		}
		r, err := is.newKeyRecord()
		if err != nil {
			return err
		}
		recs = []KeyRecord{r}
		return tx.PutKey(r)
	})
	if err != nil {
		return fmt.Errorf("issuer: load signing keys: %w", err)
	}
	return is.setKeys(recs)
}

func (is *Issuer) newKeyRecord() (KeyRecord, error) {
	k, err := jose.GenerateKey(is.cfg.SigningAlg)
	if err != nil {
		return KeyRecord{}, err
	}
	b, err := k.MarshalJSON()
	if err != nil {
		return KeyRecord{}, err
	}
	return KeyRecord{KID: k.Public().Thumbprint(), PrivateJWK: b, CreatedAt: is.now().UTC()}, nil
}

// setKeys installs the key records: the newest unretired key signs; all
// verify.
func (is *Issuer) setKeys(recs []KeyRecord) error {
	slices.SortFunc(recs, func(a, b KeyRecord) int { return b.CreatedAt.Compare(a.CreatedAt) })
	var active *jose.PrivateKey
	var pubs []*jose.PublicKey
	for _, r := range recs {
		k, err := jose.ParsePrivateKey(r.PrivateJWK)
		if err != nil {
			return fmt.Errorf("issuer: signing key %s: %w", r.KID, err)
		}
		k = k.WithKeyID(is.keyID(r.KID))
		pubs = append(pubs, k.Public())
		if active == nil && r.RetiredAt.IsZero() {
			active = k
		}
	}
	if active == nil {
		return errors.New("issuer: no active signing key")
	}
	is.mu.Lock()
	is.active, is.keys = active, pubs
	is.mu.Unlock()
	return nil
}

// keyID returns the "kid" of a key: a DID URL of the issuer's did:web.
func (is *Issuer) keyID(thumb string) string { return is.did + "#" + thumb }

func (is *Issuer) signingKey() *jose.PrivateKey {
	is.mu.RLock()
	defer is.mu.RUnlock()
	return is.active
}

// PublicKeys returns every verification key, newest first, with DID URLs as
// key IDs.
func (is *Issuer) PublicKeys() []*jose.PublicKey {
	is.mu.RLock()
	defer is.mu.RUnlock()
	return slices.Clone(is.keys)
}

// RotateKey creates a new signing key and retires the current one, which
// stays in the JWKS and the DID document so that what it signed still
// verifies. It returns the new key's ID. With Config.X5CChain set it is
// refused with ErrRotateWithChain: the chain certifies the current key
// only, and the issuer neither signs with an uncertified key nor drops the
// x5c header silently. To rotate, stop the issuer, start it once without
// the chain, rotate, certify the new key (paspoort issuer key, paspoort
// pki issue --key) and restart with the new chain.
func (is *Issuer) RotateKey(ctx context.Context) (string, error) {
	if len(is.x5c) > 0 {
		return "", fmt.Errorf("rotate signing key: %w", ErrRotateWithChain)
	}
	var recs []KeyRecord
	err := is.store.Update(ctx, func(tx Tx) error {
		old, err := tx.Keys()
		if err != nil {
			return err
		}
		now := is.now().UTC()
		for _, r := range old {
			if r.RetiredAt.IsZero() {
				r.RetiredAt = now
				if err := tx.PutKey(r); err != nil {
					return err
				}
			}
		}
		r, err := is.newKeyRecord()
		if err != nil {
			return err
		}
		if err := tx.PutKey(r); err != nil {
			return err
		}
		recs, err = tx.Keys()
		return err
	})
	if err != nil {
		return "", fmt.Errorf("rotate signing key: %w", err)
	}
	if err := is.setKeys(recs); err != nil {
		return "", err
	}
	is.status.invalidate()
	kid := is.signingKey().KeyID()
	is.log.Info("signing key rotated", "kid", kid)
	return kid, nil
}

// JWKS returns the JWK Set of every verification key.
func (is *Issuer) JWKS() map[string]any {
	keys := is.PublicKeys()
	out := make([]any, len(keys))
	for i, k := range keys {
		m := k.Map()
		m["kid"] = k.KeyID()
		m["alg"] = string(k.Alg())
		m["use"] = "sig"
		out[i] = m
	}
	return map[string]any{"keys": out}
}

// JWTVCIssuerMetadata returns the JWT VC Issuer Metadata document
// (draft-ietf-oauth-sd-jwt-vc "JWT VC Issuer Metadata"): issuer and jwks.
func (is *Issuer) JWTVCIssuerMetadata() map[string]any {
	return map[string]any{"issuer": is.cfg.URL, "jwks": is.JWKS()}
}

// DIDDocument returns the did:web DID document: every key as a
// JsonWebKey2020 verification method, referenced from assertionMethod.
func (is *Issuer) DIDDocument() *did.Document {
	keys := is.PublicKeys()
	doc := &did.Document{
		Context: json.RawMessage(`["https://www.w3.org/ns/did/v1","https://w3id.org/security/suites/jws-2020/v1"]`),
		ID:      is.did,
	}
	for _, k := range keys {
		doc.VerificationMethod = append(doc.VerificationMethod, did.VerificationMethod{
			ID: k.KeyID(), Type: "JsonWebKey2020", Controller: is.did, PublicKeyJWK: k.Map(),
		})
		doc.AssertionMethod = append(doc.AssertionMethod, did.MethodRef{Ref: k.KeyID()})
	}
	return doc
}

// endpoint returns the URL of an endpoint under the issuer's URL.
func (is *Issuer) endpoint(p string) string { return is.cfg.URL + p }

// Metadata returns the Credential Issuer Metadata (VCI §12.2.4): one
// dc+sd-jwt credential configuration per PPP type, with display in nl and
// en and claims metadata from the PPP vocabulary.
func (is *Issuer) Metadata() *oid4vci.IssuerMetadata {
	algs := make([]string, len(is.cfg.ProofAlgs))
	for i, a := range is.cfg.ProofAlgs {
		algs[i] = string(a)
	}
	md := &oid4vci.IssuerMetadata{
		CredentialIssuer:                  is.cfg.URL,
		CredentialEndpoint:                is.endpoint("/credential"),
		NonceEndpoint:                     is.endpoint("/nonce"),
		CredentialConfigurationsSupported: map[string]oid4vci.CredentialConfiguration{},
	}
	if is.cfg.BatchSize >= 2 {
		md.BatchCredentialIssuance = &oid4vci.BatchCredentialIssuance{BatchSize: is.cfg.BatchSize}
	}
	for _, l := range sortedKeys(is.cfg.Name) {
		md.Display = append(md.Display, oid4vci.IssuerDisplay{Name: is.cfg.Name[l], Locale: l})
	}
	for _, name := range is.cfg.Types {
		t, _ := ppp.Lookup(name)
		cm := &oid4vci.CredentialMetadata{}
		for _, l := range ppp.Languages {
			cm.Display = append(cm.Display, oid4vci.CredentialDisplay{Name: t.Display[l].Name, Locale: l, Description: t.Display[l].Description})
		}
		for _, c := range t.Claims {
			path := make(oid4vci.ClaimPath, len(c.Path))
			for i, e := range c.Path {
				if e != ppp.AllElements {
					path[i] = e
				}
			}
			cd := oid4vci.ClaimDescription{Path: path, Mandatory: c.Mandatory}
			for _, l := range ppp.Languages {
				cd.Display = append(cd.Display, oid4vci.ClaimDisplay{Name: c.Label[l], Locale: l})
			}
			cm.Claims = append(cm.Claims, cd)
		}
		md.CredentialConfigurationsSupported[name] = oid4vci.CredentialConfiguration{
			Format:                               oid4vci.FormatSDJWTVC,
			Scope:                                name,
			CredentialSigningAlgValuesSupported:  []string{string(is.cfg.SigningAlg)},
			CryptographicBindingMethodsSupported: []string{oid4vci.BindingJWK},
			ProofTypesSupported:                  is.proofTypes(algs),
			CredentialMetadata:                   cm,
			VCT:                                  t.VCT,
		}
	}
	return md
}

// proofTypes is proof_types_supported: "jwt", and with the wallet
// providers' anchors the "attestation" type (VCI Appendix F.3) and, when
// required, key_attestations_required (§12.2.4; any level).
func (is *Issuer) proofTypes(algs []string) map[string]oid4vci.ProofTypeMetadata {
	jwt := oid4vci.ProofTypeMetadata{ProofSigningAlgValuesSupported: algs}
	if is.cfg.RequireKeyAttestation {
		jwt.KeyAttestationsRequired = &oid4vci.KeyAttestationsRequired{}
	}
	m := map[string]oid4vci.ProofTypeMetadata{oid4vci.ProofTypeJWT: jwt}
	if is.cfg.ClientAttestationAnchors != nil {
		m[oid4vci.ProofTypeAttestation] = oid4vci.ProofTypeMetadata{ProofSigningAlgValuesSupported: algs, KeyAttestationsRequired: jwt.KeyAttestationsRequired}
	}
	return m
}

// AuthorizationServerMetadata returns the OAuth 2.0 Authorization Server
// Metadata of the issuer, its own authorization server (RFC 8414, VCI
// §12.3, HAIP 1.0 §4.6): the Pre-Authorized and the Authorization Code
// Flow, PAR always required (RFC 9126 §5), PKCE with S256 only, DPoP with
// DPoPAlgs, "iss" in authorization responses (RFC 9207), public clients
// ("none") and, with ClientAttestationAnchors, attestation-based client
// authentication ("attest_jwt_client_auth"), and a scope per credential
// configuration.
func (is *Issuer) AuthorizationServerMetadata() *oid4vci.AuthorizationServerMetadata {
	algs := make([]string, len(is.cfg.DPoPAlgs))
	for i, a := range is.cfg.DPoPAlgs {
		algs[i] = string(a)
	}
	md := &oid4vci.AuthorizationServerMetadata{
		Issuer:                                     is.cfg.URL,
		AuthorizationEndpoint:                      is.endpoint("/authorize"),
		TokenEndpoint:                              is.endpoint("/token"),
		PushedAuthorizationRequestEndpoint:         is.endpoint("/par"),
		RequirePushedAuthorizationRequests:         true,
		ScopesSupported:                            slices.Clone(is.cfg.Types),
		GrantTypesSupported:                        []string{oid4vci.GrantTypeAuthorizationCode, oid4vci.GrantTypePreAuthorizedCode},
		ResponseTypesSupported:                     []string{"code"},
		ResponseModesSupported:                     []string{"query"},
		CodeChallengeMethodsSupported:              []string{"S256"},
		TokenEndpointAuthMethodsSupported:          is.tokenAuthMethods(),
		DPoPSigningAlgValuesSupported:              algs,
		AuthorizationResponseIssParameterSupported: true,
		PreAuthorizedGrantAnonymousAccessSupported: !is.cfg.RequireClientAttestation,
	}
	if is.cfg.ClientAttestationAnchors != nil {
		md.ClientAttestationSigningAlgValuesSupported = []string{string(jose.ES256)}
		md.ClientAttestationPoPSigningAlgValuesSupported = []string{string(jose.ES256)}
	}
	return md
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// randomToken returns n random bytes, base64url-encoded.
func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// hashSecret returns the hex-free base64url SHA-256 of a secret, the key
// under which it is stored: the secret itself is never stored.
func hashSecret(s string) string {
	h := sha256.Sum256([]byte(s))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

// trimPath removes the issuer's URL path from p.
func (is *Issuer) trimPath(p string) string { return strings.TrimPrefix(p, is.path) }
