package statuslist_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/sdjwtvc"
	"github.com/loopbrug/paspoort/credentials/statuslist"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/safehttp"
)

const testIssuer = "https://issuer.example"

// secretBody is served with every error response; it must never appear in
// an error (SECURITY.md D.39).
const secretBody = "SECRET-ERROR-BODY"

// clock is a settable clock for WithClock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Unix(1_800_000_000, 0).UTC()} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *clock) Add(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}

// listServer serves Status List Tokens by path and counts requests.
type listServer struct {
	*httptest.Server
	total atomic.Int64

	mu     sync.Mutex
	bodies map[string]string
	code   int             // when not 0 or 200, every response has this status and secretBody
	delay  time.Duration   // before answering
	gate   chan struct{}   // when not nil, requests wait for it to be closed
	hits   map[string]int  // by path
	accept map[string]bool // Accept headers seen
}

func newListServer(t testing.TB) *listServer {
	t.Helper()
	s := &listServer{bodies: map[string]string{}, hits: map[string]int{}, accept: map[string]bool{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *listServer) serve(w http.ResponseWriter, r *http.Request) {
	s.total.Add(1)
	s.mu.Lock()
	s.hits[r.URL.Path]++
	s.accept[r.Header.Get("Accept")] = true
	body, ok := s.bodies[r.URL.Path]
	code, delay, gate := s.code, s.delay, s.gate
	s.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-r.Context().Done():
			return
		}
	}
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	switch {
	case code != 0 && code != http.StatusOK:
		w.WriteHeader(code)
		_, _ = w.Write([]byte(secretBody))
	case !ok:
		http.Error(w, secretBody, http.StatusNotFound)
	default:
		w.Header().Set("Content-Type", statuslist.MediaType)
		_, _ = w.Write([]byte(body))
	}
}

func (s *listServer) set(path, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bodies[path] = body
}

func (s *listServer) setCode(code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.code = code
}

func (s *listServer) setGate(g chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gate = g
}

func (s *listServer) hitsOf(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

// tokenSpec describes a Status List Token to mint.
type tokenSpec struct {
	sub  string
	iat  time.Time
	exp  time.Time     // zero: none
	ttl  time.Duration // zero: none
	list *statuslist.List
	typ  string   // "" means statuslist+jwt; "-" means no typ
	x5c  []string // when set, the "x5c" header
}

// mint signs a Status List Token. SignToken insists on an https "sub", and
// httptest.NewServer serves http, so the tests sign the same claims
// SignToken writes with jose.Sign directly (TestCheckerSignTokenHTTPS uses
// SignToken itself).
func mint(t testing.TB, key *jose.PrivateKey, s tokenSpec) string {
	t.Helper()
	c, err := s.list.Encode()
	if err != nil {
		t.Fatal(err)
	}
	p := map[string]any{"sub": s.sub, "iat": s.iat.Unix(), "status_list": c}
	if !s.exp.IsZero() {
		p["exp"] = s.exp.Unix()
	}
	if s.ttl != 0 {
		p["ttl"] = int64(s.ttl / time.Second)
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	typ := s.typ
	switch typ {
	case "":
		typ = statuslist.TokenType
	case "-":
		typ = ""
	}
	var extra map[string]any
	if s.x5c != nil {
		extra = map[string]any{"x5c": s.x5c}
	}
	tok, err := jose.Sign(key, typ, extra, b)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// makeList returns a list of n entries of bits bits with the given
// statuses set.
func makeList(t testing.TB, bits, n int, set map[int]statuslist.Status) *statuslist.List {
	t.Helper()
	l, err := statuslist.New(bits, n)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range set {
		if err := l.Set(i, s); err != nil {
			t.Fatal(err)
		}
	}
	return l
}

func loopbackClient(t testing.TB, opts ...safehttp.Option) *safehttp.Client {
	t.Helper()
	c, err := safehttp.New(append([]safehttp.Option{safehttp.WithAllowLoopback()}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func newChecker(t testing.TB, f statuslist.Fetcher, keys sdjwtvc.KeyResolver, opts ...statuslist.CheckerOption) *statuslist.Checker {
	t.Helper()
	c, err := statuslist.NewChecker(f, keys, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// wantAll fails t unless err matches every error of want, is of class
// STATUS and quotes no response body.
func wantAll(t testing.TB, err error, want ...error) {
	t.Helper()
	if len(want) == 0 {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("no error, want %v", want)
	}
	for _, w := range want {
		if !errors.Is(err, w) {
			t.Fatalf("error %q is not %q", err, w)
		}
	}
	if !errors.Is(err, credentials.ErrStatus) {
		t.Fatalf("error %q is not of class STATUS", err)
	}
	if strings.Contains(err.Error(), secretBody) {
		t.Fatalf("error %q quotes the response body", err)
	}
}
