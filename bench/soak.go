package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Round is one round of a soak run: its figures and when it ended.
type Round struct {
	// At is the time since the soak started when the round ended.
	At time.Duration
	Result
	// HeapMB is the live heap after the round, in MiB (after a GC).
	HeapMB float64
}

// Memory is the process's memory at one moment, after a GC.
type Memory struct {
	// HeapMB is the live Go heap, RSSMB the resident set (0 where the
	// system does not tell), both in MiB.
	HeapMB, RSSMB float64
}

// SoakResult is what a soak run measured: every round, the failures over
// all of them, and memory at the start and the end.
type SoakResult struct {
	Rounds     []Round
	Flows      int
	Failed     int
	Err        error
	Start, End Memory
	Elapsed    time.Duration
}

// Soak runs round again and again until d has passed (a round is not cut
// short), reading memory before the first and after the last. A round's
// own error (not a failed flow) stops the soak.
func Soak(ctx context.Context, d time.Duration, progress io.Writer, round func(ctx context.Context) (Result, error)) (SoakResult, error) {
	s := SoakResult{Start: memory()}
	start := time.Now()
	for time.Since(start) < d {
		if err := ctx.Err(); err != nil {
			return s, err
		}
		r, err := round(ctx)
		if err != nil {
			return s, err
		}
		rd := Round{At: time.Since(start), Result: r, HeapMB: memory().HeapMB}
		s.Rounds = append(s.Rounds, rd)
		s.Flows += r.Flows
		s.Failed += r.Failed
		if s.Err == nil {
			s.Err = r.Err
		}
		if progress != nil {
			fmt.Fprintf(progress, "%7.1fs  %6.0f/s  p50 %5.1f ms  p99 %6.1f ms  failed %d  heap %.0f MiB\n",
				rd.At.Seconds(), r.PerSecond(1), ms(r.P50), ms(r.P99), r.Failed, rd.HeapMB)
		}
	}
	s.Elapsed = time.Since(start)
	s.End = memory()
	return s, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// memory collects garbage and reads the heap and the resident set.
func memory() Memory {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return Memory{HeapMB: float64(m.HeapAlloc) / (1 << 20), RSSMB: rss()}
}

// rss reads the resident set from /proc/self/statm (Linux); 0 elsewhere.
func rss() float64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, err := strconv.ParseFloat(f[1], 64)
	if err != nil {
		return 0
	}
	return pages * float64(os.Getpagesize()) / (1 << 20)
}
