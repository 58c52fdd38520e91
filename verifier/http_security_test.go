package verifier_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials/oid4vp"
	"github.com/loopbrug/paspoort/verifier"
)

// serveReal runs e's verifier with verifier.Serve on a real listener on
// 127.0.0.1 (plain HTTP) with sc, and returns its base URL; it stops when
// the test ends.
func serveReal(t *testing.T, e *env, sc verifier.ServerConfig) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.v.Serve(ctx, ln, sc) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return "http://" + ln.Addr().String()
}

// repeatReader yields n bytes of c without holding them in memory.
type repeatReader struct {
	c byte
	n int64
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	n := int64(len(p))
	n = min(n, r.n)
	for i := range p[:n] {
		p[i] = r.c
	}
	r.n -= n
	return int(n), nil
}

// healthy checks that base still answers /health.
func healthy(t *testing.T, client *http.Client, base string) {
	t.Helper()
	resp, err := client.Get(base + "/health")
	if err != nil {
		t.Fatalf("service down: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("health: %d", resp.StatusCode)
	}
}

// TestF45OversizePOST: a 50 MB form posted to the response_uri is refused
// with 413 before it is read, whether it announces its length or comes
// chunked without one (the body limit counts the bytes read); the
// transaction stays answerable and the service keeps answering
// (SECURITY.md F.45).
func TestF45OversizePOST(t *testing.T) {
	is := newIssuer(t)
	e := newEnv(t, trustAll(is.did), oid4vp.ResponseModeDirectPost)
	base := serveReal(t, e, verifier.ServerConfig{})
	holder, creds := miranda(t, is)
	w := &wallet{t: t, e: e, key: holder, creds: creds}
	req := e.start(profileTeacher, nil)
	r := w.fetch(req.RequestURI)
	const size = 50 << 20
	for _, tc := range []struct {
		name    string
		chunked bool
	}{
		{"F45 50 MB POST with Content-Length → 413", false},
		{"F45 50 MB chunked POST without Content-Length → 413", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := io.MultiReader(strings.NewReader("state="+url.QueryEscape(r.State)+"&vp_token="), &repeatReader{'a', size})
			hr, _ := http.NewRequest("POST", base+"/response", struct{ io.Reader }{body})
			if !tc.chunked {
				hr.ContentLength = size + int64(len("state="+url.QueryEscape(r.State)+"&vp_token="))
			}
			hr.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := http.DefaultClient.Do(hr)
			if err != nil {
				t.Fatalf("no answer: %v", err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusRequestEntityTooLarge || errorCode(b) != "invalid_request" {
				t.Fatalf("%d %s, want 413 invalid_request", resp.StatusCode, b)
			}
			if tc.chunked && resp.Request.ContentLength > 0 {
				t.Fatal("the request was not chunked")
			}
			healthy(t, http.DefaultClient, base)
		})
	}
	if s := e.statusNow(req.TransactionID); s.Status != verifier.TxPending {
		t.Fatalf("status %s after oversize posts", s.Status)
	}
	if code, body := w.post(r, w.vpToken(r, r.ClientID, r.Nonce, false), ""); code != 200 {
		t.Fatalf("proper response after the oversize ones: %d %s", code, body)
	}
}

// TestF46Slowloris: clients that send their headers, or their body, a
// byte at a time are cut off by the server's ReadHeaderTimeout and
// ReadTimeout (short ones here), and the service keeps answering; the
// default server has every timeout set (SECURITY.md F.46, gosec G112).
func TestF46Slowloris(t *testing.T) {
	t.Run("F46 default http.Server timeouts set", func(t *testing.T) {
		e := newEnv(t, trustAll(), oid4vp.ResponseModeDirectPost)
		srv := e.v.NewServer(verifier.ServerConfig{})
		if srv.ReadHeaderTimeout <= 0 || srv.ReadTimeout <= 0 || srv.WriteTimeout <= 0 || srv.IdleTimeout <= 0 || srv.MaxHeaderBytes <= 0 {
			t.Fatalf("timeouts %v %v %v %v, max header bytes %d", srv.ReadHeaderTimeout, srv.ReadTimeout, srv.WriteTimeout, srv.IdleTimeout, srv.MaxHeaderBytes)
		}
		if srv.ReadHeaderTimeout > 10*time.Second || srv.ReadTimeout > time.Minute {
			t.Fatalf("timeouts too long: header %v, read %v", srv.ReadHeaderTimeout, srv.ReadTimeout)
		}
	})
	e := newEnv(t, trustAll(), oid4vp.ResponseModeDirectPost)
	const headerTimeout, readTimeout = 300 * time.Millisecond, time.Second
	base := serveReal(t, e, verifier.ServerConfig{ReadHeaderTimeout: headerTimeout, ReadTimeout: readTimeout})
	host := strings.TrimPrefix(base, "http://")
	for _, tc := range []struct {
		name   string
		prefix string // sent at once
		trick  string // then a byte every 20 ms
		limit  time.Duration
	}{
		{"F46 slowloris headers a byte at a time → cut off by ReadHeaderTimeout",
			"", "POST /response HTTP/1.1\r\nHost: " + host + "\r\nX-Slow: " + strings.Repeat("a", 1000), headerTimeout},
		{"F46 body a byte at a time → cut off by ReadTimeout",
			"POST /response HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\n",
			"state=" + strings.Repeat("a", 1000), readTimeout},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", host)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			start := time.Now()
			closed := make(chan time.Duration, 1)
			go func() {
				// Read whatever the server says until it hangs up.
				_, _ = io.Copy(io.Discard, bufio.NewReader(conn))
				closed <- time.Since(start)
			}()
			if _, err := io.WriteString(conn, tc.prefix); err != nil {
				t.Fatal(err)
			}
			tick := time.NewTicker(20 * time.Millisecond)
			defer tick.Stop()
			for i := 0; ; i++ {
				select {
				case took := <-closed:
					if took < tc.limit-50*time.Millisecond || took > tc.limit+2*time.Second {
						t.Fatalf("cut off after %v, want about %v", took, tc.limit)
					}
					healthy(t, http.DefaultClient, base)
					return
				case <-tick.C:
					if i >= len(tc.trick) {
						t.Fatalf("the slow client was not cut off after %v", time.Since(start))
					}
					_, _ = conn.Write([]byte{tc.trick[i]})
				}
			}
		})
	}
}

