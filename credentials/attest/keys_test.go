package attest_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/attest"
	"github.com/loopbrug/paspoort/credentials/pki"
	"github.com/loopbrug/paspoort/internal/jose"
)

func TestVerifyKeyAttestation(t *testing.T) {
	must := signed(t)
	f := newFixture(t)
	now := time.Now().Truncate(time.Second)
	k1, k2 := newKey(t), newKey(t)
	good := attest.KeyAttestation{
		Issuer: provider, IssuedAt: now.Add(-time.Minute), Expires: now.Add(time.Hour),
		Keys: []*jose.PublicKey{k1.Public(), k2.Public()}, KeyStorage: []string{attest.ISO18045Moderate},
		UserAuthentication: []string{attest.ISO18045Moderate}, Nonce: "n-1",
	}
	sign := func(mod func(*attest.KeyAttestation)) string {
		a := good
		if mod != nil {
			mod(&a)
		}
		return must(attest.SignKeyAttestation(f.signer, a))
	}
	tests := []struct {
		name      string
		raw       string
		policy    func(*attest.KeyPolicy)
		want      error
		wantClass error
	}{
		{name: "valid", raw: sign(nil)},
		{name: "valid with the issuer's protection levels", raw: sign(nil), policy: func(p *attest.KeyPolicy) {
			p.KeyStorage = []string{attest.ISO18045High, attest.ISO18045Moderate}
			p.UserAuthentication = []string{attest.ISO18045Moderate}
		}},
		{name: "untrusted attester", raw: must(attest.SignKeyAttestation(f.other, good)), want: pki.ErrUntrusted, wantClass: credentials.ErrTrust},
		{name: "wrong typ", raw: signRaw(t, f.signer.Key, attest.TypClientAttestation, x5c(f.signer), keyClaims(t, now, k1)), want: jose.ErrWrongType, wantClass: credentials.ErrType},
		{name: "no x5c", raw: signRaw(t, f.signer.Key, attest.TypKeyAttestation, nil, keyClaims(t, now, k1)), want: attest.ErrNoCertificate, wantClass: credentials.ErrTrust},
		{name: "expired", raw: sign(func(a *attest.KeyAttestation) { a.Expires = now.Add(-5 * time.Minute) }), want: attest.ErrExpired, wantClass: credentials.ErrClaim},
		{name: "issued too long ago", raw: sign(func(a *attest.KeyAttestation) { a.IssuedAt = now.Add(-time.Hour) }), want: attest.ErrStale, wantClass: credentials.ErrClaim},
		{name: "issued in the future", raw: sign(func(a *attest.KeyAttestation) { a.IssuedAt = now.Add(time.Hour) }), want: attest.ErrExpired, wantClass: credentials.ErrClaim},
		{name: "no exp in a jwt proof", raw: sign(func(a *attest.KeyAttestation) { a.Expires = time.Time{} }),
			policy: func(p *attest.KeyPolicy) { p.RequireExp = true }, want: attest.ErrMalformed, wantClass: credentials.ErrFormat},
		{name: "another nonce", raw: sign(nil), policy: func(p *attest.KeyPolicy) { p.Nonce = "n-2" }, want: attest.ErrNonce, wantClass: credentials.ErrClaim},
		{name: "no nonce when one was given", raw: sign(func(a *attest.KeyAttestation) { a.Nonce = "" }),
			policy: func(p *attest.KeyPolicy) { p.Nonce = "n-1" }, want: attest.ErrNonce, wantClass: credentials.ErrClaim},
		{name: "key storage too weak", raw: sign(func(a *attest.KeyAttestation) { a.KeyStorage = []string{attest.ISO18045Basic} }),
			policy: func(p *attest.KeyPolicy) { p.KeyStorage = []string{attest.ISO18045High} }, want: attest.ErrKeyStorage, wantClass: credentials.ErrTrust},
		{name: "no key storage when required", raw: sign(func(a *attest.KeyAttestation) { a.KeyStorage = nil }),
			policy: func(p *attest.KeyPolicy) { p.KeyStorage = []string{attest.ISO18045High} }, want: attest.ErrKeyStorage, wantClass: credentials.ErrTrust},
		{name: "user authentication too weak", raw: sign(nil),
			policy: func(p *attest.KeyPolicy) { p.UserAuthentication = []string{attest.ISO18045High} }, want: attest.ErrKeyStorage, wantClass: credentials.ErrTrust},
		{name: "empty attested_keys", raw: signRaw(t, f.signer.Key, attest.TypKeyAttestation, x5c(f.signer), fmt.Sprintf(`{"iat":%d,"attested_keys":[]}`, now.Unix())),
			want: attest.ErrMalformed, wantClass: credentials.ErrFormat},
		{name: "private attested key", raw: signRaw(t, f.signer.Key, attest.TypKeyAttestation, x5c(f.signer), fmt.Sprintf(`{"iat":%d,"attested_keys":[%s]}`, now.Unix(), privateJWK(t, k1))),
			want: attest.ErrPrivateKey, wantClass: credentials.ErrFormat},
		{name: "key_storage not an array", raw: signRaw(t, f.signer.Key, attest.TypKeyAttestation, x5c(f.signer), fmt.Sprintf(`{"iat":%d,"attested_keys":[%s],"key_storage":"iso_18045_high"}`, now.Unix(), publicJWK(t, k1))),
			want: attest.ErrMalformed, wantClass: credentials.ErrFormat},
		{name: "iat a string", raw: signRaw(t, f.signer.Key, attest.TypKeyAttestation, x5c(f.signer), fmt.Sprintf(`{"iat":"%d","attested_keys":[%s]}`, now.Unix(), publicJWK(t, k1))),
			want: attest.ErrMalformed, wantClass: credentials.ErrFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := attest.KeyPolicy{Anchors: f.anchors, Algs: []jose.Alg{jose.ES256}, Now: now}
			if tt.policy != nil {
				tt.policy(&p)
			}
			got, err := attest.VerifyKeyAttestation(tt.raw, p)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("VerifyKeyAttestation: %v", err)
				}
				if !got.Attests(k1.Public()) || !got.Attests(k2.Public()) || got.Attests(newKey(t).Public()) {
					t.Fatal("Attests is wrong")
				}
				if err := got.CheckProofKey(newKey(t).Public()); !errors.Is(err, attest.ErrNotAttested) || !errors.Is(err, credentials.ErrKeyBinding) {
					t.Fatalf("CheckProofKey(unattested) = %v", err)
				}
				if got.Attester == nil || got.Issuer != provider {
					t.Fatalf("attester %v, issuer %q", got.Attester, got.Issuer)
				}
				return
			}
			if !errors.Is(err, tt.want) || !errors.Is(err, tt.wantClass) {
				t.Fatalf("err = %v, want %v (class %v)", err, tt.want, tt.wantClass)
			}
		})
	}
}

func TestSignKeyAttestationBounds(t *testing.T) {
	f := newFixture(t)
	many := make([]*jose.PublicKey, attest.MaxAttestedKeys+1)
	for i := range many {
		many[i] = newKey(t).Public()
	}
	for name, keys := range map[string][]*jose.PublicKey{"none": nil, "too many": many} {
		if _, err := attest.SignKeyAttestation(f.signer, attest.KeyAttestation{Keys: keys}); !errors.Is(err, attest.ErrMalformed) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func keyClaims(t testing.TB, now time.Time, k *jose.PrivateKey) string {
	return fmt.Sprintf(`{"iat":%d,"attested_keys":[%s]}`, now.Unix(), publicJWK(t, k))
}
