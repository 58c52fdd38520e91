package safehttp_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/internal/safehttp"
)

const (
	testMax   = 1024
	errorBody = "SECRET-ERROR-BODY-do-not-leak"
)

// testServer is an httptest server on 127.0.0.1 with the hostile and
// friendly endpoints the fetch tests use. It records every path it serves.
type testServer struct {
	*httptest.Server
	mu    sync.Mutex
	paths []string
	ref   []string // Referer headers seen by /ref-check
}

func (s *testServer) hits() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.paths...)
}

func newTestServer(t *testing.T, other string) *testServer {
	t.Helper()
	s := &testServer{}
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprintf(w, "ok ua=%s accept=%s", r.UserAgent(), r.Header.Get("Accept"))
	})
	mux.HandleFunc("/form", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "method", http.StatusMethodNotAllowed)
			return
		}
		fmt.Fprintf(w, "name=%s", r.PostFormValue("name"))
	})
	mux.HandleFunc("/exact", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(strings.Repeat("a", testMax)))
	})
	mux.HandleFunc("/big-chunked", func(w http.ResponseWriter, r *http.Request) {
		w.(http.Flusher).Flush() // no Content-Length: only the LimitReader can stop it
		for range 64 {
			w.Write([]byte(strings.Repeat("a", testMax)))
		}
	})
	mux.HandleFunc("/big-announced", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(testMax+1))
		w.Write([]byte(strings.Repeat("a", testMax+1)))
	})
	mux.HandleFunc("/gzip-bomb", func(w http.ResponseWriter, r *http.Request) {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(make([]byte, 64*testMax)) // compresses to a few hundred bytes
		zw.Close()
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(buf.Bytes())
	})
	mux.HandleFunc("/cl-lie-long", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(1<<30)) // announces 1 GiB, sends little
		w.Write([]byte("tiny"))
	})
	mux.HandleFunc("/cl-lie-short", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100") // announces 100, sends 4
		w.Write([]byte("tiny"))
	})
	mux.HandleFunc("/trickle", func(w http.ResponseWriter, r *http.Request) {
		f := w.(http.Flusher)
		for range 50 {
			if _, err := w.Write([]byte("x")); err != nil {
				return
			}
			f.Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(200 * time.Millisecond):
			}
		}
	})
	mux.HandleFunc("/slow-headers", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	mux.HandleFunc("/500", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, errorBody, http.StatusInternalServerError)
	})
	mux.HandleFunc("/404", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, errorBody, http.StatusNotFound)
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop?token=SECRET", http.StatusFound)
	})
	mux.HandleFunc("/ping", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/pong", http.StatusFound)
	})
	mux.HandleFunc("/pong", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/ping", http.StatusFound)
	})
	mux.HandleFunc("/hops/{n}", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.PathValue("n"))
		if n <= 0 {
			w.Write([]byte("arrived"))
			return
		}
		http.Redirect(w, r, "/hops/"+strconv.Itoa(n-1), http.StatusFound)
	})
	mux.HandleFunc("/to", func(w http.ResponseWriter, r *http.Request) {
		target := r.URL.Query().Get("u")
		if target == "other" {
			target = other
		}
		http.Redirect(w, r, target, http.StatusFound)
	})
	mux.HandleFunc("/ref-start", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/ref-check", http.StatusFound)
	})
	mux.HandleFunc("/ref-check", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.ref = append(s.ref, r.Referer())
		s.mu.Unlock()
		w.Write([]byte("checked"))
	})
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.paths = append(s.paths, r.URL.Path)
		s.mu.Unlock()
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func TestGet(t *testing.T) {
	other := newTestServer(t, "")
	srv := newTestServer(t, other.URL+"/ok")
	c := newClient(t, safehttp.WithAllowLoopback(), safehttp.WithMaxBytes(testMax), safehttp.WithTimeout(500*time.Millisecond))

	tests := []struct {
		name     string
		path     string
		wantErr  []error // all must hold; nil: success
		wantBody string
		wantHost string // host of the final URL; default srv
	}{
		{name: "happy path", path: "/ok", wantBody: "ok ua=paspoort accept=application/did+json"},
		{name: "body of exactly the limit", path: "/exact", wantBody: strings.Repeat("a", testMax)},
		{name: "body over the limit", path: "/big-chunked", wantErr: []error{safehttp.ErrTooLarge, credentials.ErrLimit, credentials.ErrFetch}},
		{name: "announced over the limit", path: "/big-announced", wantErr: []error{safehttp.ErrTooLarge, credentials.ErrLimit, credentials.ErrFetch}},
		{name: "gzip bomb", path: "/gzip-bomb", wantErr: []error{safehttp.ErrTooLarge, credentials.ErrLimit, credentials.ErrFetch}},
		{name: "Content-Length lie, long", path: "/cl-lie-long", wantErr: []error{safehttp.ErrTooLarge, credentials.ErrLimit, credentials.ErrFetch}},
		{name: "Content-Length lie, short", path: "/cl-lie-short", wantErr: []error{credentials.ErrFetch}},
		{name: "slow trickle", path: "/trickle", wantErr: []error{safehttp.ErrTimeout, credentials.ErrLimit, credentials.ErrFetch}},
		{name: "slow headers", path: "/slow-headers", wantErr: []error{safehttp.ErrTimeout, credentials.ErrLimit, credentials.ErrFetch}},
		{name: "500 with a body", path: "/500", wantErr: []error{safehttp.ErrStatus, credentials.ErrFetch}},
		{name: "redirect to itself", path: "/loop", wantErr: []error{safehttp.ErrRefused, credentials.ErrFetch}},
		{name: "redirect ping-pong", path: "/ping", wantErr: []error{safehttp.ErrRefused, credentials.ErrFetch}},
		{name: "3 redirects", path: "/hops/3", wantBody: "arrived"},
		{name: "4 redirects", path: "/hops/4", wantErr: []error{safehttp.ErrRefused, credentials.ErrFetch}},
		{name: "redirect to another loopback port", path: "/to?u=other", wantBody: "ok ua=paspoort accept=application/did+json", wantHost: other.Listener.Addr().String()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			resp, err := c.Get(context.Background(), srv.URL+tt.path, "application/did+json")
			if elapsed := time.Since(start); elapsed > 15*time.Second { // a hang guard; the 500 ms timeout is the bound
				t.Errorf("Get took %s, want bounded by the 500 ms timeout", elapsed)
			}
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Get: %v", err)
				}
				if string(resp.Body) != tt.wantBody {
					t.Errorf("body = %q, want %q", resp.Body, tt.wantBody)
				}
				if resp.StatusCode != http.StatusOK {
					t.Errorf("status = %d", resp.StatusCode)
				}
				wantHost := tt.wantHost
				if wantHost == "" {
					wantHost = srv.Listener.Addr().String()
				}
				if resp.URL == nil || resp.URL.Host != wantHost {
					t.Errorf("final URL = %v, want host %s", resp.URL, wantHost)
				}
				return
			}
			if resp != nil {
				t.Errorf("Get returned a response with an error: %+v", resp)
			}
			t.Logf("error: %v", err)
			for _, want := range tt.wantErr {
				if !errors.Is(err, want) {
					t.Errorf("error %v does not wrap %v", err, want)
				}
			}
			if err != nil && strings.Contains(err.Error(), "SECRET") {
				t.Errorf("error leaks the query or body: %v", err)
			}
		})
	}
}

