package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestVerifierX5CChainCommands: "verifier key" writes the public key the
// verifier signs with (the same on every call, no private part); "pki
// issue --key" certifies it; "verifier serve --client-id-prefix x509_hash"
// refuses to start without a chain, with direct_post, with the chain of
// another key (TRUST, naming the commands that fix it) and, for
// x509_san_dns, with a leaf that does not name --url's host.
func TestVerifierX5CChainCommands(t *testing.T) {
	tmp := t.TempDir()
	anchor, data, keyFile := keyForCertificate(t, tmp, "verifier")
	mustCLI(t, "", "pki", "issue", "--dir", anchor, "--dns", "toelating.example", "--key", keyFile, "--out", filepath.Join(tmp, "good"))
	mustCLI(t, "", "pki", "issue", "--dir", anchor, "--dns", "toelating.example", "--out", filepath.Join(tmp, "other"))
	mustCLI(t, "", "pki", "issue", "--dir", anchor, "--dns", "elders.example", "--key", keyFile, "--out", filepath.Join(tmp, "elsewhere"))
	tokenFile := writeFile(t, tmp, "admin.token", "cli-admin-token-0123456789\n")
	trustFile := writeFile(t, tmp, "trust.json", `{"issuers":[{"id":"did:web:issuer.example","types":["skill"]}]}`)
	const url = "https://toelating.example"
	serve := func(extra ...string) (string, int) {
		args := append([]string{"--lang", "en", "verifier", "serve", "--data", data, "--listen", "127.0.0.1:0", "--url", url,
			"--admin-token-file", tokenFile, "--trust", trustFile}, extra...)
		_, errOut, code := cli(t, "", args...)
		return errOut, code
	}
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"x509_hash without a chain", []string{"--client-id-prefix", "x509_hash"}, []string{"--x5c-chain", "paspoort verifier key --data " + data}},
		{"x509_hash with direct_post", []string{"--client-id-prefix", "x509_hash", "--x5c-chain", filepath.Join(tmp, "good.chain.pem"), "--response-mode", "direct_post"},
			[]string{"direct_post.jwt"}},
		{"a chain without an x509 prefix", []string{"--x5c-chain", filepath.Join(tmp, "good.chain.pem")}, []string{"--client-id-prefix x509_hash"}},
		{"the chain of another key", []string{"--client-id-prefix", "x509_hash", "--x5c-chain", filepath.Join(tmp, "other.chain.pem")},
			[]string{"TRUST", "another key", "paspoort verifier key --data " + data, "pki issue"}},
		{"x509_san_dns for another host", []string{"--client-id-prefix", "x509_san_dns", "--x5c-chain", filepath.Join(tmp, "elsewhere.chain.pem")},
			[]string{"TRUST", "toelating.example", "pki issue"}},
		{"a JWK as chain", []string{"--client-id-prefix", "x509_hash", "--x5c-chain", keyFile}, []string{"--x5c-chain", "PEM"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errOut, code := serve(tc.args...)
			if code == 0 {
				t.Fatalf("started: %s", errOut)
			}
			for _, w := range tc.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("%q not in %s", w, errOut)
				}
			}
		})
	}
}
