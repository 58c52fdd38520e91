package wallet

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/oid4vci"
	"github.com/loopbrug/paspoort/credentials/sdjwt"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/safehttp"
)

// Errors of the OpenID4VCI client.
var (
	// ErrOfferIssuerMismatch (TRUST): an offer fetched by reference whose
	// credential_issuer is not on the origin it was fetched from
	// (SECURITY.md F.48, VCI §15.6).
	ErrOfferIssuerMismatch = credentials.NewError(credentials.ErrTrust, "wallet: offer's credential_issuer is not the origin it was fetched from")
	// ErrUnsupportedOffer (FMT): an offer the wallet cannot take: no
	// pre-authorized code grant, a format other than dc+sd-jwt, no jwt
	// proof with an algorithm the wallet has, or deferred issuance.
	ErrUnsupportedOffer = credentials.NewError(credentials.ErrFormat, "wallet: unsupported credential offer")
	// ErrTxCodeRequired (FMT): the offer needs a transaction code and none
	// was given.
	ErrTxCodeRequired = credentials.NewError(credentials.ErrFormat, "wallet: the offer needs a transaction code (tx_code)")
	// ErrIssuance (FMT): the issuer's answers do not fit the request: a
	// credential bound to none of the keys the wallet proved, or more
	// credentials than proofs.
	ErrIssuance = credentials.NewError(credentials.ErrFormat, "wallet: unexpected credential response")
)

// Offer is a credential offer resolved for the holder to decide on: who
// offers what, and whether a transaction code is needed. Nothing has been
// requested from the issuer yet.
type Offer struct {
	// Issuer is the Credential Issuer Identifier.
	Issuer string `json:"credential_issuer"`
	// IssuerName is the issuer's display name from its metadata (empty
	// when it gives none); show it escaped.
	IssuerName string `json:"issuer_name,omitempty"`
	// Credentials lists what is offered.
	Credentials []OfferedCredential `json:"credentials"`
	// TxCode describes the transaction code to ask for; nil when none is
	// needed.
	TxCode *oid4vci.TxCode `json:"tx_code,omitempty"`
	// Flow is how the credentials are received: FlowPreAuthorized
	// (Receive), or FlowAuthorizationCode (StartAuthorization, where the
	// holder signs in at the issuer in her browser first).
	Flow string `json:"flow"`

	offer    *oid4vci.CredentialOffer
	metadata *oid4vci.IssuerMetadata
	as       *oid4vci.AuthorizationServerMetadata
}

// The flows of an offer (Offer.Flow).
const (
	// FlowPreAuthorized is the Pre-Authorized Code Flow (VCI §3.5).
	FlowPreAuthorized = "pre-authorized_code"
	// FlowAuthorizationCode is the Authorization Code Flow (VCI §3.4).
	FlowAuthorizationCode = "authorization_code"
)

// OfferedCredential is one offered credential configuration.
type OfferedCredential struct {
	ConfigurationID string `json:"credential_configuration_id"`
	VCT             string `json:"vct"`
	// Name is the display name from the issuer's metadata, else the PPP
	// type's Dutch name, else empty.
	Name string `json:"name,omitempty"`
}

// ResolveOffer reads an offer (an openid-credential-offer:// URI, its https
// form, or one carrying a credential_offer_uri) and fetches the issuer's
// metadata, through the wallet's SSRF-safe fetcher only. In order:
//
//  1. the offer URI (oid4vci.ParseOfferURI); an offer by reference is
//     fetched (the caller passing the URI is the holder's consent) and its
//     credential_issuer must be on the origin of the credential_offer_uri
//     (ErrOfferIssuerMismatch, SECURITY.md F.48);
//  2. the offer's grant: the pre-authorized code when it has one, else the
//     authorization code (also when it names no grant, VCI §4.1.1);
//  3. Credential Issuer Metadata from the issuer's well-known URL, whose
//     credential_issuer must be the offer's (VCI §12.2.2, §12.2.4);
//  4. every offered configuration is dc+sd-jwt with a jwt proof type that
//     accepts the wallet's key algorithm;
//  5. the Authorization Server Metadata of the grant's (or the only)
//     authorization server, for its token endpoint (VCI §12.3).
func (w *Wallet) ResolveOffer(ctx context.Context, offerURI string) (*Offer, error) {
	o, err := w.resolveOffer(ctx, offerURI)
	return o, receiveError(err, true)
}

