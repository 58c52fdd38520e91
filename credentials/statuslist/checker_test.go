package statuslist_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
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

func TestCheckerStatuses(t *testing.T) {
	key := genKey(t, jose.ES256)
	keys := sdjwtvc.StaticKeys{testIssuer: {key.Public()}}
	clk := newClock()
	srv := newListServer(t)
	uri := srv.URL + "/status/1"
	l := makeList(t, 2, 16, map[int]statuslist.Status{1: statuslist.Invalid, 2: statuslist.Suspended, 3: statuslist.ApplicationSpecific3})
	srv.set("/status/1", mint(t, key, tokenSpec{sub: uri, iat: clk.Now(), ttl: time.Hour, list: l}))
	c := newChecker(t, loopbackClient(t), keys, statuslist.WithClock(clk.Now), statuslist.WithMinEntries(16))

	// A negative index is refused before anything is fetched.
	wantAll(t, c.CheckStatus(t.Context(), testIssuer, sdjwtvc.StatusRef{Index: -1, URI: uri}), statuslist.ErrIndexOutOfRange)
	if n := srv.total.Load(); n != 0 {
		t.Fatalf("negative index fetched the list %d times", n)
	}

	for _, tc := range []struct {
		name string
		idx  int
		want error
	}{
		{"VALID", 0, nil},
		{"INVALID", 1, statuslist.ErrRevoked},
		{"SUSPENDED", 2, statuslist.ErrSuspended},
		{"application specific", 3, statuslist.ErrNotValid},
		{"last entry", 15, nil},
		{"past the end", 16, statuslist.ErrIndexOutOfRange},
		{"far past the end", 1 << 40, statuslist.ErrIndexOutOfRange},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := c.CheckStatus(t.Context(), testIssuer, sdjwtvc.StatusRef{Index: tc.idx, URI: uri})
			if tc.want == nil {
				wantAll(t, err)
			} else {
				wantAll(t, err, tc.want)
			}
		})
	}
	if n := srv.total.Load(); n != 1 {
		t.Fatalf("fetched %d times, want 1 (cached)", n)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if len(srv.accept) != 1 || !srv.accept["application/statuslist+jwt"] {
		t.Fatalf("Accept headers %v, want only application/statuslist+jwt", srv.accept)
	}
}