func TestStatusError(t *testing.T) {
	srv := newTestServer(t, "")
	c := newClient(t, safehttp.WithAllowLoopback())
	for _, code := range []int{500, 404} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			_, err := c.Get(context.Background(), srv.URL+"/"+strconv.Itoa(code)+"?token=SECRET", "")
			var se *safehttp.StatusError
			if !errors.As(err, &se) || se.Code != code {
				t.Fatalf("error %v, want *StatusError with code %d", err, code)
			}
			if !errors.Is(err, safehttp.ErrStatus) || !errors.Is(err, credentials.ErrFetch) {
				t.Errorf("error %v does not wrap ErrStatus and credentials.ErrFetch", err)
			}
			if errors.Is(err, credentials.ErrLimit) {
				t.Errorf("status error %v is in class ErrLimit", err)
			}
			if msg := err.Error(); strings.Contains(msg, "SECRET") || !strings.Contains(msg, strconv.Itoa(code)) {
				t.Errorf("error message %q: want the code, and neither body nor query", msg)
			}
		})
	}
}

// recordingTransport forwards requests to the test server only and records
// the host of every request the client tries to send.
type recordingTransport struct {
	allow string
	mu    sync.Mutex
	hosts []string
}

func (rt *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	rt.mu.Lock()
	rt.hosts = append(rt.hosts, req.URL.Host)
	rt.mu.Unlock()
	if req.URL.Host != rt.allow {
		return nil, errors.New("test transport: request to a forbidden host")
	}
	return http.DefaultTransport.RoundTrip(req)
}

