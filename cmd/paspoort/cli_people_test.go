package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The command line for people: unknown commands and flags exit 2 with a
// suggestion, the CA option is spelt --ca-file everywhere (the older
// spellings still work, hidden), an export never overwrites a backup
// without --force, and a secret file others may read is refused.
func TestCommandLineForPeople(t *testing.T) {
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "w")
	pass := writeFile(t, tmp, "pass", "a long wallet passphrase\n")
	bpass := writeFile(t, tmp, "bpass", "backup passphrase!\n")
	mustCLI(t, "", "wallet", "init", "--dir", dir, "--passphrase-file", pass)
	open := writeFile(t, tmp, "open-pass", "a long wallet passphrase\n")
	if err := os.Chmod(open, 0o644); err != nil {
		t.Fatal(err)
	}
	backup := writeFile(t, tmp, "backup.jwe", "an earlier backup")

	tests := []struct {
		name   string
		args   []string
		code   int
		stderr []string
	}{
		{"unknown subcommand", []string{"wallet", "lsit"}, exitUsage, []string{`onbekend commando "lsit"`, "'list'"}},
		{"unknown subcommand in English", []string{"--lang", "en", "wallet", "lsit"}, exitUsage, []string{`unknown command "lsit"`, "did you mean", "'list'"}},
		{"unknown top command", []string{"walet"}, exitUsage, []string{"'wallet'"}},
		{"unknown flag", []string{"wallet", "receive", "--tx-cod", "1", "x"}, exitUsage, []string{"onbekende optie --tx-cod", "bedoelde u --tx-code?"}},
		{"export over a backup", []string{"wallet", "export", backup, "--dir", dir, "--passphrase-file", pass, "--backup-passphrase-file", bpass}, exitUsage,
			[]string{"bestaat al", "--force"}},
		{"show more without select", []string{"wallet", "present", "openid4vp://?request_uri=x", "--show-more", "q=c", "--dir", dir, "--passphrase-file", pass}, exitUsage,
			[]string{"--show-more hoort bij --select"}},
		{"show more malformed", []string{"wallet", "present", "openid4vp://?request_uri=x", "--select", "q=c", "--show-more", "q", "--dir", dir, "--passphrase-file", pass}, exitUsage,
			[]string{"--show-more \"q\": want QUERY_ID=CREDENTIAL_ID"}},
		{"world-readable passphrase file", []string{"wallet", "unlock", "--dir", dir, "--passphrase-file", open}, exitUsage,
			[]string{"leesbaar voor anderen", "chmod 600 " + open, "--allow-insecure-secret-file"}},
		{"wrong passphrase", []string{"wallet", "unlock", "--dir", dir, "--passphrase-file", bpass}, exitRejected, []string{"SIG: dat is niet de wachtwoordzin"}},
		{"no wallet", []string{"wallet", "unlock", "--dir", filepath.Join(tmp, "none"), "--passphrase-file", pass}, exitRejected, []string{"paspoort wallet init", "--dir"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := cli(t, "", tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d: %s %s", code, tt.code, out, errOut)
			}
			for _, w := range tt.stderr {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q: %s", w, errOut)
				}
			}
		})
	}
	if b, _ := os.ReadFile(backup); string(b) != "an earlier backup" {
		t.Fatal("the earlier backup was overwritten")
	}
	mustCLI(t, "", "wallet", "export", backup, "--force", "--dir", dir, "--passphrase-file", pass, "--backup-passphrase-file", bpass)
	if b, _ := os.ReadFile(backup); strings.HasPrefix(string(b), "an earlier") || len(b) < 100 {
		t.Fatal("--force did not replace the file")
	}
	if fi, _ := os.Stat(backup); fi.Mode().Perm() != 0o600 {
		t.Fatalf("backup mode %v", fi.Mode().Perm())
	}
	// Accepted on request, with a warning.
	if _, errOut, code := cli(t, "", "wallet", "unlock", "--dir", dir, "--passphrase-file", open, "--allow-insecure-secret-file"); code != exitOK || !strings.Contains(errOut, "waarschuwing") {
		t.Fatalf("--allow-insecure-secret-file: %d %s", code, errOut)
	}

	// One spelling of the CA option, shown everywhere; the old ones hidden.
	root := newRootCommand()
	for _, path := range [][]string{{"wallet", "receive"}, {"wallet", "present"}, {"issuer", "offer"}, {"verifier", "serve"}, {"verifier", "request"}, {"verifier", "result"}} {
		c, _, err := root.Find(path)
		if err != nil {
			t.Fatal(err)
		}
		fs := c.Flags()
		if f := fs.Lookup("ca-file"); f == nil && c.InheritedFlags().Lookup("ca-file") == nil {
			t.Errorf("%v has no --ca-file", path)
		}
		for _, old := range []string{"cacert", "ca-cert"} {
			f := fs.Lookup(old)
			if f == nil {
				f = c.InheritedFlags().Lookup(old)
			}
			if f == nil || !f.Hidden {
				t.Errorf("%v: --%s is not a hidden alias", path, old)
			}
		}
	}
}