func (w *Wallet) resolveOffer(ctx context.Context, offerURI string) (*Offer, error) {
	ref, err := oid4vci.ParseOfferURI(offerURI)
	if err != nil {
		return nil, err
	}
	co := ref.Offer
	if co == nil {
		res, err := w.fetch.Get(ctx, ref.URI, "application/json")
		if err != nil {
			return nil, fmt.Errorf("fetch credential offer: %w", err)
		}
		if co, err = oid4vci.ParseOffer(res.Body); err != nil {
			return nil, err
		}
		if !sameOrigin(ref.URI, co.CredentialIssuer) {
			return nil, ErrOfferIssuerMismatch
		}
	}
	flow, as := FlowAuthorizationCode, ""
	switch g := co.Grants; {
	case g != nil && g.PreAuthorizedCode != nil:
		flow, as = FlowPreAuthorized, g.PreAuthorizedCode.AuthorizationServer
	case g != nil && g.AuthorizationCode != nil:
		as = g.AuthorizationCode.AuthorizationServer
	}
	mdURL, err := oid4vci.MetadataURL(co.CredentialIssuer, oid4vci.WellKnownIssuer)
	if err != nil {
		return nil, err
	}
	md, err := w.issuerMetadata(ctx, mdURL, co.CredentialIssuer)
	if err != nil {
		return nil, err
	}
	o := &Offer{Issuer: co.CredentialIssuer, IssuerName: issuerName(md), Flow: flow, offer: co, metadata: md}
	if flow == FlowPreAuthorized {
		o.TxCode = co.Grants.PreAuthorizedCode.TxCode
	}
	for _, id := range co.CredentialConfigurationIDs {
		cfg, ok := md.Configuration(id)
		if !ok {
			return nil, fmt.Errorf("%w: configuration %q not in the issuer's metadata", oid4vci.ErrInvalidMetadata, id)
		}
		if cfg.Format != oid4vci.FormatSDJWTVC {
			return nil, fmt.Errorf("%w: format %q", ErrUnsupportedOffer, cfg.Format)
		}
		if pt, ok := cfg.ProofTypesSupported[oid4vci.ProofTypeJWT]; !ok || !slices.Contains(pt.ProofSigningAlgValuesSupported, string(w.cfg.keyAlg)) {
			return nil, fmt.Errorf("%w: configuration %q takes no %s jwt proof", ErrUnsupportedOffer, id, w.cfg.keyAlg)
		}
		if flow == FlowAuthorizationCode && cfg.Scope == "" {
			return nil, fmt.Errorf("%w: configuration %q has no scope to ask for it by (HAIP §4.6)", ErrUnsupportedOffer, id)
		}
		o.Credentials = append(o.Credentials, OfferedCredential{ConfigurationID: id, VCT: cfg.VCT, Name: configName(cfg)})
	}
	switch {
	case as != "" && len(md.AuthorizationServers) > 0 && !slices.Contains(md.AuthorizationServers, as):
		return nil, fmt.Errorf("%w: authorization_server not in the issuer's metadata", oid4vci.ErrInvalidMetadata)
	case as == "" && len(md.AuthorizationServers) > 1:
		return nil, fmt.Errorf("%w: several authorization servers and the grant names none", ErrUnsupportedOffer)
	case as == "" && len(md.AuthorizationServers) == 1:
		as = md.AuthorizationServers[0]
	case as == "":
		as = co.CredentialIssuer
	}
	asURL, err := oid4vci.MetadataURL(as, oid4vci.WellKnownAuthorizationServer)
	if err != nil {
		return nil, err
	}
	res, err := w.fetch.Get(ctx, asURL, "application/json")
	if err != nil {
		return nil, fmt.Errorf("fetch authorization server metadata: %w", err)
	}
	asm, err := oid4vci.ParseAuthorizationServerMetadata(res.Body, as)
	if err != nil {
		return nil, err
	}
	if flow == FlowAuthorizationCode && asm.AuthorizationEndpoint == "" {
		return nil, fmt.Errorf("%w: the authorization server has no authorization endpoint", ErrUnsupportedOffer)
	}
	o.as = asm
	return o, nil
}

// issuerMetadata fetches Credential Issuer Metadata (VCI §12.2.2). With
// issuer anchors the wallet also accepts signed metadata (§12.2.3; HAIP
// §4.1: "Accept: application/jwt"), and uses it only when its x5c chain
// validates to those anchors and names the issuer
// (oid4vci.VerifySignedMetadata): an issuer that answers with signed
// metadata the wallet cannot trust is refused, never read unsigned.
func (w *Wallet) issuerMetadata(ctx context.Context, mdURL, issuer string) (*oid4vci.IssuerMetadata, error) {
	accept := "application/json"
	if w.cfg.issuerAnchors != nil {
		accept = oid4vci.MediaTypeJWT + ", application/json;q=0.5"
	}
	res, err := w.fetch.Get(ctx, mdURL, accept)
	if err != nil {
		return nil, fmt.Errorf("fetch issuer metadata: %w", err)
	}
	if mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type")); mt == oid4vci.MediaTypeJWT {
		return oid4vci.VerifySignedMetadata(strings.TrimSpace(string(res.Body)), issuer, w.cfg.issuerAnchors, []jose.Alg{jose.ES256}, w.cfg.now())
	}
	return oid4vci.ParseIssuerMetadata(res.Body, issuer)
}

