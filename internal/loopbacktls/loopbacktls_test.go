package loopbacktls_test

import (
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/loopbrug/paspoort/internal/loopbacktls"
)

// TestServesHTTPS: a server with the certificate (from memory and from
// the written files) is trusted by a client with the pool, and by no
// client without it.
func TestServesHTTPS(t *testing.T) {
	c, err := loopbacktls.New()
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile, err := c.WriteFiles(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(keyFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi.Mode(), err)
	}
	fromFiles, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	for name, cert := range map[string]tls.Certificate{"memory": c.TLS, "files": fromFiles} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") }))
			srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
			srv.StartTLS()
			defer srv.Close()
			trusting := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: c.Pool}}}
			resp, err := trusting.Get(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(b) != "ok" {
				t.Fatalf("body %q", b)
			}
			other, _ := loopbacktls.New()
			stranger := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: other.Pool}}}
			if _, err := stranger.Get(srv.URL); err == nil {
				t.Fatal("a client trusting another certificate connected")
			}
		})
	}
}
