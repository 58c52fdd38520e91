package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestAnchorFlags: --trust-anchors (verifier serve) and --issuer-anchors
// (wallet receive) take a PEM file of CA certificates; anything else is a
// usage error that names the flag, and --require-anchored-issuers needs
// --trust-anchors.
func TestAnchorFlags(t *testing.T) {
	tmp := t.TempDir()
	mustCLI(t, "", "pki", "init", "--dir", filepath.Join(tmp, "pki"))
	notPEM := writeFile(t, tmp, "anchors.txt", "not a certificate")
	token := writeFile(t, tmp, "admin.token", "a-long-admin-token-0123456789")
	serve := []string{"--lang", "en", "verifier", "serve", "--data", filepath.Join(tmp, "v"), "--listen", "127.0.0.1:0",
		"--url", "https://127.0.0.1:1", "--admin-token-file", token, "--trust", writeFile(t, tmp, "trust.json", `{"issuers":[]}`)}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"trust anchors not PEM", append(serve[:len(serve):len(serve)], "--trust-anchors", notPEM), "--trust-anchors"},
		{"require anchored issuers without anchors", append(serve[:len(serve):len(serve)], "--require-anchored-issuers"), "--trust-anchors"},
		{"issuer anchors not PEM", []string{"--lang", "en", "wallet", "receive", "openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fissuer.example%2Fo",
			"--dir", filepath.Join(tmp, "w"), "--issuer-anchors", notPEM}, "--issuer-anchors"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errOut, code := cli(t, "", tt.args...)
			if code != exitUsage || !strings.Contains(errOut, tt.want) {
				t.Fatalf("exit %d, want %d naming %s: %s", code, exitUsage, tt.want, errOut)
			}
		})
	}
}
