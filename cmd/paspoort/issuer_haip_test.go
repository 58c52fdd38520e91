package main

import (
	"crypto/tls"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials/oid4vci"
	"github.com/loopbrug/paspoort/credentials/ppp"
)

// TestIssuerHAIPCLI: "issuer serve --require-dpop" refuses a token request
// without a DPoP proof, and "issuer offer --grant authorization_code"
// makes an offer with the authorization_code grant (issuer_state, no
// pre-authorized code); the AS metadata names PAR and the authorization
// endpoint. Against the real binary.
func TestIssuerHAIPCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "paspoort")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	certFile, keyFile, pool := writeCert(t, dir)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	base := "https://" + addr
	tokenFile := filepath.Join(dir, "admin.token")
	serveErr := &syncBuffer{}
	srv := exec.Command(bin, "issuer", "serve", "--data", filepath.Join(dir, "data"), "--listen", addr, "--url", base,
		"--admin-token-file", tokenFile, "--allow-loopback", "--tls-cert", certFile, "--tls-key", keyFile, "--require-dpop")
	srv.Stderr = serveErr
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Process.Kill()
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 5 * time.Second}
	for i := 0; ; i++ {
		resp, err := hc.Get(base + "/readyz")
		if err == nil && resp.StatusCode == http.StatusOK {
			resp.Body.Close()
			break
		}
		if i == 100 {
			t.Fatalf("issuer did not start: %v\n%s", err, serveErr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	admin := []string{"--url", base, "--admin-token-file", tokenFile, "--cacert", certFile}
	skill, _ := ppp.Lookup("skill")
	claims := writeFile(t, dir, "skill.json", string(skill.Example()))

	out := mustCLI(t, "", append([]string{"issuer", "offer", "--type", "skill", "--claims", claims, "--tx-code", "--grant", "authorization_code"}, admin...)...)
	var offer struct {
		OfferURI string `json:"offer_uri"`
		Grant    string `json:"grant"`
	}
	if err := json.Unmarshal([]byte(out), &offer); err != nil {
		t.Fatalf("offer output %q: %v", out, err)
	}
	ref, err := oid4vci.ParseOfferURI(offer.OfferURI)
	if err != nil || offer.Grant != "authorization_code" || ref.Offer.Grants.AuthorizationCode == nil || ref.Offer.Grants.AuthorizationCode.IssuerState == "" || ref.Offer.Grants.PreAuthorizedCode != nil {
		t.Fatalf("offer: %s %v", out, err)
	}
	if _, errOut, code := cli(t, "", append([]string{"issuer", "offer", "--type", "skill", "--claims", claims, "--grant", "implicit"}, admin...)...); code == 0 || !strings.Contains(errOut, "--grant") {
		t.Fatalf("--grant implicit: code %d, %s", code, errOut)
	}

	// --require-client-attestation without anchors, and anchors that are no
	// PEM, are refused before the issuer starts.
	d2 := t.TempDir()
	serveArgs := []string{"issuer", "serve", "--data", d2, "--listen", "127.0.0.1:0", "--url", "https://127.0.0.1:1", "--admin-token-file", filepath.Join(d2, "t"), "--allow-loopback"}
	if _, errOut, code := cli(t, "", append(serveArgs, "--require-key-attestation")...); code == 0 || !strings.Contains(errOut, "--client-attestation-anchors") {
		t.Fatalf("--require-key-attestation without anchors: exit %d: %s", code, errOut)
	}
	if _, errOut, code := cli(t, "", append(serveArgs, "--require-client-attestation")...); code == 0 || !strings.Contains(errOut, "--client-attestation-anchors") {
		t.Fatalf("--require-client-attestation alone: %d %s", code, errOut)
	}
	if _, errOut, code := cli(t, "", append(serveArgs, "--client-attestation-anchors", claims)...); code == 0 || !strings.Contains(errOut, "--client-attestation-anchors") {
		t.Fatalf("anchors that are no PEM: %d %s", code, errOut)
	}

	resp, err := hc.Get(base + oid4vci.WellKnownAuthorizationServer)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var as map[string]any
	if err := json.Unmarshal(b, &as); err != nil || as["pushed_authorization_request_endpoint"] != base+"/par" || as["authorization_endpoint"] != base+"/authorize" || as["require_pushed_authorization_requests"] != true {
		t.Fatalf("AS metadata: %s", b)
	}

	// A pre-authorized offer; its token request without DPoP is refused.
	out = mustCLI(t, "", append([]string{"issuer", "offer", "--type", "skill", "--claims", claims}, admin...)...)
	if err := json.Unmarshal([]byte(out), &offer); err != nil {
		t.Fatal(err)
	}
	ref, _ = oid4vci.ParseOfferURI(offer.OfferURI)
	f := url.Values{"grant_type": {oid4vci.GrantTypePreAuthorizedCode}, "pre-authorized_code": {ref.Offer.Grants.PreAuthorizedCode.PreAuthorizedCode}}
	resp, err = hc.PostForm(base+"/token", f)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), `"invalid_dpop_proof"`) || resp.Header.Get("DPoP-Nonce") == "" {
		t.Fatalf("token without DPoP under --require-dpop: %d %s", resp.StatusCode, b)
	}
}