func TestCheckerRejects(t *testing.T) {
	key := genKey(t, jose.ES256)
	other := genKey(t, jose.ES256)
	edKey := genKey(t, jose.EdDSA)
	list := makeList(t, 1, 64, nil)
	type env struct {
		srv *listServer
		uri string
		now time.Time
	}
	for _, tc := range []struct {
		name   string
		setup  func(t *testing.T, e env)
		keys   sdjwtvc.StaticKeys // default: key for testIssuer
		copts  []safehttp.Option
		opts   []statuslist.CheckerOption
		issuer string // default testIssuer
		want   []error
	}{
		{
			name: "list signed by another key",
			setup: func(t *testing.T, e env) {
				e.srv.set("/s", mint(t, other, tokenSpec{sub: e.uri, iat: e.now, list: list}))
			},
			want: []error{statuslist.ErrListRejected, credentials.ErrSignature},
		},
		{
			name: "no key for the credential's issuer",
			setup: func(t *testing.T, e env) {
				e.srv.set("/s", mint(t, key, tokenSpec{sub: e.uri, iat: e.now, list: list}))
			},
			issuer: "https://other-issuer.example",
			want:   []error{statuslist.ErrListRejected, credentials.ErrTrust, sdjwtvc.ErrUnknownIssuerKey},
		},
		{
			name: "sub is another list",
			setup: func(t *testing.T, e env) {
				e.srv.set("/s", mint(t, key, tokenSpec{sub: e.uri + "x", iat: e.now, list: list}))
			},
			want: []error{statuslist.ErrListRejected, statuslist.ErrSubjectMismatch},
		},
		{
			name: "expired",
			setup: func(t *testing.T, e env) {
				e.srv.set("/s", mint(t, key, tokenSpec{sub: e.uri, iat: e.now.Add(-time.Hour), exp: e.now.Add(-2 * time.Minute), list: list}))
			},
			want: []error{statuslist.ErrListRejected, statuslist.ErrExpired},
		},
		{
			name: "iat in the future",
			setup: func(t *testing.T, e env) {
				e.srv.set("/s", mint(t, key, tokenSpec{sub: e.uri, iat: e.now.Add(time.Hour), list: list}))
			},
			want: []error{statuslist.ErrListRejected, credentials.ErrClaim},
		},
		{
			name: "missing typ",
			setup: func(t *testing.T, e env) {
				e.srv.set("/s", mint(t, key, tokenSpec{sub: e.uri, iat: e.now, list: list, typ: "-"}))
			},
			want: []error{statuslist.ErrListRejected, credentials.ErrType},
		},
		{
			name: "wrong typ",
			setup: func(t *testing.T, e env) {
				e.srv.set("/s", mint(t, key, tokenSpec{sub: e.uri, iat: e.now, list: list, typ: "JWT"}))
			},
			want: []error{statuslist.ErrListRejected, credentials.ErrType},
		},
		{
			name: "algorithm off the allow-list",
			setup: func(t *testing.T, e env) {
				e.srv.set("/s", mint(t, edKey, tokenSpec{sub: e.uri, iat: e.now, list: list}))
			},
			keys: sdjwtvc.StaticKeys{testIssuer: {edKey.Public()}},
			opts: []statuslist.CheckerOption{statuslist.WithAlgs(jose.ES256)},
			want: []error{statuslist.ErrListRejected, credentials.ErrAlg},
		},
		{
			name: "list smaller than MinEntries",
			setup: func(t *testing.T, e env) {
				e.srv.set("/s", mint(t, key, tokenSpec{sub: e.uri, iat: e.now, list: list}))
			},
			opts: []statuslist.CheckerOption{statuslist.WithMinEntries(65)},
			want: []error{statuslist.ErrListRejected, statuslist.ErrListTooSmall},
		},
		{
			name: "list smaller than the herd privacy default",
			setup: func(t *testing.T, e env) {
				e.srv.set("/s", mint(t, key, tokenSpec{sub: e.uri, iat: e.now, list: list}))
			},
			opts: []statuslist.CheckerOption{}, // no WithMinEntries
			want: []error{statuslist.ErrListRejected, statuslist.ErrListTooSmall},
		},
		{
			name:  "not a JWS",
			setup: func(t *testing.T, e env) { e.srv.set("/s", "not a token") },
			want:  []error{statuslist.ErrListRejected, credentials.ErrFormat},
		},
		{
			name:  "HTTP 500",
			setup: func(t *testing.T, e env) { e.srv.setCode(http.StatusInternalServerError) },
			want:  []error{statuslist.ErrListUnavailable, credentials.ErrFetch, safehttp.ErrStatus},
		},
		{
			name:  "HTTP 404",
			setup: func(t *testing.T, e env) {},
			want:  []error{statuslist.ErrListUnavailable, credentials.ErrFetch, safehttp.ErrStatus},
		},
		{
			name: "timeout",
			setup: func(t *testing.T, e env) {
				e.srv.set("/s", mint(t, key, tokenSpec{sub: e.uri, iat: e.now, list: list}))
				e.srv.mu.Lock()
				e.srv.delay = 5 * time.Second
				e.srv.mu.Unlock()
			},
			copts: []safehttp.Option{safehttp.WithTimeout(100 * time.Millisecond)},
			want:  []error{statuslist.ErrListUnavailable, credentials.ErrFetch, safehttp.ErrTimeout, credentials.ErrLimit},
		},
		{
			name: "body too large",
			setup: func(t *testing.T, e env) {
				e.srv.set("/s", mint(t, key, tokenSpec{sub: e.uri, iat: e.now, list: makeList(t, 8, 1<<16, nil)}))
			},
			copts: []safehttp.Option{safehttp.WithMaxBytes(64)},
			want:  []error{statuslist.ErrListUnavailable, credentials.ErrFetch, safehttp.ErrTooLarge, credentials.ErrLimit},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clk := newClock()
			srv := newListServer(t)
			e := env{srv: srv, uri: srv.URL + "/s", now: clk.Now()}
			tc.setup(t, e)
			keys := tc.keys
			if keys == nil {
				keys = sdjwtvc.StaticKeys{testIssuer: {key.Public()}}
			}
			opts := tc.opts
			if opts == nil {
				opts = []statuslist.CheckerOption{statuslist.WithMinEntries(1)}
			}
			c := newChecker(t, loopbackClient(t, tc.copts...), keys, append(opts, statuslist.WithClock(clk.Now))...)
			iss := tc.issuer
			if iss == "" {
				iss = testIssuer
			}
			err := c.CheckStatus(t.Context(), iss, sdjwtvc.StatusRef{Index: 0, URI: e.uri})
			wantAll(t, err, tc.want...)
		})
	}
}

