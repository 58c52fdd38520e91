package main

import (
	"bytes"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// lockedWriter is a bytes.Buffer safe for the child's output and the test.
type lockedWriter struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}
func (w *lockedWriter) String() string { w.mu.Lock(); defer w.mu.Unlock(); return w.b.String() }

// Issue 11 #12: when a service's data folder disappears under it (a removed
// folder, a failed disk), SIGTERM or SIGINT still ends every service and
// `paspoort dev` within the bound (shutdownBound, 10 s), with a non-zero
// status and a message that the store could not close cleanly. Before,
// the process hung for ever in badger's Close. Run against the built
// binary: start, remove the data folder, signal, wait.
func TestShutdownWithoutDataFolder(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "paspoort")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	pass := writeFile(t, tmp, "pass", "a long wallet passphrase\n")
	trust := writeFile(t, tmp, "trust.json", `{"issuers":[]}`)
	token := writeFile(t, tmp, "admin-token", "shutdown-admin-token-0123456789\n")

	for _, tc := range []struct {
		name string
		sig  syscall.Signal
		// args starts the service on addr with data in data; ready is the
		// path of a plain-http GET that answers once it serves.
		args  func(addr, data string) []string
		ready string
		setup func(t *testing.T, data string)
	}{
		{"issuer serve", syscall.SIGTERM, func(addr, data string) []string {
			return []string{"issuer", "serve", "--data", data, "--listen", addr, "--url", "https://" + addr, "--allow-loopback",
				"--admin-token-file", filepath.Join(filepath.Dir(data), "issuer-admin.token")}
		}, "/readyz", nil},
		{"verifier serve", syscall.SIGTERM, func(addr, data string) []string {
			return []string{"verifier", "serve", "--data", data, "--listen", addr, "--url", "https://" + addr, "--allow-loopback",
				"--admin-token-file", token, "--trust", trust}
		}, "/health", nil},
		{"wallet serve", syscall.SIGINT, func(addr, data string) []string {
			return []string{"wallet", "serve", "--dir", data, "--listen", addr}
		}, "/api/session", func(t *testing.T, data string) {
			mustCLI(t, "", "wallet", "init", "--dir", data, "--passphrase-file", pass)
		}},
		{"dev", syscall.SIGINT, func(addr, data string) []string {
			_, port, _ := strings.Cut(addr, ":")
			return []string{"dev", "--data", data, "--base-port", port}
		}, "/", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Each service is a process of its own on its own ports; most
			// of the time is spent waiting for them, so they run together.
			t.Parallel()
			dir := t.TempDir()
			data := filepath.Join(dir, "data")
			if tc.setup != nil {
				tc.setup(t, data)
			}
			addr := freeAddr(t)
			if tc.name == "dev" {
				addr = "127.0.0.1:" + strconv.Itoa(freeBasePort(t))
			}
			var stdout, stderr lockedWriter
			cmd := exec.Command(bin, tc.args(addr, data)...)
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			cmd.Env = append(os.Environ(), passphraseEnv+"=")
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited, waited := make(chan error, 1), make(chan struct{})
			go func() { exited <- cmd.Wait(); close(waited) }()
			t.Cleanup(func() {
				_ = cmd.Process.Kill() // the process this test started, if it still runs
				<-waited
			})
			hc := &http.Client{Timeout: 2 * time.Second}
			for i := 0; ; i++ {
				resp, err := hc.Get("http://" + addr + tc.ready)
				if err == nil {
					resp.Body.Close()
					break
				}
				select {
				case err := <-exited:
					t.Fatalf("exited before serving: %v\n%s", err, stderr.String())
				default:
				}
				if i == 600 {
					t.Fatalf("not serving: %v\n%s", err, stderr.String())
				}
				time.Sleep(50 * time.Millisecond)
			}
			if err := os.RemoveAll(data); err != nil {
				t.Fatal(err)
			}
			if err := cmd.Process.Signal(tc.sig); err != nil {
				t.Fatal(err)
			}
			timer := time.NewTimer(shutdownBound)
			defer timer.Stop()
			select {
			case err := <-exited:
				if err == nil || cmd.ProcessState.ExitCode() != exitRejected {
					t.Fatalf("exit %v (status %d), want %d\n%s", err, cmd.ProcessState.ExitCode(), exitRejected, stderr.String())
				}
			case <-timer.C:
				t.Fatalf("still running %v after %v\n%s", shutdownBound, tc.sig, stderr.String())
			}
			if !strings.Contains(stderr.String(), "niet netjes") {
				t.Fatalf("no message that the store could not close cleanly:\n%s", stderr.String())
			}
		})
	}
}
