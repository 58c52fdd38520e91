package wallet

// The fuzz targets are white-box (package wallet): the wallet header and
// backup parsers are unexported stages of Open and Import, and fuzzing them
// directly keeps argon2id (whose parameters a mutated input controls,
// within bounds up to 1 GiB) out of the loop. FuzzImport runs the whole of
// Import, skipping inputs whose parameters would make one run expensive.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/credentials/sdjwtvc"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/kv"
)

var update = flag.Bool("update", false, "rewrite the wallet's testdata seeds")

// Seeds in testdata: valid ones written by this package (refreshed with
// -update), and negative ones written by hand.
const (
	seedPassphrase       = "correct horse battery staple"
	seedBackupPassphrase = "backup passphrase"
)

var seedKDF = KDFParams{Time: 1, MemoryKiB: MinKDFMemoryKiB, Threads: 1}

// memWallet returns a new wallet in an in-memory badger store.
func memWallet(t testing.TB, opts ...Option) *Wallet {
	t.Helper()
	db, err := kv.Open(kv.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	w, err := Create(context.Background(), &BadgerStore{db: db}, []byte(seedPassphrase), append([]Option{WithKDFParams(seedKDF)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

// writeSeeds writes testdata/header-valid.json and testdata/backup-valid.jwe:
// a wallet header, and the backup of a wallet holding one skill credential
// in two copies and one history entry.
func writeSeeds(t *testing.T) {
	ctx := context.Background()
	issuerKey, _ := jose.GenerateKey(jose.ES256)
	const iss = "https://assessor.example"
	w := memWallet(t, WithIssuerKeys(sdjwtvc.StaticKeys{iss: {issuerKey.Public()}}))
	hdr, err := w.store.Get(ctx, Ref{KindHeader, headerID})
	if err != nil {
		t.Fatal(err)
	}
	ty, _ := ppp.Lookup("skill")
	var claims map[string]any
	_ = json.Unmarshal(ty.Example(), &claims)
	var copies []Copy
	for range 2 {
		hk, _ := w.NewHolderKey()
		s, err := sdjwtvc.Issue(issuerKey, sdjwtvc.Credential{Issuer: iss, VCT: ty.VCT, HolderKey: hk.Public(), Claims: claims,
			IssuedAt: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), Decoys: 1})
		if err != nil {
			t.Fatal(err)
		}
		copies = append(copies, Copy{SDJWT: s, Key: hk})
	}
	c, err := w.Add(ctx, copies, Meta{IssuerName: "Assessor BV", ConfigurationID: "skill"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Record(ctx, Presentation{Verifier: "decentralized_identifier:did:web:school.example", Outcome: "sent",
		Credentials: []Shared{{CredentialID: c.ID, QueryID: "skill", VCT: c.VCT, Issuer: iss, Claims: []string{"/skill"}}}}); err != nil {
		t.Fatal(err)
	}
	backup, err := w.Export(ctx, []byte(seedBackupPassphrase))
	if err != nil {
		t.Fatal(err)
	}
	var indented bytes.Buffer
	_ = json.Indent(&indented, hdr, "", "  ")
	for name, data := range map[string][]byte{"header-valid.json": indented.Bytes(), "backup-valid.jwe": []byte(backup)} {
		if err := os.WriteFile(filepath.Join("testdata", name), append(data, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func readSeed(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The seeds are what they claim: the valid header unlocks with the
// documented passphrase, the valid backup imports into a new wallet with
// its credential intact, and each negative seed fails with its error.
// A backup written by an earlier version keeps importing (format
// compatibility). -update rewrites the valid seeds.
func TestSeeds(t *testing.T) {
	if *update {
		writeSeeds(t)
	}
	h, err := parseHeader(readSeed(t, "header-valid.json"))
	if err != nil {
		t.Fatal(err)
	}
	if dk, err := h.unwrap([]byte(seedPassphrase)); err != nil || len(dk) != 32 {
		t.Fatalf("valid header does not unwrap: %v", err)
	}
	w := memWallet(t)
	res, err := w.Import(context.Background(), readSeed(t, "backup-valid.jwe"), []byte(seedBackupPassphrase))
	if err != nil || len(res.Imported) != 1 || res.History != 1 {
		t.Fatalf("valid backup: %+v, %v", res, err)
	}
	c, err := w.Credential(res.Imported[0])
	if err != nil || c.Type != "skill" || c.Copies != 2 || c.IssuerName != "Assessor BV" {
		t.Fatalf("imported %+v, %v", c, err)
	}
	for _, tt := range []struct {
		file string
		want error
	}{
		{"header-kdf-memory-4gib.json", ErrBadHeader},
		{"header-version-2.json", ErrBadHeader},
		{"header-duplicate-member.json", ErrBadHeader},
		{"header-short-salt.json", ErrBadHeader},
	} {
		if _, err := parseHeader(readSeed(t, tt.file)); !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.file, err, tt.want)
		}
	}
	for _, tt := range []struct {
		file string
		want error
	}{
		{"backup-kdf-out-of-bounds.jwe", ErrBadHeader},
		{"backup-no-kdf.jwe", ErrBackup},
		{"backup-not-jwe.txt", ErrBackup},
	} {
		if _, _, err := parseBackupHeader(readSeed(t, tt.file)); !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.file, err, tt.want)
		}
	}
}

// FuzzParseHeader: parseHeader never panics, and what it accepts has KDF
// parameters within bounds and survives a round trip.
func FuzzParseHeader(f *testing.F) {
	for _, name := range []string{"header-valid.json", "header-kdf-memory-4gib.json", "header-version-2.json", "header-duplicate-member.json", "header-short-salt.json"} {
		f.Add(readSeed(f, name))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := parseHeader(b)
		if err != nil {
			if !errors.Is(err, ErrBadHeader) {
				t.Fatalf("error outside ErrBadHeader: %v", err)
			}
			return
		}
		if err := h.KDF.check(); err != nil {
			t.Fatalf("accepted out-of-bounds parameters: %v", err)
		}
		h2, err := parseHeader(h.marshal())
		if err != nil || h2.WalletID != h.WalletID || !bytes.Equal(h2.KDF.aad(), h.KDF.aad()) || !bytes.Equal(h2.WrappedKey, h.WrappedKey) {
			t.Fatalf("round trip: %+v, %v", h2, err)
		}
	})
}

// FuzzBackupHeader: parseBackupHeader never panics, and bounds the
// parameters of what it accepts.
func FuzzBackupHeader(f *testing.F) {
	for _, name := range []string{"backup-valid.jwe", "backup-kdf-out-of-bounds.jwe", "backup-no-kdf.jwe", "backup-not-jwe.txt"} {
		f.Add(readSeed(f, name))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, k, err := parseBackupHeader(b)
		if err != nil {
			if !errors.Is(err, ErrBackup) && !errors.Is(err, ErrBadHeader) {
				t.Fatalf("unexpected error class: %v", err)
			}
			return
		}
		if err := k.check(); err != nil {
			t.Fatalf("accepted out-of-bounds parameters: %v", err)
		}
	})
}

// FuzzDecodeBackup fuzzes the decrypted backup document (what a holder's
// own, but corrupted or hand-edited, backup holds): decodeBackup never
// panics, and every credential it accepts passed checkBackupCredential.
func FuzzDecodeBackup(f *testing.F) {
	_, k, err := parseBackupHeader(readSeed(f, "backup-valid.jwe"))
	if err != nil {
		f.Fatal(err)
	}
	pt, err := jose.DecryptWithKey(string(bytes.TrimSpace(readSeed(f, "backup-valid.jwe"))), k.derive([]byte(seedBackupPassphrase)))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(pt)
	f.Add([]byte(`{"format":"paspoort-wallet-backup/v1","credentials":[{"credential":null,"secret":null}]}`))
	f.Add([]byte(`{"format":"paspoort-wallet-backup/v1","credentials":[{"credential":{"id":"x","copies":1},"secret":{"copies":[{"sd_jwt":"a~","key":{}}]}}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		bf, err := decodeBackup(b)
		if err != nil {
			return
		}
		for _, bc := range bf.Credentials {
			if err := checkBackupCredential(bc); err != nil {
				t.Fatalf("accepted a credential that fails its check: %v", err)
			}
		}
	})
}

// FuzzImport runs Import on mutated backups into one wallet: it never
// panics, and a backup it refuses adds nothing.
func FuzzImport(f *testing.F) {
	for _, name := range []string{"backup-valid.jwe", "backup-kdf-out-of-bounds.jwe", "backup-no-kdf.jwe"} {
		f.Add(readSeed(f, name), []byte(seedBackupPassphrase))
	}
	w := memWallet(f)
	f.Fuzz(func(t *testing.T, b, pass []byte) {
		if _, k, err := parseBackupHeader(b); err == nil && (k.MemoryKiB > 2*MinKDFMemoryKiB || k.Time > 2 || k.Threads > 2) {
			t.Skip("expensive key derivation")
		}
		before := len(w.Credentials())
		res, err := w.Import(context.Background(), b, pass)
		if err != nil && res == nil && len(w.Credentials()) != before {
			t.Fatal("a refused backup added credentials")
		}
	})
}
