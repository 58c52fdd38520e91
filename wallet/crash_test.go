package wallet_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/wallet"
)

// crashEnv tells the child process where the wallet and the issuer key are.
const crashEnv = "PASPOORT_WALLET_CRASH_CHILD"

// TestCrashChild is the child of TestCrashSafety: it adds credentials to the
// wallet as fast as it can and prints the id of each one after Add returned
// (acknowledged), until it is killed.
func TestCrashChild(t *testing.T) {
	spec := os.Getenv(crashEnv)
	if spec == "" {
		t.Skip("only run as the child of TestCrashSafety")
	}
	dir, keyFile, _ := strings.Cut(spec, "|")
	kb, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	k, err := jose.ParsePrivateKey(kb)
	if err != nil {
		t.Fatal(err)
	}
	iss := &testIssuer{iss: "https://assessor.example", key: k}
	w := openWallet(t, dir, wallet.WithIssuerKeys(iss.keys()))
	for i := 0; ; i++ {
		cs := iss.issue(t, w, "skill", example(t, "skill", map[string]any{"evidence": fmt.Sprintf("evidence %d %s", i, strings.Repeat("x", i%2000))}), 1+i%3)
		c, err := w.Add(ctx, cs, wallet.Meta{})
		if err != nil {
			t.Fatal(err)
		}
		fmt.Printf("ACK %s\n", c.ID)
	}
}

// A wallet process killed with SIGKILL in the middle of receiving and
// storing many credentials, repeatedly: every acknowledged credential is
// intact afterwards (its copies and keys open and check out) and the wallet
// always opens (SECURITY.md G.49).
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	dir := t.TempDir()
	iss := newTestIssuer(t, "https://assessor.example")
	kb, _ := iss.key.MarshalJSON()
	keyFile := filepath.Join(t.TempDir(), "issuer.jwk")
	if err := os.WriteFile(keyFile, kb, 0o600); err != nil {
		t.Fatal(err)
	}
	initWallet(t, dir).Close()
	acked := map[string]bool{}
	for round := range 5 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.v")
		cmd.Env = append(os.Environ(), crashEnv+"="+dir+"|"+keyFile)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// kill after a number of acknowledgements that varies per round,
		// so the kill lands at different points of a write
		want := 10 + round*7
		sc := bufio.NewScanner(out)
		n := 0
		for sc.Scan() {
			if id, ok := strings.CutPrefix(sc.Text(), "ACK "); ok {
				acked[id] = true
				n++
				if n == want {
					time.Sleep(time.Duration(round) * time.Millisecond)
					if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
		_ = cmd.Wait()
		if n < want {
			t.Fatalf("round %d: child acknowledged only %d credentials", round, n)
		}
		w := openWallet(t, dir)
		have := map[string]bool{}
		for _, c := range w.Credentials() {
			have[c.ID] = true
			if c.Copies < 1 || c.Claims["evidence"] == nil {
				t.Fatalf("round %d: incomplete credential %s", round, c.ID)
			}
		}
		for id := range acked {
			if !have[id] {
				t.Fatalf("round %d: acknowledged credential %s lost", round, id)
			}
		}
		// every credential's copies and keys open and check out
		backup, err := w.Export(ctx, []byte("backup passphrase"))
		if err != nil {
			t.Fatalf("round %d: export: %v", round, err)
		}
		w2 := initWallet(t, t.TempDir())
		res, err := w2.Import(ctx, []byte(backup), []byte("backup passphrase"))
		if err != nil || len(res.Imported) != len(have) {
			t.Fatalf("round %d: import %v, %v", round, res, err)
		}
		w2.Close()
		w.Close()
		t.Logf("round %d: %d acknowledged, %d stored", round, len(acked), len(have))
	}
}
