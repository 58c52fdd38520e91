package consortium_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/consortium"
	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/registry"
	"github.com/loopbrug/paspoort/internal/jose"
)

var (
	t0   = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	pass = []byte("een lange wachtwoordzin")
	cons = registry.Consortium{ID: "https://register.example.nl", Name: registry.Text{NL: "Loopbrugconsortium", EN: "Loopbrug consortium"}}
)

func newFolder(t *testing.T) *consortium.Folder {
	t.Helper()
	f, err := consortium.Init(filepath.Join(t.TempDir(), "c"), cons, pass)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.AddIssuer(registry.Issuer{ID: "did:web:toets.example.nl", Name: registry.Text{NL: "Toetsbureau", EN: "Assessment office"}, Kind: registry.KindAssessor, Types: []string{"skill"}}); err != nil {
		t.Fatal(err)
	}
	if err := f.AddVerifier(registry.Verifier{ClientID: "decentralized_identifier:did:web:ns.example.nl", Name: registry.Text{NL: "NS", EN: "NS"}, Kind: registry.KindHiring,
		Profiles: []registry.ProfileEntry{{ID: "conducteur", Versions: "1.x", Claims: []registry.Claim{{Type: "skill", Paths: [][]string{{"skill"}}}}}}}); err != nil {
		t.Fatal(err)
	}
	return f
}

func pinned(t *testing.T, f *consortium.Folder) *registry.Follower {
	t.Helper()
	k, err := f.PublicKey(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	fl, err := registry.NewFollower([]*jose.PublicKey{k}, registry.WithConsortium(cons.ID))
	if err != nil {
		t.Fatal(err)
	}
	return fl
}

func TestFolderSignRotateFollow(t *testing.T) {
	f := newFolder(t)
	fl := pinned(t, f)
	r1, err := f.Sign(pass, consortium.SignOptions{Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fl.Accept([]byte(r1.Token), t0); err != nil {
		t.Fatalf("v1: %v", err)
	}
	r2, err := f.Sign(pass, consortium.SignOptions{Now: t0.Add(time.Minute), Rotate: true})
	if err != nil {
		t.Fatal(err)
	}
	if r2.KeyID != r1.KeyID || r2.NextKeys[0].KeyID() == r1.KeyID {
		t.Fatalf("rotation: v2 signed by %s names %s", r2.KeyID, r2.NextKeys[0].KeyID())
	}
	if err := f.Remove("did:web:toets.example.nl"); err != nil {
		t.Fatal(err)
	}
	r3, err := f.Sign(pass, consortium.SignOptions{Now: t0.Add(2 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if r3.KeyID != r2.NextKeys[0].KeyID() {
		t.Fatalf("v3 signed by %s, want the rotated-in key", r3.KeyID)
	}
	src := func(ctx context.Context, n uint64) ([]byte, error) { return f.Version(ctx, n) }
	_, latest, err := f.Latest(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	r, err := fl.Update(context.Background(), latest, src, t0.Add(time.Hour))
	if err != nil {
		t.Fatalf("follow v2 and v3: %v", err)
	}
	if r.Version != 3 || len(r.Issuers) != 0 {
		t.Fatalf("followed to %d with %d issuers", r.Version, len(r.Issuers))
	}
	// A new follower pins the key that signed the latest version.
	if k, _ := f.PublicKey(context.Background()); k.KeyID() != r3.KeyID {
		t.Fatalf("register-key.json is %s, want %s", k.KeyID(), r3.KeyID)
	}
}

func TestFolderRefuses(t *testing.T) {
	f := newFolder(t)
	dup := registry.Issuer{ID: "did:web:toets.example.nl", Name: registry.Text{NL: "x", EN: "x"}, Kind: registry.KindSchool, Types: []string{"learning"}}
	tests := []struct {
		name    string
		do      func() error
		wantErr error
	}{
		{"init again", func() error { _, err := consortium.Init(f.Dir(), cons, pass); return err }, consortium.ErrFolderExists},
		{"short passphrase", func() error {
			_, err := consortium.Init(filepath.Join(t.TempDir(), "x"), cons, []byte("kort"))
			return err
		}, consortium.ErrShortPassphrase},
		{"http consortium", func() error {
			_, err := consortium.Init(filepath.Join(t.TempDir(), "x"), registry.Consortium{ID: "http://x.example", Name: cons.Name}, pass)
			return err
		}, registry.ErrMalformed},
		{"duplicated issuer", func() error { return f.AddIssuer(dup) }, registry.ErrDuplicateMember},
		{"remove unknown", func() error { return f.Remove("did:web:nobody.example") }, consortium.ErrNotFound},
		{"wrong passphrase", func() error { _, err := f.Sign([]byte("niet de goede zin"), consortium.SignOptions{}); return err }, consortium.ErrWrongPassphrase},
		{"open nothing", func() error { _, err := consortium.Open(t.TempDir()); return err }, consortium.ErrNoFolder},
		{"latest before signing", func() error { _, _, err := f.Latest(context.Background()); return err }, consortium.ErrNotSigned},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.do(); !errors.Is(err, tt.wantErr) {
				t.Fatalf("got %v, want %v", err, tt.wantErr)
			}
		})
	}
	if errors.Is(consortium.ErrWrongPassphrase, credentials.ErrSignature) != true {
		t.Fatal("ErrWrongPassphrase is not SIG")
	}
}

// TestSignRefusesAnUnannouncedKey: a folder whose key was swapped by hand
// does not sign a version followers would refuse.
func TestSignRefusesAnUnannouncedKey(t *testing.T) {
	f := newFolder(t)
	if _, err := f.Sign(pass, consortium.SignOptions{Now: t0}); err != nil {
		t.Fatal(err)
	}
	k, err := jose.GenerateKey(jose.ES256)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := consortium.SealKey(k, pass)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(f.Dir(), "keys", "signing.sealed"), sealed, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Sign(pass, consortium.SignOptions{Now: t0}); !errors.Is(err, registry.ErrUnannouncedKey) {
		t.Fatalf("Sign with a swapped key: %v", err)
	}
}

func TestSealedKeyTampered(t *testing.T) {
	k, err := jose.GenerateKey(jose.ES256)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := consortium.SealKey(k, pass)
	if err != nil {
		t.Fatal(err)
	}
	got, err := consortium.OpenKey(sealed, pass)
	if err != nil || got.KeyID() != k.KeyID() {
		t.Fatalf("OpenKey = %v, %v", got, err)
	}
	tests := []struct {
		name    string
		data    []byte
		wantErr error
	}{
		{"wrong passphrase", sealed, consortium.ErrWrongPassphrase},
		{"huge argon2 memory", []byte(`{"format":"paspoort-sealed-key-1","kid":"x","t":16,"m":1048576,"p":4,"salt":"AAAAAAAAAAAAAAAAAAAAAA==","sealed":""}`), consortium.ErrBadSealedKey},
		{"not JSON", []byte("d"), consortium.ErrBadSealedKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := consortium.OpenKey(tt.data, []byte("een andere wachtwoordzin")); !errors.Is(err, tt.wantErr) {
				t.Fatalf("OpenKey = %v, want %v", err, tt.wantErr)
			}
		})
	}
}
