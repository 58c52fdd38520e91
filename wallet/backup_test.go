package wallet_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loopbrug/paspoort/credentials/dcql"
	"github.com/loopbrug/paspoort/credentials/oid4vp"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/wallet"
)

func TestExportImport(t *testing.T) {
	iss := newTestIssuer(t, "https://assessor.example")
	src := initWallet(t, t.TempDir(), wallet.WithIssuerKeys(iss.keys()))
	defer src.Close()
	var ids []string
	for _, typ := range []string{"skill", "talent", "level", "experience"} {
		c, err := src.Add(ctx, iss.issue(t, src, typ, example(t, typ, nil), 2), wallet.Meta{IssuerName: "Assessor"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	if _, err := src.Record(ctx, wallet.Presentation{Verifier: "decentralized_identifier:did:web:school.example", Outcome: "sent",
		Credentials: []wallet.Shared{{CredentialID: ids[0], QueryID: "q", Claims: []string{"/skill"}}}}); err != nil {
		t.Fatal(err)
	}
	backup, err := src.Export(ctx, []byte("backup passphrase"))
	if err != nil {
		t.Fatal(err)
	}
	h, _, err := jose.ParseJWEHeader(backup, jose.MaxBackupBytes)
	if err != nil || h.Alg != "dir" || h.Enc != jose.A256GCM || h.Raw["paspoort_kdf"] == nil {
		t.Fatalf("backup header %+v, %v", h, err)
	}

	t.Run("into a new wallet", func(t *testing.T) {
		dst := initWallet(t, t.TempDir(), wallet.WithIssuerKeys(iss.keys()))
		defer dst.Close()
		res, err := dst.Import(ctx, []byte(backup), []byte("backup passphrase"))
		if err != nil || len(res.Imported) != 4 || res.History != 1 {
			t.Fatalf("import: %+v, %v", res, err)
		}
		for _, id := range ids {
			a, _ := src.Credential(id)
			b, err := dst.Credential(id)
			if err != nil || a.VCT != b.VCT || a.Copies != b.Copies || a.IssuerName != b.IssuerName {
				t.Fatalf("credential %s: %+v, %v", id, b, err)
			}
		}
		hist, err := dst.History(ctx)
		if err != nil || len(hist) != 1 || hist[0].Credentials[0].CredentialID != ids[0] {
			t.Fatalf("history %+v, %v", hist, err)
		}
		// again: everything is skipped
		res, err = dst.Import(ctx, []byte(backup), []byte("backup passphrase"))
		if err != nil || len(res.Imported) != 0 || len(res.Skipped) != 4 || res.History != 0 {
			t.Fatalf("second import: %+v, %v", res, err)
		}
	})

	tamper := func(s string) string {
		parts := strings.Split(s, ".")
		c := []byte(parts[3])
		if c[10] == 'A' {
			c[10] = 'B'
		} else {
			c[10] = 'A'
		}
		parts[3] = string(c)
		return strings.Join(parts, ".")
	}
	hugeKDF := jweWithHeader(t, `{"alg":"dir","enc":"A256GCM","paspoort_kdf":{"alg":"argon2id","v":19,"t":1,"m":4194304,"p":1,"salt":"AAAAAAAAAAAAAAAAAAAAAA=="}}`)
	// Each parameter within its own bound, the product far beyond: refused
	// before any key is derived (it would cost 1 GiB and over a minute).
	costlyKDF := jweWithHeader(t, `{"alg":"dir","enc":"A256GCM","paspoort_kdf":{"alg":"argon2id","v":19,"t":16,"m":1048576,"p":4,"salt":"AAAAAAAAAAAAAAAAAAAAAA=="}}`)
	for _, tt := range []struct {
		name, data, pass string
		want             error
	}{
		{"wrong passphrase", backup, "another passphrase", wallet.ErrWrongPassphrase},
		{"tampered ciphertext", tamper(backup), "backup passphrase", wallet.ErrWrongPassphrase},
		{"not a JWE", "hello", "backup passphrase", wallet.ErrBackup},
		{"KDF out of bounds", hugeKDF, "backup passphrase", wallet.ErrBadHeader},
		{"KDF cost out of bounds (t=16, m=1 GiB)", costlyKDF, "backup passphrase", wallet.ErrBadHeader},
		{"no KDF", jweWithHeader(t, `{"alg":"dir","enc":"A256GCM"}`), "backup passphrase", wallet.ErrBackup},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dst := initWallet(t, t.TempDir())
			defer dst.Close()
			_, err := dst.Import(ctx, []byte(tt.data), []byte(tt.pass))
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if len(dst.Credentials()) != 0 {
				t.Fatal("credentials imported from a bad backup")
			}
		})
	}
}

// jweWithHeader returns a compact JWE-shaped string with the given
// protected header.
func jweWithHeader(t *testing.T, hdr string) string {
	t.Helper()
	return jose.EncodeSegment([]byte(hdr)) + "..AAAAAAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA"
}

// Export from one wallet, import into a second wallet in another data
// folder (another passphrase), reopen it from disk, and present from it to
// an OpenID4VP verifier: the verifier accepts the issuer's signature and
// the KB-JWT, so the credential and its holder keys came through intact.
// The copy the first wallet already presented stays used: the second
// wallet presents the other copy, under another cnf.
func TestExportImportThenPresent(t *testing.T) {
	iss := newTestIssuer(t, "https://assessor.example")
	q, err := dcql.Parse([]byte(`{"credentials":[{"id":"skill","format":"dc+sd-jwt","meta":{"vct_values":["https://paspoort.loopbrug.nl/vct/skill/v1"]},"claims":[{"path":["skill"]},{"path":["proficiency"]}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	opts := []wallet.Option{wallet.WithIssuerKeys(iss.keys()), wallet.WithAllowLoopback()}
	src := initWallet(t, t.TempDir(), opts...)
	c, err := src.Add(ctx, iss.issue(t, src, "skill", example(t, "skill", nil), 2), wallet.Meta{IssuerName: "Assessor BV"})
	if err != nil {
		t.Fatal(err)
	}
	present := func(w *wallet.Wallet) string {
		t.Helper()
		v := newTestVerifier(t, iss.keys(), oid4vp.ResponseModeDirectPostJWT, q)
		pr, err := w.ReadRequest(ctx, v.link("/request"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Present(ctx, pr, &wallet.Selection{Credentials: map[string][]string{"skill": {c.ID}}}); err != nil {
			t.Fatal(err)
		}
		got := v.got["skill"]
		if len(got) != 1 || got[0].HolderKey == nil || got[0].Claims["skill"] == nil {
			t.Fatalf("verifier got %v", v.got)
		}
		return got[0].HolderKey.Thumbprint()
	}
	first := present(src)
	backup, err := src.Export(ctx, []byte("backup passphrase"))
	if err != nil {
		t.Fatal(err)
	}
	src.Close()

	dir := t.TempDir()
	dst, err := wallet.Init(ctx, dir, []byte("another wallet passphrase"), append(opts, wallet.WithKDFParams(testKDF))...)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := dst.Import(ctx, []byte(backup), []byte("backup passphrase")); err != nil || len(res.Imported) != 1 || res.History != 1 {
		t.Fatalf("import: %+v, %v", res, err)
	}
	dst.Close()
	dst, err = wallet.OpenDir(ctx, dir, []byte("another wallet passphrase"), opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	if got, err := dst.Credential(c.ID); err != nil || got.Copies != 2 || got.Unused != 1 || got.IssuerName != "Assessor BV" {
		t.Fatalf("imported credential %+v, %v", got, err)
	}
	second := present(dst)
	if second == first {
		t.Fatal("the imported wallet presented the copy already used")
	}
	if hist, err := dst.History(ctx); err != nil || len(hist) != 2 {
		t.Fatalf("history after presenting: %d entries, %v", len(hist), err)
	}
}

// OpenBackup decrypts and checks a whole backup without any wallet: a
// wrong passphrase, a flipped byte anywhere or a truncated backup is
// refused with its typed error; the good one opens with every credential.
// Init with a passphrase too short creates no folder.
func TestOpenBackupWholeFirst(t *testing.T) {
	iss := newTestIssuer(t, "https://assessor.example")
	src := initWallet(t, t.TempDir(), wallet.WithIssuerKeys(iss.keys()))
	defer src.Close()
	if _, err := src.Add(ctx, iss.issue(t, src, "skill", example(t, "skill", nil), 2), wallet.Meta{}); err != nil {
		t.Fatal(err)
	}
	backup, err := src.Export(ctx, []byte("backup passphrase"))
	if err != nil {
		t.Fatal(err)
	}
	flip := func(i int) string {
		b := []byte(backup)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	parts := strings.Split(backup, ".")
	ivAt := len(parts[0]) + 1 + len(parts[1]) + 1
	tagAt := len(backup) - 3
	for _, tc := range []struct {
		name, data, pass string
		want             error
	}{
		{"wrong passphrase", backup, "another passphrase", wallet.ErrWrongPassphrase},
		{"flipped byte in the iv", flip(ivAt + 2), "backup passphrase", wallet.ErrWrongPassphrase},
		{"flipped byte in the ciphertext", flip(len(backup) - len(parts[4]) - 40), "backup passphrase", wallet.ErrWrongPassphrase},
		{"flipped byte in the tag", flip(tagAt), "backup passphrase", wallet.ErrWrongPassphrase},
		{"flipped byte in the header (its associated data)", flip(30), "backup passphrase", wallet.ErrWrongPassphrase},
		{"truncated", backup[:len(backup)/2], "backup passphrase", wallet.ErrBackup},
		{"tag cut off", backup[:len(backup)-len(parts[4])], "backup passphrase", wallet.ErrBackup},
		{"empty", "", "backup passphrase", wallet.ErrBackup},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bk, err := wallet.OpenBackup([]byte(tc.data), []byte(tc.pass))
			if !errors.Is(err, tc.want) && !(tc.want == wallet.ErrBackup && errors.Is(err, wallet.ErrBadHeader)) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if bk != nil {
				t.Fatal("a backup returned with the error")
			}
		})
	}
	bk, err := wallet.OpenBackup([]byte(backup), []byte("backup passphrase"))
	if err != nil || bk.Credentials() != 1 {
		t.Fatalf("good backup: %v", err)
	}
	dir := filepath.Join(t.TempDir(), "new")
	if _, err := wallet.Init(ctx, dir, []byte("short"), wallet.WithKDFParams(testKDF)); !errors.Is(err, wallet.ErrPassphrase) {
		t.Fatalf("short passphrase: %v", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Init left %s behind: %v", dir, err)
	}
	dst := initWallet(t, dir, wallet.WithIssuerKeys(iss.keys()))
	defer dst.Close()
	res, err := dst.ImportBackup(ctx, bk)
	if err != nil || len(res.Imported) != 1 {
		t.Fatalf("ImportBackup: %+v, %v", res, err)
	}
	bk.Close()
	if _, err := dst.ImportBackup(ctx, bk); !errors.Is(err, wallet.ErrBackup) {
		t.Fatalf("ImportBackup after Close: %v", err)
	}
}
