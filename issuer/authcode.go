package issuer

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/dpop"
	"github.com/loopbrug/paspoort/credentials/oid4vci"
	"github.com/loopbrug/paspoort/internal/jose"
)

// The Authorization Code Flow (VCI §5, §6; RFC 6749 §4.1) with PKCE (RFC
// 7636, S256 only), Pushed Authorization Requests (RFC 9126, always
// required: the authorization endpoint takes nothing but client_id and
// request_uri) and DPoP-bound codes (RFC 9449 §10).
//
// paspoort has no login: the holder is known to the issuer through an
// offer the desk made for her. An offer with the authorization_code grant
// carries an issuer_state "<offer id>.<secret>"; the wallet sends it in
// its pushed authorization request, and the authorization page asks for
// the offer's transaction code when it has one. request_uri and the
// authorization code have the same form, "<offer id>.<secret>": the state
// of the flow lives in the offer's record (OfferRecord.Auth), secrets as
// hashes, so no index beyond the offer's own is needed.

// RequestURIPrefix is the prefix of a request_uri (RFC 9126 §2.2).
const RequestURIPrefix = "urn:ietf:params:oauth:request_uri:"

// authPageTTL is how long the authorization page's form is accepted after
// the page was opened.
const authPageTTL = 10 * time.Minute

// Limits of authorization request parameters.
const (
	maxClientID    = 256
	maxRedirectURI = 2048
	maxState       = 512
	maxScope       = 2048
)

// Errors of the authorization endpoint, shown to the holder on the
// authorization page (never redirected: RFC 6749 §4.1.2.1).
var (
	// ErrAuthRequestUnknown reports a request_uri or client_id that does
	// not belong to a pending pushed authorization request. Class FMT.
	ErrAuthRequestUnknown = credentials.NewError(credentials.ErrFormat, "unknown authorization request")
	// ErrAuthRequestExpired reports a request_uri past its expiry, or a
	// page left open too long. Class CLAIM.
	ErrAuthRequestExpired = credentials.NewError(credentials.ErrClaim, "authorization request expired")
	// ErrAuthRequestUsed reports a request_uri used before (RFC 9126 §4:
	// one-time use). Class REPLAY.
	ErrAuthRequestUsed = credentials.NewError(credentials.ErrReplay, "authorization request already used")
	// ErrWrongTxCode reports a wrong transaction code on the authorization
	// page. Class CLAIM.
	ErrWrongTxCode = credentials.NewError(credentials.ErrClaim, "wrong transaction code")
	// ErrOfferLocked reports an offer locked after too many wrong
	// transaction codes. Class REPLAY.
	ErrOfferLocked = credentials.NewError(credentials.ErrReplay, "offer locked")
)

// splitSecret splits "<id>.<secret>" after prefix.
func splitSecret(s, prefix string) (id, secret string, ok bool) {
	rest, found := strings.CutPrefix(s, prefix)
	if !found {
		return "", "", false
	}
	id, secret, ok = strings.Cut(rest, ".")
	if !ok || id == "" || secret == "" || len(rest) > 128 || !jose.IsBase64URL(id) || !jose.IsBase64URL(secret) {
		return "", "", false
	}
	return id, secret, true
}

// equalHash compares a secret with a stored hash in constant time.
func equalHash(secret, hash string) bool {
	return hash != "" && subtle.ConstantTimeCompare([]byte(hashSecret(secret)), []byte(hash)) == 1
}