func TestCheckerCacheTTL(t *testing.T) {
	key := genKey(t, jose.ES256)
	keys := sdjwtvc.StaticKeys{testIssuer: {key.Public()}}
	list := makeList(t, 1, 64, nil)
	for _, tc := range []struct {
		name   string
		ttl    time.Duration // of the token; 0 = none
		exp    time.Duration // after iat; 0 = none
		bounds [2]time.Duration
		fresh  time.Duration // still served from the cache at iat+fresh
		stale  time.Duration // fetched again at iat+stale
	}{
		{"ttl within bounds", 10 * time.Minute, 0, [2]time.Duration{time.Minute, time.Hour}, 10*time.Minute - time.Second, 10 * time.Minute},
		{"no ttl: the minimum", 0, 0, [2]time.Duration{2 * time.Minute, time.Hour}, 2*time.Minute - time.Second, 2 * time.Minute},
		{"tiny ttl raised to the minimum", time.Second, 0, [2]time.Duration{time.Minute, time.Hour}, time.Minute - time.Second, time.Minute},
		{"ten years cut to the maximum", 10 * 365 * 24 * time.Hour, 0, [2]time.Duration{time.Minute, time.Hour}, time.Hour - time.Second, time.Hour},
		{"never past exp", time.Hour, 5 * time.Minute, [2]time.Duration{time.Minute, 24 * time.Hour}, 5*time.Minute - time.Second, 5 * time.Minute},
		{"default bounds, no ttl", 0, 0, [2]time.Duration{}, statuslist.DefaultMinTTL - time.Second, statuslist.DefaultMinTTL},
		{"default bounds, long ttl", 48 * time.Hour, 0, [2]time.Duration{}, statuslist.DefaultMaxTTL - time.Second, statuslist.DefaultMaxTTL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clk := newClock()
			t0 := clk.Now()
			srv := newListServer(t)
			uri := srv.URL + "/s"
			serve := func(iat time.Time) {
				s := tokenSpec{sub: uri, iat: iat, ttl: tc.ttl, list: list}
				if tc.exp != 0 {
					s.exp = iat.Add(tc.exp)
				}
				srv.set("/s", mint(t, key, s))
			}
			serve(t0)
			opts := []statuslist.CheckerOption{statuslist.WithClock(clk.Now), statuslist.WithMinEntries(1)}
			if tc.bounds[0] != 0 {
				opts = append(opts, statuslist.WithTTLBounds(tc.bounds[0], tc.bounds[1]))
			}
			c := newChecker(t, loopbackClient(t), keys, opts...)
			ref := sdjwtvc.StatusRef{Index: 3, URI: uri}
			step := func(at time.Time, wantHits int64) {
				t.Helper()
				clk.Set(at)
				wantAll(t, c.CheckStatus(t.Context(), testIssuer, ref))
				if n := srv.total.Load(); n != wantHits {
					t.Fatalf("at iat+%v: %d fetches, want %d", at.Sub(t0), n, wantHits)
				}
			}
			step(t0, 1)
			step(t0.Add(tc.fresh), 1)
			serve(t0.Add(tc.stale))
			step(t0.Add(tc.stale), 2)
			step(t0.Add(tc.stale), 2)
		})
	}
}