func sameOrigin(a, b string) bool {
	ua, err1 := url.Parse(a)
	ub, err2 := url.Parse(b)
	return err1 == nil && err2 == nil && ua.Scheme == ub.Scheme && ua.Host == ub.Host
}

func issuerName(md *oid4vci.IssuerMetadata) string {
	return pickLocale(md.Display, func(d oid4vci.IssuerDisplay) (string, string) { return d.Locale, d.Name })
}

func configName(c oid4vci.CredentialConfiguration) string {
	if c.CredentialMetadata != nil {
		if n := pickLocale(c.CredentialMetadata.Display, func(d oid4vci.CredentialDisplay) (string, string) { return d.Locale, d.Name }); n != "" {
			return n
		}
	}
	if t, ok := pppType(c.VCT); ok {
		return t.Display["nl"].Name
	}
	return ""
}

// pickLocale returns the Dutch name, else the English one, else the first.
func pickLocale[T any](ds []T, f func(T) (string, string)) string {
	best := ""
	for _, want := range []string{"nl", "nl-NL", "en", "en-US", "en-GB"} {
		for _, d := range ds {
			if l, n := f(d); l == want && n != "" {
				return n
			}
		}
	}
	for _, d := range ds {
		if _, n := f(d); n != "" && best == "" {
			best = n
		}
	}
	return best
}

// ReceiveOptions tune Receive.
type ReceiveOptions struct {
	// TxCode is the transaction code, required when the offer has one.
	TxCode string
	// Copies is how many copies of each credential to request, each bound
	// to its own fresh key; capped by the issuer's batch_size (1 when it
	// offers no batch issuance). Zero means 3.
	Copies int
}

// Receive runs the Pre-Authorized Code Flow for an offer the holder
// accepted: the Token Request (VCI §6) with the tx_code, then for each
// offered configuration a fresh c_nonce (§7), one fresh holder key and
// openid4vci-proof+jwt per copy (Appendix F.1), and the Credential Request
// (§8). Each credential received is verified (Add: signature by the
// issuer's published key, cnf = one of the keys proved, disclosures, status)
// and stored with its copies; nothing invalid is stored. It returns the
// stored credentials.
func (w *Wallet) Receive(ctx context.Context, o *Offer, ro ReceiveOptions) ([]*Credential, error) {
	got, err := w.receive(ctx, o, ro)
	return got, receiveError(err, false)
}

func (w *Wallet) receive(ctx context.Context, o *Offer, ro ReceiveOptions) ([]*Credential, error) {
	if o.Flow != FlowPreAuthorized {
		return nil, fmt.Errorf("%w: this offer needs the holder to sign in at the issuer first (StartAuthorization)", ErrUnsupportedOffer)
	}
	g := o.offer.Grants.PreAuthorizedCode
	if g.TxCode != nil && ro.TxCode == "" {
		return nil, ErrTxCodeRequired
	}
	tr := oid4vci.TokenRequest{GrantType: oid4vci.GrantTypePreAuthorizedCode, PreAuthorizedCode: g.PreAuthorizedCode}
	if g.TxCode != nil {
		tr.TxCode, tr.HasTxCode = ro.TxCode, true
	}
	a, err := w.newAccess(o)
	if err != nil {
		return nil, err
	}
	if err := w.authenticateIfRequired(ctx, a); err != nil {
		return nil, err
	}
	if err := w.requestToken(ctx, o, a, tr.Form()); err != nil {
		return nil, fmt.Errorf("token request: %w", grantError(err))
	}
	return w.requestCredentials(ctx, o, a, ro)
}

// requestCredentials asks for every offered configuration with the access
// token of a, in as many copies as ro and the issuer allow.
func (w *Wallet) requestCredentials(ctx context.Context, o *Offer, a *access, ro ReceiveOptions) ([]*Credential, error) {
	copies := ro.Copies
	if copies <= 0 {
		copies = 3
	}
	if b := o.metadata.BatchCredentialIssuance; b == nil {
		copies = 1
	} else {
		copies = min(copies, b.BatchSize)
	}
	var out []*Credential
	for _, oc := range o.Credentials {
		c, err := w.requestCredential(ctx, o, oc, a, copies)
		if err != nil {
			return out, fmt.Errorf("credential %q: %w", oc.ConfigurationID, err)
		}
		out = append(out, c)
	}
	return out, nil
}

