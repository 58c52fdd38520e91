package jose

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"math/big"
	"reflect"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jws"

	"github.com/loopbrug/paspoort/internal/strictjson"
)

// jwxES256 returns the jwx signer and verifier that appendSignES256 and
// verifyES256 replace.
func jwxES256(t testing.TB) (jws.Signer, jws.Verifier) {
	s, err := jws.NewSigner(jwa.ES256)
	if err != nil {
		t.Fatal(err)
	}
	v, err := jws.NewVerifier(jwa.ES256)
	if err != nil {
		t.Fatal(err)
	}
	return s, v
}

// es256Cases are signatures at the edges, next to a valid one: zero, the
// group order and one below it, top bits set, leading zero bytes, wrong
// lengths.
func es256Cases(valid []byte) [][]byte {
	order := elliptic.P256().Params().N
	n := order.FillBytes(make([]byte, 32))
	nm1 := new(big.Int).Sub(order, big.NewInt(1)).FillBytes(make([]byte, 32))
	ff := bytes.Repeat([]byte{0xff}, 32)
	zero := make([]byte, 32)
	one := append(make([]byte, 31), 1)
	high := append([]byte{0x80}, make([]byte, 31)...)
	lead := append([]byte{0, 0, 0x7f}, bytes.Repeat([]byte{1}, 29)...)
	cat := func(a, b []byte) []byte { return append(append([]byte{}, a...), b...) }
	flip := bytes.Clone(valid)
	flip[63] ^= 1
	return [][]byte{
		valid, flip, nil, {}, valid[:63], append(bytes.Clone(valid), 0),
		cat(zero, zero), cat(zero, valid[32:]), cat(valid[:32], zero),
		cat(n, n), cat(n, valid[32:]), cat(valid[:32], n), cat(nm1, nm1), cat(valid[:32], nm1),
		cat(ff, ff), cat(one, one), cat(high, high), cat(lead, lead),
		cat(valid[:32], one), cat(high, valid[32:]),
	}
}

// TestES256MatchesJWX checks that the direct ES256 code signs what jwx
// verifies, verifies what jwx signs, and decides every edge case as jwx does.
func TestES256MatchesJWX(t *testing.T) {
	signer, verifier := jwxES256(t)
	for i := 0; i < 50; i++ {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		msg := make([]byte, i*7)
		rand.Read(msg)

		ours, err := appendSignES256([]byte("prefix"), k, msg)
		if err != nil {
			t.Fatal(err)
		}
		if string(ours[:6]) != "prefix" || len(ours) != 6+64 {
			t.Fatalf("appendSignES256 appended %d bytes", len(ours)-6)
		}
		ours = ours[6:]
		if err := verifier.Verify(msg, ours, &k.PublicKey); err != nil {
			t.Fatalf("jwx refuses our signature: %v", err)
		}
		theirs, err := signer.Sign(msg, k)
		if err != nil {
			t.Fatal(err)
		}
		for j, sig := range append(es256Cases(ours), es256Cases(theirs)...) {
			for _, pub := range []*ecdsa.PublicKey{&k.PublicKey, &other.PublicKey} {
				want := verifier.Verify(msg, sig, pub) == nil
				if got := verifyES256(pub, msg, sig); got != want {
					t.Fatalf("key %d case %d: verifyES256 = %v, jwx = %v (sig %x)", i, j, got, want, sig)
				}
			}
		}
		if !verifyES256(&k.PublicKey, msg, ours) || !verifyES256(&k.PublicKey, msg, theirs) {
			t.Fatal("a valid signature is refused")
		}
		if verifyES256(&k.PublicKey, append(bytes.Clone(msg), 0), ours) {
			t.Fatal("a signature verifies over another message")
		}
	}
	if verifyES256(nil, nil, make([]byte, 64)) {
		t.Fatal("nil key verifies")
	}
}

// FuzzES256MatchesJWX verifies arbitrary signatures and messages with the
// direct code and with jwx: the answers must agree.
func FuzzES256MatchesJWX(f *testing.F) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	_, verifier := jwxES256(f)
	msg := []byte("eyJhbGciOiJFUzI1NiJ9.e30")
	valid, err := appendSignES256(nil, k, msg)
	if err != nil {
		f.Fatal(err)
	}
	for _, sig := range es256Cases(valid) {
		f.Add(msg, sig)
	}
	f.Fuzz(func(t *testing.T, m, sig []byte) {
		want := verifier.Verify(m, sig, &k.PublicKey) == nil
		if got := verifyES256(&k.PublicKey, m, sig); got != want {
			t.Fatalf("verifyES256 = %v, jwx = %v", got, want)
		}
	})
}

// TestECKeyFromMembersMatchesNewPublicKey checks that a P-256 key parsed
// from its JWK, which keeps the received coordinates, is the key
// NewPublicKey builds from the point.
func TestECKeyFromMembersMatchesNewPublicKey(t *testing.T) {
	for i := 0; i < 20; i++ {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		want, err := NewPublicKey(&k.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		got, err := PublicKeyFromMap(want.Map())
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.members, want.members) || got.thumb != want.thumb || got.kid != want.kid ||
			got.alg != want.alg || !got.ec.Equal(want.ec) {
			t.Fatalf("parsed key %+v, want %+v", got, want)
		}
	}
}

// TestSignHeaderMatchesMarshal checks that the header Sign writes without
// extra members is the one strictjson.Marshal writes for the same map.
func TestSignHeaderMatchesMarshal(t *testing.T) {
	ec, err := GenerateKey(ES256)
	if err != nil {
		t.Fatal(err)
	}
	ed, err := GenerateKey(EdDSA)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []*PrivateKey{ec, ed, ec.WithKeyID(""), ec.WithKeyID(`did:web:x#"<&>\` + "\u2028")} {
		for _, typ := range []string{"", "dc+sd-jwt", `a"b\c</script>` + "\x01"} {
			tok, err := Sign(k, typ, nil, []byte(`{}`))
			if err != nil {
				t.Fatal(err)
			}
			h := map[string]any{"alg": string(k.Alg())}
			if typ != "" {
				h["typ"] = typ
			}
			if k.KeyID() != "" {
				h["kid"] = k.KeyID()
			}
			want, err := strictjson.Marshal(h)
			if err != nil {
				t.Fatal(err)
			}
			got, err := DecodeSegment(strings.Split(tok, ".")[0])
			if err != nil || string(got) != string(want) {
				t.Fatalf("header %s, want %s (%v)", got, want, err)
			}
			j, err := ParseCompact(tok)
			if err != nil {
				t.Fatal(err)
			}
			if err := j.Verify(k.Public(), DefaultAlgs); err != nil {
				t.Fatalf("own signature: %v", err)
			}
		}
	}
}