func TestCheckerRollback(t *testing.T) {
	key := genKey(t, jose.ES256)
	keys := sdjwtvc.StaticKeys{testIssuer: {key.Public()}}
	clk := newClock()
	t0 := clk.Now()
	srv := newListServer(t)
	uri := srv.URL + "/s"
	ref := sdjwtvc.StatusRef{Index: 7, URI: uri}
	valid := makeList(t, 1, 64, nil)
	revoked := makeList(t, 1, 64, map[int]statuslist.Status{7: statuslist.Invalid})
	c := newChecker(t, loopbackClient(t), keys, statuslist.WithClock(clk.Now), statuslist.WithMinEntries(1))

	old := mint(t, key, tokenSpec{sub: uri, iat: t0, ttl: time.Minute, list: valid})
	steps := []struct {
		name  string
		at    time.Duration // after t0
		serve string        // "" keeps what is served
		want  []error
		hits  int64
	}{
		{"first copy, valid", 0, old, nil, 1},
		{"newer copy, revoked", 2 * time.Minute, mint(t, key, tokenSpec{sub: uri, iat: t0.Add(2 * time.Minute), ttl: time.Minute, list: revoked}), []error{statuslist.ErrRevoked}, 2},
		{"old copy replayed", 4 * time.Minute, old, []error{statuslist.ErrListRejected, statuslist.ErrRollback}, 3},
		{"still refused, not fetched again", 4*time.Minute + statuslist.FailureCacheTTL - time.Millisecond, "", []error{statuslist.ErrListRejected, statuslist.ErrRollback}, 3},
		{"refused again after the failure cache", 4*time.Minute + statuslist.FailureCacheTTL, "", []error{statuslist.ErrRollback}, 4},
		{"same iat as the cached copy", 5 * time.Minute, mint(t, key, tokenSpec{sub: uri, iat: t0.Add(2 * time.Minute), ttl: time.Minute, list: revoked}), []error{statuslist.ErrRevoked}, 5},
		{"newer copy, reinstated", 7 * time.Minute, mint(t, key, tokenSpec{sub: uri, iat: t0.Add(7 * time.Minute), ttl: time.Minute, list: valid}), nil, 6},
	}
	for _, s := range steps {
		clk.Set(t0.Add(s.at))
		if s.serve != "" {
			srv.set("/s", s.serve)
		}
		err := c.CheckStatus(t.Context(), testIssuer, ref)
		if s.want == nil {
			if err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
		} else {
			wantAll(t, err, s.want...)
		}
		if n := srv.total.Load(); n != s.hits {
			t.Fatalf("%s: %d fetches, want %d", s.name, n, s.hits)
		}
	}
}

func TestCheckerFailureCache(t *testing.T) {
	key := genKey(t, jose.ES256)
	keys := sdjwtvc.StaticKeys{testIssuer: {key.Public()}}
	clk := newClock()
	t0 := clk.Now()
	srv := newListServer(t)
	uri := srv.URL + "/s"
	srv.setCode(http.StatusInternalServerError)
	c := newChecker(t, loopbackClient(t), keys, statuslist.WithClock(clk.Now), statuslist.WithMinEntries(1))
	ref := sdjwtvc.StatusRef{Index: 0, URI: uri}
	for _, s := range []struct {
		at   time.Duration
		fix  bool
		ok   bool
		hits int64
	}{
		{0, false, false, 1},
		{time.Second, false, false, 1},
		{statuslist.FailureCacheTTL - time.Nanosecond, true, false, 1}, // host is back, failure still remembered
		{statuslist.FailureCacheTTL, false, true, 2},
		{statuslist.FailureCacheTTL + time.Second, false, true, 2},
	} {
		clk.Set(t0.Add(s.at))
		if s.fix {
			srv.setCode(0)
			srv.set("/s", mint(t, key, tokenSpec{sub: uri, iat: t0, ttl: time.Hour, list: makeList(t, 1, 8, nil)}))
		}
		err := c.CheckStatus(t.Context(), testIssuer, ref)
		if s.ok {
			wantAll(t, err)
		} else {
			wantAll(t, err, statuslist.ErrListUnavailable, credentials.ErrFetch, safehttp.ErrStatus)
		}
		if n := srv.total.Load(); n != s.hits {
			t.Fatalf("at +%v: %d fetches, want %d", s.at, n, s.hits)
		}
	}
}

func TestCheckerConcurrentShareOneFetch(t *testing.T) {
	key := genKey(t, jose.ES256)
	keys := sdjwtvc.StaticKeys{testIssuer: {key.Public()}}
	srv := newListServer(t)
	uri := srv.URL + "/s"
	srv.set("/s", mint(t, key, tokenSpec{sub: uri, iat: time.Now(), ttl: time.Hour, list: makeList(t, 1, 64, map[int]statuslist.Status{5: statuslist.Invalid})}))
	gate := make(chan struct{})
	srv.setGate(gate)
	c := newChecker(t, loopbackClient(t), keys, statuslist.WithMinEntries(1))

	const n = 32
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			errs[i] = c.CheckStatus(t.Context(), testIssuer, sdjwtvc.StatusRef{Index: i, URI: uri})
		})
	}
	for srv.total.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // let the others join the flight
	close(gate)
	wg.Wait()
	for i, err := range errs {
		if i == 5 {
			wantAll(t, err, statuslist.ErrRevoked)
		} else {
			wantAll(t, err)
		}
	}
	if got := srv.total.Load(); got != 1 {
		t.Fatalf("%d fetches for %d concurrent checks, want 1", got, n)
	}
}

