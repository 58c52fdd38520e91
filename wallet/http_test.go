package wallet_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials/dcql"
	"github.com/loopbrug/paspoort/credentials/oid4vp"
	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/credentials/sdjwtvc"
	"github.com/loopbrug/paspoort/wallet"
)

// clock is a settable clock for sessions.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// syncBuffer collects log output from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// apiServer is a wallet Server on a real listener on 127.0.0.1.
type apiServer struct {
	srv  *wallet.Server
	url  string
	logs *syncBuffer
	clk  *clock
}

// startServer creates a wallet in a fresh folder (with setup run on it
// while unlocked) and serves its API until the test ends.
func startServer(t *testing.T, cfg wallet.ServerConfig, setup func(*wallet.Wallet)) *apiServer {
	t.Helper()
	dir := t.TempDir()
	w := initWallet(t, dir, cfg.WalletOptions...)
	if setup != nil {
		setup(w)
	}
	w.Close()
	st, err := wallet.OpenStore(dir, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	a := &apiServer{logs: &syncBuffer{}, clk: &clock{t: time.Now()}}
	cfg.Logger = slog.New(slog.NewJSONHandler(a.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg.WalletOptions = append(cfg.WalletOptions, wallet.WithLogger(cfg.Logger))
	if cfg.Now == nil {
		cfg.Now = a.clk.now
	}
	a.srv, err = wallet.NewServer(ctx, st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a.url = "http://" + ln.Addr().String()
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- a.srv.Serve(sctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		st.Close()
	})
	return a
}

// client is one browser: a cookie jar and the CSRF token of its session.
type client struct {
	t    *testing.T
	a    *apiServer
	http *http.Client
	csrf string
}

func (a *apiServer) client(t *testing.T) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, a: a, http: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

// do sends a request (a JSON body unless body is a string) with the CSRF
// token and the extra headers, and decodes a JSON answer into out.
func (c *client) do(method, path string, body any, out any, hdr ...string) (int, map[string]any) {
	c.t.Helper()
	var rd io.Reader
	ct := "application/json"
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd, ct = bytes.NewReader(b), "application/yaml"
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.a.url+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", ct)
	}
	if c.csrf != "" {
		req.Header.Set(wallet.CSRFHeader, c.csrf)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i] == "Host" {
			req.Host = hdr[i+1]
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.Header.Get("Cache-Control") != "no-store" || res.Header.Get("X-Content-Type-Options") != "nosniff" {
		c.t.Errorf("%s %s: security headers missing: %v", method, path, res.Header)
	}
	var e map[string]any
	if res.StatusCode >= 400 {
		_ = json.Unmarshal(b, &e)
	} else if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			c.t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
	return res.StatusCode, e
}

// unlock opens a session and keeps its CSRF token.
func (c *client) unlock(pass string) (int, map[string]any) {
	c.t.Helper()
	var info struct {
		CSRF     string `json:"csrf_token"`
		WalletID string `json:"wallet_id"`
	}
	code, e := c.do(http.MethodPost, "/api/unlock", map[string]string{"passphrase": pass}, &info)
	if code == http.StatusOK {
		if info.CSRF == "" || info.WalletID == "" {
			c.t.Fatalf("unlock answer %+v", info)
		}
		c.csrf = info.CSRF
	}
	return code, e
}

func wantError(t *testing.T, what string, code int, e map[string]any, wantCode int, wantErr string) {
	t.Helper()
	if code != wantCode || e["error"] != wantErr {
		t.Fatalf("%s: %d %v, want %d %s", what, code, e, wantCode, wantErr)
	}
}

// The HTTP API end to end over a real listener: unlock (wrong, then right
// passphrase; the cookie is HttpOnly and SameSite=Strict), my paspoort
// grouped by building block, receive an offer in two steps (resolve: who
// offers what; accept with the tx_code) from an OpenID4VCI issuer over TLS,
// show, present in two steps (read: verifier and claims per credential;
// consent with a selection) to an OpenID4VP verifier, decline another
// request, history, private matching, lock. The log names routes only:
// no passphrase, token, tx_code or claim value.
func TestServerEndToEnd(t *testing.T) {
	iss := newVCIIssuer(t)
	iss.claims = example(t, "skill", nil)
	keys := sdjwtvc.StaticKeys{iss.srv.URL: {iss.key.Public()}}
	a := startServer(t, wallet.ServerConfig{WalletOptions: []wallet.Option{wallet.WithKDFParams(testKDF), wallet.WithAllowLoopback(),
		wallet.WithTransportUnsafe(iss.srv.Client().Transport), wallet.WithIssuerKeys(keys)}}, nil)
	c := a.client(t)

	code, e := c.do(http.MethodGet, "/api/credentials", nil, nil)
	wantError(t, "locked", code, e, http.StatusUnauthorized, "locked")
	code, e = c.unlock("not the passphrase")
	wantError(t, "wrong passphrase", code, e, http.StatusUnauthorized, "wrong_passphrase")
	if code, _ := c.unlock(testPass); code != http.StatusOK {
		t.Fatalf("unlock: %d", code)
	}
	u, _ := http.NewRequest(http.MethodGet, a.url, nil)
	cks := c.http.Jar.Cookies(u.URL)
	if len(cks) != 1 || cks[0].Name != wallet.SessionCookie {
		t.Fatalf("cookies %v", cks)
	}
	// the jar hides the attributes: check them on a second unlock's answer
	raw := rawUnlock(t, a.url)
	if !strings.Contains(raw, "HttpOnly") || !strings.Contains(raw, "SameSite=Strict") || !strings.Contains(raw, "Path=/") {
		t.Fatalf("session cookie attributes: %s", raw)
	}

	var list struct {
		Groups []wallet.Group `json:"groups"`
		Count  int            `json:"count"`
	}
	if code, _ := c.do(http.MethodGet, "/api/credentials", nil, &list); code != http.StatusOK || list.Count != 0 || len(list.Groups) != len(ppp.Types()) || list.Groups[1].ID != "skills" {
		t.Fatalf("empty paspoort: %d %+v", code, list)
	}

	// receive: resolve, then accept
	csrf := c.csrf
	c.csrf = ""
	code, e = c.do(http.MethodPost, "/api/offers", map[string]string{"offer_uri": iss.offer(t)}, nil)
	wantError(t, "no CSRF token", code, e, http.StatusForbidden, "csrf")
	// A token that differs from the right one in its first character
	// (a fixed "x" would equal it whenever the token starts with "x").
	first := "x"
	if csrf[0] == 'x' {
		first = "y"
	}
	c.csrf = first + csrf[1:]
	code, e = c.do(http.MethodPost, "/api/offers", map[string]string{"offer_uri": iss.offer(t)}, nil)
	wantError(t, "wrong CSRF token", code, e, http.StatusForbidden, "csrf")
	c.csrf = csrf
	var offer struct {
		ID          string                     `json:"id"`
		Issuer      string                     `json:"credential_issuer"`
		IssuerName  string                     `json:"issuer_name"`
		Credentials []wallet.OfferedCredential `json:"credentials"`
		TxCode      map[string]any             `json:"tx_code"`
	}
	if code, e := c.do(http.MethodPost, "/api/offers", map[string]string{"offer_uri": iss.offer(t)}, &offer); code != http.StatusOK {
		t.Fatalf("resolve offer: %d %v", code, e)
	}
	if offer.ID == "" || offer.Issuer != iss.srv.URL || offer.IssuerName != "Assessor BV" || len(offer.Credentials) != 1 || offer.TxCode["input_mode"] != "numeric" {
		t.Fatalf("offer %+v", offer)
	}
	code, e = c.do(http.MethodPost, "/api/offers/"+offer.ID+"/accept", map[string]any{}, nil)
	wantError(t, "accept without tx_code", code, e, http.StatusBadRequest, "tx_code_required")
	var got struct {
		Credentials []wallet.Summary `json:"credentials"`
	}
	if code, e := c.do(http.MethodPost, "/api/offers/"+offer.ID+"/accept", map[string]any{"tx_code": "4711"}, &got); code != http.StatusOK {
		t.Fatalf("accept: %d %v", code, e)
	}
	if len(got.Credentials) != 1 || got.Credentials[0].Type != "skill" || got.Credentials[0].Copies != 2 || got.Credentials[0].Group != "skills" {
		t.Fatalf("received %+v", got)
	}
	credID := got.Credentials[0].ID
	code, e = c.do(http.MethodPost, "/api/offers/"+offer.ID+"/accept", map[string]any{"tx_code": "4711"}, nil)
	wantError(t, "accept twice", code, e, http.StatusNotFound, "not_found")

	if code, _ := c.do(http.MethodGet, "/api/credentials", nil, &list); code != http.StatusOK || list.Count != 1 || len(list.Groups[1].Credentials) != 1 || list.Groups[1].Credentials[0].ID != credID {
		t.Fatalf("paspoort: %+v", list)
	}
	var shown struct {
		wallet.Summary
		Claims map[string]any `json:"claims"`
	}
	if code, _ := c.do(http.MethodGet, "/api/credentials/"+credID+"?offline=true", nil, &shown); code != http.StatusOK || shown.Claims["skill"] != iss.claims["skill"] || shown.Status != wallet.StatusNone {
		t.Fatalf("show: %d %+v", code, shown)
	}

	// present: read, then consent
	q, _ := dcql.Parse([]byte(`{"credentials":[{"id":"skill","format":"dc+sd-jwt","meta":{"vct_values":["https://paspoort.loopbrug.nl/vct/skill/v1"]},"claims":[{"path":["skill"]},{"path":["proficiency"]}]}]}`))
	v := newTestVerifier(t, keys, oid4vp.ResponseModeDirectPostJWT, q)
	var pr struct {
		ID       string                `json:"id"`
		Verifier string                `json:"verifier"`
		ClientID string                `json:"client_id"`
		Queries  []wallet.QueryOptions `json:"queries"`
	}
	if code, e := c.do(http.MethodPost, "/api/presentations", map[string]string{"request_uri": v.link("/request")}, &pr); code != http.StatusOK {
		t.Fatalf("read request: %d %v", code, e)
	}
	if pr.ClientID != v.clientID || len(pr.Queries) != 1 || len(pr.Queries[0].Options) != 1 || pr.Queries[0].Options[0].CredentialID != credID ||
		pr.Queries[0].Options[0].IssuerName != "Assessor BV" || len(pr.Queries[0].Options[0].Claims) != 2 {
		t.Fatalf("request %+v", pr)
	}
	code, e = c.do(http.MethodPost, "/api/presentations/"+pr.ID+"/consent", map[string]any{"selection": map[string][]string{"skill": {"nonexistent"}}}, nil)
	wantError(t, "bad selection", code, e, http.StatusBadRequest, "invalid_selection")
	if v.got != nil {
		t.Fatal("sent something for a bad selection")
	}
	var res wallet.PresentResult
	if code, e := c.do(http.MethodPost, "/api/presentations/"+pr.ID+"/consent", map[string]any{"selection": map[string][]string{"skill": {credID}}}, &res); code != http.StatusOK {
		t.Fatalf("consent: %d %v", code, e)
	}
	if res.RedirectURI == "" || len(v.got["skill"]) != 1 || v.got["skill"][0].Claims["skill"] != iss.claims["skill"] || v.got["skill"][0].Claims["evidence"] != nil {
		t.Fatalf("presented %+v; verifier got %v", res, v.got)
	}

	// decline another request
	v2 := newTestVerifier(t, keys, oid4vp.ResponseModeDirectPost, q)
	if code, e := c.do(http.MethodPost, "/api/presentations", map[string]string{"request_uri": v2.link("/request")}, &pr); code != http.StatusOK {
		t.Fatalf("read request: %d %v", code, e)
	}
	if code, e := c.do(http.MethodPost, "/api/presentations/"+pr.ID+"/decline", nil, nil); code != http.StatusOK || v2.declined != oid4vp.CodeAccessDenied || v2.got != nil {
		t.Fatalf("decline: %d %v; verifier %q %v", code, e, v2.declined, v2.got)
	}

	var hist []wallet.Presentation
	if code, _ := c.do(http.MethodGet, "/api/history", nil, &hist); code != http.StatusOK || len(hist) != 1 || hist[0].Verifier != v.clientID || hist[0].Outcome != "sent" {
		t.Fatalf("history %+v", hist)
	}
	var match map[string]any
	if code, e := c.do(http.MethodPost, "/api/match", readTestdata(t, "profile-minimal.yaml"), &match); code != http.StatusOK || match["outcome"] == nil {
		t.Fatalf("match: %d %v %v", code, e, match)
	}
	code, e = c.do(http.MethodPost, "/api/match", []byte("requirements: [unclosed"), nil)
	wantError(t, "bad profile", code, e, http.StatusUnprocessableEntity, "rejected")

	if code, _ := c.do(http.MethodDelete, "/api/credentials/"+credID, nil, nil); code != http.StatusNoContent {
		t.Fatalf("delete: %d", code)
	}
	if code, _ := c.do(http.MethodPost, "/api/lock", nil, nil); code != http.StatusNoContent || a.srv.Unlocked() {
		t.Fatalf("lock: %d", code)
	}
	code, e = c.do(http.MethodGet, "/api/history", nil, nil)
	wantError(t, "after lock", code, e, http.StatusUnauthorized, "locked")

	logs := a.logs.String()
	for _, secret := range []string{testPass, csrf, "4711", cks[0].Value, iss.claims["skill"].(string), "pre-code"} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log holds a secret or claim value %q", secret)
		}
	}
	if !strings.Contains(logs, `"route":"/api/offers/:id/accept"`) {
		t.Errorf("no request log: %s", logs)
	}
}

// rawUnlock unlocks with a plain client and returns the Set-Cookie header.
func rawUnlock(t *testing.T, base string) string {
	t.Helper()
	res, err := http.Post(base+"/api/unlock", "application/json", strings.NewReader(`{"passphrase":"`+testPass+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("unlock: %d", res.StatusCode)
	}
	return res.Header.Get("Set-Cookie")
}

// The guards: Host allow-list (DNS rebinding), Origin and Sec-Fetch-Site on
// state-changing requests, the media type, the body limit, unlock
// throttling, idle timeout, and pending decisions visible only to the
// session that made them.
func TestServerGuards(t *testing.T) {
	a := startServer(t, wallet.ServerConfig{IdleTimeout: time.Minute, WalletOptions: []wallet.Option{wallet.WithKDFParams(testKDF)}}, nil)
	pass := map[string]string{"passphrase": testPass}
	for _, tt := range []struct {
		name     string
		method   string
		path     string
		body     any
		hdr      []string
		wantCode int
		wantErr  string
	}{
		{"rebound host name", http.MethodGet, "/healthz", nil, []string{"Host", "evil.example:8480"}, 403, "host_not_allowed"},
		{"rebound host on unlock", http.MethodPost, "/api/unlock", pass, []string{"Host", "attacker.example"}, 403, "host_not_allowed"},
		{"foreign origin", http.MethodPost, "/api/unlock", pass, []string{"Origin", "http://evil.example"}, 403, "cross_origin"},
		{"null origin", http.MethodPost, "/api/unlock", pass, []string{"Origin", "null"}, 403, "cross_origin"},
		{"same host, https origin", http.MethodPost, "/api/unlock", pass, []string{"Origin", strings.Replace(a.url, "http:", "https:", 1)}, 403, "cross_origin"},
		{"cross-site fetch", http.MethodPost, "/api/unlock", pass, []string{"Sec-Fetch-Site", "cross-site"}, 403, "cross_origin"},
		{"same-site fetch", http.MethodPost, "/api/unlock", pass, []string{"Sec-Fetch-Site", "same-site"}, 403, "cross_origin"},
		{"form post", http.MethodPost, "/api/unlock", `passphrase=x`, []string{"Content-Type", "application/x-www-form-urlencoded"}, 415, "unsupported_media_type"},
		{"text/plain", http.MethodPost, "/api/unlock", `{"passphrase":"x"}`, []string{"Content-Type", "text/plain"}, 415, "unsupported_media_type"},
		{"duplicate member", http.MethodPost, "/api/unlock", `{"passphrase":"a","passphrase":"b"}`, nil, 400, "invalid_request"},
		{"oversize body", http.MethodPost, "/api/unlock", `{"passphrase":"` + strings.Repeat("a", 100<<10) + `"}`, nil, 413, "request_entity_too_large"},
		{"no session", http.MethodPost, "/api/lock", nil, nil, 401, "locked"},
		{"unknown route", http.MethodGet, "/api/nothing", nil, nil, 401, "locked"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, e := a.client(t).do(tt.method, tt.path, tt.body, nil, tt.hdr...)
			wantError(t, tt.name, code, e, tt.wantCode, tt.wantErr)
			if a.srv.Unlocked() {
				t.Fatal("refused request unlocked the wallet")
			}
		})
	}
	t.Run("same origin", func(t *testing.T) {
		c := a.client(t)
		if code, e := c.do(http.MethodPost, "/api/unlock", pass, nil, "Origin", a.url, "Sec-Fetch-Site", "same-origin"); code != http.StatusOK {
			t.Fatalf("same-origin unlock: %d %v", code, e)
		}
		a.srv.Lock()
	})

	t.Run("unlock throttling", func(t *testing.T) {
		c := a.client(t)
		for i := range 3 {
			code, e := c.unlock("wrong passphrase " + string(rune('a'+i)))
			wantError(t, "wrong passphrase", code, e, 401, "wrong_passphrase")
		}
		// the third failure imposes a wait: even the right passphrase waits
		code, e := c.unlock(testPass)
		wantError(t, "too soon", code, e, 429, "too_many_attempts")
		a.clk.add(1100 * time.Millisecond)
		if code, e := c.unlock(testPass); code != http.StatusOK {
			t.Fatalf("after the wait: %d %v", code, e)
		}
		a.srv.Lock()
	})

	t.Run("idle timeout", func(t *testing.T) {
		c := a.client(t)
		if code, _ := c.unlock(testPass); code != http.StatusOK {
			t.Fatal(code)
		}
		a.clk.add(50 * time.Second)
		if code, _ := c.do(http.MethodGet, "/api/session", nil, nil); code != http.StatusOK {
			t.Fatalf("active session: %d", code)
		}
		a.clk.add(50 * time.Second) // 50 s since the last request: still alive
		if code, _ := c.do(http.MethodGet, "/api/history", nil, nil); code != http.StatusOK {
			t.Fatalf("active session: %d", code)
		}
		a.clk.add(61 * time.Second)
		code, e := c.do(http.MethodGet, "/api/history", nil, nil)
		wantError(t, "idle", code, e, 401, "locked")
		if a.srv.Unlocked() {
			t.Fatal("the wallet stayed unlocked after its only session expired")
		}
	})

	t.Run("pending decisions belong to their session", func(t *testing.T) {
		iss := newVCIIssuer(t)
		a := startServer(t, wallet.ServerConfig{WalletOptions: []wallet.Option{wallet.WithKDFParams(testKDF), wallet.WithAllowLoopback(),
			wallet.WithTransportUnsafe(iss.srv.Client().Transport)}}, nil)
		c1, c2 := a.client(t), a.client(t)
		c1.unlock(testPass)
		c2.unlock(testPass)
		var offer struct {
			ID string `json:"id"`
		}
		if code, e := c1.do(http.MethodPost, "/api/offers", map[string]string{"offer_uri": iss.offer(t)}, &offer); code != http.StatusOK {
			t.Fatalf("resolve: %d %v", code, e)
		}
		code, e := c2.do(http.MethodPost, "/api/offers/"+offer.ID+"/decline", nil, nil)
		wantError(t, "other session", code, e, 404, "not_found")
		// c2's CSRF token does not work with c1's cookie
		c1.csrf, c2.csrf = c2.csrf, c1.csrf
		code, e = c1.do(http.MethodPost, "/api/offers/"+offer.ID+"/decline", nil, nil)
		wantError(t, "token of another session", code, e, 403, "csrf")
		c1.csrf = c2.csrf
		if code, _ := c1.do(http.MethodPost, "/api/offers/"+offer.ID+"/decline", nil, nil); code != http.StatusNoContent {
			t.Fatalf("decline: %d", code)
		}
	})
}

func TestNewServerRefusesEmptyStore(t *testing.T) {
	st, err := wallet.OpenStore(t.TempDir(), true, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := wallet.NewServer(ctx, st, wallet.ServerConfig{}); !errors.Is(err, wallet.ErrNotInitialised) {
		t.Fatalf("empty store: %v", err)
	}
	if _, err := wallet.NewServer(ctx, st, wallet.ServerConfig{IdleTimeout: -time.Second}); err == nil {
		t.Fatal("negative idle timeout accepted")
	}
}
