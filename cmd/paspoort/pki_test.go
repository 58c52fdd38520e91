package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials/pki"
	"github.com/loopbrug/paspoort/internal/jose"
)

// TestPKICommands: an anchor limited to example.org is made; a leaf for a
// host inside it is issued (new key, and an existing JWK) and verifies to
// the anchor with the printed x509_hash; each mistake is refused naming
// the flag that fixes it, and writes nothing.
func TestPKICommands(t *testing.T) {
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "anchor")
	out := mustCLI(t, "", "pki", "init", "--dir", dir, "--name-constraint", "example.org")
	if !strings.Contains(out, "Ontwikkelanker gemaakt") {
		t.Fatalf("init: %s", out)
	}
	fi, err := os.Stat(filepath.Join(dir, pkiKeyFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("anchor key mode %v, %v", fi.Mode().Perm(), err)
	}
	anchorPEM, err := os.ReadFile(filepath.Join(dir, pkiAnchorFile))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(anchorPEM), "PRIVATE") {
		t.Fatal("anchor.pem holds a private key")
	}
	anchors, err := pki.ParseAnchorsPEM(anchorPEM)
	if err != nil {
		t.Fatal(err)
	}

	prefix := filepath.Join(tmp, "school")
	out = mustCLI(t, "", "--lang", "en", "pki", "issue", "--dir", dir, "--dns", "school.example.org", "--uri", "https://school.example.org/issuer", "--out", prefix)
	chain, err := os.ReadFile(prefix + ".chain.pem")
	if err != nil {
		t.Fatal(err)
	}
	certs, err := pki.ParseChainPEM(chain)
	if err != nil || len(certs) != 1 {
		t.Fatalf("chain: %d, %v", len(certs), err)
	}
	v, err := anchors.Verify(certs, time.Now())
	if err != nil {
		t.Fatalf("issued leaf does not verify: %v", err)
	}
	if !strings.Contains(out, "x509_hash: "+pki.X509Hash(v.Leaf)) || !strings.Contains(out, "Key: ") {
		t.Fatalf("issue output: %s", out)
	}
	keyPEM, err := os.ReadFile(prefix + ".key.pem")
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(prefix + ".key.pem"); fi.Mode().Perm() != 0o600 {
		t.Fatalf("leaf key mode %v", fi.Mode().Perm())
	}
	k, err := pki.ParseKeyPEM(keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	if pk, _ := jose.NewPublicKey(k.Public()); !pk.Equal(v.Key) {
		t.Fatal("the key written is not the key certified")
	}

	// An existing JWK (an issuer's signing key) is certified as it is.
	jwk, err := jose.GenerateKey(jose.ES256)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := jwk.Public().MarshalJSON()
	jwkPath := writeFile(t, tmp, "issuer.jwk", string(b))
	mustCLI(t, "", "pki", "issue", "--dir", dir, "--dns", "toets.example.org", "--key", jwkPath, "--out", filepath.Join(tmp, "toets"))
	certs, err = pki.ParseChainPEM([]byte(mustRead(t, filepath.Join(tmp, "toets.chain.pem"))))
	if err != nil {
		t.Fatal(err)
	}
	if v, err := anchors.Verify(certs, time.Now()); err != nil || !v.Key.Equal(jwk.Public()) {
		t.Fatalf("certified JWK: %v", err)
	}
	if _, err := os.Stat(filepath.Join(tmp, "toets.key.pem")); err == nil {
		t.Fatal("a key file was written for --key")
	}

	ed, _ := jose.GenerateKey(jose.EdDSA)
	b, _ = ed.Public().MarshalJSON()
	edPath := writeFile(t, tmp, "ed.jwk", string(b))
	loose := filepath.Join(tmp, "loose")
	mustCLI(t, "", "pki", "init", "--dir", loose)
	if err := os.Chmod(filepath.Join(loose, pkiKeyFile), 0o644); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name     string
		args     []string
		code     int
		want     string
		noneMade string
	}{
		{name: "init without --dir", args: []string{"pki", "init"}, code: exitUsage, want: "--dir is required"},
		{name: "init over an anchor", args: []string{"pki", "init", "--dir", dir}, code: exitUsage, want: "Choose another --dir"},
		{name: "bad name constraint", args: []string{"pki", "init", "--dir", filepath.Join(tmp, "bad"), "--name-constraint", "*.example.org"}, code: exitRejected, want: "FMT: a --name-constraint", noneMade: filepath.Join(tmp, "bad", pkiKeyFile)},
		{name: "issue without --out", args: []string{"pki", "issue", "--dir", dir, "--dns", "a.example.org"}, code: exitUsage, want: "--out is required"},
		{name: "issue without a name", args: []string{"pki", "issue", "--dir", dir, "--out", filepath.Join(tmp, "x")}, code: exitUsage, want: "--dns or --uri"},
		{name: "issue without an anchor", args: []string{"pki", "issue", "--dir", tmp, "--dns", "a.example.org", "--out", filepath.Join(tmp, "y")}, code: exitUsage, want: "paspoort pki init --dir"},
		{name: "name outside the constraint", args: []string{"pki", "issue", "--dir", dir, "--dns", "evil.test", "--out", filepath.Join(tmp, "evil")}, code: exitRejected, want: "TRUST: the anchor in --dir may not certify", noneMade: filepath.Join(tmp, "evil.chain.pem")},
		{name: "wildcard name", args: []string{"pki", "issue", "--dir", dir, "--dns", "*.example.org", "--out", filepath.Join(tmp, "wild")}, code: exitRejected, want: "FMT: --dns must be a DNS name", noneMade: filepath.Join(tmp, "wild.key.pem")},
		{name: "over an existing chain", args: []string{"pki", "issue", "--dir", dir, "--dns", "school.example.org", "--out", prefix}, code: exitUsage, want: "Choose another --out"},
		{name: "EdDSA key", args: []string{"pki", "issue", "--dir", dir, "--dns", "a.example.org", "--key", edPath, "--out", filepath.Join(tmp, "ed")}, code: exitUsage, want: "--key must be an ES256", noneMade: filepath.Join(tmp, "ed.chain.pem")},
		{name: "anchor key readable by others", args: []string{"pki", "issue", "--dir", loose, "--dns", "a.example.org", "--out", filepath.Join(tmp, "l")}, code: exitUsage, want: "chmod 600", noneMade: filepath.Join(tmp, "l.chain.pem")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errOut, code := cli(t, "", append([]string{"--lang", "en"}, tt.args...)...)
			if code != tt.code || !strings.Contains(errOut, tt.want) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", code, errOut, tt.code, tt.want)
			}
			if strings.Contains(errOut, "PRIVATE KEY") || strings.Contains(errOut, "MII") {
				t.Fatalf("stderr shows key material: %s", errOut)
			}
			if tt.noneMade != "" {
				if _, err := os.Stat(tt.noneMade); err == nil {
					t.Fatalf("%s was written", tt.noneMade)
				}
			}
		})
	}
	// Dutch by default.
	if _, errOut, _ := cli(t, "", "pki", "issue", "--dir", dir, "--dns", "evil.test", "--out", filepath.Join(tmp, "evil")); !strings.Contains(errOut, "TRUST: het anker in --dir mag deze naam niet certificeren") {
		t.Fatalf("Dutch: %s", errOut)
	}
}
