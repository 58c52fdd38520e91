package serve_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/internal/serve"
)

// TestRun: the server answers until ctx ends, an in-flight request
// finishes within the grace period, Tick runs while serving, and Run
// returns nil after a clean shutdown; a listener that fails ends Run with
// its error.
func TestRun(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			close(started)
			time.Sleep(200 * time.Millisecond)
		}
		io.WriteString(w, "ok")
	})}
	var ticks atomic.Int32
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- serve.Run(ctx, srv, ln, serve.Options{Grace: 2 * time.Second, Every: 10 * time.Millisecond, Tick: func() { ticks.Add(1) }})
	}()
	base := "http://" + ln.Addr().String()
	get := func(path string) (string, error) {
		resp, err := http.Get(base + path)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return string(b), err
	}
	if body, err := get("/"); err != nil || body != "ok" {
		t.Fatalf("%q %v", body, err)
	}
	slow := make(chan string, 1)
	go func() { b, _ := get("/slow"); slow <- b }()
	<-started
	time.Sleep(50 * time.Millisecond)
	cancel()
	if b := <-slow; b != "ok" {
		t.Fatalf("in-flight request cut off: %q", b)
	}
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if ticks.Load() == 0 {
		t.Fatal("Tick never ran")
	}
	if _, err := get("/"); err == nil {
		t.Fatal("still serving after shutdown")
	}

	// A closed listener ends Run at once with Serve's error.
	ln2, _ := net.Listen("tcp", "127.0.0.1:0")
	ln2.Close()
	err = serve.Run(context.Background(), &http.Server{Handler: http.NotFoundHandler()}, ln2, serve.Options{})
	if err == nil || errors.Is(err, http.ErrServerClosed) {
		t.Fatalf("Run on a closed listener: %v", err)
	}
}