// PushAuthorizationRequest serves a Pushed Authorization Request (RFC
// 9126 §2) with the request's DPoP header values (nil: none). It checks,
// in order: no parameter repeated and no request_uri (RFC 9126 §2.1);
// client_id; response_type "code" (unsupported_response_type);
// redirect_uri, absolute, without fragment, https or a loopback http or a
// private-use scheme (RFC 8252 §7); code_challenge_method "S256" and a
// 43-character code_challenge (RFC 7636 §4.2: plain is refused);
// state; no authorization_details (this issuer uses scope); issuer_state
// of a pending, unexpired offer with the authorization_code grant; scope
// naming at least one of the offer's credential configurations (others
// ignored, VCI §5.1.2; invalid_scope otherwise); dpop_jkt and a DPoP
// proof, which must agree when both are sent (RFC 9449 §10.1). It
// returns a single-use request_uri valid for PARTTL.
//
// hdr holds the request's headers: DPoP, and the client attestation
// headers, checked by clientAuth after the DPoP proof and before anything
// is stored (HAIP 1.0 §4.3: the attestation's sub must be the client_id).
func (is *Issuer) PushAuthorizationRequest(ctx context.Context, form url.Values, hdr http.Header) (*oid4vci.PARResponse, error) {
	dpopValues := hdr.Values(dpop.Header)
	for _, k := range []string{"client_id", "response_type", "redirect_uri", "code_challenge", "code_challenge_method", "state", "scope", "issuer_state", "dpop_jkt", "authorization_details", "request_uri", "request"} {
		if len(form[k]) > 1 {
			return nil, fmt.Errorf("%w: parameter %s repeated", oid4vci.ErrInvalidRequest, k)
		}
	}
	get := form.Get
	switch {
	case form.Has("request_uri"):
		return nil, fmt.Errorf("%w: request_uri is not allowed in a pushed authorization request (RFC 9126 §2.1)", oid4vci.ErrInvalidRequest)
	case form.Has("request"):
		return nil, fmt.Errorf("%w: request objects are not supported", oid4vci.ErrInvalidRequest)
	case get("client_id") == "" || len(get("client_id")) > maxClientID:
		return nil, fmt.Errorf("%w: client_id is required (at most %d bytes)", oid4vci.ErrInvalidRequest, maxClientID)
	case get("response_type") == "":
		return nil, fmt.Errorf("%w: response_type is required", oid4vci.ErrInvalidRequest)
	case get("response_type") != "code":
		return nil, fmt.Errorf("%w: response_type must be code", oid4vci.ErrUnsupportedResponseType)
	case get("code_challenge_method") != "S256":
		return nil, fmt.Errorf("%w: code_challenge_method must be S256 (plain is not accepted)", oid4vci.ErrInvalidRequest)
	case len(get("code_challenge")) != 43 || !jose.IsBase64URL(get("code_challenge")):
		return nil, fmt.Errorf("%w: code_challenge must be the 43-character base64url SHA-256 of the code_verifier", oid4vci.ErrInvalidRequest)
	case len(get("state")) > maxState:
		return nil, fmt.Errorf("%w: state over %d bytes", oid4vci.ErrInvalidRequest, maxState)
	case form.Has("authorization_details"):
		return nil, fmt.Errorf("%w: authorization_details is not supported; use scope (HAIP 1.0 §4.3)", oid4vci.ErrInvalidRequest)
	case len(get("scope")) > maxScope:
		return nil, fmt.Errorf("%w: scope over %d bytes", oid4vci.ErrInvalidRequest, maxScope)
	}
	if err := checkRedirectURI(get("redirect_uri")); err != nil {
		return nil, err
	}
	jkt := get("dpop_jkt")
	if form.Has("dpop_jkt") && (len(jkt) != 43 || !jose.IsBase64URL(jkt)) {
		return nil, fmt.Errorf("%w: dpop_jkt is not a JWK SHA-256 thumbprint", oid4vci.ErrInvalidRequest)
	}
	if len(dpopValues) > 0 {
		pr, err := is.verifyDPoP(ctx, dpopValues, "POST", "/par", "", jkt)
		if err != nil {
			return nil, err
		}
		jkt = pr.JKT
	}
	if _, err := is.clientAuth(ctx, hdr, get("client_id")); err != nil {
		return nil, err
	}
	id, secret, ok := splitSecret(get("issuer_state"), "")
	if !ok {
		return nil, fmt.Errorf("%w: issuer_state from a credential offer of this issuer is required", oid4vci.ErrInvalidRequest)
	}
	now := is.now()
	reqSecret := randomToken(32)
	var outcome error
	var ttl = is.cfg.PARTTL
	err := is.store.Update(ctx, func(tx Tx) error {
		outcome = nil
		rec, err := tx.Offer(id)
		if errors.Is(err, ErrNotFound) {
			outcome = fmt.Errorf("%w: unknown issuer_state", oid4vci.ErrInvalidRequest)
			return nil
		}
		if err != nil {
			return err
		}
		switch {
		case rec.Grant != GrantAuthorizationCode || !equalHash(secret, rec.IssuerStateHash):
			outcome = fmt.Errorf("%w: unknown issuer_state", oid4vci.ErrInvalidRequest)
			return nil
		case rec.State != OfferPending:
			outcome = fmt.Errorf("%w: the offer was used or is locked", oid4vci.ErrInvalidRequest)
			return nil
		case !now.Before(rec.ExpiresAt):
			outcome = fmt.Errorf("%w: the offer has expired", oid4vci.ErrInvalidRequest)
			return nil
		}
		var scopes []string
		for _, s := range strings.Fields(get("scope")) {
			if slices.ContainsFunc(rec.Credentials, func(c OfferedCredential) bool { return c.ConfigurationID == s }) && !slices.Contains(scopes, s) {
				scopes = append(scopes, s)
			}
		}
		if len(scopes) == 0 {
			outcome = fmt.Errorf("%w: scope names none of the offer's credential configurations", oid4vci.ErrInvalidScope)
			return nil
		}
		rec.Auth = &AuthState{
			RequestHash: hashSecret(reqSecret), RequestExpiresAt: now.Add(ttl),
			ClientID: get("client_id"), RedirectURI: get("redirect_uri"), State: get("state"),
			CodeChallenge: get("code_challenge"), Scopes: scopes, DPoPJKT: jkt,
		}
		return tx.PutOffer(rec)
	})
	if err != nil {
		return nil, fmt.Errorf("pushed authorization request: %w", err)
	}
	if outcome != nil {
		return nil, outcome
	}
	is.log.Info("pushed authorization request", "offer_id", id)
	return &oid4vci.PARResponse{RequestURI: RequestURIPrefix + id + "." + reqSecret, ExpiresIn: int(ttl / time.Second)}, nil
}

