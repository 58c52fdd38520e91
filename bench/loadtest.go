package bench

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/loopbrug/paspoort/internal/loopbacktls"
)

// Result is what a load run measured.
type Result struct {
	// Flows is the number of flows run, Failed how many of them failed.
	Flows, Failed int
	// Elapsed is the wall time of the timed phase.
	Elapsed time.Duration
	// P50 and P99 are latency percentiles of one flow.
	P50, P99 time.Duration
	// CPU is the CPU time (user and system) the whole process used in the
	// timed phase: services and clients of a run in this process, or the
	// clients alone against --target replicas. Zero where it cannot be
	// read.
	CPU time.Duration
	// Err is the first failure, if any.
	Err error
}

// CPUPerFlow returns the process's CPU time per flow, zero when unknown.
// Unlike the rate, it hardly moves when other processes take the cores, so
// it is the figure to compare two versions of the code by.
func (r Result) CPUPerFlow() time.Duration {
	if r.CPU <= 0 || r.Flows == 0 {
		return 0
	}
	return r.CPU / time.Duration(r.Flows)
}

// PerSecond returns the successful flows per second, times per (the
// number of items one flow yields).
func (r Result) PerSecond(per int) float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64((r.Flows-r.Failed)*per) / r.Elapsed.Seconds()
}

// Timer is the part of *testing.B that a Go benchmark lends a load run,
// so that its ns/op covers the timed phase alone.
type Timer interface {
	ResetTimer()
	StopTimer()
}

// Load is what Run runs.
type Load struct {
	// Flows is how many flows to run, Concurrency from how many workers.
	Flows, Concurrency int
	// Profile, when set, receives a CPU profile of the timed phase.
	Profile io.Writer
	// Timer, when set, is reset when the timed phase starts and stopped
	// when it ends.
	Timer Timer
}

// Run runs flow(ctx, i) for every i in [0, l.Flows) from l.Concurrency
// concurrent workers and measures it.
func Run(ctx context.Context, l Load, flow func(ctx context.Context, i int) error) (Result, error) {
	n := l.Flows
	if n < 1 || l.Concurrency < 1 {
		return Result{}, fmt.Errorf("loadtest: %d flows from %d workers", n, l.Concurrency)
	}
	lat := make([]time.Duration, n)
	var failed atomic.Int64
	var first atomic.Value
	if l.Profile != nil {
		if err := pprof.StartCPUProfile(l.Profile); err != nil {
			return Result{}, err
		}
	}
	if l.Timer != nil {
		l.Timer.ResetTimer()
	}
	cpu0, cpuOK := processCPU()
	start := time.Now()
	each(n, l.Concurrency, func(i int) {
		t0 := time.Now()
		if err := flow(ctx, i); err != nil {
			failed.Add(1)
			first.CompareAndSwap(nil, err)
		}
		lat[i] = time.Since(t0)
	})
	r := Result{Flows: n, Failed: int(failed.Load()), Elapsed: time.Since(start)}
	if cpu1, ok := processCPU(); ok && cpuOK {
		r.CPU = time.Duration(cpu1 - cpu0)
	}
	if l.Timer != nil {
		l.Timer.StopTimer()
	}
	if l.Profile != nil {
		pprof.StopCPUProfile()
	}
	r.Err, _ = first.Load().(error)
	slices.Sort(lat)
	r.P50, r.P99 = lat[n*50/100], lat[min(n-1, n*99/100)]
	return r, nil
}

// Prepare runs prep(i) for every i in [0, n) on up to workers goroutines
// and returns the first error: the set-up of a load run, before the timed
// phase.
func Prepare(n, workers int, prep func(i int) error) error {
	var first atomic.Value
	each(n, workers, func(i int) {
		if first.Load() != nil {
			return
		}
		if err := prep(i); err != nil {
			first.CompareAndSwap(nil, err)
		}
	})
	err, _ := first.Load().(error)
	return err
}

// each calls fn(i) for every i in [0, n) from workers goroutines, each
// taking the next i, and returns when all are done.
func each(n, workers int, fn func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				fn(i)
			}
		}()
	}
	wg.Wait()
}

// Server is where a service under load listens: a TLS listener on
// 127.0.0.1 with a fresh self-signed P-256 certificate, a temporary
// folder for its store, and a client pool that trusts the certificate.
type Server struct {
	// Listener is the plain TCP listener on 127.0.0.1; the service
	// serves TLS on it with TLS.
	Listener net.Listener
	// URL is https://127.0.0.1:port.
	URL string
	// TLS is the service's TLS configuration.
	TLS *tls.Config
	// Dir is the temporary folder for the store, removed by Close.
	Dir string
	// Client has conc kept-alive connections to the server.
	Client *http.Client
}

// NewServer listens on 127.0.0.1 and makes a client of conc kept-alive
// connections (net/http keeps two idle connections per host by default,
// so many clients would otherwise pay a TLS handshake per flow).
func NewServer(name string, conc int) (*Server, error) {
	cert, err := loopbacktls.New()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "paspoort-"+name+"-bench-")
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return &Server{
		Listener: ln, URL: "https://" + ln.Addr().String(), Dir: dir,
		TLS: &tls.Config{Certificates: []tls.Certificate{cert.TLS}, MinVersion: tls.VersionTLS12},
		Client: &http.Client{Transport: &http.Transport{
			TLSClientConfig:     &tls.Config{RootCAs: cert.Pool, MinVersion: tls.VersionTLS12},
			MaxIdleConnsPerHost: conc, MaxConnsPerHost: conc,
		}, Timeout: 30 * time.Second},
	}, nil
}

// Close closes the client's connections and the listener, and removes
// the folder. The service must have stopped using Dir.
func (s *Server) Close() error {
	s.Client.CloseIdleConnections()
	s.Listener.Close()
	return os.RemoveAll(s.Dir)
}

// secret returns n random bytes, and their base64url text.
func secret(n int) ([]byte, string) {
	b := make([]byte, n)
	rand.Read(b)
	return b, base64.RawURLEncoding.EncodeToString(b)
}
