package devstack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/loopbrug/paspoort/credentials/profile"
	"github.com/loopbrug/paspoort/issuer"
	"github.com/loopbrug/paspoort/verifier"
)

// maxAnswer bounds the admin API answers the stack reads.
const maxAnswer = 4 << 20

// call sends a JSON request to one of the stack's services and decodes the
// JSON answer into out. A non-2xx status is an error naming it (the body,
// which may hold a field-level error but never a secret, is included).
func (s *Stack) call(ctx context.Context, method, rawURL, token string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("encode %s %s: %w", method, rawURL, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, rawURL, body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, rawURL, err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, rawURL, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, maxAnswer))
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, rawURL, err)
	}
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: HTTP %d: %s", method, rawURL, res.StatusCode, bytes.TrimSpace(b))
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s %s: decode answer: %w", method, rawURL, err)
	}
	return nil
}

// CreateOffer creates a credential offer through the admin API of the
// issuer with key, as an issuer's operator does.
func (s *Stack) CreateOffer(ctx context.Context, key string, req issuer.OfferRequest) (*issuer.Offer, error) {
	is := s.Issuer(key)
	if is == nil {
		return nil, fmt.Errorf("devstack: no issuer %q", key)
	}
	var o issuer.Offer
	if err := s.call(ctx, http.MethodPost, is.URL+"/admin/offers", is.AdminToken, req, &o); err != nil {
		return nil, fmt.Errorf("offer from %s: %w", key, err)
	}
	return &o, nil
}

// SetStatus sets the status (issuer.StatusRevoked, …) of every credential
// of type typ the issuer with key issued to subjectRef, through its admin
// API, and returns how many it changed: every copy of a batch is its own
// record with its own status list entry.
func (s *Stack) SetStatus(ctx context.Context, key, subjectRef, typ, status string) (int, error) {
	is := s.Issuer(key)
	if is == nil {
		return 0, fmt.Errorf("devstack: no issuer %q", key)
	}
	action := map[string]string{issuer.StatusRevoked: "revoke", issuer.StatusSuspended: "suspend", issuer.StatusValid: "reinstate"}[status]
	if action == "" {
		return 0, fmt.Errorf("devstack: unknown status %q", status)
	}
	var list struct {
		Credentials []issuer.CredentialRecord `json:"credentials"`
	}
	if err := s.call(ctx, http.MethodGet, is.URL+"/admin/credentials?limit=1000", is.AdminToken, nil, &list); err != nil {
		return 0, fmt.Errorf("credentials of %s: %w", key, err)
	}
	n := 0
	for _, c := range list.Credentials {
		if c.SubjectRef != subjectRef || c.Type != typ {
			continue
		}
		if err := s.call(ctx, http.MethodPost, is.URL+"/admin/credentials/"+url.PathEscape(c.ID)+"/"+action, is.AdminToken, map[string]string{}, nil); err != nil {
			return n, fmt.Errorf("%s at %s: %w", action, key, err)
		}
		n++
	}
	return n, nil
}

// CreateRequest creates an authorization request for a profile through the
// admin API of the verifier with key.
func (s *Stack) CreateRequest(ctx context.Context, key, profileID string) (*verifier.Request, error) {
	v := s.Verifier(key)
	if v == nil {
		return nil, fmt.Errorf("devstack: no verifier %q", key)
	}
	var r verifier.Request
	if err := s.call(ctx, http.MethodPost, v.URL+"/admin/transactions", v.AdminToken, map[string]string{"profile": profileID}, &r); err != nil {
		return nil, fmt.Errorf("request at %s: %w", key, err)
	}
	return &r, nil
}

// Result returns a transaction's state at the verifier with key, waiting up
// to wait for its decision.
func (s *Stack) Result(ctx context.Context, key, transactionID string, wait time.Duration) (*verifier.Status, error) {
	v := s.Verifier(key)
	if v == nil {
		return nil, fmt.Errorf("devstack: no verifier %q", key)
	}
	u := v.URL + "/admin/transactions/" + url.PathEscape(transactionID)
	if wait > 0 {
		u += "?wait=" + url.QueryEscape(wait.String())
	}
	var st verifier.Status
	if err := s.call(ctx, http.MethodGet, u, v.AdminToken, nil, &st); err != nil {
		return nil, fmt.Errorf("result at %s: %w", key, err)
	}
	return &st, nil
}