// checkRedirectURI accepts an absolute URI without fragment (RFC 6749
// §3.1.2): https, http to a loopback address (RFC 8252 §7.3), or a
// private-use scheme (RFC 8252 §7.1); never javascript, data, file or
// vbscript.
func checkRedirectURI(s string) error {
	bad := func(why string) error {
		return fmt.Errorf("%w: redirect_uri %s", oid4vci.ErrInvalidRequest, why)
	}
	if s == "" {
		return bad("is required")
	}
	if len(s) > maxRedirectURI {
		return bad("is too long")
	}
	u, err := url.Parse(s)
	if err != nil || !u.IsAbs() {
		return bad("is not an absolute URI")
	}
	if u.Fragment != "" || strings.Contains(s, "#") {
		return bad("has a fragment")
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		if u.Host == "" {
			return bad("has no host")
		}
	case "http":
		h := u.Hostname()
		if h != "127.0.0.1" && h != "::1" && h != "localhost" {
			return bad("uses http to a host that is not loopback")
		}
	case "javascript", "data", "file", "vbscript", "blob", "about":
		return bad("uses a forbidden scheme")
	}
	return nil
}

// AuthView is what the authorization page shows for a pushed request.
type AuthView struct {
	ClientID    string
	RedirectURI string
	// Types are the PPP type names the wallet asks for.
	Types []string
	// TxCode is the offer's transaction code description, nil when the
	// offer has none.
	TxCode *oid4vci.TxCode
	// AttemptsLeft counts the transaction code attempts left.
	AttemptsLeft int
}