func TestRedirectRefusedBeforeConnecting(t *testing.T) {
	srv := newTestServer(t, "")
	host := srv.Listener.Addr().String()
	tests := []struct {
		name   string
		target string
	}{
		{"to http 10.0.0.1", "http://10.0.0.1/"},
		{"to https 10.0.0.1", "https://10.0.0.1/"},
		{"to metadata", "http://169.254.169.254/latest/meta-data/"},
		{"to https metadata", "https://169.254.169.254/latest/meta-data/"},
		{"to decimal loopback", "http://2130706433/"},
		{"to mapped private", "https://[::ffff:10.0.0.1]/"},
		{"to userinfo", "http://user:pw@" + host + "/ok"},
		{"to file", "file:///etc/passwd"},
		{"to public http", "http://example.com/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := &recordingTransport{allow: host}
			c := newClient(t, safehttp.WithAllowLoopback(), safehttp.WithTransport(rt))
			_, err := c.Get(context.Background(), srv.URL+"/to?u="+url.QueryEscape(tt.target), "")
			t.Logf("error: %v", err)
			if !errors.Is(err, safehttp.ErrRefused) || !errors.Is(err, credentials.ErrFetch) {
				t.Fatalf("error %v, want ErrRefused", err)
			}
			if len(rt.hosts) != 1 || rt.hosts[0] != host {
				t.Errorf("requests attempted to %v, want only %s", rt.hosts, host)
			}
		})
	}
}

func TestHTTPSOnlyByDefault(t *testing.T) {
	srv := newTestServer(t, "")
	c := newClient(t)
	for _, u := range []string{srv.URL + "/ok", strings.Replace(srv.URL, "http:", "https:", 1) + "/ok"} {
		_, err := c.Get(context.Background(), u, "")
		if !errors.Is(err, safehttp.ErrRefused) || !errors.Is(err, credentials.ErrFetch) {
			t.Errorf("Get(%s) error %v, want ErrRefused", u, err)
		}
	}
	if h := srv.hits(); len(h) != 0 {
		t.Errorf("server was reached: %v", h)
	}
}