// TestF47HostileForm: hostile parameters and vp_token JSON posted to the
// response_uri are refused with invalid_request before anything is
// decided (duplicates, invalid UTF-8, UTF-16, a BOM, U+0000, a Unicode
// twin or an RTL override in a Credential Query id, JSON nested a million
// deep, an unknown state), the transaction stays answerable and nothing is
// stored; hostile JSON on the admin API is refused the same way
// (SECURITY.md F.47).
func TestF47HostileForm(t *testing.T) {
	is := newIssuer(t)
	e := newEnv(t, trustAll(is.did), oid4vp.ResponseModeDirectPost)
	holder, creds := miranda(t, is)
	w := &wallet{t: t, e: e, key: holder, creds: creds}
	req := e.start(profileTeacher, nil)
	r := w.fetch(req.RequestURI)
	vp := w.vpToken(r, r.ClientID, r.Nonce, false)
	good, err := oid4vp.AuthorizationResponse{VPToken: vp, State: r.State}.Form()
	if err != nil {
		t.Fatal(err)
	}
	var qid string
	for k := range vp {
		qid = k
		break
	}
	pres := vp[qid][0]
	st := "state=" + url.QueryEscape(r.State)
	vpt := func(json string) string { return st + "&vp_token=" + url.QueryEscape(json) }
	deep := strings.Repeat("[", 1_000_000) + strings.Repeat("]", 1_000_000)
	for _, tc := range []struct {
		name string
		body string
	}{
		{"F47 duplicate vp_token → invalid_request", good.Encode() + "&vp_token=" + url.QueryEscape(good.Get("vp_token"))},
		{"F47 duplicate state → invalid_request", good.Encode() + "&" + st},
		{"F47 duplicate response → invalid_request", "response=a&response=b"},
		{"F47 response beside vp_token → invalid_request", good.Encode() + "&response=a"},
		{"F47 invalid UTF-8 in vp_token → invalid_request", vpt(`{"` + qid + `":["` + pres + "\xff\xfe" + `"]}`)},
		{"F47 invalid UTF-8 in state → invalid_request", "state=%FF%FE&vp_token=" + url.QueryEscape(good.Get("vp_token"))},
		{"F47 UTF-16 vp_token → invalid_request", vpt(utf16LE(`{"` + qid + `":["` + pres + `"]}`))},
		{"F47 BOM before vp_token → invalid_request", vpt("\uFEFF" + good.Get("vp_token"))},
		{`F47 \u0000 in a vp_token key → invalid_request`, vpt(`{"` + qid + `\u0000":["` + pres + `"]}`)},
		{"F47 raw NUL in state → invalid_request", "state=" + url.QueryEscape(r.State+"\x00") + "&vp_token=" + url.QueryEscape(good.Get("vp_token"))},
		{"F47 NFD twin of a query id → invalid_request", vpt(`{"` + qid + "e\u0301" + `":["` + pres + `"], "` + qid + "\u00e9" + `":["` + pres + `"]}`)},
		{"F47 RTL override in a query id → invalid_request", vpt(`{"` + qid + "\u202e" + `":["` + pres + `"]}`)},
		{"F47 1M-deep JSON in vp_token → invalid_request", st + "&vp_token=" + deep},
		{"F47 1M-deep object in vp_token → invalid_request", st + "&vp_token=" + strings.Repeat(`{"a":`, 400_000) + "1" + strings.Repeat("}", 400_000)},
		{"F47 vp_token not an object → invalid_request", vpt(`["` + pres + `"]`)},
		{"F47 unknown state → invalid_request", "state=no-such-state&vp_token=" + url.QueryEscape(good.Get("vp_token"))},
		{"F47 no state → invalid_request", "vp_token=" + url.QueryEscape(good.Get("vp_token"))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := e.do("POST", "/response", "", strings.NewReader(tc.body), "application/x-www-form-urlencoded")
			if (code != http.StatusBadRequest && code != http.StatusRequestEntityTooLarge) || errorCode(body) != "invalid_request" {
				t.Fatalf("%d %s, want 400 (or 413) invalid_request", code, body)
			}
			if strings.Contains(string(body), pres[:20]) {
				t.Fatal("the error echoes the input")
			}
			if s := e.statusNow(req.TransactionID); s.Status != verifier.TxPending || s.Decision != nil {
				t.Fatalf("status %s after a refused response", s.Status)
			}
		})
	}
	for _, tc := range []struct{ name, body string }{
		{"F47 admin JSON duplicate member → invalid_request", `{"profile":"` + profileTeacher + `","profile":"x"}`},
		{"F47 admin JSON case-variant member → invalid_request", `{"Profile":"` + profileTeacher + `"}`},
		{"F47 admin JSON BOM → invalid_request", "\uFEFF" + `{"profile":"` + profileTeacher + `"}`},
		{"F47 admin JSON invalid UTF-8 → invalid_request", `{"profile":"` + profileTeacher + "\xff" + `"}`},
		{"F47 admin JSON 1M deep → invalid_request", strings.Repeat("[", 1_000_000)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := e.do("POST", "/admin/transactions", adminToken, strings.NewReader(tc.body), "application/json")
			if (code != http.StatusBadRequest && code != http.StatusRequestEntityTooLarge) || errorCode(body) != "invalid_request" {
				t.Fatalf("%d %s, want 400 invalid_request", code, body)
			}
		})
	}
	if code, body := w.postForm(r.ResponseURI, good); code != 200 {
		t.Fatalf("proper response after the hostile ones: %d %s", code, body)
	}
	if s := e.result(req.TransactionID); s.Status != verifier.TxDecided {
		t.Fatalf("status %s", s.Status)
	}
}

// statusNow reads a transaction's status through the admin API without
// waiting.
func (e *env) statusNow(id string) verifier.Status {
	e.t.Helper()
	code, out := e.do("GET", "/admin/transactions/"+id, adminToken, nil, "")
	if code != 200 {
		e.t.Fatalf("status: %d %s", code, out)
	}
	var s verifier.Status
	if err := json.Unmarshal(out, &s); err != nil {
		e.t.Fatal(err)
	}
	return s
}

// utf16LE encodes s (ASCII) as UTF-16LE with a BOM.
func utf16LE(s string) string {
	b := []byte{0xff, 0xfe}
	for i := 0; i < len(s); i++ {
		b = append(b, s[i], 0)
	}
	return string(b)
}