// loadRequest reads the offer of a request_uri and checks that it is the
// pushed request of clientID. open marks the request opened (the
// authorization page was shown); a request opened before is refused then
// (RFC 9126 §4: one-time use). Without open, the request must have been
// opened, less than authPageTTL ago.
func (is *Issuer) loadRequest(tx Tx, clientID, requestURI string, open bool) (*OfferRecord, error) {
	id, secret, ok := splitSecret(requestURI, RequestURIPrefix)
	if !ok {
		return nil, ErrAuthRequestUnknown
	}
	rec, err := tx.Offer(id)
	if errors.Is(err, ErrNotFound) {
		return nil, ErrAuthRequestUnknown
	}
	if err != nil {
		return nil, err
	}
	now := is.now()
	a := rec.Auth
	switch {
	case a == nil || !equalHash(secret, a.RequestHash):
		if a != nil && a.CodeHash != "" {
			return nil, ErrAuthRequestUsed
		}
		return nil, ErrAuthRequestUnknown
	case subtle.ConstantTimeCompare([]byte(clientID), []byte(a.ClientID)) != 1:
		return nil, fmt.Errorf("%w: client_id is not the one of the pushed request", ErrAuthRequestUnknown)
	case rec.State == OfferLocked:
		return nil, ErrOfferLocked
	case rec.State != OfferPending:
		return nil, ErrAuthRequestUsed
	case open && !a.OpenedAt.IsZero():
		return nil, ErrAuthRequestUsed
	case open && !now.Before(a.RequestExpiresAt):
		return nil, ErrAuthRequestExpired
	case !open && a.OpenedAt.IsZero():
		return nil, ErrAuthRequestUnknown
	case !open && !now.Before(a.OpenedAt.Add(authPageTTL)):
		return nil, ErrAuthRequestExpired
	}
	return rec, nil
}

func (is *Issuer) view(rec *OfferRecord) *AuthView {
	v := &AuthView{ClientID: rec.Auth.ClientID, RedirectURI: rec.Auth.RedirectURI, TxCode: rec.TxCode}
	for _, c := range rec.Credentials {
		if slices.Contains(rec.Auth.Scopes, c.ConfigurationID) {
			v.Types = append(v.Types, c.Type)
		}
	}
	if rec.TxCodeHash != "" {
		v.AttemptsLeft = max(is.cfg.MaxTxCodeAttempts-rec.Attempts, 0)
		if v.TxCode == nil {
			v.TxCode = &oid4vci.TxCode{}
		}
	} else {
		v.TxCode = nil
	}
	return v
}

// OpenAuthorization serves the authorization endpoint's GET (RFC 9126 §4):
// client_id and request_uri of a pushed request that is unexpired and was
// not opened before. It marks the request opened and returns what the
// authorization page shows.
func (is *Issuer) OpenAuthorization(ctx context.Context, clientID, requestURI string) (*AuthView, error) {
	var v *AuthView
	err := is.store.Update(ctx, func(tx Tx) error {
		rec, err := is.loadRequest(tx, clientID, requestURI, true)
		if err != nil {
			return err
		}
		rec.Auth.OpenedAt = is.now().UTC()
		v = is.view(rec)
		return tx.PutOffer(rec)
	})
	if err != nil {
		return nil, fmt.Errorf("authorization request: %w", err)
	}
	return v, nil
}

// AuthorizationError is a refusal on the authorization page that the page
// can help with: a wrong transaction code, with the attempts left and the
// page to show again.
type AuthorizationError struct {
	View *AuthView
	Err  error
}

func (e *AuthorizationError) Error() string { return e.Err.Error() }

// Unwrap returns Err.
func (e *AuthorizationError) Unwrap() error { return e.Err }

