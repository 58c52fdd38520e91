package verifier_test

import (
	"bytes"
	"compress/zlib"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials/did"
	"github.com/loopbrug/paspoort/credentials/oid4vp"
	"github.com/loopbrug/paspoort/credentials/profile"
	"github.com/loopbrug/paspoort/credentials/sdjwt"
	"github.com/loopbrug/paspoort/credentials/sdjwtvc"
	"github.com/loopbrug/paspoort/credentials/statuslist"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/safehttp"
	"github.com/loopbrug/paspoort/verifier"
)

// statusHost is a status list host over TLS on 127.0.0.1 whose answer is
// chosen per path.
type statusHost struct {
	srv *httptest.Server
	mu  sync.Mutex
	h   map[string]http.HandlerFunc
}

func newStatusHost(t *testing.T) *statusHost {
	t.Helper()
	sh := &statusHost{h: map[string]http.HandlerFunc{}}
	sh.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sh.mu.Lock()
		h := sh.h[r.URL.Path]
		sh.mu.Unlock()
		if h == nil {
			http.NotFound(w, r)
			return
		}
		h(w, r)
	}))
	t.Cleanup(sh.srv.Close)
	return sh
}

// at registers h at path and returns the URI.
func (sh *statusHost) at(path string, h http.HandlerFunc) string {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sh.h[path] = h
	return sh.srv.URL + path
}

// serveToken answers with a status list token.
func serveToken(status int, tok string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", statuslist.MediaType)
		w.WriteHeader(status)
		w.Write([]byte(tok))
	}
}

