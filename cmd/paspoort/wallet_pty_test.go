//go:build linux

package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"
)

// openPTY returns the master and slave ends of a new pseudo-terminal.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY|syscall.O_NONBLOCK, 0) // non-blocking: read deadlines work
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Skipf("unlock pty: %v", err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Skipf("pty number: %v", err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("open pty slave: %v", err)
	}
	t.Cleanup(func() { s.Close(); m.Close() })
	return m, s
}

// The tx_code prompt reads from the terminal without echo, as the
// passphrase prompt does: what the holder types never appears on the
// screen. The same terminal does echo a plain prompt (the test can see an
// echo).
func TestPromptSecretDoesNotEcho(t *testing.T) {
	for _, tt := range []struct {
		name   string
		prompt func(*cobra.Command, string) (string, error)
		echo   bool
	}{
		{"tx_code prompt", promptSecret, false},
		{"plain prompt", promptLine, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			master, slave := openPTY(t)
			cmd := &cobra.Command{}
			var stderr bytes.Buffer
			cmd.SetIn(slave)
			cmd.SetErr(&stderr)
			type answer struct {
				s   string
				err error
			}
			done := make(chan answer, 1)
			go func() {
				s, err := tt.prompt(cmd, "Transaction code: ")
				done <- answer{s, err}
			}()
			if !tt.echo {
				// type only once the prompt has switched echo off
				deadline := time.Now().Add(5 * time.Second)
				for {
					tio, err := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS)
					if err != nil {
						t.Fatal(err)
					}
					if tio.Lflag&unix.ECHO == 0 {
						break
					}
					if time.Now().After(deadline) {
						t.Fatal("the prompt never switched echo off")
					}
					time.Sleep(5 * time.Millisecond)
				}
			}
			if _, err := master.WriteString("493817\n"); err != nil {
				t.Fatal(err)
			}
			var a answer
			select {
			case a = <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("prompt did not return")
			}
			if a.err != nil || a.s != "493817" {
				t.Fatalf("answer %q, %v", a.s, a.err)
			}
			_ = master.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
			buf := make([]byte, 256)
			n, _ := master.Read(buf)
			echoed := strings.Contains(string(buf[:n]), "493817")
			if echoed != tt.echo {
				t.Fatalf("terminal showed %q; echo = %v, want %v", buf[:n], echoed, tt.echo)
			}
			if !strings.Contains(stderr.String(), "Transaction code: ") {
				t.Fatalf("no prompt: %q", stderr.String())
			}
		})
	}
}
