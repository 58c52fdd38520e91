package registry_test

import (
	"os"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials/registry"
	"github.com/loopbrug/paspoort/internal/jose"
)

var t0 = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

func newKey(t testing.TB) *jose.PrivateKey {
	t.Helper()
	k, err := jose.GenerateKey(jose.ES256)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// baseDoc returns a valid version-1 document naming next as next key.
func baseDoc(next ...*jose.PrivateKey) *registry.Document {
	d := &registry.Document{
		Consortium: registry.Consortium{ID: "https://register.example.nl", Name: registry.Text{NL: "Proefconsortium", EN: "Test consortium"}},
		Version:    1,
		IssuedAt:   t0.Unix(),
		Expires:    t0.Add(30 * 24 * time.Hour).Unix(),
		Issuers: []registry.Issuer{
			{ID: "did:web:assessor.example.nl", Name: registry.Text{NL: "Toetsbureau", EN: "Assessment office"}, Kind: registry.KindAssessor, Types: []string{"skill", "level"}},
			{ID: "https://hogeschool.example.nl", Name: registry.Text{NL: "Hogeschool", EN: "University of applied sciences"}, Kind: registry.KindSchool, Types: []string{"learning"}},
		},
		Verifiers: []registry.Verifier{{
			ClientID: "decentralized_identifier:did:web:pabo.example.nl", Name: registry.Text{NL: "Pabo", EN: "Teacher college"}, Kind: registry.KindAdmission,
			Profiles: []registry.ProfileEntry{{ID: "pabo-zij-instroom", Versions: "1.x", Claims: []registry.Claim{
				{Type: "skill", Paths: [][]string{{"skill"}, {"proficiency"}}},
				{Type: "level", Paths: [][]string{{"level"}}},
			}}},
		}},
	}
	for _, k := range next {
		d.NextKeys = append(d.NextKeys, registry.Key{PublicKey: k.Public()})
	}
	return d
}

func sign(t testing.TB, d *registry.Document, k *jose.PrivateKey) string {
	t.Helper()
	tok, err := registry.Sign(d, k)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// next returns a copy of prev's document as the following version.
func next(prev *registry.Document, prevTok string, keys ...*jose.PrivateKey) *registry.Document {
	d := *prev
	d.Version++
	d.Prev = registry.Hash(prevTok)
	d.IssuedAt++
	d.Expires += 3600
	d.NextKeys = nil
	for _, k := range keys {
		d.NextKeys = append(d.NextKeys, registry.Key{PublicKey: k.Public()})
	}
	return &d
}

func follower(t testing.TB, pinned ...*jose.PrivateKey) *registry.Follower {
	t.Helper()
	var pubs []*jose.PublicKey
	for _, k := range pinned {
		pubs = append(pubs, k.Public())
	}
	f, err := registry.NewFollower(pubs)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
