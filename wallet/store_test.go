package wallet_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/sdjwt"
	"github.com/loopbrug/paspoort/wallet"
)

func TestInitOpenAndPassphrases(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "w")
	iss := newTestIssuer(t, "https://assessor.example")
	w := initWallet(t, dir, wallet.WithIssuerKeys(iss.keys()))
	c, err := w.Add(ctx, iss.issue(t, w, "skill", example(t, "skill", nil), 2), wallet.Meta{IssuerName: "Assessor"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Type != "skill" || c.Copies != 2 || c.Unused != 2 || c.Issuer != iss.iss {
		t.Fatalf("credential %+v", c)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		dir  string
		pass string
		want error
	}{
		{"right passphrase", dir, testPass, nil},
		{"wrong passphrase", dir, "not the passphrase", wallet.ErrWrongPassphrase},
		{"empty passphrase", dir, "", wallet.ErrWrongPassphrase},
		{"no wallet", filepath.Join(t.TempDir(), "none"), testPass, wallet.ErrNotInitialised},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := wallet.OpenDir(ctx, tt.dir, []byte(tt.pass), wallet.WithIssuerKeys(iss.keys()))
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if err != nil {
				if _, serr := os.Stat(tt.dir); tt.want == wallet.ErrNotInitialised && serr == nil {
					t.Fatal("opening a missing wallet created its folder")
				}
				return
			}
			defer w.Close()
			got, err := w.Credential(c.ID)
			if err != nil || got.VCT != c.VCT || got.IssuerName != "Assessor" {
				t.Fatalf("after reopen: %+v, %v", got, err)
			}
		})
	}

	// init refuses to overwrite, and the wallet is still there after it
	if _, err := wallet.Init(ctx, dir, []byte("another passphrase")); !errors.Is(err, wallet.ErrExists) {
		t.Fatalf("second init: %v", err)
	}
	w = openWallet(t, dir)
	if len(w.Credentials()) != 1 {
		t.Fatal("credential lost after a refused init")
	}
	// change the passphrase: the old one stops working
	if err := w.ChangePassphrase(ctx, []byte("wrong old passphrase"), []byte("new passphrase!")); !errors.Is(err, wallet.ErrWrongPassphrase) {
		t.Fatalf("change with a wrong old passphrase: %v", err)
	}
	if err := w.ChangePassphrase(ctx, []byte(testPass), []byte("short")); !errors.Is(err, wallet.ErrPassphrase) {
		t.Fatalf("short new passphrase: %v", err)
	}
	if err := w.ChangePassphrase(ctx, []byte(testPass), []byte("new passphrase!")); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if _, err := wallet.OpenDir(ctx, dir, []byte(testPass)); !errors.Is(err, wallet.ErrWrongPassphrase) {
		t.Fatalf("old passphrase after change: %v", err)
	}
	w, err = wallet.OpenDir(ctx, dir, []byte("new passphrase!"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Credential(c.ID); err != nil {
		t.Fatal(err)
	}
	w.Close()
}

func TestKDFParamsBounded(t *testing.T) {
	for _, p := range []wallet.KDFParams{
		{Time: 0, MemoryKiB: 64 << 10, Threads: 1},
		{Time: 100, MemoryKiB: 64 << 10, Threads: 1},
		{Time: 1, MemoryKiB: 1, Threads: 1},
		{Time: 1, MemoryKiB: 4 << 20, Threads: 1},
		{Time: 1, MemoryKiB: 64 << 10, Threads: 0},
		{Time: 1, MemoryKiB: 64 << 10, Threads: 255},
		// each bound kept, the total cost (time × memory) not: the review's
		// hostile backup header (1.1 GB, over 60 s), and its neighbours
		{Time: wallet.MaxKDFTime, MemoryKiB: wallet.MaxKDFMemoryKiB, Threads: 4},
		{Time: 1, MemoryKiB: wallet.MaxKDFMemoryKiB, Threads: 1},
		{Time: 13, MemoryKiB: 64 << 10, Threads: 4},
		{Time: 4, MemoryKiB: 192<<10 + 1, Threads: 4},
	} {
		if err := p.Check(); !errors.Is(err, wallet.ErrBadHeader) {
			t.Errorf("%+v: %v", p, err)
		}
	}
	for _, p := range []wallet.KDFParams{
		wallet.DefaultKDFParams,
		{Time: 12, MemoryKiB: 64 << 10, Threads: 4}, // 4 × the default's cost
		{Time: 4, MemoryKiB: 192 << 10, Threads: 4},
		{Time: 1, MemoryKiB: wallet.MinKDFMemoryKiB, Threads: 1},
	} {
		if err := p.Check(); err != nil {
			t.Errorf("%+v: %v", p, err)
		}
	}
}

// A tampered header (parameters out of bounds) is refused before any key is
// derived; one with parameters changed within bounds does not unwrap.
func TestTamperedHeader(t *testing.T) {
	dir := t.TempDir()
	initWallet(t, dir).Close()
	st, err := wallet.OpenStore(dir, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	hdr, err := st.Get(ctx, wallet.Ref{Kind: wallet.KindHeader, ID: "header"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		old, new string
		want     error
	}{
		{`"m":8192`, `"m":1073741824`, wallet.ErrBadHeader},
		{`"t":1`, `"t":4000000000`, wallet.ErrBadHeader},
		{`"t":1`, `"t":2`, wallet.ErrWrongPassphrase},
		{`"alg":"argon2id"`, `"alg":"pbkdf2"`, wallet.ErrBadHeader},
		{`"version":1`, `"version":1,"version":2`, wallet.ErrBadHeader},
	} {
		bad := strings.Replace(string(hdr), tc.old, tc.new, 1)
		if bad == string(hdr) {
			t.Fatalf("%s not in header %s", tc.old, hdr)
		}
		if err := st.Apply(ctx, wallet.Batch{Put: []wallet.Record{{Kind: wallet.KindHeader, ID: "header", Value: []byte(bad)}}}); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		_, err := wallet.Open(ctx, st, []byte(testPass))
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.new, err, tc.want)
		}
		if time.Since(start) > 30*time.Second { // a hang guard (the KDF bounds refuse before deriving)
			t.Errorf("%s: took %v", tc.new, time.Since(start))
		}
	}
}

// A record moved to another id, or flipped, does not open.
func TestRecordsAreBound(t *testing.T) {
	dir := t.TempDir()
	iss := newTestIssuer(t, "https://assessor.example")
	w := initWallet(t, dir, wallet.WithIssuerKeys(iss.keys()))
	a, err := w.Add(ctx, iss.issue(t, w, "skill", example(t, "skill", nil), 1), wallet.Meta{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := w.Add(ctx, iss.issue(t, w, "talent", example(t, "talent", nil), 1), wallet.Meta{})
	if err != nil {
		t.Fatal(err)
	}
	st := w.Store()
	for _, tc := range []struct {
		name   string
		mutate func(v []byte) []byte
		kind   wallet.Kind
	}{
		{"moved credential", nil, wallet.KindCredential},
		{"moved key", nil, wallet.KindDEK},
		{"flipped bit", func(v []byte) []byte { v = bytes.Clone(v); v[len(v)/2] ^= 1; return v }, wallet.KindCredential},
	} {
		t.Run(tc.name, func(t *testing.T) {
			orig, err := st.Get(ctx, wallet.Ref{Kind: tc.kind, ID: b.ID})
			if err != nil {
				t.Fatal(err)
			}
			v := orig
			if tc.mutate != nil {
				v = tc.mutate(orig)
			} else if v, err = st.Get(ctx, wallet.Ref{Kind: tc.kind, ID: a.ID}); err != nil {
				t.Fatal(err)
			}
			put := func(v []byte) {
				if err := st.Apply(ctx, wallet.Batch{Put: []wallet.Record{{Kind: tc.kind, ID: b.ID, Value: v}}}); err != nil {
					t.Fatal(err)
				}
			}
			put(v)
			if _, err := wallet.Open(ctx, st, []byte(testPass)); !errors.Is(err, wallet.ErrCorrupt) {
				t.Fatalf("err = %v, want ErrCorrupt", err)
			}
			put(orig)
			if _, err := wallet.Open(ctx, st, []byte(testPass)); err != nil {
				t.Fatal(err)
			}
		})
	}
	w.Close()
}

// Nothing invalid is stored (SECURITY.md B.21).
func TestAddRefusesInvalid(t *testing.T) {
	iss := newTestIssuer(t, "https://assessor.example")
	other := newTestIssuer(t, "https://assessor.example")
	w := initWallet(t, t.TempDir(), wallet.WithIssuerKeys(iss.keys()))
	defer w.Close()
	good := iss.issue(t, w, "skill", example(t, "skill", nil), 1)[0]
	foreignKey, _ := w.NewHolderKey()
	tests := []struct {
		name   string
		copies []wallet.Copy
		want   error
	}{
		{"forged signature", []wallet.Copy{other.issue(t, w, "skill", example(t, "skill", nil), 1)[0]}, credentials.ErrSignature},
		{"cnf not our key", []wallet.Copy{{SDJWT: good.SDJWT, Key: foreignKey}}, credentials.ErrKeyBinding},
		{"truncated disclosures", []wallet.Copy{{SDJWT: good.SDJWT[:strings.LastIndex(good.SDJWT[:len(good.SDJWT)-1], "~")+1] + "AAAA~", Key: good.Key}}, credentials.ErrFormat},
		{"KB-JWT from the issuer", []wallet.Copy{{SDJWT: mustPresent(t, good), Key: good.Key}}, credentials.ErrFormat},
		{"copies disagree", []wallet.Copy{good, iss.issue(t, w, "skill", example(t, "skill", map[string]any{"proficiency": 5}), 1)[0]}, wallet.ErrInconsistent},
		{"no copies", nil, wallet.ErrInconsistent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := w.Add(ctx, tt.copies, wallet.Meta{})
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if n := len(w.Credentials()); n != 0 {
				t.Fatalf("%d credentials stored", n)
			}
		})
	}
}

func mustPresent(t *testing.T, c wallet.Copy) string {
	t.Helper()
	p, err := sdjwt.Present(c.SDJWT, sdjwt.SelectAll, &sdjwt.KeyBindingOptions{Key: c.Key, Audience: "x", Nonce: "n"})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// No claim value, disclosure, SD-JWT or key appears in plaintext anywhere in
// the data folder (issue 4, "Done means").
func TestNoPlaintextOnDisk(t *testing.T) {
	dir := t.TempDir()
	iss := newTestIssuer(t, "https://assessor.example")
	w := initWallet(t, dir, wallet.WithIssuerKeys(iss.keys()))
	const secret = "Zeer-Geheime-Bewijsvoering-7731"
	var copies []wallet.Copy
	for range 20 {
		cs := iss.issue(t, w, "skill", example(t, "skill", map[string]any{"evidence": secret}), 3)
		if _, err := w.Add(ctx, cs, wallet.Meta{}); err != nil {
			t.Fatal(err)
		}
		copies = append(copies, cs...)
	}
	if _, err := w.Record(ctx, wallet.Presentation{Verifier: "decentralized_identifier:did:web:school.example", Purpose: secret + "-purpose"}); err != nil {
		t.Fatal(err)
	}
	w.Close()

	needles := map[string][]byte{"claim value": []byte(secret), "purpose": []byte(secret + "-purpose"), "skill label": []byte("give constructive feedback")}
	for i, c := range copies[:6] {
		parts := strings.Split(c.SDJWT, "~")
		needles["issuer-signed JWT "+string(rune('a'+i))] = []byte(parts[0][len(parts[0])-40:])
		needles["disclosure "+string(rune('a'+i))] = []byte(parts[1])
		kj, _ := c.Key.MarshalJSON()
		d := strings.Split(strings.Split(string(kj), `"d":"`)[1], `"`)[0]
		raw, _ := base64.RawURLEncoding.DecodeString(d)
		needles["key d "+string(rune('a'+i))] = []byte(d)
		needles["key raw "+string(rune('a'+i))] = raw
	}
	files := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for name, n := range needles {
			if bytes.Contains(b, n) {
				t.Errorf("%s in plaintext in %s", name, filepath.Base(p))
			}
		}
		return nil
	})
	if err != nil || files == 0 {
		t.Fatalf("walk: %d files, %v", files, err)
	}
}