// rawStatusToken signs a status list token with the given typ and claims
// as they are, without checking them.
func rawStatusToken(t *testing.T, key *jose.PrivateKey, typ string, claims map[string]any) string {
	t.Helper()
	b, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jose.Sign(key, typ, nil, b)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// statusClaims are correct status list token claims for uri over l.
func statusClaims(t *testing.T, uri string, l *statuslist.List) map[string]any {
	t.Helper()
	enc, err := l.Encode()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	return map[string]any{"sub": uri, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "ttl": 600, "status_list": enc}
}

// issueRawStatus issues a level credential whose status.status_list is
// {"idx": idx, "uri": uri} with idx as given (any JSON value).
func (is *issuer) issueRawStatus(t *testing.T, holder *jose.PrivateKey, uri string, idx any) string {
	t.Helper()
	claims := example(t, "level")
	now := time.Now()
	payload := map[string]any{"iss": is.did, "vct": vctOf(t, "level"), "iat": now.Add(-time.Hour).Unix(), "exp": now.Add(24 * time.Hour).Unix(),
		"cnf": map[string]any{"jwk": holder.Public().Map()}, "status": map[string]any{"status_list": map[string]any{"idx": idx, "uri": uri}}}
	for k, v := range claims {
		payload[k] = v
	}
	raw, err := sdjwt.Issue(is.key, payload, sdjwt.IssueOptions{Typ: sdjwtvc.Typ, Disclose: sdjwtvc.DefaultDisclosable(claims)})
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestStatusFailures: through the verifier, a presented credential whose
// status cannot be established is refused with STATUS and proves nothing;
// the verifier fails closed and keeps running (SECURITY.md D.34–D.39; TSL
// §8.3 "Validation Rules", §11.4). Each row is its own transaction with
// one level credential whose status entry points at its own path of a
// status host; the fetcher times out after a second.
func TestStatusFailures(t *testing.T) {
	is, stranger := newIssuer(t), newIssuer(t)
	sh := newStatusHost(t)
	fetcher, err := safehttp.New(safehttp.WithAllowLoopback(), safehttp.WithTransport(sh.srv.Client().Transport), safehttp.WithTimeout(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	e := newEnvWith(t, envOptions{trust: trustAll(is.did), mode: oid4vp.ResponseModeDirectPostJWT, opts: []verifier.Option{verifier.WithFetcher(fetcher)}})
	holder, _ := jose.GenerateKey(jose.ES256)

	// A herd-size list in which only entry 1 is INVALID.
	list, err := statuslist.New(1, statuslist.HerdPrivacyMinEntries)
	if err != nil {
		t.Fatal(err)
	}
	if err := list.Set(1, statuslist.Invalid); err != nil {
		t.Fatal(err)
	}
	tiny, _ := statuslist.New(1, 64)
	good := func(path string) string { // a correct token for the list at path
		uri := sh.srv.URL + path
		return sh.at(path, serveToken(200, rawStatusToken(t, is.key, statuslist.TokenType, statusClaims(t, uri, list))))
	}
	with := func(path string, change func(c map[string]any), key *jose.PrivateKey, typ string) string {
		uri := sh.srv.URL + path
		c := statusClaims(t, uri, list)
		change(c)
		return sh.at(path, serveToken(200, rawStatusToken(t, key, typ, c)))
	}
	bomb := func() string {
		var b bytes.Buffer
		z, _ := zlib.NewWriterLevel(&b, zlib.BestCompression)
		z.Write(make([]byte, 32<<20))
		z.Close()
		return jose.EncodeSegment(b.Bytes())
	}()
	otherKey, _ := jose.GenerateKey(jose.ES256)
	otherKey = otherKey.WithKeyID(is.key.KeyID())

	for i, tc := range []struct {
		name string
		uri  func(path string) string
		idx  any
		used bool // the credential is used (VALID)
	}{
		{"D34 zlib bomb lst (32 MB inflated) → STATUS", func(p string) string {
			return with(p, func(c map[string]any) { c["status_list"] = map[string]any{"bits": 1, "lst": bomb} }, is.key, statuslist.TokenType)
		}, 5, false},
		{"D35 idx 2^63 → STATUS", good, json.Number("9223372036854775808"), false},
		{"D35 idx -1 → STATUS", good, -1, false},
		{"D35 idx 1.5 → STATUS", good, 1.5, false},
		{`D35 idx "7" → STATUS`, good, "7", false},
		{"D35 idx past the end → STATUS", good, statuslist.HerdPrivacyMinEntries + 8, false},
		{"D36 idx 1 INVALID (LSB-first) → STATUS", good, 1, false},
		{"D36 idx 6 (where BSL order puts bit 1) → VALID, used", good, 6, true},
		{"D37 sub ≠ uri → STATUS", func(p string) string {
			return with(p, func(c map[string]any) { c["sub"] = sh.srv.URL + "/another-list" }, is.key, statuslist.TokenType)
		}, 5, false},
		{"D37 signed by a key outside trust → STATUS", func(p string) string {
			return with(p, func(map[string]any) {}, otherKey, statuslist.TokenType)
		}, 5, false},
		{"D37 signed by another trusted-looking issuer → STATUS", func(p string) string {
			return with(p, func(map[string]any) {}, stranger.key, statuslist.TokenType)
		}, 5, false},
		{"D37 typ missing → STATUS", func(p string) string {
			return with(p, func(map[string]any) {}, is.key, "")
		}, 5, false},
		{"D37 typ JWT → STATUS", func(p string) string {
			return with(p, func(map[string]any) {}, is.key, "JWT")
		}, 5, false},
		{"D37 exp passed → STATUS", func(p string) string {
			return with(p, func(c map[string]any) { c["exp"] = time.Now().Add(-time.Minute).Unix() }, is.key, statuslist.TokenType)
		}, 5, false},
		{"D38 list of 64 entries (no herd privacy) → STATUS", func(p string) string {
			uri := sh.srv.URL + p
			return sh.at(p, serveToken(200, rawStatusToken(t, is.key, statuslist.TokenType, statusClaims(t, uri, tiny))))
		}, 5, false},
		{"D39 host 500 → STATUS", func(p string) string {
			return sh.at(p, func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "down", 500) })
		}, 5, false},
		{"D39 500 whose body is a valid token → STATUS (no error body used)", func(p string) string {
			uri := sh.srv.URL + p
			return sh.at(p, serveToken(500, rawStatusToken(t, is.key, statuslist.TokenType, statusClaims(t, uri, list))))
		}, 5, false},
		{"D39 redirect loop → STATUS", func(p string) string {
			return sh.at(p, func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, p, http.StatusFound) })
		}, 5, false},
		{"D39 trickle (a byte every 200 ms) → STATUS after the fetch timeout", func(p string) string {
			return sh.at(p, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", statuslist.MediaType)
				for range 50 {
					select {
					case <-r.Context().Done():
						return
					case <-time.After(200 * time.Millisecond):
					}
					w.Write([]byte("e"))
					w.(http.Flusher).Flush()
				}
			})
		}, 5, false},
		{"D39 host 404 → STATUS", func(p string) string { return sh.srv.URL + p }, 5, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			uri := tc.uri(fmt.Sprintf("/statuslists/%d", i))
			cred := is.issueRawStatus(t, holder, uri, tc.idx)
			w := &wallet{t: t, e: e, key: holder, creds: []string{cred}}
			d, _ := run(t, e, w, false)
			level := statusOf(t, d, reqLevel)
			if tc.used {
				if len(d.Rejected) != 0 || level.Status != profile.StatusMet {
					t.Fatalf("VALID credential not used: %+v %+v", d.Rejected, level)
				}
				return
			}
			if len(d.Rejected) != 1 || d.Rejected[0].Class != "STATUS" {
				t.Fatalf("rejected %+v, want one STATUS", d.Rejected)
			}
			if level.Status == profile.StatusMet || len(d.Credentials) != 0 {
				t.Fatalf("a credential of unknown status proved something: %+v", level)
			}
		})
	}
	if code, _ := e.do("GET", "/health", "", nil, ""); code != 200 {
		t.Fatal("service down after the status failures")
	}
}

