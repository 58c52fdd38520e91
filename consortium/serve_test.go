package consortium_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/consortium"
	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/registry"
	"github.com/loopbrug/paspoort/internal/jose"
)

func get(t *testing.T, url string) (int, http.Header, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

func serve(t *testing.T, f *consortium.Folder) *httptest.Server {
	t.Helper()
	h, err := consortium.NewHandler(f, consortium.WithClock(func() time.Time { return t0.Add(time.Hour) }))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func TestServe(t *testing.T) {
	f := newFolder(t)
	srv := serve(t, f)
	if code, _, body := get(t, srv.URL+"/"); code != http.StatusOK || !strings.Contains(body, "nog niet ondertekend") {
		t.Fatalf("page before signing: %d %s", code, body)
	}
	if code, _, _ := get(t, srv.URL+"/register.jwt"); code != http.StatusNotFound {
		t.Fatalf("register.jwt before signing: %d", code)
	}
	k1, err := f.PublicKey(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Sign(pass, consortium.SignOptions{Now: t0, Rotate: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Sign(pass, consortium.SignOptions{Now: t0.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}

	code, hdr, key := get(t, srv.URL+"/register-key.json")
	if code != http.StatusOK || hdr.Get("Content-Type") != "application/jwk+json" || hdr.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("key: %d %v", code, hdr)
	}
	pub, err := jose.ParsePublicKey([]byte(key))
	if err != nil {
		t.Fatal(err)
	}
	// A new follower pins the served key and accepts the served latest.
	fl, err := registry.NewFollower([]*jose.PublicKey{pub})
	if err != nil {
		t.Fatal(err)
	}
	code, hdr, latest := get(t, srv.URL+"/register.jwt")
	if code != http.StatusOK || hdr.Get("Content-Type") != "application/jwt" {
		t.Fatalf("latest: %d %v", code, hdr)
	}
	if r, err := fl.Accept([]byte(latest), t0.Add(time.Hour)); err != nil || r.Version != 2 {
		t.Fatalf("Accept latest: %v", err)
	}
	// An old follower, pinned to the first key and at v1, follows the
	// rotation over HTTP.
	old, err := registry.NewFollower([]*jose.PublicKey{k1})
	if err != nil {
		t.Fatal(err)
	}
	_, _, v1 := get(t, srv.URL+"/register/1.jwt")
	if _, err := old.Accept([]byte(v1), t0); err != nil {
		t.Fatal(err)
	}
	fetch := func(_ context.Context, n uint64) ([]byte, error) {
		_, _, b := get(t, srv.URL+"/register/"+strconv.FormatUint(n, 10)+".jwt")
		return []byte(b), nil
	}
	if _, err := old.Update(context.Background(), []byte(latest), fetch, t0.Add(time.Hour)); err != nil {
		t.Fatalf("old follower: %v", err)
	}

	for _, p := range []string{"/register/0.jwt", "/register/3.jwt", "/register/01.jwt", "/register/x.jwt", "/register/1"} {
		if code, _, _ := get(t, srv.URL+p); code != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", p, code)
		}
	}

	code, hdr, body := get(t, srv.URL+"/")
	if code != http.StatusOK || !strings.Contains(hdr.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Fatalf("page: %d %v", code, hdr)
	}
	for _, w := range []string{`<html lang="nl">`, "Loopbrugconsortium", "Toetsbureau", "assessor", "NS", "werving", "conducteur", "Versie 2", "--role:#4a2d6b"} {
		if !strings.Contains(body, w) {
			t.Errorf("page lacks %q", w)
		}
	}
	_, _, body = get(t, srv.URL+"/?lang=en")
	for _, w := range []string{`<html lang="en">`, "Loopbrug consortium", "hiring", "Version 2"} {
		if !strings.Contains(body, w) {
			t.Errorf("English page lacks %q", w)
		}
	}
}

// TestServeRefusesATamperedFolder: a latest version edited on disk is not
// shown as the register.
func TestServeRefusesATamperedFolder(t *testing.T) {
	f := newFolder(t)
	srv := serve(t, f)
	r, err := f.Sign(pass, consortium.SignOptions{Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	forged := strings.Replace(r.Token, ".", ".e30", 1)
	if err := os.WriteFile(filepath.Join(f.Dir(), "versions", "1.jwt"), []byte(forged), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, body := get(t, srv.URL+"/"); code != http.StatusInternalServerError || strings.Contains(body, "Toetsbureau") {
		t.Fatalf("page of a tampered folder: %d", code)
	}
	fl := pinned(t, f)
	_, _, tok := get(t, srv.URL+"/register.jwt")
	if _, err := fl.Accept([]byte(tok), t0); !errors.Is(err, credentials.ErrFormat) && !errors.Is(err, credentials.ErrSignature) {
		t.Fatalf("Accept of the tampered version: %v", err)
	}
}
