package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials/oid4vci"
	"github.com/loopbrug/paspoort/credentials/ppp"
)

// writeCert writes a self-signed certificate for 127.0.0.1 and its key as
// PEM files.
func writeCert(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	certFile, keyFile, pool, _ = selfSigned(t, dir)
	return certFile, keyFile, pool
}

// The command-line contract of issue 3: serve (until SIGTERM), offer,
// revoke, against the real binary.
func TestIssuerCLI(t *testing.T) {
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
		"--admin-token-file", tokenFile, "--allow-loopback", "--tls-cert", certFile, "--tls-key", keyFile, "--name", "Testbureau")
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
	if !strings.Contains(serveErr.String(), "created admin token") {
		t.Fatalf("the new admin token was not announced: %s", serveErr.String())
	}
	admin := []string{"--url", base, "--admin-token-file", tokenFile, "--cacert", certFile}

	skill, _ := ppp.Lookup("skill")
	claims := writeFile(t, dir, "skill.json", string(skill.Example()))
	out := mustCLI(t, "", append([]string{"issuer", "offer", "--type", "skill", "--claims", claims, "--tx-code", "--qr", filepath.Join(dir, "qr.png")}, admin...)...)
	var offer struct {
		OfferURI string `json:"offer_uri"`
		TxCode   string `json:"tx_code"`
	}
	if err := json.Unmarshal([]byte(out), &offer); err != nil {
		t.Fatalf("offer output %q: %v", out, err)
	}
	ref, err := oid4vci.ParseOfferURI(offer.OfferURI)
	if err != nil || ref.Offer.CredentialIssuer != base || len(offer.TxCode) != 6 {
		t.Fatalf("offer: %+v %v", offer, err)
	}
	if png, err := os.ReadFile(filepath.Join(dir, "qr.png")); err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Fatalf("QR code: %v", err)
	}
	// Without --tx-code there is no tx_code member.
	out = mustCLI(t, "", append([]string{"issuer", "offer", "--type", "skill", "--claims", claims}, admin...)...)
	if strings.Contains(out, "tx_code") {
		t.Fatalf("tx_code without --tx-code: %s", out)
	}

	// A wallet redeems the offer so there is a credential to revoke.
	form := oid4vci.TokenRequest{GrantType: oid4vci.GrantTypePreAuthorizedCode, PreAuthorizedCode: ref.Offer.Grants.PreAuthorizedCode.PreAuthorizedCode, TxCode: offer.TxCode, HasTxCode: true}
	resp, err := hc.PostForm(base+"/token", form.Form())
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("token: %v %v", resp, err)
	}
	var tok oid4vci.TokenResponse
	_ = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	resp, _ = hc.Post(base+"/nonce", "", nil)
	var nr oid4vci.NonceResponse
	_ = json.NewDecoder(resp.Body).Decode(&nr)
	resp.Body.Close()
	holder := mustCLI(t, "", "keys", "generate")
	hk, _ := readPrivateKey("holder", writeFile(t, dir, "holder.jwk", holder))
	proof, _ := oid4vci.BuildProof(hk, oid4vci.ProofOptions{Audience: base, Nonce: nr.CNonce})
	body, _ := json.Marshal(oid4vci.CredentialRequest{CredentialConfigurationID: "skill", Proofs: &oid4vci.Proofs{JWT: []string{proof}}})
	req, _ := http.NewRequest(http.MethodPost, base+"/credential", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	if resp, err = hc.Do(req); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("credential: %v %v", resp, err)
	}
	resp.Body.Close()

	var list struct {
		Credentials []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"credentials"`
	}
	_ = json.Unmarshal([]byte(mustCLI(t, "", append([]string{"issuer", "list"}, admin...)...)), &list)
	if len(list.Credentials) != 1 {
		t.Fatalf("list: %+v", list)
	}
	out = mustCLI(t, "", append([]string{"issuer", "revoke", "--id", list.Credentials[0].ID}, admin...)...)
	if !strings.Contains(out, `"status": "revoked"`) {
		t.Fatalf("revoke: %s", out)
	}

	// Bad claims: exit 1 naming the field; missing flags: exit 2.
	bad := writeFile(t, dir, "bad.json", `{"skill":"http://data.europa.eu/esco/skill/b9bb1f03-15e2-4079-943e-7e483b21725b","skill_label":"x","proficiency":9,"assessed_on":"2025-09-15","method":"assessment"}`)
	_, errOut, code := cli(t, "", append([]string{"issuer", "offer", "--type", "skill", "--claims", bad}, admin...)...)
	if code != 1 || !strings.Contains(errOut, "/proficiency") {
		t.Fatalf("bad claims: exit %d %s", code, errOut)
	}
	if _, _, code := cli(t, "", "issuer", "revoke", "--url", base); code != 2 {
		t.Fatalf("missing flags: exit %d", code)
	}
	if _, _, code := cli(t, "", append([]string{"issuer", "revoke", "--id", "nope"}, admin...)...); code != 1 {
		t.Fatalf("unknown id: exit %d", code)
	}

	// Bulk from CSV, with one bad line.
	csv := writeFile(t, dir, "cohort.csv", "type,subject_ref,tx_code,skill,skill_label,proficiency,assessed_on,method\n"+
		"skill,s-1,true,http://data.europa.eu/esco/skill/b9bb1f03-15e2-4079-943e-7e483b21725b,give constructive feedback,3,2025-09-15,assessment\n"+
		"skill,s-2,false,http://data.europa.eu/esco/skill/b9bb1f03-15e2-4079-943e-7e483b21725b,give constructive feedback,4,2025-09-15,assessment\n"+
		"skill,s-3,false,http://data.europa.eu/esco/skill/b9bb1f03-15e2-4079-943e-7e483b21725b,give constructive feedback,12,2025-09-15,assessment\n")
	out, errOut, code = cli(t, "", append([]string{"issuer", "offer", "--bulk", csv}, admin...)...)
	if code != 1 || strings.Count(out, "\n") != 3 || !strings.Contains(errOut, "3/3 offers, 1 failed") || !strings.Contains(out, `"line":4`) {
		t.Fatalf("bulk: exit %d\n%s\n%s", code, out, errOut)
	}

	// SIGTERM: graceful shutdown, exit 0.
	if err := srv.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := srv.Wait(); err != nil {
		t.Fatalf("serve after SIGTERM: %v\n%s", err, serveErr.String())
	}
	for _, secret := range []string{offer.TxCode, tok.AccessToken, ref.Offer.Grants.PreAuthorizedCode.PreAuthorizedCode} {
		if strings.Contains(serveErr.String(), secret) {
			t.Fatal("a secret appears in the issuer's logs")
		}
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
