package safehttp_test

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/internal/safehttp"
)

// WithRootCAs trusts a private CA (the dev CA of paspoort dev); without it
// the same server's certificate is refused.
func TestWithRootCAs(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "ok")
	}))
	defer srv.Close()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	trusting, err := safehttp.New(safehttp.WithAllowLoopback(), safehttp.WithRootCAs(pool))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := trusting.Get(context.Background(), srv.URL, "text/plain")
	if err != nil || string(resp.Body) != "ok" {
		t.Fatalf("trusted CA: %v", err)
	}
	plain, err := safehttp.New(safehttp.WithAllowLoopback())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := plain.Get(context.Background(), srv.URL, "text/plain"); !errors.Is(err, credentials.ErrFetch) {
		t.Fatalf("untrusted CA: err = %v", err)
	}
	if _, err := safehttp.New(safehttp.WithRootCAs(nil)); err == nil {
		t.Fatal("nil pool accepted")
	}
}
