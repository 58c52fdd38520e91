package attest_test

import (
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials/attest"
	"github.com/loopbrug/paspoort/credentials/pki"
	"github.com/loopbrug/paspoort/internal/jose"
)

var update = flag.Bool("update", false, "rewrite testdata/ with fresh attestations")

// seeds are the stored inputs of the fuzz targets: a wallet provider's
// anchor, a wallet attestation with its PoP, and a key attestation, all
// valid at the stored time.
type seeds struct {
	anchors      *pki.Anchors
	now          time.Time
	att, pop, ka string
}

func loadSeeds(t testing.TB) seeds {
	t.Helper()
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(b))
	}
	anchors, err := pki.ParseAnchorsPEM([]byte(read("anchor.pem")))
	if err != nil {
		t.Fatal(err)
	}
	sec, err := strconv.ParseInt(read("now.txt"), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	client := strings.Split(read("client-attestation.txt"), "\n")
	if len(client) != 2 {
		t.Fatal("client-attestation.txt holds the attestation and the PoP, one per line")
	}
	return seeds{anchors: anchors, now: time.Unix(sec, 0), att: client[0], pop: client[1], ka: read("key-attestation.txt")}
}

// TestSeeds keeps the stored seeds valid (go test -run TestSeeds -update
// rewrites them).
func TestSeeds(t *testing.T) {
	if *update {
		writeSeeds(t)
	}
	s := loadSeeds(t)
	if _, err := attest.VerifyClient(s.att, s.pop, clientPolicy(s)); err != nil {
		t.Fatalf("stored client attestation: %v", err)
	}
	if _, err := attest.VerifyKeyAttestation(s.ka, keyPolicy(s)); err != nil {
		t.Fatalf("stored key attestation: %v", err)
	}
}

func writeSeeds(t *testing.T) {
	auth, signer := newProvider(t)
	now := time.Now().Truncate(time.Second)
	instance, bound := newKey(t), newKey(t)
	must := signed(t)
	att := must(attest.SignWalletAttestation(signer, attest.WalletAttestation{Provider: provider, ClientID: clientID, Key: instance.Public(), IssuedAt: now, Expires: now.Add(24 * time.Hour), WalletName: "paspoort"}))
	pop := must(attest.SignPoP(instance, attest.PoPOptions{ClientID: clientID, Audience: as, Challenge: "c-1", IssuedAt: now}))
	ka := must(attest.SignKeyAttestation(signer, attest.KeyAttestation{Issuer: provider, IssuedAt: now, Expires: now.Add(time.Hour), Keys: []*jose.PublicKey{bound.Public()}, KeyStorage: []string{attest.ISO18045Moderate}, Nonce: "n-1"}))
	files := map[string]string{
		"anchor.pem":             string(pki.EncodePEM(auth.Cert)),
		"now.txt":                strconv.FormatInt(now.Unix(), 10) + "\n",
		"client-attestation.txt": att + "\n" + pop + "\n",
		"key-attestation.txt":    ka + "\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join("testdata", name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func clientPolicy(s seeds) attest.ClientPolicy {
	return attest.ClientPolicy{Anchors: s.anchors, Algs: []jose.Alg{jose.ES256}, Audience: as, Now: s.now, Challenge: only("c-1")}
}

func keyPolicy(s seeds) attest.KeyPolicy {
	return attest.KeyPolicy{Anchors: s.anchors, Algs: []jose.Alg{jose.ES256}, Now: s.now, Nonce: "n-1", RequireExp: true}
}

// FuzzVerifyClient: no input panics, and whatever passes names a client,
// a provider certificate and an instance key.
func FuzzVerifyClient(f *testing.F) {
	s := loadSeeds(f)
	f.Add(s.att, s.pop)
	f.Add(s.pop, s.att)
	f.Add(s.att, "")
	f.Add(s.att+"x", s.pop)
	f.Fuzz(func(t *testing.T, att, pop string) {
		c, err := attest.VerifyClient(att, pop, clientPolicy(s))
		if err != nil {
			return
		}
		if c.ClientID != clientID || c.Key == nil || c.ProviderCertificate == nil {
			t.Fatalf("accepted without a client: %+v", c)
		}
	})
}

// FuzzVerifyKeyAttestation: no input panics, and whatever passes attests
// at least one public key and carries the c_nonce.
func FuzzVerifyKeyAttestation(f *testing.F) {
	s := loadSeeds(f)
	f.Add(s.ka)
	f.Add(s.att)
	f.Add(s.ka[:len(s.ka)/2])
	f.Fuzz(func(t *testing.T, raw string) {
		a, err := attest.VerifyKeyAttestation(raw, keyPolicy(s))
		if err != nil {
			return
		}
		if len(a.Keys) == 0 || a.Nonce != "n-1" || a.Expires.IsZero() {
			t.Fatalf("accepted an incomplete key attestation: %+v", a)
		}
	})
}