func TestCheckerCallerGivesUp(t *testing.T) {
	key := genKey(t, jose.ES256)
	keys := sdjwtvc.StaticKeys{testIssuer: {key.Public()}}
	srv := newListServer(t)
	uri := srv.URL + "/s"
	srv.set("/s", mint(t, key, tokenSpec{sub: uri, iat: time.Now(), ttl: time.Hour, list: makeList(t, 1, 64, nil)}))
	gate := make(chan struct{})
	srv.setGate(gate)
	c := newChecker(t, loopbackClient(t), keys, statuslist.WithMinEntries(1))
	ref := sdjwtvc.StatusRef{Index: 0, URI: uri}

	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	wantAll(t, c.CheckStatus(ctx, testIssuer, ref), statuslist.ErrListUnavailable, context.DeadlineExceeded)

	// The fetch went on; a later check gets its result without a second one.
	close(gate)
	wantAll(t, c.CheckStatus(t.Context(), testIssuer, ref))
	if got := srv.total.Load(); got != 1 {
		t.Fatalf("%d fetches, want 1", got)
	}
}

func TestCheckerPerIssuer(t *testing.T) {
	keyA, keyB := genKey(t, jose.ES256), genKey(t, jose.ES256)
	const issA, issB = "https://a.example", "https://b.example"
	keys := sdjwtvc.StaticKeys{issA: {keyA.Public()}, issB: {keyB.Public()}}
	srv := newListServer(t)
	uri := srv.URL + "/s"
	srv.set("/s", mint(t, keyA, tokenSpec{sub: uri, iat: time.Now(), ttl: time.Hour, list: makeList(t, 1, 64, nil)}))
	c := newChecker(t, loopbackClient(t), keys, statuslist.WithMinEntries(1))
	ref := sdjwtvc.StatusRef{Index: 0, URI: uri}

	wantAll(t, c.CheckStatus(t.Context(), issA, ref))
	// A credential of B pointing at A's list: A's cached list must not
	// answer for it (SECURITY.md D.37).
	wantAll(t, c.CheckStatus(t.Context(), issB, ref), statuslist.ErrListRejected, credentials.ErrSignature)
	wantAll(t, c.CheckStatus(t.Context(), issA, ref))
	if got := srv.total.Load(); got != 2 {
		t.Fatalf("%d fetches, want 2 (one per issuer)", got)
	}
}

func TestCheckerEvictsOldest(t *testing.T) {
	key := genKey(t, jose.ES256)
	keys := sdjwtvc.StaticKeys{testIssuer: {key.Public()}}
	clk := newClock()
	srv := newListServer(t)
	for _, p := range []string{"/1", "/2", "/3"} {
		srv.set(p, mint(t, key, tokenSpec{sub: srv.URL + p, iat: clk.Now(), ttl: time.Hour, list: makeList(t, 1, 8, nil)}))
	}
	c := newChecker(t, loopbackClient(t), keys, statuslist.WithClock(clk.Now), statuslist.WithMinEntries(1), statuslist.WithMaxCached(2))
	check := func(p string) {
		t.Helper()
		clk.Add(time.Second)
		wantAll(t, c.CheckStatus(t.Context(), testIssuer, sdjwtvc.StatusRef{Index: 0, URI: srv.URL + p}))
	}
	check("/1")
	check("/2")
	check("/3") // evicts /1
	check("/2") // cached
	check("/3") // cached
	check("/1") // fetched again, evicts /2
	for p, want := range map[string]int{"/1": 2, "/2": 1, "/3": 1} {
		if got := srv.hitsOf(p); got != want {
			t.Errorf("%s fetched %d times, want %d", p, got, want)
		}
	}
}