// fakeClock is a settable clock for the status checker.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// TestStatusRollbackAndTTL: SECURITY.md D.37 (an older copy of a status
// list served after a newer one was seen) and D.38 ("ttl" of 0 or ten
// years clamped) through the verifier, whose status checker runs on a
// clock the test moves (the verifier's own clock stays real, so the
// credentials and KB-JWTs stay fresh). Each step is one transaction with
// one level credential whose status entry is index 5 of the step's list.
func TestStatusRollbackAndTTL(t *testing.T) {
	is := newIssuer(t)
	sh := newStatusHost(t)
	fetcher, err := safehttp.New(safehttp.WithAllowLoopback(), safehttp.WithTransport(sh.srv.Client().Transport), safehttp.WithTimeout(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	clk := &fakeClock{now: time.Now()}
	t0 := clk.Now()
	checker, err := statuslist.NewChecker(fetcher, sdjwtvc.DIDKeys{Resolver: did.NewResolver(nil)}, statuslist.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	e := newEnvWith(t, envOptions{trust: trustAll(is.did), mode: oid4vp.ResponseModeDirectPostJWT, opts: []verifier.Option{verifier.WithStatusChecker(checker)}})
	holder, _ := jose.GenerateKey(jose.ES256)
	list, err := statuslist.New(1, statuslist.HerdPrivacyMinEntries)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := list.Encode()
	if err != nil {
		t.Fatal(err)
	}
	// token is a status list token for path issued at iat with ttl
	// seconds (ttl < 0: no ttl claim), valid for two days after iat.
	token := func(path string, iat time.Time, ttl int) string {
		c := map[string]any{"sub": sh.srv.URL + path, "iat": iat.Unix(), "exp": iat.Add(48 * time.Hour).Unix(), "status_list": enc}
		if ttl >= 0 {
			c["ttl"] = ttl
		}
		return rawStatusToken(t, is.key, statuslist.TokenType, c)
	}
	var fetches sync.Map // path → *atomic.Int64
	serve := func(path, tok string) {
		n, _ := fetches.LoadOrStore(path, new(atomic.Int64))
		sh.at(path, func(w http.ResponseWriter, r *http.Request) {
			n.(*atomic.Int64).Add(1)
			serveToken(200, tok)(w, r)
		})
	}
	fetched := func(path string) int64 {
		n, ok := fetches.Load(path)
		if !ok {
			return 0
		}
		return n.(*atomic.Int64).Load()
	}

	steps := []struct {
		name    string
		at      time.Duration // checker clock after t0
		path    string
		serve   string // "" keeps what is served
		used    bool   // VALID and used; else rejected with STATUS
		fetches int64  // fetches of path so far
	}{
		{"D37 first copy seen (iat t0+1m) → used", time.Minute, "/rollback", token("/rollback", t0.Add(time.Minute), 60), true, 1},
		{"D37 older copy (iat t0) served after the ttl → STATUS (rollback)", 3 * time.Minute, "/rollback", token("/rollback", t0, 60), false, 2},
		{"D37 newer copy again → used", 4 * time.Minute, "/rollback", token("/rollback", t0.Add(4*time.Minute), 60), true, 3},
		{"D38 ttl 0 → used", 0, "/ttl0", token("/ttl0", t0, 0), true, 1},
		{"D38 ttl 0 clamped to a minute: not fetched again at 59 s", 59 * time.Second, "/ttl0", "", true, 1},
		{"D38 ttl 0 clamped to a minute: fetched again at 61 s", 61 * time.Second, "/ttl0", "", true, 2},
		{"D38 no ttl → used", 0, "/nottl", token("/nottl", t0, -1), true, 1},
		{"D38 no ttl cached a minute: not fetched again at 59 s", 59 * time.Second, "/nottl", "", true, 1},
		{"D38 ttl ten years → used", 0, "/ttl10y", token("/ttl10y", t0, 10*365*24*3600), true, 1},
		{"D38 ttl ten years clamped to a day: not fetched again at 23 h", 23 * time.Hour, "/ttl10y", "", true, 1},
		{"D38 ttl ten years clamped to a day: fetched again at 25 h", 25 * time.Hour, "/ttl10y", "", true, 2},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			clk.Set(t0.Add(s.at))
			if s.serve != "" {
				serve(s.path, s.serve)
			}
			cred := is.issueRawStatus(t, holder, sh.srv.URL+s.path, 5)
			d, _ := run(t, e, &wallet{t: t, e: e, key: holder, creds: []string{cred}}, false)
			level := statusOf(t, d, reqLevel)
			if s.used {
				if len(d.Rejected) != 0 || level.Status != profile.StatusMet {
					t.Fatalf("VALID credential not used: %+v %+v", d.Rejected, level)
				}
			} else if len(d.Rejected) != 1 || d.Rejected[0].Class != "STATUS" || level.Status == profile.StatusMet {
				t.Fatalf("rejected %+v, level %+v; want one STATUS rejection", d.Rejected, level)
			}
			if n := fetched(s.path); n != s.fetches {
				t.Fatalf("%d fetches of %s, want %d", n, s.path, s.fetches)
			}
		})
	}
}
