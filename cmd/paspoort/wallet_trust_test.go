package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/devstack"
)

// TestWalletTrustAndConsent runs the dev stack and uses the wallet from the
// command line: the registers it follows (list, remove, add again with the
// consortium's key), and consent that names a registered verifier, warns
// about one in no register, and refuses one that asks beyond its
// registration.
func TestWalletTrustAndConsent(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := devstack.New(ctx, devstack.Options{Dir: filepath.Join(t.TempDir(), "dev")})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	defer func() { cancel(); <-done }()
	deadline := time.Now().Add(20 * time.Second)
	for s.Healthy(ctx) != nil && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	pass := writeFile(t, t.TempDir(), "pass", s.Wallet.Passphrase+"\n")
	w := []string{"--dir", s.Wallet.Dir, "--passphrase-file", pass, "--allow-loopback", "--ca-file", s.CAFile}
	wallet := func(args ...string) []string { return append(append([]string{"wallet"}, args...), w...) }

	if out := mustCLI(t, "", wallet("trust", "list")...); !strings.Contains(out, "Loopbrug Domstad") || !strings.Contains(out, "Hogeschool Domstad") || !strings.Contains(out, "toelating") {
		t.Fatalf("trust list: %s", out)
	}
	if _, errOut, code := cli(t, "", wallet("trust", "add", s.Register.URL, "--key", s.Register.KeyFile)...); code != exitRejected || !strings.Contains(errOut, "volgt dit register al") {
		t.Fatalf("add twice: exit %d: %s", code, errOut)
	}
	if _, errOut, code := cli(t, "", wallet("trust", "add", s.Register.URL)...); code != exitUsage || !strings.Contains(errOut, "--key") {
		t.Fatalf("add without --key: exit %d: %s", code, errOut)
	}
	mustCLI(t, "", wallet("trust", "remove", s.Register.Consortium.ID)...)
	if out := mustCLI(t, "", wallet("trust", "list")...); !strings.Contains(out, "U volgt geen register") {
		t.Fatalf("after remove: %s", out)
	}
	if out := mustCLI(t, "", wallet("trust", "add", s.Register.URL, "--key", s.Register.KeyFile)...); !strings.Contains(out, "U volgt nu het register van Loopbrug Domstad") {
		t.Fatalf("add: %s", out)
	}

	req, err := s.CreateRequest(ctx, devstack.VerifierAdmission, devstack.ProfileAdmission)
	if err != nil {
		t.Fatal(err)
	}
	_, out, _ := cli(t, "n\n", wallet("present", req.RequestURI)...)
	if !strings.Contains(out, "Hogeschool Domstad (toelating), lid van Loopbrug Domstad") {
		t.Fatalf("registered verifier at consent: %s", out)
	}
	req, err = s.CreateRequest(ctx, devstack.VerifierAgency, devstack.ProfileAgency)
	if err != nil {
		t.Fatal(err)
	}
	_, out, _ = cli(t, "n\n", wallet("present", req.RequestURI)...)
	if !strings.Contains(out, "staat in geen register dat u volgt") {
		t.Fatalf("unregistered verifier at consent: %s", out)
	}
	req, err = s.CreateRequest(ctx, devstack.VerifierSchool, devstack.ProfileReferences)
	if err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := cli(t, "", wallet("present", req.RequestURI, "--yes")...); code != exitRejected ||
		!strings.Contains(errOut, "TRUST: Stedelijk College Domstad vraagt meer dan waarvoor zij in het register van Loopbrug Domstad staat") || !strings.Contains(errOut, "Referentie") {
		t.Fatalf("over-asking: exit %d: %s", code, errOut)
	}
}
