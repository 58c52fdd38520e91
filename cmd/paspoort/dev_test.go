package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials/oid4vci"
	"github.com/loopbrug/paspoort/devstack"
)

// freeBasePort returns a port p such that p … p+devstack.Ports-1 were free
// a moment ago.
func freeBasePort(t *testing.T) int {
	t.Helper()
	for range 50 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		base := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if base > 65535-devstack.Ports {
			continue
		}
		ok := true
		var ls []net.Listener
		for i := range devstack.Ports {
			l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(base+i))
			if err != nil {
				ok = false
				break
			}
			ls = append(ls, l)
		}
		for _, l := range ls {
			l.Close()
		}
		if ok {
			return base
		}
	}
	t.Fatal("no consecutive free ports")
	return 0
}

// devRun is one `paspoort dev` running in-process.
type devRun struct {
	out    *lockedBuffer
	cancel context.CancelFunc
	done   chan int
}

// startDev runs `paspoort dev` in-process until it prints that it is
// ready.
func startDev(t *testing.T, args ...string) *devRun {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &devRun{out: &lockedBuffer{}, cancel: cancel, done: make(chan int, 1)}
	errOut := &lockedBuffer{}
	go func() {
		r.done <- runContext(ctx, append([]string{"dev"}, args...), strings.NewReader(""), r.out, errOut)
	}()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(r.out.String(), "paspoort dev: ready") {
		select {
		case code := <-r.done:
			t.Fatalf("dev exited with %d: %s %s", code, r.out.String(), errOut.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("dev not ready: %s", r.out.String())
		}
	}
	t.Cleanup(func() { r.stop(t) })
	return r
}

// stop ends the run as SIGINT would and checks that it stopped cleanly.
func (r *devRun) stop(t *testing.T) {
	t.Helper()
	if r.cancel == nil {
		return
	}
	r.cancel()
	r.cancel = nil
	select {
	case code := <-r.done:
		if code != 0 {
			t.Errorf("dev exit %d: %s", code, r.out.String())
		}
		if !strings.Contains(r.out.String(), "paspoort dev: stopped") {
			t.Errorf("no clean stop: %s", r.out.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("dev did not stop")
	}
}

// field returns the first submatch of re in the output.
func (r *devRun) field(t *testing.T, re string) string {
	t.Helper()
	m := regexp.MustCompile(re).FindStringSubmatch(r.out.String())
	if m == nil {
		t.Fatalf("output lacks %s:\n%s", re, r.out.String())
	}
	return m[1]
}

func devClient(t *testing.T, data string) *http.Client {
	t.Helper()
	pem, err := os.ReadFile(filepath.Join(data, "tls", "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatal("ca.pem holds no certificate")
	}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

func httpDo(t *testing.T, hc *http.Client, method, u, token string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

// paspoort dev serves every organisation on fixed ports from --base-port,
// prints the URLs and tokens, answers every health endpoint over https with
// the dev CA, stops cleanly, keeps its data across a restart (tokens,
// issuer DID keys, offers, the wallet) and starts clean with --reset.
func TestDevCommand(t *testing.T) {
	data := filepath.Join(t.TempDir(), "dev")
	base := freeBasePort(t)
	args := []string{"--data", data, "--base-port", strconv.Itoa(base)}
	r := startDev(t, args...)
	hc := devClient(t, data)

	walletURL := r.field(t, `Wallet of Miranda.*\n\s+(http://127\.0\.0\.1:\d+)`)
	if walletURL != fmt.Sprintf("http://127.0.0.1:%d", base) {
		t.Errorf("wallet URL %s, want the base port %d", walletURL, base)
	}
	assessURL := r.field(t, `assessment\s+Assessment Centrum Loopbrug\s+(https://\S+)`)
	if assessURL != fmt.Sprintf("https://127.0.0.1:%d", base+1) {
		t.Errorf("assessment URL %s", assessURL)
	}
	r.field(t, `school\s+Stedelijk College Domstad\s+(https://127\.0\.0\.1:`+strconv.Itoa(base+9)+`)`)
	token := r.field(t, `types: talent.*\n\s+admin token: (\S+)`)
	pass := r.field(t, `passphrase: (\S+)`)
	health := strings.Fields(r.field(t, `Health: (.*)`))
	if len(health) != devstack.Ports-1 { // the wallet provider runs with --profile haip only
		t.Fatalf("health URLs: %v", health)
	}
	for _, u := range health {
		if code, b := httpDo(t, hc, "GET", u, "", nil); code != http.StatusOK {
			t.Errorf("GET %s: %d %s", u, code, b)
		}
	}
	for _, u := range []string{fmt.Sprintf("https://127.0.0.1:%d/profiles/tweedegraads-lerarenopleiding", base+8),
		fmt.Sprintf("https://127.0.0.1:%d/profiles/docent-leerwerktraject", base+9)} {
		if code, b := httpDo(t, hc, "GET", u, "", nil); code != http.StatusOK {
			t.Errorf("GET %s: %d %s", u, code, b)
		}
	}
	_, did1 := httpDo(t, hc, "GET", assessURL+"/.well-known/did.json", "", nil)
	code, b := httpDo(t, hc, "POST", assessURL+"/admin/offers", token, map[string]any{"type": "level", "claims": json.RawMessage(mustCLI(t, "", "ppp", "example", "level"))})
	if code != http.StatusOK && code != http.StatusCreated {
		t.Fatalf("offer: %d %s", code, b)
	}
	var offer struct {
		CredentialOfferURI string `json:"credential_offer_uri"`
	}
	if err := json.Unmarshal(b, &offer); err != nil || offer.CredentialOfferURI == "" {
		t.Fatalf("offer: %v %s", err, b)
	}
	walletID := unlockWallet(t, walletURL, pass, http.StatusOK)
	r.stop(t)

	// Restart: the same tokens, keys, offer and wallet.
	r = startDev(t, args...)
	if got := r.field(t, `types: talent.*\n\s+admin token: (\S+)`); got != token {
		t.Error("admin token changed across a restart")
	}
	if _, did2 := httpDo(t, hc, "GET", assessURL+"/.well-known/did.json", "", nil); !bytes.Equal(did1, did2) {
		t.Error("issuer DID document changed across a restart")
	}
	if code, b := httpDo(t, hc, "GET", offer.CredentialOfferURI, "", nil); code != http.StatusOK {
		t.Errorf("offer after restart: %d %s", code, b)
	}
	if id := unlockWallet(t, walletURL, pass, http.StatusOK); id != walletID {
		t.Errorf("wallet id %s after restart, want %s", id, walletID)
	}
	r.stop(t)

	// --reset: a clean start.
	r = startDev(t, append(args, "--reset")...)
	if r.field(t, `types: talent.*\n\s+admin token: (\S+)`) == token {
		t.Error("--reset kept the admin token")
	}
	if code, _ := httpDo(t, devClient(t, data), "GET", offer.CredentialOfferURI, "", nil); code == http.StatusOK {
		t.Error("--reset kept the offer")
	}
	unlockWallet(t, walletURL, pass, http.StatusUnauthorized)
	r.stop(t)

	// --reset refuses a folder that is not a dev folder.
	other := t.TempDir()
	writeFile(t, other, "precious.txt", "keep me")
	if _, errOut, code := cli(t, "", "dev", "--data", other, "--reset", "--base-port", strconv.Itoa(base)); code != exitRejected || !strings.Contains(errOut, "not empty") {
		t.Errorf("--reset on a foreign folder: %d %s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(other, "precious.txt")); err != nil {
		t.Error("--reset removed a foreign folder")
	}
}

// unlockWallet unlocks the dev wallet over its API and returns its id.
func unlockWallet(t *testing.T, walletURL, pass string, want int) string {
	t.Helper()
	code, b := httpDo(t, http.DefaultClient, "POST", walletURL+"/api/unlock", "", map[string]string{"passphrase": pass})
	if code != want {
		t.Fatalf("unlock: %d %s", code, b)
	}
	var res struct {
		WalletID string `json:"wallet_id"`
	}
	_ = json.Unmarshal(b, &res)
	return res.WalletID
}

// paspoort dev --profile haip: the HAIP section names the anchor file and
// the wallet provider, every service (the provider too) answers its health
// endpoint, and the issuers' authorization server metadata asks for DPoP,
// PAR and wallet attestations.
func TestDevCommandHAIP(t *testing.T) {
	data := filepath.Join(t.TempDir(), "dev")
	base := freeBasePort(t)
	r := startDev(t, "--data", data, "--base-port", strconv.Itoa(base), "--profile", "haip")
	hc := devClient(t, data)
	anchor := r.field(t, `HAIP profile \(X\.509\)\n\s+(\S+anchor\.pem)`)
	if _, err := os.Stat(anchor); err != nil {
		t.Fatalf("anchor file: %v", err)
	}
	provider := r.field(t, `(https://127\.0\.0\.1:\d+)\s+the wallet provider`)
	if provider != fmt.Sprintf("https://127.0.0.1:%d", base+devstack.Ports-1) {
		t.Errorf("wallet provider at %s, want the last port", provider)
	}
	health := strings.Fields(r.field(t, `Health: (.*)`))
	if len(health) != devstack.Ports {
		t.Fatalf("health URLs: %v", health)
	}
	for _, u := range health {
		if code, b := httpDo(t, hc, "GET", u, "", nil); code != http.StatusOK {
			t.Errorf("GET %s: %d %s", u, code, b)
		}
	}
	code, b := httpDo(t, hc, "GET", fmt.Sprintf("https://127.0.0.1:%d/.well-known/oauth-authorization-server", base+1), "", nil)
	var as oid4vci.AuthorizationServerMetadata
	if code != http.StatusOK || json.Unmarshal(b, &as) != nil {
		t.Fatalf("AS metadata: %d %s", code, b)
	}
	if !as.RequirePushedAuthorizationRequests || len(as.DPoPSigningAlgValuesSupported) == 0 || !slices.Equal(as.TokenEndpointAuthMethodsSupported, []string{"attest_jwt_client_auth"}) {
		t.Errorf("AS metadata of a HAIP issuer: %s", b)
	}
}
