package verifier_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials/oid4vp"
	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/credentials/profile"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/verifier"
)

// prepareResponses creates n transactions for profileID and the wallet's
// direct_post.jwt response to each, concurrently (the store's fsyncs are
// shared), each response holding want presentations.
func prepareResponses(b *testing.B, e *env, w *wallet, profileID string, n, want int) []url.Values {
	b.Helper()
	ctx := context.Background()
	forms := make([]url.Values, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				f, err := prepareResponse(ctx, e, w, profileID, want)
				if err != nil {
					errs <- err
					return
				}
				forms[i] = f
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
	return forms
}

func prepareResponse(ctx context.Context, e *env, w *wallet, profileID string, want int) (url.Values, error) {
	req, err := e.v.CreateRequest(ctx, profileID, verifier.RequestOptions{ResponseMode: oid4vp.ResponseModeDirectPostJWT})
	if err != nil {
		return nil, err
	}
	ro, err := e.v.RequestObject(ctx, req.TransactionID, "")
	if err != nil {
		return nil, err
	}
	jws, err := jose.ParseCompact(ro)
	if err != nil {
		return nil, err
	}
	r, err := oid4vp.ParseAuthorizationRequest(jws.Payload)
	if err != nil {
		return nil, err
	}
	vp := w.vpToken(r, r.ClientID, r.Nonce, false)
	got := 0
	for _, ps := range vp {
		got += len(ps)
	}
	if got != want {
		return nil, fmt.Errorf("%d presentations, want %d", got, want)
	}
	key, enc, err := r.EncryptionKey()
	if err != nil {
		return nil, err
	}
	return oid4vp.AuthorizationResponse{VPToken: vp, State: r.State}.EncryptedForm(key, enc)
}

// BenchmarkHandleResponse is one direct_post.jwt response with three
// presentations (level, skill, learning; ES256 SD-JWT VCs with KB-JWTs)
// through Verifier.HandleResponse on a badger store on disk: decrypt,
// consume the transaction, verify three presentations, re-check the DCQL
// query, evaluate the teacher-training profile with its learning plan,
// store the decision and sign the receipt. Run serially.
func BenchmarkHandleResponse(b *testing.B) {
	is := newIssuer(b)
	e := newEnv(b, trustAll(is.did), oid4vp.ResponseModeDirectPostJWT)
	holder, creds := miranda(b, is, "level", "skill", "learning")
	w := &wallet{t: b, e: e, key: holder, creds: creds}
	forms := prepareResponses(b, e, w, profileTeacher, b.N, 3)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := e.v.HandleResponse(ctx, forms[i])
		if err != nil {
			b.Fatal(err)
		}
		if i == 0 {
			b.StopTimer()
			if d := e.result(res.TransactionID).Decision; len(d.Credentials) != 3 || len(d.Rejected) != 0 {
				b.Fatalf("decision %+v", d)
			}
			b.StartTimer()
		}
	}
	b.ReportMetric(float64(3*b.N)/b.Elapsed().Seconds(), "presentations/s")
}

// wideProfile asks for one learning credential's whole "skills" array.
const wideProfile = `id: breed
version: "1"
kind: admission
title: {nl: Breed, en: Wide}
purpose: {nl: Test, en: Test}
requirements:
  - id: vaardigheden
    title: {nl: Vaardigheden, en: Skills}
    required: true
    type: learning
    claims: [skills]
    predicate: size(skills) >= 19
`

// BenchmarkResponseHTTP posts direct_post.jwt responses, each with one
// ES256 presentation of 20 disclosures (a learning credential's "skills"
// array and its 19 elements) and a KB-JWT, to the response_uri over TLS
// on 127.0.0.1 from PASPOORT_BENCH_CLIENTS concurrent clients (default 32:
// a verifier serves many wallets at once, and concurrent responses share
// one fsync), and reports presentations
// verified per second and the p50 and p99 latency of a response (custom
// metrics presentations/s, p50-ms, p99-ms). On a quiet machine:
//
//	go test -run '^$' -bench BenchmarkResponseHTTP -benchtime 3000x -count 5 ./verifier/
func BenchmarkResponseHTTP(b *testing.B) {
	is := newIssuer(b)
	wide, err := profile.Parse("breed.yaml", []byte(wideProfile))
	if err != nil {
		b.Fatal(err)
	}
	e := newEnvWith(b, envOptions{trust: trustAll(is.did), mode: oid4vp.ResponseModeDirectPostJWT,
		config: func(c *verifier.Config) { c.Profiles, c.Catalogues = []*profile.Profile{wide}, nil }})
	holder, _ := jose.GenerateKey(jose.ES256)
	claims := example(b, "learning")
	var skills []any
	for _, s := range ppp.ESCOSkills()[:19] {
		skills = append(skills, s.URI)
	}
	claims["skills"] = skills
	now := time.Now()
	cred := is.issue(b, "learning", holder, now.Add(-time.Hour), now.Add(time.Hour), claims)
	w := &wallet{t: b, e: e, key: holder, creds: []string{cred}}
	forms := prepareResponses(b, e, w, "breed", b.N, 1)
	if n := strings.Count(forms[0].Get("response"), "."); n != 4 {
		b.Fatalf("not a compact JWE")
	}

	// The clients keep their connections alive, as a load generator does
	// (net/http keeps only two idle connections per host by default, so
	// 32 clients would otherwise make a TLS handshake per response).
	clients := benchClients(b)
	tr := e.client.Transport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost, tr.MaxConnsPerHost = clients, clients
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	defer tr.CloseIdleConnections()

	var next atomic.Int64
	lat := make([]time.Duration, b.N)
	stop := benchProfile(b)
	b.ResetTimer()
	var wg sync.WaitGroup
	var failed atomic.Value
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < b.N; i = int(next.Add(1)) - 1 {
				t0 := time.Now()
				resp, err := hc.PostForm(e.srv.URL+"/response", forms[i])
				if err != nil {
					failed.Store(err.Error())
					return
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				lat[i] = time.Since(t0)
				if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"receipt"`) {
					failed.Store(fmt.Sprintf("%d %s", resp.StatusCode, body))
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	stop()
	if f := failed.Load(); f != nil {
		b.Fatal(f)
	}
	slices.Sort(lat)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "presentations/s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[min(len(lat)-1, len(lat)*99/100)].Microseconds())/1000, "p99-ms")
}

// benchClients is the number of concurrent clients of BenchmarkResponseHTTP:
// PASPOORT_BENCH_CLIENTS, default 32.
func benchClients(b *testing.B) int {
	n := 32
	if v := os.Getenv("PASPOORT_BENCH_CLIENTS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			b.Fatalf("PASPOORT_BENCH_CLIENTS=%q", v)
		}
	}
	return n
}

// benchProfile writes a CPU profile of the timed phase alone (go test's
// -cpuprofile also covers the set-up, which signs every request) to
// PASPOORT_BENCH_CPUPROFILE when it is set; it returns the stop function.
func benchProfile(b *testing.B) func() {
	path := os.Getenv("PASPOORT_BENCH_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		b.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			b.Error(err)
		}
	}
}
