package jose_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	gojose "github.com/go-jose/go-jose/v4"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/internal/jose"
)

// The encrypted Authorization Response of OpenID4VP 1.0 §8.3 and the private
// key that decrypts it.
const (
	vpSpecJWE = "eyJhbGciOiJFQ0RILUVTIiwiZW5jIjoiQTEyOEdDTSIsImtpZCI6ImFjIiwiZXBrIjp7Imt" +
		"0eSI6IkVDIiwieCI6Im5ubVZwbTNWM2piaGNhZlFhUkJrU1ZOSGx3Wkh3dC05ck9wSnVmeVlJdWsiLCJ5I" +
		"joicjRmakRxd0p5czlxVU9QLV9iM21SNVNaRy0tQ3dPMm1pYzVWU05UWU45ZyIsImNydiI6IlAtMjU2In1" +
		"9..uAYcHRUSSn2X0WPX.yVzlGSYG4qbg0bq18JcUiDRw56yVnbKR8E7S7YlEtzT00RqE3Pw5oTpUG3hdLN" +
		"4taHZ9gC1kwak8JOnJgQ.1wR024_3-qtAlx1oFIUpQQ"
	vpSpecJWEKey = `{"kty":"EC", "kid":"ac", "use":"enc", "crv":"P-256","alg":"ECDH-ES",
  "x":"YO4epjifD-KWeq1sL2tNmm36BhXnkJ0He-WqMYrp9Fk",
  "y":"Hekpm0zfK7C-YccH5iBjcIXgf6YdUvNUac_0At55Okk",
  "d":"Et-3ce0omz8_TuZ96Df9lp0GAaaDoUnDe6X-CRO7Aww"}`
)

func TestJWEOpenID4VPVector(t *testing.T) {
	key, err := jose.ParseEncryptionKey([]byte(vpSpecJWEKey))
	if err != nil {
		t.Fatal(err)
	}
	pt, err := jose.DecryptECDHES(vpSpecJWE, key, []jose.Enc{jose.A128GCM})
	if err != nil {
		t.Fatal(err)
	}
	// The spec's plaintext, with its line breaks and indentation.
	if want := "{\n \"vp_token\": {\"example_credential_id\": [\"eyJhb...YMetA\"]}\n}"; string(pt) != want {
		t.Fatalf("plaintext %q", pt)
	}
	if _, err := jose.DecryptECDHES(vpSpecJWE, key, []jose.Enc{jose.A256GCM}); !errors.Is(err, jose.ErrJWEAlg) {
		t.Fatalf("enc outside allow-list: %v", err)
	}
}

// ecKey returns a P-256 key both as a crypto key (for crafting hostile JWEs
// with go-jose directly) and as a jose.EncryptionKey with kid "k1".
func ecKey(t testing.TB) (*ecdsa.PrivateKey, *jose.EncryptionKey) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := k.PublicKey.Bytes()
	d, _ := k.Bytes()
	jwk := map[string]any{"kty": "EC", "crv": "P-256", "alg": "ECDH-ES", "use": "enc", "kid": "k1",
		"x": jose.EncodeSegment(raw[1:33]), "y": jose.EncodeSegment(raw[33:]), "d": jose.EncodeSegment(d)}
	b, _ := json.Marshal(jwk)
	ek, err := jose.ParseEncryptionKey(b)
	if err != nil {
		t.Fatal(err)
	}
	return k, ek
}

