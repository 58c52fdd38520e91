package devstack_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/loopbrug/paspoort/devstack"
)

// startStack starts a stack on random ports in dir and stops it when the
// test ends.
func startStack(t *testing.T, dir string, serveWallet bool) *devstack.Stack {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s, err := devstack.New(ctx, devstack.Options{Dir: dir, ServeWallet: serveWallet})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	return s
}

// The whole story over real HTTPS between real services with badger
// stores: every step verified, admission with a learning plan, hiring.
func TestDemo(t *testing.T) {
	s := startStack(t, t.TempDir(), false)
	var out bytes.Buffer
	if err := devstack.Demo(context.Background(), s, &out, "en"); err != nil {
		t.Fatalf("demo: %v\n%s", err, out.String())
	}
	t.Log(out.String())
	for _, want := range []string{
		"verified and stored: level from Assessment Centrum Loopbrug",
		"verified and stored: experience from NS Reizigers",
		"decision of Hogeschool Domstad: ACCEPTED",
		"learning plan",
		"next intake:",
		"verified and stored: learning from Hogeschool Domstad",
		"decision of Stedelijk College Domstad: ACCEPTED",
		"Every step verified",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}
}