// PublishedProfile fetches a profile as the verifier with key publishes it
// (GET /profiles/{id}), as a wallet does before matching privately.
func (s *Stack) PublishedProfile(ctx context.Context, key, profileID string) (*profile.Profile, error) {
	v := s.Verifier(key)
	if v == nil {
		return nil, fmt.Errorf("devstack: no verifier %q", key)
	}
	var raw json.RawMessage
	if err := s.call(ctx, http.MethodGet, v.URL+"/profiles/"+url.PathEscape(profileID), "", nil, &raw); err != nil {
		return nil, fmt.Errorf("profile from %s: %w", key, err)
	}
	p, err := profile.Parse(profileID+".json", raw)
	if err != nil {
		return nil, fmt.Errorf("profile from %s: %w", key, err)
	}
	return p, nil
}

// Healthy checks every health endpoint once and returns the first failure.
func (s *Stack) Healthy(ctx context.Context) error {
	for _, u := range s.HealthURLs() {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return fmt.Errorf("health %s: %w", u, err)
		}
		res, err := s.client.Do(req)
		if err != nil {
			return fmt.Errorf("health %s: %w", u, err)
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 1<<10))
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return fmt.Errorf("health %s: HTTP %d", u, res.StatusCode)
		}
	}
	return nil
}

// The form of an issuer's authorization page, as SignIn reads it.
var (
	signInActionRE = regexp.MustCompile(`<form method="post" action="([^"]+)"`)
	signInHiddenRE = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
)

// SignIn does what the holder does in her browser on an issuer's
// authorization page (the authorization code flow): it opens pageURL,
// fills in the transaction code, presses "allow" (or "deny") and returns
// the URL the issuer sends the browser back to, for the wallet's
// FinishAuthorization. It talks to the stack's services only.
func (s *Stack) SignIn(ctx context.Context, pageURL, txCode string, allow bool) (string, error) {
	return SignIn(ctx, s.client, pageURL, txCode, allow)
}

// SignIn is Stack.SignIn with the browser's HTTP client c (which must
// trust the issuer's certificate); redirects are not followed.
func SignIn(ctx context.Context, c *http.Client, pageURL, txCode string, allow bool) (string, error) {
	nc := *c
	nc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, pageURL, nil)
	if err != nil {
		return "", fmt.Errorf("sign in: %w", err)
	}
	res, err := nc.Do(req)
	if err != nil {
		return "", fmt.Errorf("sign in: %w", err)
	}
	page, err := io.ReadAll(io.LimitReader(res.Body, maxAnswer))
	res.Body.Close()
	if err != nil || res.StatusCode != http.StatusOK {
		return "", fmt.Errorf("sign in: authorization page: HTTP %d", res.StatusCode)
	}
	m := signInActionRE.FindSubmatch(page)
	if m == nil {
		return "", errors.New("sign in: no form on the authorization page")
	}
	decision := "deny"
	if allow {
		decision = "allow"
	}
	f := url.Values{"decision": {decision}}
	if txCode != "" {
		f.Set("tx_code", txCode)
	}
	for _, h := range signInHiddenRE.FindAllSubmatch(page, -1) {
		f.Set(string(h[1]), html.UnescapeString(string(h[2])))
	}
	pu, err := url.Parse(pageURL)
	if err != nil {
		return "", fmt.Errorf("sign in: %w", err)
	}
	action, err := pu.Parse(html.UnescapeString(string(m[1])))
	if err != nil {
		return "", fmt.Errorf("sign in: form action: %w", err)
	}
	req, err = http.NewRequestWithContext(ctx, http.MethodPost, action.String(), strings.NewReader(f.Encode()))
	if err != nil {
		return "", fmt.Errorf("sign in: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err = nc.Do(req)
	if err != nil {
		return "", fmt.Errorf("sign in: %w", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		return "", fmt.Errorf("sign in: HTTP %d instead of the redirect back", res.StatusCode)
	}
	return res.Header.Get("Location"), nil
}
