package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/consortium"
	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/registry"
	"github.com/loopbrug/paspoort/internal/jose"
)

func httpGet(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v", url, resp.StatusCode, err)
	}
	return b
}

// TestTrustEndToEnd: a consortium is made, filled, signed and served; a
// follower pins the served key and accepts; the key is rotated and the
// follower walks on; a tampered version is refused.
func TestTrustEndToEnd(t *testing.T) {
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "reg")
	pass := writeFile(t, tmp, "pass", "een lange wachtwoordzin\n")
	profile := filepath.Join("..", "..", "verifier", "profiles", "installatiemonteur.yaml")
	d := []string{"--dir", dir}
	mustCLI(t, "", append([]string{"trust", "init", "--id", "https://register.example.nl", "--name-nl", "Proefconsortium", "--name-en", "Test consortium", "--passphrase-file", pass}, d...)...)
	mustCLI(t, "", append([]string{"trust", "add-issuer", "--id", "did:web:toets.example.nl", "--name-nl", "Toetsbureau", "--name-en", "Assessment office", "--kind", "assessor", "--types", "skill,level"}, d...)...)
	mustCLI(t, "", append([]string{"trust", "add-issuer", "--id", "https://ns.example.nl", "--name-nl", "NS", "--name-en", "NS", "--kind", "employer", "--types", "experience"}, d...)...)
	mustCLI(t, "", append([]string{"trust", "add-verifier", "--client-id", "decentralized_identifier:did:web:monteur.example.nl", "--name-nl", "Installatiebedrijf",
		"--name-en", "Installer", "--kind", "hiring", "--profile", profile, "--versions", "2026.x"}, d...)...)
	out := mustCLI(t, "", append([]string{"trust", "sign", "--passphrase-file", pass}, d...)...)
	if !strings.Contains(out, "Versie 1 ondertekend") {
		t.Fatalf("sign: %s", out)
	}
	show := mustCLI(t, "", append([]string{"trust", "show"}, d...)...)
	for _, w := range []string{"Proefconsortium", "Laatste versie: 1", "Toetsbureau — assessor", "NS — werkgever", "Installatiebedrijf — werving", "installatiemonteur"} {
		if !strings.Contains(show, w) {
			t.Errorf("show lacks %q:\n%s", w, show)
		}
	}

	var shown struct {
		Draft   consortium.Draft `json:"draft"`
		Version uint64           `json:"version"`
	}
	if err := json.Unmarshal([]byte(mustCLI(t, "", append([]string{"trust", "show", "--json"}, d...)...)), &shown); err != nil {
		t.Fatal(err)
	}
	if shown.Version != 1 || len(shown.Draft.Issuers) != 2 || len(shown.Draft.Verifiers) != 1 {
		t.Fatalf("show --json: %+v", shown)
	}
	if en := mustCLI(t, "", append([]string{"--lang", "en", "trust", "show"}, d...)...); !strings.Contains(en, "NS — employer") || !strings.Contains(en, "Latest version: 1") {
		t.Fatalf("show in English:\n%s", en)
	}

	c, err := consortium.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	h, err := consortium.NewHandler(c)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	key, err := jose.ParsePublicKey(httpGet(t, srv.URL+"/register-key.json"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := registry.NewFollower([]*jose.PublicKey{key}, registry.WithConsortium("https://register.example.nl"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := f.Accept(httpGet(t, srv.URL+"/register.jwt"), time.Now())
	if err != nil {
		t.Fatalf("Accept v1: %v", err)
	}
	if _, ok := r.IssuerAllowed("did:web:toets.example.nl", "level"); !ok {
		t.Fatal("the assessor is not allowed level")
	}
	v, ok := r.Verifier("decentralized_identifier:did:web:monteur.example.nl")
	if !ok || len(v.Profiles) != 1 || v.Profiles[0].ID != "installatiemonteur" || len(v.Profiles[0].Claims) == 0 {
		t.Fatalf("verifier entry %+v", v)
	}
	if page := string(httpGet(t, srv.URL+"/")); !strings.Contains(page, "werkgever") || !strings.Contains(page, "Installatiebedrijf") {
		t.Fatalf("page: %s", page)
	}

	// Rotate, remove a member, sign again: the follower walks v2 and v3.
	out = mustCLI(t, "", append([]string{"trust", "sign", "--rotate", "--passphrase-file", pass}, d...)...)
	if !strings.Contains(out, "Nieuwe ondertekensleutel") {
		t.Fatalf("sign --rotate: %s", out)
	}
	mustCLI(t, "", append([]string{"trust", "remove", "https://ns.example.nl"}, d...)...)
	mustCLI(t, "", append([]string{"trust", "sign", "--passphrase-file", pass}, d...)...)
	fetch := func(_ context.Context, n uint64) ([]byte, error) {
		return httpGet(t, fmt.Sprintf("%s/register/%d.jwt", srv.URL, n)), nil
	}
	r, err = f.Update(context.Background(), httpGet(t, srv.URL+"/register.jwt"), fetch, time.Now())
	if err != nil {
		t.Fatalf("Update to v3: %v", err)
	}
	if r.Version != 3 || r.KeyID == key.KeyID() {
		t.Fatalf("v3 by %s", r.KeyID)
	}
	if _, ok := r.IssuerAllowed("https://ns.example.nl", "experience"); ok {
		t.Fatal("a removed issuer is still allowed")
	}

	// A version tampered on disk: the follower refuses it.
	mustCLI(t, "", append([]string{"trust", "sign", "--passphrase-file", pass}, d...)...)
	v4 := filepath.Join(dir, "versions", "4.jwt")
	tok, err := os.ReadFile(v4)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(strings.TrimSpace(string(tok)), ".")
	payload, _ := jose.DecodeSegment(parts[1])
	forged := strings.Replace(string(payload), `"Toetsbureau"`, `"Nepbureau"`, 1)
	parts[1] = jose.EncodeSegment([]byte(forged))
	if err := os.WriteFile(v4, []byte(strings.Join(parts, ".")), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Accept(httpGet(t, srv.URL+"/register.jwt"), time.Now()); !errors.Is(err, credentials.ErrSignature) {
		t.Fatalf("Accept of a tampered v4: %v, want SIG", err)
	}
	if f.State().Version != 3 {
		t.Fatalf("state moved to %d", f.State().Version)
	}
}

func TestTrustRefuses(t *testing.T) {
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "reg")
	pass := writeFile(t, tmp, "pass", "een lange wachtwoordzin\n")
	wrong := writeFile(t, tmp, "wrong", "een andere wachtwoordzin\n")
	short := writeFile(t, tmp, "short", "kort\n")
	open := writeFile(t, tmp, "open", "een lange wachtwoordzin\n")
	if err := os.Chmod(open, 0o644); err != nil {
		t.Fatal(err)
	}
	mustCLI(t, "", "trust", "init", "--dir", dir, "--id", "https://register.example.nl", "--name-nl", "C", "--name-en", "C", "--passphrase-file", pass)
	issuer := []string{"trust", "add-issuer", "--dir", dir, "--id", "did:web:a.example", "--name-nl", "A", "--name-en", "A"}
	verifier := []string{"trust", "add-verifier", "--dir", dir, "--name-nl", "V", "--name-en", "V", "--kind", "admission"}
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr []string
	}{
		{"unknown issuer kind", append(issuer, "--kind", "beoordelaar", "--types", "skill"), exitUsage, []string{`--kind "beoordelaar"`, "assessor, employer, school, evc-provider"}},
		{"unknown issuer kind in English", append([]string{"--lang", "en"}, append(issuer, "--kind", "x", "--types", "skill")...), exitUsage, []string{"choose from: assessor"}},
		{"unknown PPP type", append(issuer, "--kind", "school", "--types", "skill,diploma"), exitUsage, []string{`"diploma" is geen PPP-type`, "learning"}},
		{"bad issuer id", []string{"trust", "add-issuer", "--dir", dir, "--id", "http://a.example", "--name-nl", "A", "--name-en", "A", "--kind", "school", "--types", "skill"}, exitUsage, []string{"--id"}},
		{"no names", []string{"trust", "add-issuer", "--dir", dir, "--id", "did:web:a.example", "--kind", "school", "--types", "skill"}, exitUsage, []string{"--name-nl"}},
		{"bare DID client_id", append(verifier, "--client-id", "did:web:v.example", "--profile", "x.yaml"), exitUsage, []string{"decentralized_identifier:did:web:v.example"}},
		{"unknown verifier kind", []string{"trust", "add-verifier", "--dir", dir, "--client-id", "decentralized_identifier:did:web:v.example", "--name-nl", "V", "--name-en", "V", "--kind", "werving", "--profile", "x.yaml"},
			exitUsage, []string{"admission, hiring, guidance"}},
		{"bad range", append(verifier, "--client-id", "decentralized_identifier:did:web:v.example", "--profile", filepath.Join("..", "..", "verifier", "profiles", "installatiemonteur.yaml"), "--versions", "~2026"),
			exitUsage, []string{"--versions", ">=1 <3"}},
		{"no folder", []string{"trust", "show", "--dir", filepath.Join(tmp, "none")}, exitRejected, []string{"FMT: in deze map staat geen consortium", "--dir"}},
		{"init twice", []string{"trust", "init", "--dir", dir, "--id", "https://x.example", "--name-nl", "C", "--name-en", "C", "--passphrase-file", pass}, exitRejected, []string{"al een consortium", "--dir"}},
		{"short passphrase", []string{"trust", "init", "--dir", filepath.Join(tmp, "r2"), "--id", "https://x.example", "--name-nl", "C", "--name-en", "C", "--passphrase-file", short}, exitRejected, []string{"te kort", "--passphrase-file"}},
		{"wrong passphrase", []string{"trust", "sign", "--dir", dir, "--passphrase-file", wrong}, exitRejected, []string{"SIG: dat is niet de wachtwoordzin", "--passphrase-file"}},
		{"wrong passphrase in English", []string{"--lang", "en", "trust", "sign", "--dir", dir, "--passphrase-file", wrong}, exitRejected, []string{"SIG: that is not the passphrase"}},
		{"readable passphrase file", []string{"trust", "sign", "--dir", dir, "--passphrase-file", open}, exitUsage, []string{"chmod 600", "--allow-insecure-secret-file"}},
		{"remove unknown", []string{"trust", "remove", "--dir", dir, "did:web:nobody.example"}, exitRejected, []string{"staat niet in het register"}},
		{"unknown subcommand", []string{"trust", "sgin"}, exitUsage, []string{"'sign'"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := cli(t, "", tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d: %s %s", code, tt.code, out, errOut)
			}
			for _, w := range tt.stderr {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q: %s", w, errOut)
				}
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "versions", "1.jwt")); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("a refused sign wrote a version")
	}
}

// TestTrustServeCommand runs "trust serve" until its context ends.
func TestTrustServeCommand(t *testing.T) {
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "reg")
	pass := writeFile(t, tmp, "pass", "een lange wachtwoordzin\n")
	mustCLI(t, "", "trust", "init", "--dir", dir, "--id", "https://register.example.nl", "--name-nl", "C", "--name-en", "C", "--passphrase-file", pass)
	mustCLI(t, "", "trust", "sign", "--dir", dir, "--passphrase-file", pass)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var stderr syncBuffer
	go func() {
		done <- runContext(ctx, []string{"trust", "serve", "--dir", dir, "--addr", addr}, strings.NewReader(""), io.Discard, &stderr)
	}()
	var body []byte
	for i := 0; i < 100; i++ {
		resp, err := http.Get("http://" + addr + "/register.jwt")
		if err == nil {
			body, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, err := jose.ParseCompact(strings.TrimSpace(string(body))); err != nil {
		t.Fatalf("served register: %v (%s)", err, stderr.String())
	}
	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Fatalf("serve exit %d: %s", code, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
}
