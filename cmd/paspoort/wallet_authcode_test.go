package main

import (
	"context"
	"crypto/tls"
	"encoding/pem"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/devstack"
	"github.com/loopbrug/paspoort/issuer"
)

// TestWalletReceiveSignIn: "wallet receive" with an offer that asks the
// holder to sign in at the issuer (HAIP authorization code flow). The
// command prints the issuer's page, waits on a loopback port, and once
// the browser (here devstack.SignIn) is sent back, receives and prints
// the credential's id. A refusal on the page ends in a Dutch message
// and stores nothing.
func TestWalletReceiveSignIn(t *testing.T) {
	cert, pool := loopbackCert(t)
	rt := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
	browserClient := &http.Client{Transport: rt, Timeout: 20 * time.Second}
	iss := startRealIssuer(t, cert)
	tmp := t.TempDir()
	caFile := writeFile(t, tmp, "ca.pem", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]})))
	pass := writeFile(t, tmp, "pass", "a long wallet passphrase\n")
	w := []string{"--dir", tmp + "/w", "--passphrase-file", pass, "--allow-loopback"}
	mustCLI(t, "", append([]string{"wallet", "init"}, w...)...)

	receive := func(t *testing.T, allow bool) (string, string, int) {
		t.Helper()
		var offer issuer.Offer
		adminJSON(t, browserClient, http.MethodPost, iss+"/admin/offers", map[string]any{
			"credentials": []map[string]any{{"type": "level", "claims": claimsOf(t, "level", nil)}},
			"tx_code":     true, "grant": issuer.GrantAuthorizationCode,
		}, &offer)
		var stdout strings.Builder
		var stderr syncBuffer
		done := make(chan int, 1)
		args := append([]string{"wallet", "receive", offer.OfferURIByReference, "--no-browser", "--ca-file", caFile, "--sign-in-timeout", "1m"}, w...)
		go func() { done <- runContext(context.Background(), args, strings.NewReader(""), &stdout, &stderr) }()
		var page string
		for i := 0; i < 400 && page == ""; i++ {
			for _, line := range strings.Split(stderr.String(), "\n") {
				if strings.HasPrefix(line, iss+"/authorize?") {
					page = line
				}
			}
			time.Sleep(50 * time.Millisecond)
		}
		if page == "" {
			t.Fatalf("no sign-in link printed: %s", stderr.String())
		}
		back, err := devstack.SignIn(context.Background(), browserClient, page, offer.TxCode, allow)
		if err != nil {
			t.Fatal(err)
		}
		// The browser follows the redirect to the wallet's loopback port.
		res, err := http.Get(back)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if !strings.Contains(string(body), "U kunt dit venster sluiten") {
			t.Fatalf("callback page: %s", body)
		}
		select {
		case code := <-done:
			return stdout.String(), stderr.String(), code
		case <-time.After(30 * time.Second):
			t.Fatal("wallet receive did not finish")
		}
		return "", "", 0
	}

	out, errOut, code := receive(t, true)
	if code != exitOK || len(strings.Fields(out)) != 1 || !strings.Contains(errOut, "Meld u aan bij Testbureau Vakmanschap") || !strings.Contains(errOut, "Ontvangen en gecontroleerd") {
		t.Fatalf("exit %d\nout %s\nerr %s", code, out, errOut)
	}
	_, errOut, code = receive(t, false)
	if code == exitOK || !strings.Contains(errOut, "geweigerd op de pagina van Testbureau Vakmanschap") {
		t.Fatalf("refused on the page: exit %d: %s", code, errOut)
	}
	if list := mustCLI(t, "", append([]string{"wallet", "list", "--json", "--offline"}, w...)...); strings.Count(list, `"id"`) != 1 {
		t.Fatalf("list after one receive and one refusal: %s", list)
	}
}
