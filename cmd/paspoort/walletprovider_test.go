package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials/attest"
	"github.com/loopbrug/paspoort/credentials/oid4vci"
	"github.com/loopbrug/paspoort/credentials/pki"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/walletprovider"
)

// TestWalletProviderServe: pki init and issue make the provider's key and
// chain; "wallet-provider serve" answers a wallet's key proof with a Wallet
// Attestation an issuer trusting the anchor accepts; and it refuses to
// start without a chain, with a chain of another key, or with a key file
// others can read.
func TestWalletProviderServe(t *testing.T) {
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "anchor")
	mustCLI(t, "", "pki", "init", "--dir", dir)
	prefix := filepath.Join(tmp, "provider")
	mustCLI(t, "", "pki", "issue", "--dir", dir, "--dns", "wallet-provider.example", "--out", prefix)
	other := filepath.Join(tmp, "other")
	mustCLI(t, "", "pki", "issue", "--dir", dir, "--dns", "wallet-provider.example", "--out", other)

	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"no chain":         {[]string{"--key", prefix + ".key.pem"}, "--chain"},
		"another key":      {[]string{"--chain", other + ".chain.pem", "--key", prefix + ".key.pem"}, "--chain"},
		"chain is not PEM": {[]string{"--chain", prefix + ".key.pem", "--key", prefix + ".key.pem"}, "--chain"},
	} {
		t.Run(name, func(t *testing.T) {
			args := append([]string{"--lang", "en", "wallet-provider", "serve", "--url", "https://wallet-provider.example", "--addr", "127.0.0.1:0"}, tc.args...)
			_, stderr, code := cli(t, "", args...)
			if code == exitOK || !strings.Contains(stderr, tc.want) {
				t.Fatalf("exit %d: %s", code, stderr)
			}
		})
	}
	t.Run("key readable by others", func(t *testing.T) {
		loose := filepath.Join(tmp, "loose.key.pem")
		if err := os.WriteFile(loose, []byte(mustRead(t, prefix+".key.pem")), 0o644); err != nil {
			t.Fatal(err)
		}
		_, stderr, code := cli(t, "", "--lang", "en", "wallet-provider", "serve", "--url", "https://wallet-provider.example", "--addr", "127.0.0.1:0", "--chain", prefix+".chain.pem", "--key", loose)
		if code == exitOK || !strings.Contains(stderr, "chmod 600") {
			t.Fatalf("exit %d: %s", code, stderr)
		}
	})

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
		done <- runContext(ctx, []string{"wallet-provider", "serve", "--url", "https://wallet-provider.example", "--addr", addr,
			"--chain", prefix + ".chain.pem", "--key", prefix + ".key.pem", "--client-id", "paspoort-wallet"}, strings.NewReader(""), io.Discard, &stderr)
	}()
	instance, err := jose.GenerateKey(jose.ES256)
	if err != nil {
		t.Fatal(err)
	}
	proof, err := oid4vci.BuildProof(instance, oid4vci.ProofOptions{Audience: "https://wallet-provider.example"})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(walletprovider.WalletAttestationRequest{Proof: proof})
	var got walletprovider.WalletAttestationResponse
	for i := 0; i < 100; i++ {
		resp, err := http.Post("http://"+addr+walletprovider.PathWalletAttestation, "application/json", strings.NewReader(string(body)))
		if err == nil {
			err = json.NewDecoder(resp.Body).Decode(&got)
			resp.Body.Close()
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	anchors, err := pki.ParseAnchorsPEM([]byte(mustRead(t, filepath.Join(dir, pkiAnchorFile))))
	if err != nil {
		t.Fatal(err)
	}
	pop, err := attest.SignPoP(instance, attest.PoPOptions{ClientID: "paspoort-wallet", Audience: "https://issuer.example"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := attest.VerifyClient(got.WalletAttestation, pop, attest.ClientPolicy{Anchors: anchors, Algs: []jose.Alg{jose.ES256}, Audience: "https://issuer.example", ClientID: "paspoort-wallet"}); err != nil {
		t.Fatalf("the served attestation is refused: %v (%s)", err, stderr.String())
	}
	if strings.Contains(stderr.String(), got.WalletAttestation[:20]) {
		t.Fatal("the provider logged the attestation")
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
