package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials/did"
	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/credentials/sdjwtvc"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/loopbacktls"
	"github.com/loopbrug/paspoort/verifier"
)

// selfSigned writes a self-signed ECDSA certificate for 127.0.0.1 and its
// key as PEM files in dir and returns their paths and a pool trusting it.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool, cert *x509.Certificate) {
	t.Helper()
	c, err := loopbacktls.New()
	if err != nil {
		t.Fatal(err)
	}
	if certFile, keyFile, err = c.WriteFiles(dir); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile, c.Pool, c.Leaf
}

// testCredentials issues the six PPP example credentials from a did:jwk
// issuer to a fresh holder key.
func testCredentials(t *testing.T) (iss string, holder *jose.PrivateKey, creds []string) {
	t.Helper()
	ik, _ := jose.GenerateKey(jose.ES256)
	iss, _ = did.JWKFromKey(ik.Public())
	ik = ik.WithKeyID(iss + "#0")
	holder, _ = jose.GenerateKey(jose.ES256)
	for _, typ := range []string{"level", "goal", "skill", "learning", "talent", "agility"} {
		tp, _ := ppp.Lookup(typ)
		var claims map[string]any
		json.Unmarshal(tp.Example(), &claims)
		c, err := sdjwtvc.Issue(ik, sdjwtvc.Credential{Issuer: iss, VCT: tp.VCT, HolderKey: holder.Public(),
			IssuedAt: time.Now().Add(-time.Hour), Expires: time.Now().Add(time.Hour), Claims: claims})
		if err != nil {
			t.Fatal(err)
		}
		creds = append(creds, c)
	}
	return iss, holder, creds
}

// startServe runs `verifier serve` with args in process until the test
// ends, waits until client gets 200 from base/health, and returns the
// server's log.
func startServe(t *testing.T, client *http.Client, base string, args ...string) *lockedBuffer {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	var out, errb lockedBuffer
	exited := make(chan int, 1)
	go func() {
		exited <- runContext(ctx, append([]string{"verifier", "serve"}, args...), strings.NewReader(""), &out, &errb)
	}()
	t.Cleanup(func() {
		stop()
		select {
		case code := <-exited:
			if code != exitOK {
				t.Errorf("serve exited %d: %s", code, errb.String())
			}
		case <-time.After(15 * time.Second):
			t.Error("serve did not stop")
		}
	})
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case code := <-exited:
			t.Fatalf("serve exited %d: %s", code, errb.String())
		default:
		}
		if resp, err := client.Get(base + "/health"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return &errb
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("serve not healthy: %s", errb.String())
	return nil
}

// decisionOf runs `verifier request`, presents, and returns the decision
// printed by `verifier result`.
func decisionOf(t *testing.T, roots *x509.CertPool, holder *jose.PrivateKey, creds []string, admin ...string) map[string]any {
	t.Helper()
	cli := func(args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		code := run(args, strings.NewReader(""), &out, &errb)
		return out.String(), errb.String(), code
	}
	out, errs, code := cli(append([]string{"verifier", "request", "--profile", "tweedegraads-lerarenopleiding"}, admin...)...)
	if code != exitOK {
		t.Fatalf("request: exit %d: %s", code, errs)
	}
	var req struct {
		TransactionID string `json:"transaction_id"`
		RequestURI    string `json:"request_uri"`
	}
	if err := json.Unmarshal([]byte(out), &req); err != nil {
		t.Fatalf("request output %q: %v", out, err)
	}
	presentOID4VPWith(t, roots, req.RequestURI, holder, creds)
	out, errs, code = cli(append([]string{"verifier", "result", "--transaction", req.TransactionID, "--wait", "5s"}, admin...)...)
	if code != exitOK {
		t.Fatalf("result: exit %d: %s", code, errs)
	}
	var d map[string]any
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatal(err)
	}
	return d
}

