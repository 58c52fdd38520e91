package jose_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/internal/jose"
)

func read(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// RFC 8037 Appendix A: the Ed25519 key, its RFC 7638 thumbprint (A.3) and
// the deterministic signature (A.4).
func TestRFC8037Vectors(t *testing.T) {
	priv, err := jose.ParsePrivateKey(read(t, "rfc8037-A.1-ed25519-private.json"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := priv.Public().Thumbprint(), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"; got != want {
		t.Errorf("thumbprint = %s, want %s", got, want)
	}
	want := strings.TrimSpace(string(read(t, "rfc8037-A.4-jws.txt")))
	got, err := jose.SignRaw(priv, []byte(`{"alg":"EdDSA"}`), []byte("Example of Ed25519 signing"))
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("signature\n got %s\nwant %s", got, want)
	}
	j, err := jose.ParseCompact(want)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Verify(priv.Public(), []jose.Alg{jose.EdDSA}); err != nil {
		t.Fatalf("verify RFC 8037 A.4: %v", err)
	}
}

func TestKeyRoundTrip(t *testing.T) {
	for _, alg := range jose.DefaultAlgs {
		t.Run(string(alg), func(t *testing.T) {
			k, err := jose.GenerateKey(alg)
			if err != nil {
				t.Fatal(err)
			}
			privJSON, err := json.Marshal(k)
			if err != nil {
				t.Fatal(err)
			}
			k2, err := jose.ParsePrivateKey(privJSON)
			if err != nil {
				t.Fatal(err)
			}
			if k2.KeyID() != k.KeyID() || k2.Alg() != alg || k.KeyID() != k.Public().Thumbprint() {
				t.Fatalf("kid/alg lost: %s %s %s", k2.KeyID(), k.KeyID(), k2.Alg())
			}
			pubJSON, err := json.Marshal(k.Public())
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(pubJSON), `"d"`) {
				t.Fatal("public JWK carries d")
			}
			pub, err := jose.ParsePublicKey(pubJSON)
			if err != nil {
				t.Fatal(err)
			}
			tok, err := jose.Sign(k2, "example+jwt", map[string]any{"x": 1}, []byte(`{"a":1}`))
			if err != nil {
				t.Fatal(err)
			}
			j, err := jose.ParseCompact(tok)
			if err != nil {
				t.Fatal(err)
			}
			if err := j.CheckType("example+jwt"); err != nil {
				t.Fatal(err)
			}
			if err := j.Verify(pub, jose.DefaultAlgs); err != nil {
				t.Fatal(err)
			}
			if j.Header.Kid != k.KeyID() {
				t.Errorf("kid header %q", j.Header.Kid)
			}
			d := mustMap(t, k)["d"].(string)
			for _, s := range []string{k.String(), k.GoString()} {
				if strings.Contains(s, d) {
					t.Errorf("String leaks the private key: %s", s)
				}
			}
		})
	}
}

