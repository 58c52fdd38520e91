package wallet_test

import (
	"errors"
	"strings"
	"testing"

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
	for _, tt := range []struct {
		name, data, pass string
		want             error
	}{
		{"wrong passphrase", backup, "another passphrase", wallet.ErrWrongPassphrase},
		{"tampered ciphertext", tamper(backup), "backup passphrase", wallet.ErrWrongPassphrase},
		{"not a JWE", "hello", "backup passphrase", wallet.ErrBackup},
		{"KDF out of bounds", hugeKDF, "backup passphrase", wallet.ErrBadHeader},
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