func requirementStatus(d map[string]any, id string) string {
	rs, _ := d["requirements"].([]any)
	for _, r := range rs {
		m, _ := r.(map[string]any)
		if m["id"] == id {
			s, _ := m["status"].(string)
			return s
		}
	}
	return ""
}

// TestVerifierServeTLS: `verifier serve --tls-cert --tls-key` speaks https
// itself with the given certificate (generated here, self-signed for
// 127.0.0.1): the verifier is the decentralized_identifier client of its
// did:web, whose document it serves over that TLS; `verifier request` and
// `result` reach it with --cacert, a wallet resolves the did:web and
// verifies the signed request object, and plain HTTP gets no service.
func TestVerifierServeTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool, cert := selfSigned(t, dir)
	iss, holder, creds := testCredentials(t)
	trust, _ := json.Marshal(map[string]any{"issuers": []any{map[string]any{"id": iss, "types": ppp.Names()}}})
	trustFile, tokenFile := filepath.Join(dir, "trust.json"), filepath.Join(dir, "admin-token")
	os.WriteFile(trustFile, trust, 0o600)
	os.WriteFile(tokenFile, []byte("tls-admin-token-0123456789\n"), 0o600)
	addr := freeAddr(t)
	base := "https://" + addr
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 10 * time.Second}
	startServe(t, client, base, "--data", filepath.Join(dir, "data"), "--listen", addr, "--url", base,
		"--admin-token-file", tokenFile, "--trust", trustFile, "--allow-loopback", "--tls-cert", certFile, "--tls-key", keyFile)

	resp, err := client.Get(base + "/.well-known/did.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		ID string `json:"id"`
	}
	json.NewDecoder(resp.Body).Decode(&doc)
	resp.Body.Close()
	if resp.TLS == nil || !resp.TLS.PeerCertificates[0].Equal(cert) || resp.TLS.Version < tls.VersionTLS12 {
		t.Fatal("not served with the given certificate over TLS 1.2+")
	}
	if _, port, _ := net.SplitHostPort(addr); doc.ID != "did:web:127.0.0.1%3A"+port {
		t.Fatalf("DID document %q", doc.ID)
	}
	// Plain HTTP on the same port is no service.
	if resp, err := http.Get("http://" + addr + "/health"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Fatal("plain HTTP answered")
		}
	}
	// Without --cacert the admin client does not trust the certificate.
	var out, errb bytes.Buffer
	if code := run([]string{"verifier", "request", "--url", base, "--admin-token-file", tokenFile, "--profile", "tweedegraads-lerarenopleiding"},
		strings.NewReader(""), &out, &errb); code != exitRejected || !strings.Contains(errb.String(), "certificate") {
		t.Fatalf("request without --cacert: exit %d: %s", code, errb.String())
	}
	d := decisionOf(t, pool, holder, creds, "--url", base, "--admin-token-file", tokenFile, "--cacert", certFile)
	if d["outcome"] != "accepted" || requirementStatus(d, "werk-en-denkniveau") != "met" {
		t.Fatalf("decision %v", d)
	}
}

// trustListHost publishes a signed consortium trust list over TLS on
// 127.0.0.1 and returns its URL, the CA certificate file of its TLS
// certificate, and the consortium's key.
func trustListHost(t *testing.T, dir, iss string, issuers ...verifier.TrustedIssuer) (string, string, *jose.PrivateKey) {
	t.Helper()
	key, _ := jose.GenerateKey(jose.ES256)
	now := time.Now()
	b, _ := json.Marshal(map[string]any{"iss": iss, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "issuers": issuers})
	tok, err := jose.Sign(key, verifier.TrustListType, nil, b)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/trust-list.jwt" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/jwt")
		w.Write([]byte(tok))
	}))
	t.Cleanup(srv.Close)
	ca := filepath.Join(dir, "consortium-ca.pem")
	os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600)
	return srv.URL + "/trust-list.jwt", ca, key
}

