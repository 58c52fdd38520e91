package bench_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/bench"
	"github.com/loopbrug/paspoort/credentials/oid4vp"
)

var errFlow = errors.New("flow failed")

// TestRun: every flow runs once, failures are counted and the first one
// kept, and the percentiles come from the flows' own latencies.
func TestRun(t *testing.T) {
	tests := []struct {
		name       string
		flows      int
		conc       int
		failEvery  int
		wantFailed int
	}{
		{"one flow", 1, 4, 0, 0},
		{"more workers than flows", 3, 16, 0, 0},
		{"many flows", 200, 7, 0, 0},
		{"every tenth fails", 100, 4, 10, 10},
		{"all fail", 5, 2, 1, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen := make([]atomic.Int32, tt.flows)
			r, err := bench.Run(context.Background(), bench.Load{Flows: tt.flows, Concurrency: tt.conc}, func(_ context.Context, i int) error {
				seen[i].Add(1)
				// Flow i takes about i/10 ms, so the p99 is the longest.
				time.Sleep(time.Duration(i) * 100 * time.Microsecond)
				if tt.failEvery > 0 && i%tt.failEvery == 0 {
					return errFlow
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			for i := range seen {
				if n := seen[i].Load(); n != 1 {
					t.Fatalf("flow %d ran %d times", i, n)
				}
			}
			if r.Flows != tt.flows || r.Failed != tt.wantFailed {
				t.Fatalf("flows %d failed %d, want %d and %d", r.Flows, r.Failed, tt.flows, tt.wantFailed)
			}
			if (tt.wantFailed > 0) != errors.Is(r.Err, errFlow) {
				t.Fatalf("first error %v", r.Err)
			}
			if r.P50 <= 0 || r.P99 < r.P50 || r.Elapsed < r.P99 {
				t.Fatalf("p50 %v p99 %v elapsed %v", r.P50, r.P99, r.Elapsed)
			}
			if want := float64(tt.flows-tt.wantFailed) * 3 / r.Elapsed.Seconds(); r.PerSecond(3) != want {
				t.Fatalf("per second %v, want %v", r.PerSecond(3), want)
			}
		})
	}
}

// recordingTimer is a Timer that records its calls.
type recordingTimer struct{ calls []string }

func (r *recordingTimer) ResetTimer() { r.calls = append(r.calls, "reset") }
func (r *recordingTimer) StopTimer()  { r.calls = append(r.calls, "stop") }

func TestRunTimer(t *testing.T) {
	var tm recordingTimer
	var inside bool
	_, err := bench.Run(context.Background(), bench.Load{Flows: 2, Concurrency: 1, Timer: &tm}, func(context.Context, int) error {
		inside = len(tm.calls) == 1 && tm.calls[0] == "reset"
		return nil
	})
	if err != nil || !inside || len(tm.calls) != 2 || tm.calls[1] != "stop" {
		t.Fatalf("timer calls %v (during the flows: reset only = %v), err %v", tm.calls, inside, err)
	}
}

func TestPrepare(t *testing.T) {
	var ran atomic.Int32
	if err := bench.Prepare(50, 4, func(int) error { ran.Add(1); return nil }); err != nil || ran.Load() != 50 {
		t.Fatalf("ran %d, err %v", ran.Load(), err)
	}
	err := bench.Prepare(50, 4, func(i int) error {
		if i == 7 {
			return errFlow
		}
		return nil
	})
	if !errors.Is(err, errFlow) {
		t.Fatalf("err %v, want the failure", err)
	}
}

// TestRefuses: nonsense settings are refused before anything starts.
func TestRefuses(t *testing.T) {
	ctx := context.Background()
	noop := func(context.Context, int) error { return nil }
	tests := []struct {
		name string
		run  func() error
	}{
		{"no flows", func() error { _, err := bench.Run(ctx, bench.Load{Flows: 0, Concurrency: 1}, noop); return err }},
		{"no workers", func() error { _, err := bench.Run(ctx, bench.Load{Flows: 1, Concurrency: 0}, noop); return err }},
		{"issuer batch 0", func() error {
			_, err := bench.Issuer(ctx, bench.IssuerOptions{Credentials: 1, Concurrency: 1, Batch: 0})
			return err
		}},
		{"issuer no wallets", func() error {
			_, err := bench.Issuer(ctx, bench.IssuerOptions{Credentials: 1, Concurrency: 0, Batch: 1})
			return err
		}},
		{"verifier one disclosure", func() error {
			_, err := bench.Verifier(ctx, bench.VerifierOptions{Presentations: 1, Concurrency: 1, Disclosures: 1})
			return err
		}},
		{"verifier too many disclosures", func() error {
			_, err := bench.Verifier(ctx, bench.VerifierOptions{Presentations: 1, Concurrency: 1, Disclosures: bench.MaxDisclosures() + 1})
			return err
		}},
		{"verifier fragment mode", func() error {
			_, err := bench.Verifier(ctx, bench.VerifierOptions{Presentations: 1, Concurrency: 1, Disclosures: 2, ResponseMode: "fragment"})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.run(); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

// TestServices runs both services under a small load: every flow must
// succeed (the verifier also checks that its decisions were accepted).
func TestServices(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		run   func() (bench.Result, error)
		flows int
	}{
		{"issuer", func() (bench.Result, error) {
			return bench.Issuer(ctx, bench.IssuerOptions{Credentials: 10, Concurrency: 3, Batch: 1})
		}, 10},
		{"issuer batch", func() (bench.Result, error) {
			return bench.Issuer(ctx, bench.IssuerOptions{Credentials: 10, Concurrency: 2, Batch: 3})
		}, 4},
		{"verifier direct_post.jwt", func() (bench.Result, error) {
			return bench.Verifier(ctx, bench.VerifierOptions{Presentations: 12, Concurrency: 4, Disclosures: 20})
		}, 12},
		{"verifier direct_post, most disclosures", func() (bench.Result, error) {
			return bench.Verifier(ctx, bench.VerifierOptions{Presentations: 3, Concurrency: 2, Disclosures: bench.MaxDisclosures(), ResponseMode: oid4vp.ResponseModeDirectPost})
		}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := tt.run()
			if err != nil {
				t.Fatal(err)
			}
			if r.Err != nil || r.Failed != 0 || r.Flows != tt.flows {
				t.Fatalf("%d of %d flows failed (want %d flows), first: %v", r.Failed, r.Flows, tt.flows, r.Err)
			}
		})
	}
}

// TestRunCPU: a run whose flows compute reports the process's CPU time,
// and a run whose flows sleep as long far less per flow.
func TestRunCPU(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" {
		t.Skip("process CPU time is read on unix only")
	}
	data := make([]byte, 8<<20)
	var took time.Duration
	busy, err := bench.Run(context.Background(), bench.Load{Flows: 4, Concurrency: 1}, func(context.Context, int) error {
		start := time.Now()
		for range 4 {
			sha256.Sum256(data)
		}
		took = max(took, time.Since(start))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	idle, err := bench.Run(context.Background(), bench.Load{Flows: 4, Concurrency: 1}, func(context.Context, int) error {
		time.Sleep(took)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Hashing 32 MiB takes milliseconds of CPU however busy the machine.
	if busy.CPUPerFlow() < time.Millisecond {
		t.Errorf("hashing run: %v CPU per flow (CPU %v); want at least 1ms", busy.CPUPerFlow(), busy.CPU)
	}
	if idle.CPUPerFlow() >= busy.CPUPerFlow()/2 {
		t.Errorf("sleeping run: %v CPU per flow, hashing run %v: the sleep should cost far less", idle.CPUPerFlow(), busy.CPUPerFlow())
	}
	if (bench.Result{}).CPUPerFlow() != 0 {
		t.Error("an empty result has CPU per flow")
	}
}