// Authorize serves the authorization page's answer for an opened request:
// allow false refuses (a redirect with error access_denied, RFC 6749
// §4.1.2.1); allow true checks the transaction code, when the offer has
// one (each wrong code counts, as at the token endpoint; after
// MaxTxCodeAttempts the offer is locked: SECURITY.md C.29), then issues
// a single-use authorization code valid for AuthCodeTTL and returns the
// redirect to the wallet's redirect_uri with code, state and iss (RFC
// 9207). The request_uri is used up either way.
func (is *Issuer) Authorize(ctx context.Context, clientID, requestURI, txCode string, allow bool) (string, error) {
	now := is.now()
	code := randomToken(32)
	var redirect string
	var outcome error
	var offerID string
	err := is.store.Update(ctx, func(tx Tx) error {
		redirect, outcome, offerID = "", nil, ""
		rec, err := is.loadRequest(tx, clientID, requestURI, false)
		if err != nil {
			return err
		}
		offerID = rec.ID
		a := rec.Auth
		q := url.Values{"iss": {is.cfg.URL}}
		if a.State != "" {
			q.Set("state", a.State)
		}
		if !allow {
			a.RequestHash = ""
			q.Set("error", string(oid4vci.CodeAccessDenied))
			redirect = withQuery(a.RedirectURI, q)
			return tx.PutOffer(rec)
		}
		if rec.TxCodeHash != "" && subtle.ConstantTimeCompare([]byte(hashSecret(txCode)), []byte(rec.TxCodeHash)) != 1 {
			rec.Attempts++
			if rec.Attempts >= is.cfg.MaxTxCodeAttempts {
				rec.State = OfferLocked
				outcome = ErrOfferLocked
			} else {
				outcome = &AuthorizationError{View: is.view(rec), Err: ErrWrongTxCode}
			}
			return tx.PutOffer(rec)
		}
		a.RequestHash = ""
		a.CodeHash, a.CodeExpiresAt = hashSecret(code), now.Add(is.cfg.AuthCodeTTL)
		q.Set("code", rec.ID+"."+code)
		redirect = withQuery(a.RedirectURI, q)
		return tx.PutOffer(rec)
	})
	if err != nil {
		return "", fmt.Errorf("authorize: %w", err)
	}
	if outcome != nil {
		is.log.Info("authorization refused", "offer_id", offerID, "error", outcome.Error())
		return "", outcome
	}
	is.log.Info("authorization answered", "offer_id", offerID, "allowed", allow)
	return redirect, nil
}

// withQuery adds q to the query of redirect, keeping the query it has
// (RFC 6749 §3.1.2).
func withQuery(redirect string, q url.Values) string {
	u, err := url.Parse(redirect)
	if err != nil {
		return redirect
	}
	old := u.Query()
	for k, v := range q {
		old[k] = v
	}
	u.RawQuery = old.Encode()
	return u.String()
}

// pkceS256 returns BASE64URL(SHA256(ASCII(verifier))) (RFC 7636 §4.2).
func pkceS256(verifier string) string {
	h := sha256.Sum256([]byte(verifier))
	return jose.EncodeSegment(h[:])
}

// validVerifier reports whether v is a code_verifier of RFC 7636 §4.1: 43
// to 128 characters of [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~".
func validVerifier(v string) bool {
	if len(v) < 43 || len(v) > 128 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~') {
			return false
		}
	}
	return true
}

