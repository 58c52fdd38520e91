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
	rd := bufio.NewReader(pr)
	line, err := rd.ReadString('\n')
	if err != nil {
		t.Fatalf("no URL printed: %v", err)
	}
	codeLine, err := rd.ReadString('\n')
	if err != nil {
		t.Fatalf("no owner code printed: %v", err)
	}
	go func() { _, _ = io.Copy(io.Discard, rd) }()
	base := strings.TrimSpace(line)
	if !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Fatalf("URL %q", base)
	}
	_, ownerCode, ok := strings.Cut(strings.TrimSpace(codeLine), ": ")
	if !strings.HasPrefix(codeLine, "Eigenaarscode") || !ok {
		t.Fatalf("owner code line %q", codeLine)
	}
	// Wrong tries by another process until the API makes them wait; the
	// owner code printed on this terminal still gets the owner in.
	throttled := false
	for range 12 {
		res, err := http.Post(base+"/api/unlock", "application/json", strings.NewReader(`{"passphrase":"not the passphrase"}`))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if throttled = res.StatusCode == http.StatusTooManyRequests; throttled {
			break
		}
	}
	if !throttled {
		t.Fatal("wrong passphrases were never throttled")
	}
	res, err := http.Post(base+"/api/unlock", "application/json", strings.NewReader(`{"passphrase":"a long wallet passphrase","owner_code":"`+ownerCode+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	var info map[string]any
	_ = json.NewDecoder(res.Body).Decode(&info)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || info["csrf_token"] == "" || info["idle_timeout"] != float64(60) {
		t.Fatalf("unlock with the owner code: %d %v", res.StatusCode, info)
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