func (w *Wallet) requestCredential(ctx context.Context, o *Offer, oc OfferedCredential, a *access, copies int) (*Credential, error) {
	nonce := ""
	if o.metadata.NonceEndpoint != "" {
		res, err := w.post(ctx, o.metadata.NonceEndpoint, nil, nil)
		if err != nil {
			return nil, fmt.Errorf("nonce request: %w", err)
		}
		nr, err := oid4vci.ParseNonceResponse(res.Body)
		if err != nil {
			return nil, err
		}
		nonce = nr.CNonce
	}
	keys := make([]*jose.PrivateKey, copies)
	for i := range keys {
		k, err := w.NewHolderKey()
		if err != nil {
			return nil, err
		}
		keys[i] = k
	}
	// An issuer that requires key attestations gets one for the whole
	// batch, from the wallet provider (VCI Appendix D; HAIP §4.5.1).
	keyAtt := ""
	if cfg, _ := o.metadata.Configuration(oc.ConfigurationID); cfg.ProofTypesSupported[oid4vci.ProofTypeJWT].KeyAttestationsRequired != nil {
		var err error
		if keyAtt, err = w.keyAttestation(ctx, keys, nonce); err != nil {
			return nil, err
		}
	}
	proofs := make([]string, copies)
	for i, k := range keys {
		p, err := oid4vci.BuildProof(k, oid4vci.ProofOptions{Audience: o.Issuer, Nonce: nonce, IssuedAt: w.cfg.now(), ClientID: a.clientID, KeyAttestation: keyAtt})
		if err != nil {
			return nil, err
		}
		proofs[i] = p
	}
	body, err := json.Marshal(oid4vci.CredentialRequest{CredentialConfigurationID: oc.ConfigurationID, Proofs: &oid4vci.Proofs{JWT: proofs}})
	if err != nil {
		return nil, err
	}
	res, err := w.post(ctx, o.metadata.CredentialEndpoint, a, body)
	if err != nil {
		return nil, fmt.Errorf("credential request: %w", err)
	}
	cr, err := oid4vci.ParseCredentialResponse(res.Body)
	if err != nil {
		return nil, err
	}
	if cr.TransactionID != "" || len(cr.Credentials) == 0 {
		return nil, fmt.Errorf("%w: deferred issuance", ErrUnsupportedOffer)
	}
	if len(cr.Credentials) > len(keys) {
		return nil, fmt.Errorf("%w: %d credentials for %d proofs", ErrIssuance, len(cr.Credentials), len(keys))
	}
	// Bind each credential to the key its cnf names: the issuer need not
	// keep the order of the proofs.
	var cs []Copy
	used := make([]bool, len(keys))
	for i, ic := range cr.Credentials {
		k, err := matchKey(ic.Credential, keys, used)
		if err != nil {
			return nil, fmt.Errorf("credential %d: %w", i, err)
		}
		cs = append(cs, Copy{SDJWT: ic.Credential, Key: k})
	}
	return w.Add(ctx, cs, Meta{IssuerName: o.IssuerName, ConfigurationID: oc.ConfigurationID})
}

// matchKey returns the not yet used key that the credential's cnf names.
func matchKey(cred string, keys []*jose.PrivateKey, used []bool) (*jose.PrivateKey, error) {
	t, err := sdjwt.Parse(cred)
	if err != nil {
		return nil, err
	}
	hk, err := sdjwt.HolderKey(t.Payload)
	if err != nil {
		return nil, err
	}
	for i, k := range keys {
		if !used[i] && k.Public().Equal(hk) {
			used[i] = true
			return k, nil
		}
	}
	return nil, fmt.Errorf("%w: cnf is none of the proved keys", ErrIssuance)
}

// post sends a POST with a JSON body (or none), with the access token of
// a when given (Bearer, or DPoP with a fresh proof, RFC 9449 §7.1; a
// use_dpop_nonce answer is retried once with the server's nonce, §9).
func (w *Wallet) post(ctx context.Context, u string, a *access, body []byte) (*safehttp.Response, error) {
	return a.retryOnNonce(a != nil, func() (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
		if err != nil {
			return nil, fmt.Errorf("%w: %v", credentials.ErrFormat, err)
		}
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		req.Header.Set("Accept", "application/json")
		if a != nil {
			if err := a.authorize(req, w.cfg.now()); err != nil {
				return nil, err
			}
		}
		return req, nil
	}, func(req *http.Request) (*safehttp.Response, error) { return w.fetch.Do(ctx, req) })
}