// redeemCode is the token endpoint for the authorization_code grant (RFC
// 6749 §4.1.3), in one transaction: the code must be one this issuer
// issued, unexpired and not redeemed (a code that comes back revokes the
// token it gave, RFC 6749 §4.1.2), issued to client_id and for
// redirect_uri, with a code_verifier whose S256 is the code_challenge
// (RFC 7636 §4.6); all invalid_grant. A code bound to a DPoP key (RFC
// 9449 §10) needs a proof by that key (invalid_dpop_proof).
func (is *Issuer) redeemCode(ctx context.Context, req *oid4vci.TokenRequest, proof *dpop.Proof, access string) (*TokenRecord, error) {
	if req.ClientID == "" {
		return nil, fmt.Errorf("%w: client_id is missing", oid4vci.ErrInvalidRequest)
	}
	if !validVerifier(req.CodeVerifier) {
		return nil, fmt.Errorf("%w: code_verifier is not 43 to 128 unreserved characters (RFC 7636 §4.1)", oid4vci.ErrInvalidRequest)
	}
	id, secret, ok := splitSecret(req.Code, "")
	if !ok {
		return nil, fmt.Errorf("%w: unknown authorization code", oid4vci.ErrInvalidGrant)
	}
	now := is.now()
	var outcome error
	var tok *TokenRecord
	err := is.store.Update(ctx, func(tx Tx) error {
		outcome, tok = nil, nil
		rec, err := tx.Offer(id)
		if errors.Is(err, ErrNotFound) {
			outcome = fmt.Errorf("%w: unknown authorization code", oid4vci.ErrInvalidGrant)
			return nil
		}
		if err != nil {
			return err
		}
		a := rec.Auth
		if a == nil || !equalHash(secret, a.CodeHash) {
			outcome = fmt.Errorf("%w: unknown authorization code", oid4vci.ErrInvalidGrant)
			return nil
		}
		if a.CodeUsed {
			outcome = fmt.Errorf("%w: the authorization code was already used; the access token it gave is revoked", oid4vci.ErrInvalidGrant)
			if t, err := tx.Token(a.TokenHash); err == nil && now.Before(t.ExpiresAt) {
				t.ExpiresAt = now
				return tx.PutToken(t)
			} else if err != nil && !errors.Is(err, ErrNotFound) {
				return err
			}
			return nil
		}
		switch {
		case !now.Before(a.CodeExpiresAt):
			outcome = fmt.Errorf("%w: the authorization code has expired", oid4vci.ErrInvalidGrant)
		case rec.State == OfferLocked:
			outcome = fmt.Errorf("%w: the offer is locked", oid4vci.ErrInvalidGrant)
		case subtle.ConstantTimeCompare([]byte(req.ClientID), []byte(a.ClientID)) != 1:
			outcome = fmt.Errorf("%w: the authorization code was issued to another client", oid4vci.ErrInvalidGrant)
		case req.RedirectURI != a.RedirectURI:
			outcome = fmt.Errorf("%w: redirect_uri is not the one of the authorization request", oid4vci.ErrInvalidGrant)
		case subtle.ConstantTimeCompare([]byte(pkceS256(req.CodeVerifier)), []byte(a.CodeChallenge)) != 1:
			outcome = fmt.Errorf("%w: code_verifier does not match the code_challenge (PKCE)", oid4vci.ErrInvalidGrant)
		case a.DPoPJKT != "" && (proof == nil || subtle.ConstantTimeCompare([]byte(proof.JKT), []byte(a.DPoPJKT)) != 1):
			outcome = fmt.Errorf("%w: %w: the code is bound to another DPoP key (dpop_jkt)", dpop.ErrInvalidProof, dpop.ErrKeyMismatch)
		}
		if outcome != nil {
			return nil
		}
		a.CodeUsed, a.TokenHash = true, hashSecret(access)
		rec.State = OfferRedeemed
		rec.Object = nil
		if err := tx.PutOffer(rec); err != nil {
			return err
		}
		tok = &TokenRecord{Hash: hashSecret(access), OfferID: rec.ID, ExpiresAt: now.Add(is.cfg.AccessTokenTTL), ClientID: a.ClientID, ConfigurationIDs: slices.Clone(a.Scopes)}
		if proof != nil {
			tok.JKT = proof.JKT
		}
		return tx.PutToken(tok)
	})
	if err != nil {
		return nil, fmt.Errorf("token: %w", err)
	}
	if outcome != nil {
		is.log.Info("token request refused", "offer_id", id, "error", string(oid4vci.CodeOf(outcome)))
		return nil, outcome
	}
	is.log.Info("authorization code redeemed", "offer_id", id)
	return tok, nil
}