// craft encrypts with go-jose directly, bypassing paspoort's allow-lists.
func craft(t testing.TB, alg gojose.KeyAlgorithm, enc gojose.ContentEncryption, key any, kid string, opts *gojose.EncrypterOptions, pt []byte) string {
	t.Helper()
	e, err := gojose.NewEncrypter(enc, gojose.Recipient{Algorithm: alg, Key: key, KeyID: kid}, opts)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := e.Encrypt(pt)
	if err != nil {
		t.Fatal(err)
	}
	s, err := obj.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func header(t testing.TB, compact string) map[string]any {
	t.Helper()
	h, _, err := jose.ParseJWEHeader(compact, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	return h.Raw
}

func TestECDHESRoundTrip(t *testing.T) {
	key, err := jose.GenerateEncryptionKey()
	if err != nil {
		t.Fatal(err)
	}
	pub, err := jose.EncryptionPublicKeyFromMap(key.Public().Map())
	if err != nil {
		t.Fatal(err)
	}
	for _, enc := range []jose.Enc{jose.A128GCM, jose.A256GCM} {
		pt := []byte(`{"vp_token":{"q":["x"]},"state":"s"}`)
		c, err := jose.EncryptECDHES(pt, pub, enc, map[string]any{"typ": "oauth-authz-resp+jwt"})
		if err != nil {
			t.Fatal(err)
		}
		h := header(t, c)
		if h["alg"] != "ECDH-ES" || h["enc"] != string(enc) || h["kid"] != key.KeyID() || h["typ"] != "oauth-authz-resp+jwt" {
			t.Fatalf("header %v", h)
		}
		if _, ok := h["zip"]; ok {
			t.Fatal("zip in header")
		}
		epk, _ := h["epk"].(map[string]any)
		if epk["crv"] != "P-256" || epk["d"] != nil {
			t.Fatalf("epk %v", epk)
		}
		got, err := jose.DecryptECDHES(c, key, []jose.Enc{jose.A128GCM, jose.A256GCM})
		if err != nil || !bytes.Equal(got, pt) {
			t.Fatalf("%s: %v %s", enc, err, got)
		}
	}
	if _, err := jose.EncryptECDHES([]byte("x"), pub, "A128CBC-HS256", nil); !errors.Is(err, jose.ErrJWEAlg) {
		t.Fatalf("CBC encrypt: %v", err)
	}
	if _, err := jose.EncryptECDHES([]byte("x"), pub, jose.A128GCM, map[string]any{"zip": "DEF"}); !errors.Is(err, credentials.ErrFormat) {
		t.Fatalf("zip extra header: %v", err)
	}
}

func reencodeHeader(t testing.TB, compact string, edit func(map[string]any)) string {
	t.Helper()
	segs := strings.Split(compact, ".")
	h := header(t, compact)
	edit(h)
	b, _ := json.Marshal(h)
	segs[0] = jose.EncodeSegment(b)
	return strings.Join(segs, ".")
}

func flipSegment(compact string, i int) string {
	segs := strings.Split(compact, ".")
	b, _ := base64.RawURLEncoding.DecodeString(segs[i])
	b[0] ^= 1
	segs[i] = base64.RawURLEncoding.EncodeToString(b)
	return strings.Join(segs, ".")
}

// TestDecryptECDHESRefuses covers SECURITY.md A.6, A.7, A.9 and C.31 for
// encrypted responses.
func TestDecryptECDHESRefuses(t *testing.T) {
	priv, key := ecKey(t)
	pt := []byte(`{"vp_token":{"q":["x"]}}`)
	good := craft(t, gojose.ECDH_ES, gojose.A128GCM, &priv.PublicKey, "k1", nil, pt)
	if _, err := jose.DecryptECDHES(good, key, []jose.Enc{jose.A128GCM}); err != nil {
		t.Fatalf("good: %v", err)
	}
	otherPriv, _ := ecKey(t)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	zipped := craft(t, gojose.ECDH_ES, gojose.A128GCM, &priv.PublicKey, "k1", &gojose.EncrypterOptions{Compression: gojose.DEFLATE}, make([]byte, 200_000))
	pbes2Header := jose.EncodeSegment([]byte(`{"alg":"PBES2-HS256+A128KW","enc":"A128GCM","p2c":2000000000,"p2s":"AAAAAAAAAAAAAAAAAAAAAA","kid":"k1"}`))
	hugeCiphertext := strings.Join([]string{strings.Split(good, ".")[0], "", "AAAAAAAAAAAAAAAA", strings.Repeat("A", 400_000), "AAAAAAAAAAAAAAAAAAAAAA"}, ".")

	tests := []struct {
		name  string
		in    string
		want  error
		class error
	}{
		{"tampered ciphertext", flipSegment(good, 3), jose.ErrDecrypt, credentials.ErrSignature},
		{"tampered tag", flipSegment(good, 4), jose.ErrDecrypt, credentials.ErrSignature},
		{"tampered IV", flipSegment(good, 2), jose.ErrDecrypt, credentials.ErrSignature},
		{"tampered header", reencodeHeader(t, good, func(h map[string]any) { h["x"] = 1 }), jose.ErrDecrypt, credentials.ErrSignature},
		{"other key, same kid", craft(t, gojose.ECDH_ES, gojose.A128GCM, &otherPriv.PublicKey, "k1", nil, pt), jose.ErrDecrypt, credentials.ErrSignature},
		{"stale kid", craft(t, gojose.ECDH_ES, gojose.A128GCM, &priv.PublicKey, "k0", nil, pt), jose.ErrJWEKeyID, credentials.ErrTrust},
		{"no kid", craft(t, gojose.ECDH_ES, gojose.A128GCM, &priv.PublicKey, "", nil, pt), jose.ErrJWEKeyID, credentials.ErrTrust},
		{"zip", zipped, jose.ErrJWEAlg, credentials.ErrAlg},
		{"RSA-OAEP", craft(t, gojose.RSA_OAEP, gojose.A128GCM, &rsaKey.PublicKey, "k1", nil, pt), jose.ErrJWEAlg, credentials.ErrAlg},
		{"RSA-OAEP-256", craft(t, gojose.RSA_OAEP_256, gojose.A256GCM, &rsaKey.PublicKey, "k1", nil, pt), jose.ErrJWEAlg, credentials.ErrAlg},
		{"ECDH-ES+A128KW", craft(t, gojose.ECDH_ES_A128KW, gojose.A128GCM, &priv.PublicKey, "k1", nil, pt), jose.ErrJWEAlg, credentials.ErrAlg},
		{"PBES2 p2c 2e9", pbes2Header + ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA", jose.ErrJWEAlg, credentials.ErrAlg},
		{"A128CBC-HS256", craft(t, gojose.ECDH_ES, gojose.A128CBC_HS256, &priv.PublicKey, "k1", nil, pt), jose.ErrJWEAlg, credentials.ErrAlg},
		{"A256GCM not allowed", craft(t, gojose.ECDH_ES, gojose.A256GCM, &priv.PublicKey, "k1", nil, pt), jose.ErrJWEAlg, credentials.ErrAlg},
		{"alg dir", reencodeHeader(t, good, func(h map[string]any) { h["alg"] = "dir" }), jose.ErrJWEAlg, credentials.ErrAlg},
		{"crit", reencodeHeader(t, good, func(h map[string]any) { h["crit"] = []string{"exp"} }), jose.ErrJWEAlg, credentials.ErrAlg},
		{"epk on P-384", reencodeHeader(t, good, func(h map[string]any) { h["epk"].(map[string]any)["crv"] = "P-384" }), jose.ErrJWEAlg, credentials.ErrAlg},
		{"epk off the curve", reencodeHeader(t, good, func(h map[string]any) {
			h["epk"].(map[string]any)["y"] = jose.EncodeSegment(bytes.Repeat([]byte{1}, 32))
		}), jose.ErrJWEMalformed, credentials.ErrFormat},
		{"epk short coordinate", reencodeHeader(t, good, func(h map[string]any) { h["epk"].(map[string]any)["x"] = "AAAA" }), jose.ErrJWEMalformed, credentials.ErrFormat},
		{"no epk", reencodeHeader(t, good, func(h map[string]any) { delete(h, "epk") }), jose.ErrJWEMalformed, credentials.ErrFormat},
		{"encrypted key present", strings.Replace(good, "..", ".AAAA.", 1), jose.ErrJWEMalformed, credentials.ErrFormat},
		{"duplicate header member", jose.EncodeSegment([]byte(`{"alg":"ECDH-ES","alg":"dir","enc":"A128GCM"}`)) + "..AAAAAAAAAAAAAAAA.AAAA.AAAA", jose.ErrJWEMalformed, credentials.ErrFormat},
		{"JWS", "eyJhbGciOiJFUzI1NiJ9.e30.AAAA", jose.ErrJWEMalformed, credentials.ErrFormat},
		{"six segments", good + ".AAAA", jose.ErrJWEMalformed, credentials.ErrFormat},
		{"JSON serialisation", `{"protected":"` + strings.Split(good, ".")[0] + `","ciphertext":"AAAA"}`, jose.ErrJWEMalformed, credentials.ErrFormat},
		{"padding", strings.Replace(good, "..", "..=", 1), jose.ErrJWEMalformed, credentials.ErrFormat},
		{"whitespace", " " + good, jose.ErrJWEMalformed, credentials.ErrFormat},
		{"oversized", good + strings.Repeat("A", 1<<20), jose.ErrTooLarge, credentials.ErrLimit},
		{"dot flood", strings.Repeat(".", 10<<20), jose.ErrTooLarge, credentials.ErrLimit},
		{"ciphertext over 250 KB", hugeCiphertext, jose.ErrTooLarge, credentials.ErrLimit},
		{"empty", "", jose.ErrJWEMalformed, credentials.ErrFormat},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			got, err := jose.DecryptECDHES(tc.in, key, []jose.Enc{jose.A128GCM})
			if !errors.Is(err, tc.want) || !errors.Is(err, tc.class) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if got != nil {
				t.Fatal("plaintext returned with an error")
			}
			if d := time.Since(start); d > 10*time.Second { // a hang guard on a shared, loaded machine
				t.Fatalf("took %v: work done before refusing", d)
			}
		})
	}
}

// TestNoDecompression shows that a compressed JWE is never inflated: a
// 10 MB payload compressed to a few KB is refused at the header, for both
// ECDH-ES and dir.
func TestNoDecompression(t *testing.T) {
	priv, key := ecKey(t)
	bomb := make([]byte, 10<<20)
	opts := &gojose.EncrypterOptions{Compression: gojose.DEFLATE}
	c := craft(t, gojose.ECDH_ES, gojose.A128GCM, &priv.PublicKey, "k1", opts, bomb)
	if len(c) > 100_000 {
		t.Fatalf("the bomb is %d bytes", len(c))
	}
	if _, err := jose.DecryptECDHES(c, key, []jose.Enc{jose.A128GCM}); !errors.Is(err, jose.ErrJWEAlg) {
		t.Fatalf("ECDH-ES: %v", err)
	}
	sym := bytes.Repeat([]byte{7}, 32)
	c = craft(t, gojose.DIRECT, gojose.A256GCM, sym, "", opts, bomb)
	if _, err := jose.DecryptWithKey(c, sym); !errors.Is(err, jose.ErrJWEAlg) {
		t.Fatalf("dir: %v", err)
	}
}

func TestDirRoundTrip(t *testing.T) {
	key := make([]byte, jose.DirKeySize)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	params := map[string]any{"kdf": "argon2id", "salt": "c2FsdHNhbHRzYWx0c2FsdA", "t": 3, "m": 65536, "p": 4}
	pt := []byte(`{"credentials":[]}`)
	c, err := jose.EncryptWithKey(pt, key, map[string]any{"paspoort_kdf": params, "cty": "paspoort-backup+json"})
	if err != nil {
		t.Fatal(err)
	}
	h, _, err := jose.ParseJWEHeader(c, jose.MaxBackupBytes)
	if err != nil {
		t.Fatal(err)
	}
	kdf, _ := h.Raw["paspoort_kdf"].(map[string]any)
	if h.Alg != "dir" || h.Enc != jose.A256GCM || kdf["kdf"] != "argon2id" || kdf["m"] != json.Number("65536") {
		t.Fatalf("header %+v", h)
	}
	got, err := jose.DecryptWithKey(c, key)
	if err != nil || !bytes.Equal(got, pt) {
		t.Fatalf("%v %s", err, got)
	}

	wrong := bytes.Clone(key)
	wrong[0] ^= 1
	_, ecdh := ecKey(t)
	ecdhToken, err := jose.EncryptECDHES(pt, ecdh.Public(), jose.A256GCM, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		in   string
		key  []byte
		want error
	}{
		{"wrong key", c, wrong, jose.ErrDecrypt},
		{"tampered ciphertext", flipSegment(c, 3), key, jose.ErrDecrypt},
		{"tampered header", reencodeHeader(t, c, func(h map[string]any) { h["paspoort_kdf"].(map[string]any)["t"] = 1 }), key, jose.ErrDecrypt},
		{"A128GCM", craft(t, gojose.DIRECT, gojose.A128GCM, key[:16], "", nil, pt), key, jose.ErrJWEAlg},
		{"ECDH-ES token", ecdhToken, key, jose.ErrJWEAlg},
		{"PBES2", craft(t, gojose.PBES2_HS256_A128KW, gojose.A256GCM, []byte("passphrase"), "", nil, pt), key, jose.ErrJWEAlg},
		{"short key", c, key[:16], jose.ErrInvalidKey},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := jose.DecryptWithKey(tc.in, tc.key); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
	if _, err := jose.EncryptWithKey(pt, key, map[string]any{"alg": "none"}); !errors.Is(err, credentials.ErrFormat) {
		t.Fatalf("reserved extra header: %v", err)
	}
	if _, err := jose.EncryptWithKey(pt, key[:31], nil); !errors.Is(err, jose.ErrInvalidKey) {
		t.Fatalf("short key: %v", err)
	}
}

func TestEncryptionKeys(t *testing.T) {
	key, err := jose.GenerateEncryptionKey()
	if err != nil {
		t.Fatal(err)
	}
	m := key.Public().Map()
	if m["use"] != "enc" || m["alg"] != "ECDH-ES" || m["kid"] != key.KeyID() || m["d"] != nil || key.KeyID() != key.Public().Thumbprint() {
		t.Fatalf("public JWK %v", m)
	}
	b, err := json.Marshal(key)
	if err != nil {
		t.Fatal(err)
	}
	back, err := jose.ParseEncryptionKey(b)
	if err != nil || !back.Public().Equal(key.Public()) || back.KeyID() != key.KeyID() {
		t.Fatalf("private round trip: %v", err)
	}
	if s := key.String() + key.GoString(); strings.Contains(s, mustMapJWE(t, b)["d"].(string)) {
		t.Fatal("String leaks the private key")
	}
	pb, _ := json.Marshal(key.Public())
	// A signing key parser refuses an encryption key (use: enc, alg ECDH-ES).
	if _, err := jose.ParsePublicKey(pb); err == nil {
		t.Fatal("an encryption key parsed as a signing key")
	}
	sig, err := jose.GenerateKey(jose.ES256)
	if err != nil {
		t.Fatal(err)
	}
	sigJWK, _ := json.Marshal(sig.Public())
	if _, err := jose.ParseEncryptionPublicKey(sigJWK); !errors.Is(err, jose.ErrUnsupportedAlg) {
		t.Fatalf("a signing key parsed as an encryption key: %v", err)
	}
	edit := func(f func(map[string]any)) map[string]any {
		c := key.Public().Map()
		f(c)
		return c
	}
	for name, tc := range map[string]struct {
		m    map[string]any
		want error
	}{
		"no alg":      {edit(func(m map[string]any) { delete(m, "alg") }), jose.ErrUnsupportedAlg},
		"alg RSA":     {edit(func(m map[string]any) { m["alg"] = "RSA-OAEP" }), jose.ErrUnsupportedAlg},
		"use sig":     {edit(func(m map[string]any) { m["use"] = "sig" }), jose.ErrInvalidKey},
		"private":     {edit(func(m map[string]any) { m["d"] = "AAAA" }), jose.ErrPrivateKeyMaterial},
		"P-384":       {edit(func(m map[string]any) { m["crv"] = "P-384" }), jose.ErrUnsupportedAlg},
		"X25519":      {edit(func(m map[string]any) { m["kty"], m["crv"] = "OKP", "X25519" }), jose.ErrUnsupportedAlg},
		"off curve":   {edit(func(m map[string]any) { m["y"] = m["x"] }), jose.ErrInvalidKey},
		"kid numeric": {edit(func(m map[string]any) { m["kid"] = 1 }), jose.ErrInvalidKey},
	} {
		if _, err := jose.EncryptionPublicKeyFromMap(tc.m); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if got := key.WithKeyID("other").Public().KeyID(); got != "other" {
		t.Fatalf("WithKeyID: %s", got)
	}
}

func mustMapJWE(t testing.TB, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// FuzzDecryptECDHES feeds arbitrary compact JWEs to DecryptECDHES and
// ParseJWEHeader: no panic, and every error belongs to a class.
func FuzzDecryptECDHES(f *testing.F) {
	key, err := jose.ParseEncryptionKey([]byte(vpSpecJWEKey))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(vpSpecJWE)
	f.Add(vpSpecJWE[:len(vpSpecJWE)/2])
	f.Add(strings.Replace(vpSpecJWE, "..", ".AAAA.", 1))
	f.Add("....")
	f.Add("e30....")
	f.Fuzz(func(t *testing.T, s string) {
		pt, err := jose.DecryptECDHES(s, key, []jose.Enc{jose.A128GCM, jose.A256GCM})
		if err != nil {
			if credentials.Class(err) == nil {
				t.Fatalf("error without class: %v", err)
			}
			if pt != nil {
				t.Fatal("plaintext with an error")
			}
		}
		if _, _, err := jose.ParseJWEHeader(s, 1<<20); err != nil && credentials.Class(err) == nil {
			t.Fatalf("header error without class: %v", err)
		}
	})
}