func TestParseKeyRefuses(t *testing.T) {
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	p384raw, _ := p384.PublicKey.Bytes()
	ok, _ := jose.GenerateKey(jose.ES256)
	m := ok.Public().Map()
	other, _ := jose.GenerateKey(jose.ES256)
	otherD := mustMap(t, other)["d"]
	mod := func(f func(m map[string]any)) string {
		c := map[string]any{}
		for k, v := range m {
			c[k] = v
		}
		f(c)
		b, _ := json.Marshal(c)
		return string(b)
	}
	tests := []struct {
		name    string
		jwk     string
		private bool
		want    error
	}{
		{"P-384 key", `{"kty":"EC","crv":"P-384","x":"` + jose.EncodeSegment(p384raw[1:49]) + `","y":"` + jose.EncodeSegment(p384raw[49:]) + `"}`, false, credentials.ErrAlg},
		{"RSA", `{"kty":"RSA","n":"AQAB","e":"AQAB"}`, false, credentials.ErrAlg},
		{"oct (MAC key)", `{"kty":"oct","k":"c2VjcmV0"}`, false, credentials.ErrAlg},
		{"alg HS256 on EC key", mod(func(c map[string]any) { c["alg"] = "HS256" }), false, credentials.ErrAlg},
		{"alg EdDSA on EC key", mod(func(c map[string]any) { c["alg"] = "EdDSA" }), false, credentials.ErrAlg},
		{"use enc", mod(func(c map[string]any) { c["use"] = "enc" }), false, credentials.ErrFormat},
		{"off-curve point", mod(func(c map[string]any) { c["y"] = c["x"] }), false, credentials.ErrFormat},
		{"short x", mod(func(c map[string]any) { c["x"] = jose.EncodeSegment(make([]byte, 31)) }), false, credentials.ErrFormat},
		{"long y", mod(func(c map[string]any) { c["y"] = jose.EncodeSegment(make([]byte, 33)) }), false, credentials.ErrFormat},
		{"x not a string", mod(func(c map[string]any) { c["x"] = 7 }), false, credentials.ErrFormat},
		{"padded base64", mod(func(c map[string]any) { c["x"] = c["x"].(string) + "=" }), false, credentials.ErrFormat},
		{"duplicate member", `{"kty":"EC","kty":"OKP","crv":"P-256"}`, false, credentials.ErrFormat},
		{"d in a public key", mod(func(c map[string]any) { c["d"] = otherD }), false, jose.ErrPrivateKeyMaterial},
		{"d of another key", mod(func(c map[string]any) { c["d"] = otherD }), true, credentials.ErrFormat},
		{"no d", mod(func(map[string]any) {}), true, credentials.ErrFormat},
		{"not JSON", `{"kty":`, false, credentials.ErrFormat},
		{"array", `[]`, false, credentials.ErrFormat},
		{"Ed25519 short x", `{"kty":"OKP","crv":"Ed25519","x":"AAAA"}`, false, credentials.ErrFormat},
		{"X25519", `{"kty":"OKP","crv":"X25519","x":"` + jose.EncodeSegment(make([]byte, 32)) + `"}`, false, credentials.ErrAlg},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if tc.private {
				_, err = jose.ParsePrivateKey([]byte(tc.jwk))
			} else {
				_, err = jose.ParsePublicKey([]byte(tc.jwk))
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func mustMap(t testing.TB, v any) map[string]any {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestCompactRefuses(t *testing.T) {
	k, _ := jose.GenerateKey(jose.ES256)
	good, _ := jose.Sign(k, "JWT", nil, []byte(`{}`))
	h := func(s string) string { return jose.EncodeSegment([]byte(s)) }
	sig := jose.EncodeSegment(make([]byte, 64))
	tests := []struct {
		name string
		tok  string
		want error
	}{
		{"dot flood", strings.Repeat(".", 10<<20), credentials.ErrLimit},
		{"six segments", "a.b.c.d.e.f", credentials.ErrFormat},
		{"JWE", "a.b.c.d.e", credentials.ErrFormat},
		{"JSON serialisation", `{"payload":"e30","signatures":[]}`, credentials.ErrFormat},
		{"leading space", " " + good, credentials.ErrFormat},
		{"CR LF in signature", good[:len(good)-4] + "\r\n" + good[len(good)-4:], credentials.ErrFormat},
		{"quotes", `"` + good + `"`, credentials.ErrFormat},
		{"non-canonical pad bits", good[:len(good)-1] + string(flipLastBits(good[len(good)-1])), credentials.ErrFormat},
		{"header not an object", h(`"x"`) + ".e30." + sig, credentials.ErrFormat},
		{"alg missing", h(`{"typ":"JWT"}`) + ".e30." + sig, credentials.ErrFormat},
		{"alg not a string", h(`{"alg":1}`) + ".e30." + sig, credentials.ErrFormat},
		{"duplicate alg", h(`{"alg":"ES256","alg":"none"}`) + ".e30." + sig, credentials.ErrFormat},
		{"crit", h(`{"alg":"ES256","crit":["b64"],"b64":false}`) + ".e30." + sig, credentials.ErrFormat},
		{"kid 64 KB", h(`{"alg":"ES256","kid":"`+strings.Repeat("k", 64<<10)+`"}`) + ".e30." + sig, credentials.ErrLimit},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := jose.ParseCompact(tc.tok)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

// flipLastBits returns the base64url character that carries the same data
// bits as c in the last position of a 64-byte signature (86 characters: 2
// data bits, 4 padding bits) but sets a padding bit, which a lax decoder
// would drop.
func flipLastBits(c byte) byte {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(alphabet, c)
	return alphabet[(i&0x30)|0x01]
}

func TestVerifyRefuses(t *testing.T) {
	k, _ := jose.GenerateKey(jose.ES256)
	ed, _ := jose.GenerateKey(jose.EdDSA)
	h := func(s string) string { return jose.EncodeSegment([]byte(s)) }
	body := h(`{"a":1}`)
	zeroSig := jose.EncodeSegment(make([]byte, 64))
	tests := []struct {
		name    string
		tok     string
		key     *jose.PublicKey
		allowed []jose.Alg
		want    error
	}{
		{"none", h(`{"alg":"none"}`) + "." + body + "." + zeroSig, k.Public(), jose.DefaultAlgs, credentials.ErrAlg},
		{"none with an empty signature", h(`{"alg":"none"}`) + "." + body + ".", k.Public(), jose.DefaultAlgs, credentials.ErrAlg},
		{"NONE with an empty signature", h(`{"alg":"NONE"}`) + "." + body + ".", k.Public(), jose.DefaultAlgs, credentials.ErrAlg},
		{"ES256 with an empty signature", h(`{"alg":"ES256"}`) + "." + body + ".", k.Public(), jose.DefaultAlgs, credentials.ErrSignature},
		{"HS256 keyed with the public key", h(`{"alg":"HS256"}`) + "." + body + "." + zeroSig, k.Public(), jose.DefaultAlgs, credentials.ErrAlg},
		{"es256 lower case", h(`{"alg":"es256"}`) + "." + body + "." + zeroSig, k.Public(), jose.DefaultAlgs, credentials.ErrAlg},
		{"alg not in allow-list", h(`{"alg":"EdDSA"}`) + "." + body + "." + zeroSig, ed.Public(), []jose.Alg{jose.ES256}, credentials.ErrAlg},
		{"empty allow-list", h(`{"alg":"ES256"}`) + "." + body + "." + zeroSig, k.Public(), nil, credentials.ErrAlg},
		{"EdDSA header with EC key", h(`{"alg":"EdDSA"}`) + "." + body + "." + zeroSig, k.Public(), jose.DefaultAlgs, credentials.ErrAlg},
		{"r=s=0", h(`{"alg":"ES256"}`) + "." + body + "." + zeroSig, k.Public(), jose.DefaultAlgs, credentials.ErrSignature},
		{"DER signature", h(`{"alg":"ES256"}`) + "." + body + ".MAYCAQACAQA", k.Public(), jose.DefaultAlgs, credentials.ErrSignature},
		{"r=n s=n", h(`{"alg":"ES256"}`) + "." + body + "." + jose.EncodeSegment(append(curveOrder(), curveOrder()...)), k.Public(), jose.DefaultAlgs, credentials.ErrSignature},
		{"no key", h(`{"alg":"ES256"}`) + "." + body + "." + zeroSig, nil, jose.DefaultAlgs, credentials.ErrTrust},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			j, err := jose.ParseCompact(tc.tok)
			if err != nil {
				t.Fatal(err)
			}
			if err := j.Verify(tc.key, tc.allowed); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
	// A header-supplied jwk is never used: the token verifies only with the
	// caller's key.
	attacker, _ := jose.GenerateKey(jose.ES256)
	tok, _ := jose.Sign(attacker, "JWT", map[string]any{"jwk": attacker.Public().Map()}, []byte(`{}`))
	j, _ := jose.ParseCompact(tok)
	if err := j.Verify(k.Public(), jose.DefaultAlgs); !errors.Is(err, credentials.ErrSignature) {
		t.Fatalf("header jwk: err = %v", err)
	}
}

func curveOrder() []byte {
	return elliptic.P256().Params().N.FillBytes(make([]byte, 32))
}

func TestIsBase64URL(t *testing.T) {
	alphabet := "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	if !jose.IsBase64URL(alphabet) || !jose.IsBase64URL("") {
		t.Fatal("alphabet refused")
	}
	for c := 0; c < 256; c++ {
		want := strings.IndexByte(alphabet, byte(c)) >= 0
		if got := jose.IsBase64URL("AA" + string([]byte{byte(c)})); got != want {
			t.Errorf("byte %#x: got %v, want %v", c, got, want)
		}
	}
}

func BenchmarkIsBase64URL(b *testing.B) {
	s := strings.Repeat("eyJhbGciOiJFUzI1NiJ9_-", 1000)
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		if !jose.IsBase64URL(s) {
			b.Fatal("refused")
		}
	}
}

// TestThumbprintMatchesJWX checks the hand-assembled RFC 7638 canonical form
// against jwx's thumbprint for fresh EC and Ed25519 keys.
func TestThumbprintMatchesJWX(t *testing.T) {
	for _, alg := range []jose.Alg{jose.ES256, jose.EdDSA} {
		for range 20 {
			k, err := jose.GenerateKey(alg)
			if err != nil {
				t.Fatal(err)
			}
			jk, err := jwk.FromRaw(k.Public().Crypto())
			if err != nil {
				t.Fatal(err)
			}
			tp, err := jk.Thumbprint(crypto.SHA256)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := k.Public().Thumbprint(), jose.EncodeSegment(tp); got != want {
				t.Fatalf("%s thumbprint = %s, jwx says %s", alg, got, want)
			}
		}
	}
}
