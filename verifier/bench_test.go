package verifier_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"testing"

	"github.com/loopbrug/paspoort/bench"
	"github.com/loopbrug/paspoort/credentials/oid4vp"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/verifier"
)

// prepareResponses creates n transactions for profileID and the wallet's
// direct_post.jwt response to each, concurrently (the store's fsyncs are
// shared), each response holding want presentations.
func prepareResponses(b *testing.B, e *env, w *wallet, profileID string, n, want int) []url.Values {
	b.Helper()
	forms := make([]url.Values, n)
	if err := bench.Prepare(n, 8, func(i int) error {
		var err error
		forms[i], err = prepareResponse(context.Background(), e, w, profileID, want)
		return err
	}); err != nil {
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

// BenchmarkResponseHTTP is `paspoort verifier bench` (internal/loadtest)
// as a Go benchmark: direct_post.jwt responses, each with one ES256
// presentation of 20 disclosures (a learning credential's "skills" array
// and 19 of its elements) and a KB-JWT, posted to the response_uri over
// TLS on 127.0.0.1 from PASPOORT_BENCH_CLIENTS concurrent clients on
// kept-alive connections (default 32: a verifier serves many wallets at
// once, and concurrent responses share one fsync). ns/op covers the
// posting alone; it reports presentations verified per second and the p50
// and p99 latency of a response (custom metrics presentations/s, p50-ms,
// p99-ms). PASPOORT_BENCH_CPUPROFILE=FILE profiles the posting alone. On a
// quiet machine:
//
//	go test -run '^$' -bench BenchmarkResponseHTTP -benchtime 3000x -count 5 ./verifier/
func BenchmarkResponseHTTP(b *testing.B) {
	o := bench.VerifierOptions{Presentations: b.N, Concurrency: benchClients(b), Disclosures: 20, Timer: b}
	if path := os.Getenv("PASPOORT_BENCH_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		o.Profile = f
	}
	r, err := bench.Verifier(context.Background(), o)
	if err != nil {
		b.Fatal(err)
	}
	if r.Err != nil {
		b.Fatalf("%d of %d responses failed, first: %v", r.Failed, r.Flows, r.Err)
	}
	b.ReportMetric(r.PerSecond(1), "presentations/s")
	b.ReportMetric(float64(r.P50.Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(r.P99.Microseconds())/1000, "p99-ms")
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