func TestNewCheckerRefuses(t *testing.T) {
	f := loopbackClient(t)
	keys := sdjwtvc.StaticKeys{}
	for _, tc := range []struct {
		name string
		f    statuslist.Fetcher
		keys sdjwtvc.KeyResolver
		opt  statuslist.CheckerOption
	}{
		{"nil fetcher", nil, keys, nil},
		{"nil keys", f, nil, nil},
		{"negative MinEntries", f, keys, statuslist.WithMinEntries(-1)},
		{"zero min TTL", f, keys, statuslist.WithTTLBounds(0, time.Hour)},
		{"min TTL above max", f, keys, statuslist.WithTTLBounds(2*time.Hour, time.Hour)},
		{"nil clock", f, keys, statuslist.WithClock(nil)},
		{"negative leeway", f, keys, statuslist.WithLeeway(-time.Second)},
		{"leeway above 60 s", f, keys, statuslist.WithLeeway(2 * time.Minute)},
		{"empty allow-list", f, keys, statuslist.WithAlgs()},
		{"HS256", f, keys, statuslist.WithAlgs("HS256")},
		{"none", f, keys, statuslist.WithAlgs("none")},
		{"zero MaxCached", f, keys, statuslist.WithMaxCached(0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := statuslist.NewChecker(tc.f, tc.keys, tc.opt)
			wantErr(t, err, statuslist.ErrBadArgument, credentials.ErrFormat)
		})
	}
}

// TestCheckerSignTokenHTTPS checks the production shape: an https list URI
// and a token made by SignToken.
func TestCheckerSignTokenHTTPS(t *testing.T) {
	key := genKey(t, jose.ES256)
	keys := sdjwtvc.StaticKeys{testIssuer: {key.Public()}}
	var hits atomic.Int64
	var tok atomic.Value
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		_, _ = w.Write([]byte(tok.Load().(string)))
	}))
	defer srv.Close()
	uri := srv.URL + "/status/1"
	raw, err := statuslist.SignToken(key, statuslist.Token{
		Subject: uri, IssuedAt: time.Now(), Expires: time.Now().Add(time.Hour), TTL: 10 * time.Minute,
		List: makeList(t, 1, statuslist.HerdPrivacyMinEntries, map[int]statuslist.Status{42: statuslist.Invalid}),
	})
	if err != nil {
		t.Fatal(err)
	}
	tok.Store(raw)
	// The test server's certificate is trusted through its own transport.
	c := newChecker(t, loopbackClient(t, safehttp.WithTransport(srv.Client().Transport)), keys)
	wantAll(t, c.CheckStatus(t.Context(), testIssuer, sdjwtvc.StatusRef{Index: 41, URI: uri}))
	wantAll(t, c.CheckStatus(t.Context(), testIssuer, sdjwtvc.StatusRef{Index: 42, URI: uri}), statuslist.ErrRevoked)
	if hits.Load() != 1 {
		t.Fatalf("%d fetches, want 1", hits.Load())
	}
}

// TestCheckerSDJWTVC issues an SD-JWT VC with a status, verifies it with the
// Checker as its status checker, revokes it and verifies again once the
// cached list has expired.
func TestCheckerSDJWTVC(t *testing.T) {
	key := genKey(t, jose.ES256)
	keys := sdjwtvc.StaticKeys{testIssuer: {key.Public()}}
	clk := newClock()
	t0 := clk.Now()
	srv := newListServer(t)
	uri := srv.URL + "/status/1"
	srv.set("/status/1", mint(t, key, tokenSpec{sub: uri, iat: t0, ttl: time.Minute, list: makeList(t, 1, 1024, nil)}))

	vc, err := sdjwtvc.Issue(key, sdjwtvc.Credential{
		Issuer:   testIssuer,
		VCT:      "https://credentials.example/diploma",
		IssuedAt: t0,
		Status:   &sdjwtvc.StatusRef{Index: 7, URI: uri},
		Claims:   map[string]any{"given_name": "Erika"},
	})
	if err != nil {
		t.Fatal(err)
	}
	checker := newChecker(t, loopbackClient(t), keys, statuslist.WithClock(clk.Now), statuslist.WithMinEntries(1024))
	v, err := sdjwtvc.NewVerifier(keys, sdjwtvc.WithStatusChecker(checker), sdjwtvc.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	res, err := v.Verify(t.Context(), vc, sdjwtvc.Policy{})
	if err != nil {
		t.Fatalf("verify before revocation: %v", err)
	}
	if !res.StatusChecked || res.Status == nil || res.Status.Index != 7 {
		t.Fatalf("status not checked: %+v", res.Status)
	}

	// Revoke index 7. The cached list still answers until it expires.
	t1 := t0.Add(30 * time.Second)
	clk.Set(t1)
	srv.set("/status/1", mint(t, key, tokenSpec{sub: uri, iat: t1, ttl: time.Minute,
		list: makeList(t, 1, 1024, map[int]statuslist.Status{7: statuslist.Invalid})}))
	if _, err := v.Verify(t.Context(), vc, sdjwtvc.Policy{}); err != nil {
		t.Fatalf("verify from the cache: %v", err)
	}
	clk.Set(t0.Add(time.Minute))
	_, err = v.Verify(t.Context(), vc, sdjwtvc.Policy{})
	wantAll(t, err, statuslist.ErrRevoked, credentials.ErrStatus)
	if got := srv.total.Load(); got != 2 {
		t.Fatalf("%d fetches, want 2", got)
	}
}

func benchChecker(b *testing.B) (*statuslist.Checker, sdjwtvc.StatusRef) {
	b.Helper()
	key := genKey(b, jose.ES256)
	keys := sdjwtvc.StaticKeys{testIssuer: {key.Public()}}
	srv := newListServer(b)
	uri := srv.URL + "/s"
	srv.set("/s", mint(b, key, tokenSpec{sub: uri, iat: time.Now(), ttl: time.Hour, list: benchList(b, statuslist.HerdPrivacyMinEntries)}))
	c := newChecker(b, loopbackClient(b), keys)
	ref := sdjwtvc.StatusRef{Index: 1, URI: uri}
	if err := c.CheckStatus(b.Context(), testIssuer, ref); err != nil && !errors.Is(err, statuslist.ErrRevoked) {
		b.Fatal(err)
	}
	return c, ref
}

// BenchmarkCheckStatusCached measures a check answered from the cache.
func BenchmarkCheckStatusCached(b *testing.B) {
	c, ref := benchChecker(b)
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		_ = c.CheckStatus(ctx, testIssuer, ref)
	}
}

