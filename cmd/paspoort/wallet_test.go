package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// The wallet commands without network: init, unlock with right and wrong
// passphrases, change-passphrase, list, history, export and import into a
// new wallet, match.
func TestWalletCLI(t *testing.T) {
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "w")
	pass := writeFile(t, tmp, "pass", "a long wallet passphrase\n")
	wrong := writeFile(t, tmp, "wrong", "not the passphrase\n")
	newPass := writeFile(t, tmp, "new", "another long passphrase\n")
	backupPass := writeFile(t, tmp, "bpass", "backup passphrase!\n")

	mustCLI(t, "", "wallet", "init", "--dir", dir, "--passphrase-file", pass)
	if _, errOut, code := cli(t, "", "wallet", "init", "--dir", dir, "--passphrase-file", pass); code != 1 || !strings.Contains(errOut, "already exists") {
		t.Fatalf("second init: %d %s", code, errOut)
	}
	if out := mustCLI(t, "", "wallet", "unlock", "--dir", dir, "--passphrase-file", pass); !strings.Contains(out, "0 credentials") {
		t.Fatalf("unlock: %s", out)
	}
	if _, errOut, code := cli(t, "", "wallet", "unlock", "--dir", dir, "--passphrase-file", wrong); code != 1 || !strings.Contains(errOut, "wrong passphrase") {
		t.Fatalf("wrong passphrase: %d %s", code, errOut)
	}
	if _, errOut, code := cli(t, "", "wallet", "unlock", "--dir", filepath.Join(tmp, "none"), "--passphrase-file", pass); code != 1 || !strings.Contains(errOut, "no wallet") {
		t.Fatalf("no wallet: %d %s", code, errOut)
	}
	t.Setenv(passphraseEnv, "")
	if _, _, code := cli(t, "", "wallet", "unlock", "--dir", dir); code != 1 {
		t.Fatalf("empty env passphrase: %d", code)
	}
	mustCLI(t, "", "wallet", "change-passphrase", "--dir", dir, "--passphrase-file", pass, "--new-passphrase-file", newPass)
	if _, _, code := cli(t, "", "wallet", "unlock", "--dir", dir, "--passphrase-file", pass); code != 1 {
		t.Fatal("old passphrase still works")
	}
	t.Setenv(passphraseEnv, "another long passphrase")
	var list []map[string]any
	if err := json.Unmarshal([]byte(mustCLI(t, "", "wallet", "list", "--json", "--dir", dir)), &list); err != nil || len(list) != 0 {
		t.Fatalf("list: %v %v", list, err)
	}
	if out := mustCLI(t, "", "wallet", "history", "--json", "--dir", dir); strings.TrimSpace(out) != "[]" {
		t.Fatalf("history: %s", out)
	}
	backup := filepath.Join(tmp, "backup.jwe")
	mustCLI(t, "", "wallet", "export", backup, "--dir", dir, "--backup-passphrase-file", backupPass)
	out := mustCLI(t, "", "wallet", "import", backup, "--dir", filepath.Join(tmp, "w2"), "--backup-passphrase-file", backupPass)
	if !strings.Contains(out, `"imported"`) {
		t.Fatalf("import: %s", out)
	}
	if _, errOut, code := cli(t, "", "wallet", "import", backup, "--dir", filepath.Join(tmp, "w3"), "--backup-passphrase-file", pass); code != 1 || !strings.Contains(errOut, "wrong passphrase") {
		t.Fatalf("import with a wrong backup passphrase: %d %s", code, errOut)
	}
	var res map[string]any
	if err := json.Unmarshal([]byte(mustCLI(t, "", "wallet", "match", "../../wallet/testdata/profile-minimal.yaml", "--json", "--dir", dir)), &res); err != nil || res["outcome"] == "accepted" {
		t.Fatalf("match: %v %v", res, err)
	}
}
