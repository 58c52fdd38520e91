package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A failed `wallet import` (wrong backup passphrase, a flipped byte, a
// truncated backup) creates nothing: no folder, no empty wallet. A retry
// with the right backup passphrase, and another wallet passphrase, works.
func TestWalletImportFailureCreatesNothing(t *testing.T) {
	tmp := t.TempDir()
	src := filepath.Join(tmp, "src")
	pass := writeFile(t, tmp, "pass", "a long wallet passphrase\n")
	other := writeFile(t, tmp, "other", "another wallet passphrase\n")
	backupPass := writeFile(t, tmp, "bpass", "backup passphrase!\n")
	wrongBackupPass := writeFile(t, tmp, "wrong-bpass", "not the backup passphrase\n")
	mustCLI(t, "", "wallet", "init", "--dir", src, "--passphrase-file", pass)
	backup := filepath.Join(tmp, "backup.jwe")
	mustCLI(t, "", "wallet", "export", backup, "--dir", src, "--passphrase-file", pass, "--backup-passphrase-file", backupPass)
	good := mustRead(t, backup)
	flipped := []byte(good)
	i := strings.LastIndexByte(good, '.') - 5 // inside the ciphertext
	flipped[i] ^= 1
	if flipped[i] == '.' || flipped[i] == '\n' {
		flipped[i] ^= 3
	}

	dst := filepath.Join(tmp, "dst")
	for _, tc := range []struct {
		name, data, bpass string
	}{
		{"wrong backup passphrase", good, wrongBackupPass},
		{"flipped byte", string(flipped), backupPass},
		{"truncated", good[:len(good)/2], backupPass},
		{"empty file", "", backupPass},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := writeFile(t, tmp, "bad.jwe", tc.data)
			if _, errOut, code := cli(t, "", "wallet", "import", f, "--dir", dst, "--passphrase-file", pass, "--backup-passphrase-file", tc.bpass); code == 0 {
				t.Fatalf("import succeeded: %s", errOut)
			}
			if _, err := os.Stat(dst); !os.IsNotExist(err) {
				t.Fatalf("the failed import left %s behind (%v)", dst, err)
			}
		})
	}
	if out := mustCLI(t, "", "wallet", "import", backup, "--dir", dst, "--passphrase-file", other, "--backup-passphrase-file", backupPass); !strings.Contains(out, `"imported"`) {
		t.Fatalf("import: %s", out)
	}
	if out := mustCLI(t, "", "wallet", "unlock", "--dir", dst, "--passphrase-file", other); !strings.Contains(out, "0 credentials") {
		t.Fatalf("unlock after import: %s", out)
	}
}