// BenchmarkCheckStatusCachedParallel is the same from all CPUs at once.
func BenchmarkCheckStatusCachedParallel(b *testing.B) {
	c, ref := benchChecker(b)
	ctx := b.Context()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_ = c.CheckStatus(ctx, testIssuer, ref)
		}
	})
}

// TestCheckerFresh: a fresh check (Fresh) sees a revocation made a moment
// ago that the cache still hides, and its token then answers later checks;
// a fresh check never takes a token fetched before it asked.
func TestCheckerFresh(t *testing.T) {
	key := genKey(t, jose.ES256)
	keys := sdjwtvc.StaticKeys{testIssuer: {key.Public()}}
	clk := newClock()
	t0 := clk.Now()
	srv := newListServer(t)
	uri := srv.URL + "/s"
	srv.set("/s", mint(t, key, tokenSpec{sub: uri, iat: t0, ttl: time.Hour, list: makeList(t, 1, 64, nil)}))
	c := newChecker(t, loopbackClient(t), keys, statuslist.WithClock(clk.Now), statuslist.WithMinEntries(1))
	ref := sdjwtvc.StatusRef{Index: 3, URI: uri}
	wantAll(t, c.CheckStatus(t.Context(), testIssuer, ref))

	// Revoked a second later: the cache answers valid for an hour.
	clk.Set(t0.Add(time.Second))
	srv.set("/s", mint(t, key, tokenSpec{sub: uri, iat: t0.Add(time.Second), ttl: time.Hour, list: makeList(t, 1, 64, map[int]statuslist.Status{3: statuslist.Invalid})}))
	wantAll(t, c.CheckStatus(t.Context(), testIssuer, ref))
	if n := srv.total.Load(); n != 1 {
		t.Fatalf("%d fetches, want 1 (cached)", n)
	}
	err := c.CheckStatus(statuslist.Fresh(t.Context()), testIssuer, ref)
	if !errors.Is(err, statuslist.ErrRevoked) {
		t.Fatalf("fresh check = %v, want the revocation", err)
	}
	if n := srv.total.Load(); n != 2 {
		t.Fatalf("%d fetches, want 2", n)
	}
	// The fresh token now answers checks without Fresh.
	if err := c.CheckStatus(t.Context(), testIssuer, ref); !errors.Is(err, statuslist.ErrRevoked) {
		t.Fatalf("later check = %v, want the revocation", err)
	}
	// Every fresh check fetches.
	_ = c.CheckStatus(statuslist.Fresh(t.Context()), testIssuer, ref)
	if n := srv.total.Load(); n != 3 {
		t.Fatalf("%d fetches, want 3", n)
	}
}
