package statuslist_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/loopbrug/paspoort/credentials/statuslist"
	"github.com/loopbrug/paspoort/internal/jose"
)

// An issuer revokes one credential and publishes the list; a verifier reads
// the credential's reference, verifies the fetched token and checks it.
func Example() {
	// Issuer.
	key, err := jose.GenerateKey(jose.ES256)
	if err != nil {
		panic(err)
	}
	list, err := statuslist.New(2, 1<<17)
	if err != nil {
		panic(err)
	}
	if err := list.Set(4711, statuslist.Invalid); err != nil {
		panic(err)
	}
	issued := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	raw, err := statuslist.SignToken(key, statuslist.Token{
		Subject:  "https://issuer.example/statuslists/1",
		IssuedAt: issued,
		Expires:  issued.Add(24 * time.Hour),
		TTL:      time.Hour,
		List:     list,
	})
	if err != nil {
		panic(err)
	}

	// Verifier: the credential's "status" claim.
	ref, err := statuslist.ParseReference([]byte(`{"status_list":{"idx":4711,"uri":"https://issuer.example/statuslists/1"}}`))
	if err != nil {
		panic(err)
	}
	// ... fetch raw from ref.URI with internal/safehttp ...
	tok, err := statuslist.VerifyToken(raw, key.Public(), statuslist.VerifyOptions{
		URI:        ref.URI,
		Algs:       jose.DefaultAlgs,
		Now:        issued.Add(time.Minute),
		MinEntries: statuslist.HerdPrivacyMinEntries,
	})
	if err != nil {
		panic(err)
	}
	s, err := statuslist.Check(ref, tok)
	fmt.Println(s, errors.Is(err, statuslist.ErrRevoked), tok.TTL)
	// Output: INVALID true 1h0m0s
}
