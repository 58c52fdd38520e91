package wallet

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/attest"
	"github.com/loopbrug/paspoort/credentials/dpop"
	"github.com/loopbrug/paspoort/credentials/oid4vci"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/safehttp"
	"github.com/loopbrug/paspoort/internal/strictjson"
)

// DefaultClientID is the client_id the wallet uses at an issuer that does
// not ask for a Wallet Attestation (which names the client_id itself).
const DefaultClientID = "paspoort-wallet"

// Errors of the authorization code flow.
var (
	// ErrAuthorizationDenied (TRUST): the holder (or the issuer) refused
	// the authorization at the issuer's page (access_denied).
	ErrAuthorizationDenied = credentials.NewError(credentials.ErrTrust, "wallet: the authorization was refused at the issuer")
	// ErrAuthorizationResponse (CLAIM): the redirect back is not the answer
	// to this wallet's request: another state, another issuer ("iss",
	// RFC 9207), no code, or an error code.
	ErrAuthorizationResponse = credentials.NewError(credentials.ErrClaim, "wallet: the authorization response does not fit the request")
)

// access is the wallet's side of an access token: the token, the DPoP key
// it is bound to (nil for a Bearer token) and the last server nonce, and
// the client attestation of the flow, if any.
type access struct {
	token     string
	tokenType string
	dpopKey   *jose.PrivateKey
	nonce     string
	clientID  string
	att       *clientAttestation
	as        *oid4vci.AuthorizationServerMetadata
}

// newAccess prepares the client side of a flow with o's authorization
// server: a fresh DPoP key when the server takes DPoP (HAIP §4: sender-
// constrained tokens), ES256 being the one algorithm the wallet signs
// with.
func (w *Wallet) newAccess(o *Offer) (*access, error) {
	a := &access{as: o.as}
	if len(o.as.DPoPSigningAlgValuesSupported) > 0 {
		if !slices.Contains(o.as.DPoPSigningAlgValuesSupported, string(jose.ES256)) {
			return nil, fmt.Errorf("%w: the issuer takes no ES256 DPoP proofs", ErrUnsupportedOffer)
		}
		k, err := jose.GenerateKey(jose.ES256)
		if err != nil {
			return nil, err
		}
		a.dpopKey = k
	}
	return a, nil
}

// authenticate gets a Wallet Attestation for this flow when the server
// authenticates clients by attestation (attest_jwt_client_auth, HAIP
// §4.4.1), and sets the client_id: the attestation's, else
// DefaultClientID.
func (w *Wallet) authenticate(ctx context.Context, a *access) error {
	a.clientID = DefaultClientID
	if !slices.Contains(a.as.TokenEndpointAuthMethodsSupported, attest.AuthMethod) {
		return nil
	}
	att, err := w.walletAttestation(ctx)
	if err != nil {
		return err
	}
	a.att, a.clientID = att, att.clientID
	return nil
}

// authenticateIfRequired gets a Wallet Attestation when the server
// accepts no unauthenticated client ("none" not among its token endpoint
// auth methods, attest_jwt_client_auth among them), for a pre-authorized
// flow that is otherwise anonymous (VCI §6.1: then no client_id at all).
func (w *Wallet) authenticateIfRequired(ctx context.Context, a *access) error {
	m := a.as.TokenEndpointAuthMethodsSupported
	if !slices.Contains(m, attest.AuthMethod) || slices.Contains(m, "none") {
		return nil
	}
	return w.authenticate(ctx, a)
}

// sign adds the DPoP proof (when the flow has a DPoP key) and the client
// attestation headers (when it has one) to a request to the server.
func (a *access) sign(req *http.Request, token string, now time.Time) error {
	if a.dpopKey != nil {
		p, err := dpop.NewProof(a.dpopKey, dpop.ProofOptions{Method: req.Method, URL: req.URL.String(), AccessToken: token, Nonce: a.nonce, IssuedAt: now})
		if err != nil {
			return err
		}
		req.Header.Set(dpop.Header, p)
	}
	return nil
}

