package wallet_test

import (
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials/dcql"
	"github.com/loopbrug/paspoort/wallet"
)

const benchCredentials = 10_000

var (
	benchOnce sync.Once
	benchDir  string
	benchIss  *testIssuer
)

// benchWallet returns the folder of a wallet with 10,000 credentials of
// every PPP type, built once per test binary.
func benchWallet(b *testing.B) string {
	benchOnce.Do(func() {
		dir, err := os.MkdirTemp("", "paspoort-wallet-bench-")
		if err != nil {
			b.Fatal(err)
		}
		benchDir = dir
		benchIss = newTestIssuer(b, "https://assessor.example")
		w := initWallet(b, dir, wallet.WithIssuerKeys(benchIss.keys()))
		defer w.Close()
		types := []string{"skill", "talent", "drive", "agility", "level", "goal", "experience", "learning", "reference"}
		var wg sync.WaitGroup
		errs := make(chan error, 32)
		for g := range 32 {
			wg.Go(func() {
				for i := g; i < benchCredentials; i += 32 {
					typ := types[i%len(types)]
					if _, err := w.Add(ctx, benchIss.issue(b, w, typ, example(b, typ, nil), 1), wallet.Meta{}); err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			b.Fatal(err)
		}
	})
	return benchDir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

// BenchmarkOpen is open + unlock (argon2id with the test parameters, and
// with the defaults) + loading the index of 10,000 credentials.
func BenchmarkOpen(b *testing.B) {
	dir := benchWallet(b)
	b.ResetTimer()
	for b.Loop() {
		w, err := wallet.OpenDir(ctx, dir, []byte(testPass), wallet.WithIssuerKeys(benchIss.keys()))
		if err != nil {
			b.Fatal(err)
		}
		if n := len(w.Credentials()); n != benchCredentials {
			b.Fatalf("%d credentials", n)
		}
		w.Close()
	}
}

// BenchmarkUnlockDefaultKDF is the cost of argon2id with DefaultKDFParams
// alone (t=3, 64 MiB, 4 lanes).
func BenchmarkUnlockDefaultKDF(b *testing.B) {
	dir := b.TempDir()
	w, err := wallet.Init(ctx, dir, []byte(testPass))
	if err != nil {
		b.Fatal(err)
	}
	st := w.Store()
	b.ResetTimer()
	for b.Loop() {
		if _, err := wallet.Open(ctx, st, []byte(testPass)); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	w.Close()
}

func BenchmarkList(b *testing.B) {
	w := openWallet(b, benchWallet(b), wallet.WithIssuerKeys(benchIss.keys()))
	defer w.Close()
	b.ResetTimer()
	for b.Loop() {
		for _, c := range w.Credentials() {
			if _, err := w.CheckStatus(ctx, c, true); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkMatchDCQL matches a query over 10,000 credentials (target: under
// 20 ms).
func BenchmarkMatchDCQL(b *testing.B) {
	w := openWallet(b, benchWallet(b), wallet.WithIssuerKeys(benchIss.keys()))
	defer w.Close()
	q, err := dcql.Parse([]byte(`{"credentials":[
		{"id":"skill","format":"dc+sd-jwt","multiple":true,"meta":{"vct_values":["https://paspoort.loopbrug.nl/vct/skill/v1"]},
		 "claims":[{"path":["skill"],"values":["http://data.europa.eu/esco/skill/b9bb1f03-15e2-4079-943e-7e483b21725b"]},{"path":["proficiency"]}]},
		{"id":"level","format":"dc+sd-jwt","meta":{"vct_values":["https://paspoort.loopbrug.nl/vct/level/v1"]},"claims":[{"path":["nlqf_level"]}]}]}`))
	if err != nil {
		b.Fatal(err)
	}
	w.MatchQuery(q) // build the candidate cache
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		r, err := w.MatchQuery(q)
		if err != nil || !r.Satisfied {
			b.Fatal(r, err)
		}
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/float64(b.N)/1000, "ms/match")
}

func BenchmarkAdd(b *testing.B) {
	iss := newTestIssuer(b, "https://assessor.example")
	w := initWallet(b, b.TempDir(), wallet.WithIssuerKeys(iss.keys()))
	defer w.Close()
	claims := example(b, "skill", nil)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		cs := iss.issue(b, w, "skill", claims, 1)
		b.StartTimer()
		if _, err := w.Add(ctx, cs, wallet.Meta{}); err != nil {
			b.Fatal(fmt.Sprint(i), err)
		}
	}
}