func TestNoReferer(t *testing.T) {
	srv := newTestServer(t, "")
	c := newClient(t, safehttp.WithAllowLoopback())
	if _, err := c.Get(context.Background(), srv.URL+"/ref-start?token=SECRET", ""); err != nil {
		t.Fatalf("Get: %v", err)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if len(srv.ref) != 1 || srv.ref[0] != "" {
		t.Errorf("Referer headers seen: %q, want one empty", srv.ref)
	}
}

func TestMaxRedirectsZero(t *testing.T) {
	srv := newTestServer(t, "")
	c := newClient(t, safehttp.WithAllowLoopback(), safehttp.WithMaxRedirects(0))
	if _, err := c.Get(context.Background(), srv.URL+"/hops/0", ""); err != nil {
		t.Fatalf("no redirect: %v", err)
	}
	if _, err := c.Get(context.Background(), srv.URL+"/hops/1", ""); !errors.Is(err, safehttp.ErrRefused) {
		t.Fatalf("one redirect: error %v, want ErrRefused", err)
	}
}

func TestPostForm(t *testing.T) {
	srv := newTestServer(t, "")
	c := newClient(t, safehttp.WithAllowLoopback())
	resp, err := c.PostForm(context.Background(), srv.URL+"/form", url.Values{"name": {"alice"}}, "text/plain")
	if err != nil {
		t.Fatalf("PostForm: %v", err)
	}
	if string(resp.Body) != "name=alice" {
		t.Errorf("body = %q", resp.Body)
	}
	if _, err := newClient(t).PostForm(context.Background(), srv.URL+"/form", nil, ""); !errors.Is(err, safehttp.ErrRefused) {
		t.Errorf("PostForm to loopback without the option: error %v, want ErrRefused", err)
	}
}

func TestDo(t *testing.T) {
	srv := newTestServer(t, "")
	c := newClient(t, safehttp.WithAllowLoopback(), safehttp.WithUserAgent("paspoort-test"))
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/ok", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(context.Background(), req)
	if err != nil {
		t.Fatalf("Do: %v", err)
	}
	if got, want := string(resp.Body), "ok ua=paspoort-test accept="; got != want {
		t.Errorf("body = %q, want %q", got, want)
	}
	if req.Header.Get("User-Agent") != "" {
		t.Error("Do modified the caller's request")
	}

	bad, err := http.NewRequest(http.MethodGet, "http://10.0.0.1/?token=SECRET", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Do(context.Background(), bad)
	if !errors.Is(err, safehttp.ErrRefused) || strings.Contains(err.Error(), "SECRET") {
		t.Errorf("Do(http://10.0.0.1): error %v, want ErrRefused without the query", err)
	}
	if _, err := c.Do(context.Background(), nil); !errors.Is(err, credentials.ErrFetch) {
		t.Errorf("Do(nil): error %v, want credentials.ErrFetch", err)
	}
}

func TestCallerContext(t *testing.T) {
	srv := newTestServer(t, "")
	c := newClient(t, safehttp.WithAllowLoopback())

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.Get(ctx, srv.URL+"/ok", "")
	if !errors.Is(err, credentials.ErrFetch) || !errors.Is(err, context.Canceled) {
		t.Errorf("canceled context: error %v, want credentials.ErrFetch and context.Canceled", err)
	}
	if errors.Is(err, safehttp.ErrTimeout) {
		t.Errorf("canceled context reported as a timeout: %v", err)
	}

	ctx, cancel = context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err = c.Get(ctx, srv.URL+"/slow-headers", "")
	if !errors.Is(err, safehttp.ErrTimeout) || !errors.Is(err, credentials.ErrLimit) {
		t.Errorf("caller deadline: error %v, want ErrTimeout", err)
	}
}

func TestNetworkFailure(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	u := srv.URL
	srv.Close() // nothing listens on the port any more
	c := newClient(t, safehttp.WithAllowLoopback())
	_, err := c.Get(context.Background(), u+"/ok", "")
	if !errors.Is(err, credentials.ErrFetch) {
		t.Fatalf("error %v, want credentials.ErrFetch", err)
	}
	if errors.Is(err, safehttp.ErrRefused) || errors.Is(err, credentials.ErrLimit) {
		t.Errorf("connection failure %v classed as refusal or limit", err)
	}
}

func TestConcurrentUse(t *testing.T) {
	srv := newTestServer(t, "")
	c := newClient(t, safehttp.WithAllowLoopback())
	var wg sync.WaitGroup
	var failures atomic.Int32
	for range 16 {
		wg.Go(func() {
			if _, err := c.Get(context.Background(), srv.URL+"/ok", ""); err != nil {
				failures.Add(1)
			}
			if _, err := c.Get(context.Background(), srv.URL+"/500", ""); !errors.Is(err, safehttp.ErrStatus) {
				failures.Add(1)
			}
		})
	}
	wg.Wait()
	if n := failures.Load(); n != 0 {
		t.Errorf("%d concurrent requests failed", n)
	}
}
