package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// wallet serve refuses a non-loopback --listen without
// --listen-public-unsafe; on 127.0.0.1 it serves the API, which unlocks
// with the passphrase, until its context ends.
func TestWalletServe(t *testing.T) {
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "w")
	pass := writeFile(t, tmp, "pass", "a long wallet passphrase\n")
	mustCLI(t, "", "wallet", "init", "--dir", dir, "--passphrase-file", pass)

	for _, listen := range []string{"0.0.0.0:0", "192.0.2.1:8480", ":8480", "[::]:0"} {
		if _, errOut, code := cli(t, "", "wallet", "serve", "--dir", dir, "--listen", listen); code != exitUsage || !strings.Contains(errOut, "loopback") {
			t.Errorf("--listen %s: exit %d %s", listen, code, errOut)
		}
	}
	if _, errOut, code := cli(t, "", "wallet", "serve", "--dir", filepath.Join(tmp, "none"), "--listen", "127.0.0.1:0"); code != exitRejected || !strings.Contains(errOut, "no wallet") {
		t.Errorf("no wallet: exit %d %s", code, errOut)
	}

	ctx, cancel := context.WithCancel(context.Background())
	root := newRootCommand()
	pr, pw := io.Pipe()
	root.SetOut(pw)
	root.SetErr(io.Discard)
	root.SetArgs([]string{"wallet", "serve", "--dir", dir, "--listen", "127.0.0.1:0", "--idle-timeout", "1m"})
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx); pw.Close() }()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("no URL printed: %v", err)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	base := strings.TrimSpace(line)
	if !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Fatalf("URL %q", base)
	}
	res, err := http.Post(base+"/api/unlock", "application/json", strings.NewReader(`{"passphrase":"a long wallet passphrase"}`))
	if err != nil {
		t.Fatal(err)
	}
	var info map[string]any
	_ = json.NewDecoder(res.Body).Decode(&info)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || info["csrf_token"] == "" || info["idle_timeout"] != float64(60) {
		t.Fatalf("unlock: %d %v", res.StatusCode, info)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop")
	}
	// the store was closed: the CLI opens the wallet again
	mustCLI(t, "", "wallet", "unlock", "--dir", dir, "--passphrase-file", pass)
}
