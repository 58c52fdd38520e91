package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loopbrug/paspoort/internal/jose"
)

// TestIssuerX5CChainCommands: "issuer key" writes the public key the
// issuer signs with (the same on every call, no private part); "pki issue
// --key" certifies it; "issuer serve --x5c-chain" with the chain of another
// key refuses to start with TRUST, naming the commands that fix it.
func TestIssuerX5CChainCommands(t *testing.T) {
	tmp := t.TempDir()
	anchor, data, keyFile := keyForCertificate(t, tmp, "issuer")
	const url = "https://127.0.0.1:8443"
	mustCLI(t, "", "pki", "issue", "--dir", anchor, "--uri", url, "--key", keyFile, "--out", filepath.Join(tmp, "good"))
	mustCLI(t, "", "pki", "issue", "--dir", anchor, "--uri", url, "--out", filepath.Join(tmp, "other"))

	tokenFile := filepath.Join(tmp, "admin.token")
	_, errOut, code := cli(t, "", "--lang", "en", "issuer", "serve", "--data", data, "--listen", "127.0.0.1:0", "--url", url,
		"--admin-token-file", tokenFile, "--allow-loopback", "--x5c-chain", filepath.Join(tmp, "other.chain.pem"))
	if code == 0 || !strings.Contains(errOut, "TRUST") || !strings.Contains(errOut, "paspoort issuer key --data "+data) ||
		!strings.Contains(errOut, "pki issue") {
		t.Fatalf("serve with the chain of another key: exit %d: %s", code, errOut)
	}
	_, errOut, code = cli(t, "", "--lang", "en", "issuer", "serve", "--data", data, "--listen", "127.0.0.1:0", "--url", url,
		"--admin-token-file", tokenFile, "--allow-loopback", "--x5c-chain", keyFile)
	if code == 0 || !strings.Contains(errOut, "--x5c-chain") {
		t.Fatalf("serve with a JWK as chain: exit %d: %s", code, errOut)
	}
}

// keyForCertificate makes a pki anchor in tmp/pki and a role ("issuer" or
// "verifier") with data in tmp/role, and writes the public key the role
// signs with, as "role key" prints it, to tmp/role-key.jwk. It checks
// that the key file has no private part and that the command names the
// same key every time. It returns the anchor's and the role's folders and
// the key file.
func keyForCertificate(t *testing.T, tmp, role string) (anchor, data, keyFile string) {
	t.Helper()
	anchor, data = filepath.Join(tmp, "pki"), filepath.Join(tmp, role)
	mustCLI(t, "", "pki", "init", "--dir", anchor)
	keyFile = filepath.Join(tmp, role+"-key.jwk")
	mustCLI(t, "", role, "key", "--data", data, "--out", keyFile)
	b, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	k, err := jose.ParsePublicKey(b)
	if err != nil || strings.Contains(string(b), `"d"`) {
		t.Fatalf("%s key: %s %v", role, b, err)
	}
	again, err := jose.ParsePublicKey([]byte(mustCLI(t, "", role, "key", "--data", data)))
	if err != nil || !again.Equal(k) {
		t.Fatalf("%s key a second time: another key (%v)", role, err)
	}
	return anchor, data, keyFile
}