// authorize sets the Authorization header (and DPoP proof) of a request
// to a resource of the issuer.
func (a *access) authorize(req *http.Request, now time.Time) error {
	if a.token == "" {
		return nil
	}
	if strings.EqualFold(a.tokenType, dpop.Scheme) {
		req.Header.Set("Authorization", dpop.Scheme+" "+a.token)
		return a.sign(req, a.token, now)
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	return nil
}

// takeNonce keeps the DPoP-Nonce the server sent, and reports whether the
// request failed for want of it (use_dpop_nonce, RFC 9449 §8, §9: a 400
// or 401 with a new nonce), so that it is worth one retry.
func (a *access) takeNonce(res *safehttp.Response, err error) bool {
	if a.dpopKey == nil {
		return false
	}
	if res != nil {
		if n := res.Header.Get(dpop.NonceHeader); n != "" {
			a.nonce = n
		}
		return false
	}
	var se *safehttp.StatusError
	if !errors.As(err, &se) || se.Header == nil || (se.Code != http.StatusBadRequest && se.Code != http.StatusUnauthorized) {
		return false
	}
	n := se.Header.Get(dpop.NonceHeader)
	if n == "" || n == a.nonce {
		return false
	}
	a.nonce = n
	return true
}

// postForm posts an OAuth form to the server with the flow's DPoP proof
// and client attestation, retrying once when the server asks for its DPoP
// nonce.
func (w *Wallet) postForm(ctx context.Context, a *access, u string, form url.Values, withDPoP bool) (*safehttp.Response, error) {
	return a.retryOnNonce(withDPoP, func() (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(form.Encode()))
		if err != nil {
			return nil, fmt.Errorf("%w: %v", credentials.ErrFormat, err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", "application/json")
		if withDPoP {
			if err := a.sign(req, "", w.cfg.now()); err != nil {
				return nil, err
			}
		}
		if a.att != nil {
			challenge, err := w.attestationChallenge(ctx, a)
			if err != nil {
				return nil, err
			}
			if err := a.att.setHeaders(req.Header, a.as.Issuer, challenge, w.cfg.now()); err != nil {
				return nil, err
			}
		}
		return req, nil
	}, func(req *http.Request) (*safehttp.Response, error) { return w.fetch.DoOAuth(ctx, req) })
}

// retryOnNonce sends the request build makes and, when retry is set and
// the server answers for want of its DPoP nonce (takeNonce), builds and
// sends it once more, so that the new proof carries the nonce given. a may
// be nil (no access token, no DPoP): then it sends once.
func (a *access) retryOnNonce(retry bool, build func() (*http.Request, error), send func(*http.Request) (*safehttp.Response, error)) (*safehttp.Response, error) {
	for try := 0; ; try++ {
		req, err := build()
		if err != nil {
			return nil, err
		}
		res, err := send(req)
		if retry && a != nil && a.takeNonce(res, err) && try == 0 {
			continue
		}
		return res, err
	}
}

// attestationChallenge fetches a fresh challenge for a Client Attestation
// PoP when the server has a challenge endpoint (draft -07 §7: "the Client
// MUST retrieve a challenge"); "" when it has none.
func (w *Wallet) attestationChallenge(ctx context.Context, a *access) (string, error) {
	if a.as.ChallengeEndpoint == "" {
		return "", nil
	}
	res, err := w.post(ctx, a.as.ChallengeEndpoint, nil, nil)
	if err != nil {
		return "", fmt.Errorf("attestation challenge: %w", err)
	}
	var r struct {
		Challenge string `json:"attestation_challenge"`
	}
	if err := strictjson.Unmarshal(res.Body, &r); err != nil || r.Challenge == "" {
		return "", fmt.Errorf("%w: attestation challenge response", oid4vci.ErrInvalidRequest)
	}
	return r.Challenge, nil
}

// requestToken sends a Token Request and keeps the access token in a.
// An anonymous pre-authorized flow sends no client_id (VCI §6.1).
func (w *Wallet) requestToken(ctx context.Context, o *Offer, a *access, form url.Values) error {
	if a.clientID != "" {
		form.Set("client_id", a.clientID)
	}
	res, err := w.postForm(ctx, a, o.as.TokenEndpoint, form, a.dpopKey != nil)
	if err != nil {
		return err
	}
	tok, err := oid4vci.ParseTokenResponse(res.Body)
	if err != nil {
		return err
	}
	switch {
	case strings.EqualFold(tok.TokenType, dpop.Scheme) && a.dpopKey == nil:
		return fmt.Errorf("%w: a DPoP-bound token without a DPoP proof", ErrIssuance)
	case a.dpopKey != nil && !strings.EqualFold(tok.TokenType, dpop.Scheme):
		// The server ignored the proof and issued a Bearer token: use it
		// as such (RFC 9449 §5 allows it).
		a.dpopKey = nil
	}
	a.token, a.tokenType = tok.AccessToken, tok.TokenType
	return nil
}

// Authorization is an Authorization Code Flow in progress (VCI §3.4): the
// wallet pushed its request to the issuer, and the holder is to open URL
// in her browser, sign in there and come back to the redirect URI.
type Authorization struct {
	// URL is the issuer's authorization page, for the holder's browser.
	URL string
	// RedirectURI is where the issuer sends the browser back.
	RedirectURI string

	offer    *Offer
	access   *access
	state    string
	verifier string
	started  time.Time
}

// StartAuthorization begins the Authorization Code Flow for an offer the
// holder accepted (VCI §5, HAIP §4.3): a PKCE pair (S256, RFC 7636), a
// fresh state, the scopes of the offered configurations, the offer's
// issuer_state, dpop_jkt binding the code to the flow's DPoP key (RFC 9449
// §10), and a Wallet Attestation when the server asks for one. With a
// pushed authorization request endpoint the request is pushed (RFC 9126)
// and URL carries only client_id and request_uri; without, URL carries
// the request. redirectURI is where the browser returns: the wallet's
// loopback listener (RFC 8252 §7.3) or the web wallet's page.
func (w *Wallet) StartAuthorization(ctx context.Context, o *Offer, redirectURI string) (*Authorization, error) {
	a, err := w.startAuthorization(ctx, o, redirectURI)
	return a, receiveError(err, false)
}

func (w *Wallet) startAuthorization(ctx context.Context, o *Offer, redirectURI string) (*Authorization, error) {
	if o.Flow != FlowAuthorizationCode {
		return nil, fmt.Errorf("%w: this offer is received with its pre-authorized code", ErrUnsupportedOffer)
	}
	if m := o.as.CodeChallengeMethodsSupported; len(m) > 0 && !slices.Contains(m, "S256") {
		return nil, fmt.Errorf("%w: the issuer does not support PKCE with S256", ErrUnsupportedOffer)
	}
	acc, err := w.newAccess(o)
	if err != nil {
		return nil, err
	}
	if err := w.authenticate(ctx, acc); err != nil {
		return nil, err
	}
	az := &Authorization{RedirectURI: redirectURI, offer: o, access: acc, state: randomToken(), verifier: randomToken() + randomToken(), started: w.cfg.now()}
	var scopes []string
	for _, oc := range o.Credentials {
		cfg, _ := o.metadata.Configuration(oc.ConfigurationID)
		if !slices.Contains(scopes, cfg.Scope) {
			scopes = append(scopes, cfg.Scope)
		}
	}
	q := url.Values{
		"response_type": {"code"}, "client_id": {acc.clientID}, "redirect_uri": {redirectURI},
		"code_challenge": {pkceS256(az.verifier)}, "code_challenge_method": {"S256"},
		"state": {az.state}, "scope": {strings.Join(scopes, " ")},
	}
	if g := o.offer.Grants; g != nil && g.AuthorizationCode != nil && g.AuthorizationCode.IssuerState != "" {
		q.Set("issuer_state", g.AuthorizationCode.IssuerState)
	}
	if acc.dpopKey != nil {
		q.Set(dpop.ParamJKT, acc.dpopKey.Public().Thumbprint())
	}
	ep, err := url.Parse(o.as.AuthorizationEndpoint)
	if err != nil || ep.RawQuery != "" && strings.Contains(ep.RawQuery, "request_uri") {
		return nil, fmt.Errorf("%w: authorization_endpoint", oid4vci.ErrInvalidMetadata)
	}
	if o.as.PushedAuthorizationRequestEndpoint == "" {
		if o.as.RequirePushedAuthorizationRequests {
			return nil, fmt.Errorf("%w: the issuer requires pushed requests and names no endpoint", oid4vci.ErrInvalidMetadata)
		}
		az.URL = withParams(ep, q)
		return az, nil
	}
	res, err := w.postForm(ctx, acc, o.as.PushedAuthorizationRequestEndpoint, q, false)
	if err != nil {
		return nil, fmt.Errorf("pushed authorization request: %w", err)
	}
	pr, err := oid4vci.ParsePARResponse(res.Body)
	if err != nil {
		return nil, err
	}
	az.URL = withParams(ep, url.Values{"client_id": {acc.clientID}, "request_uri": {pr.RequestURI}})
	return az, nil
}

// FinishAuthorization takes the redirect back from the issuer's page (the
// full URL the browser was sent to) and receives the credentials: the
// authorization response checked (RFC 6749 §4.1.2: state; RFC 9207: iss
// when present or announced), the Token Request with the code, the PKCE
// code_verifier, DPoP and the client attestation, then the Credential
// Requests as Receive makes them.
func (w *Wallet) FinishAuthorization(ctx context.Context, az *Authorization, callback string, ro ReceiveOptions) ([]*Credential, error) {
	got, err := w.finishAuthorization(ctx, az, callback, ro)
	return got, receiveError(err, false)
}

func (w *Wallet) finishAuthorization(ctx context.Context, az *Authorization, callback string, ro ReceiveOptions) ([]*Credential, error) {
	cb, err := url.Parse(callback)
	if err != nil {
		return nil, fmt.Errorf("%w: not a URL", ErrAuthorizationResponse)
	}
	q := cb.Query()
	if q.Get("state") != az.state {
		return nil, fmt.Errorf("%w: another state", ErrAuthorizationResponse)
	}
	iss, hasIss := q["iss"]
	switch {
	case hasIss && (len(iss) != 1 || iss[0] != az.offer.as.Issuer):
		return nil, fmt.Errorf("%w: the response names another issuer (iss)", ErrAuthorizationResponse)
	case !hasIss && az.offer.as.AuthorizationResponseIssParameterSupported:
		return nil, fmt.Errorf("%w: the response has no iss although the issuer announces it", ErrAuthorizationResponse)
	}
	if e := q.Get("error"); e != "" {
		if e == string(oid4vci.CodeAccessDenied) {
			return nil, ErrAuthorizationDenied
		}
		return nil, fmt.Errorf("%w: error %q", ErrAuthorizationResponse, truncateCode(e))
	}
	code := q.Get("code")
	if code == "" || len(q["code"]) != 1 {
		return nil, fmt.Errorf("%w: no code", ErrAuthorizationResponse)
	}
	tr := url.Values{"grant_type": {oid4vci.GrantTypeAuthorizationCode}, "code": {code}, "code_verifier": {az.verifier}, "redirect_uri": {az.RedirectURI}}
	a := az.access
	if err := w.requestToken(ctx, az.offer, a, tr); err != nil {
		return nil, fmt.Errorf("token request: %w", grantError(err))
	}
	return w.requestCredentials(ctx, az.offer, a, ro)
}

// pkceS256 is BASE64URL(SHA256(ASCII(code_verifier))) (RFC 7636 §4.2).
func pkceS256(verifier string) string {
	h := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

// randomToken is 256 bits of randomness, base64url: 43 characters of the
// PKCE alphabet (RFC 7636 §4.1).
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// withParams adds q to the query of u.
func withParams(u *url.URL, q url.Values) string {
	v := u.Query()
	for k, vs := range q {
		v[k] = vs
	}
	c := *u
	c.RawQuery = v.Encode()
	return c.String()
}

func truncateCode(s string) string {
	if len(s) > 40 {
		return s[:40]
	}
	return s
}