// TestVerifierServeTrustURL: `verifier serve --trust-url URL
// --trust-issuer-key JWK` decides on a consortium's signed trust list
// fetched over https (its private CA given by --ca-cert): an issuer the
// list accredits is trusted end to end. Exactly one of --trust and
// --trust-url is accepted; a list signed by another key, or the wrong
// iss, stops the start (fail closed).
func TestVerifierServeTrustURL(t *testing.T) {
	dir := t.TempDir()
	iss, holder, creds := testCredentials(t)
	const consortium = "https://loopbrug-utrecht.example"
	listURL, caFile, key := trustListHost(t, dir, consortium, verifier.TrustedIssuer{ID: iss, Types: ppp.Names()})
	pub, _ := json.Marshal(key.Public())
	keyFile := filepath.Join(dir, "consortium.jwk")
	os.WriteFile(keyFile, pub, 0o600)
	other, _ := jose.GenerateKey(jose.ES256)
	otherPub, _ := json.Marshal(other.Public())
	otherFile := filepath.Join(dir, "other.jwk")
	os.WriteFile(otherFile, otherPub, 0o600)
	tokenFile, trustFile := filepath.Join(dir, "admin-token"), filepath.Join(dir, "trust.json")
	os.WriteFile(tokenFile, []byte("trust-admin-token-0123456789\n"), 0o600)
	os.WriteFile(trustFile, []byte(`{"issuers":[]}`), 0o600)

	common := func(addr string) []string {
		return []string{"verifier", "serve", "--data", filepath.Join(dir, "data-"+strings.ReplaceAll(addr, ":", "_")), "--listen", addr, "--url", "http://" + addr,
			"--admin-token-file", tokenFile, "--allow-loopback", "--client-id-prefix", "redirect_uri", "--ca-cert", caFile}
	}
	for _, tc := range []struct {
		name     string
		args     []string
		code     int
		contains string
	}{
		{"both --trust and --trust-url", []string{"--trust", trustFile, "--trust-url", listURL, "--trust-issuer-key", keyFile}, exitUsage, "not both"},
		{"neither --trust nor --trust-url nor --register", nil, exitUsage, "say whom to trust"},
		{"--register without its key", []string{"--register", "https://register.example/register.jwt"}, exitUsage, "--register-key"},
		{"--register over http", []string{"--register", "http://register.example/register.jwt", "--register-key", keyFile}, exitUsage, "https"},
		{"--trust-url without --trust-issuer-key", []string{"--trust-url", listURL}, exitUsage, "--trust-issuer-key"},
		{"--trust-issuer-key without --trust-url", []string{"--trust", trustFile, "--trust-issuer-key", keyFile}, exitUsage, "go with --trust-url"},
		{"list signed by another key", []string{"--trust-url", listURL, "--trust-issuer-key", otherFile}, exitRejected, "--trust-url"},
		{"list of another consortium", []string{"--trust-url", listURL, "--trust-issuer-key", keyFile, "--trust-issuer", "https://elsewhere.example"}, exitRejected, "another publisher"},
		{"--tls-cert without --tls-key", []string{"--trust", trustFile, "--tls-cert", caFile}, exitUsage, "go together"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(append(common(freeAddr(t)), tc.args...), strings.NewReader(""), &out, &errb)
			if code != tc.code || !strings.Contains(errb.String(), tc.contains) {
				t.Fatalf("exit %d (want %d): %s", code, tc.code, errb.String())
			}
		})
	}

	addr := freeAddr(t)
	base := "http://" + addr
	log := startServe(t, http.DefaultClient, base, append(common(addr)[2:], "--trust-url", listURL, "--trust-issuer-key", keyFile, "--trust-issuer", consortium)...)
	d := decisionOf(t, nil, holder, creds, "--url", base, "--admin-token-file", tokenFile)
	if d["outcome"] != "accepted" || requirementStatus(d, "werk-en-denkniveau") != "met" {
		t.Fatalf("decision %v", d)
	}
	if !strings.Contains(log.String(), `"remote_trust":true`) {
		t.Fatalf("log %s", log.String())
	}
}
