package statuslist_test

import (
	"bytes"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/statuslist"
	"github.com/loopbrug/paspoort/internal/jose"
)

// FuzzDecode decodes arbitrary claims: no panic, every error has a class,
// and a list that decodes re-encodes to the same bytes.
func FuzzDecode(f *testing.F) {
	for _, name := range vectorFiles {
		v := loadVector(f, name)
		f.Add(v.Bits, v.Lst)
	}
	for _, c := range loadNegatives(f) {
		f.Add(c.Bits, c.Lst)
	}
	f.Fuzz(func(t *testing.T, bits int, lst string) {
		l, err := statuslist.Decode(statuslist.StatusListClaim{Bits: bits, Lst: lst})
		if err != nil {
			if credentials.Class(err) == nil {
				t.Fatalf("error without class: %v", err)
			}
			return
		}
		if l.Len() <= 0 || l.Bits() != bits {
			t.Fatalf("Len %d Bits %d", l.Len(), l.Bits())
		}
		if _, err := l.Get(l.Len() - 1); err != nil {
			t.Fatalf("last entry: %v", err)
		}
		if _, err := l.Get(l.Len()); err == nil {
			t.Fatal("entry past the end")
		}
		c, err := l.Encode()
		if err != nil {
			t.Fatal(err)
		}
		l2, err := statuslist.Decode(c)
		if err != nil || !bytes.Equal(l2.Bytes(), l.Bytes()) {
			t.Fatalf("re-encode: %v", err)
		}
	})
}

var fuzzKey = sync.OnceValue(func() *jose.PrivateKey {
	k, err := jose.GenerateKey(jose.ES256)
	if err != nil {
		panic(err)
	}
	return k
})

// FuzzVerifyToken verifies arbitrary strings, seeded with tokens signed by
// the verification key (valid ones and ones that fail late checks): no
// panic, every error has a class, and an accepted token's sub is the uri.
func FuzzVerifyToken(f *testing.F) {
	key := fuzzKey()
	f.Add(signMap(f, key, statuslist.TokenType, basePayload()))
	var ex struct {
		Payload json.RawMessage `json:"payload"`
	}
	loadJSON(f, "tsl-example-statuslist-jwt.json", &ex)
	f.Add(signBytes(f, key, statuslist.TokenType, ex.Payload))
	for _, name := range vectorFiles {
		v := loadVector(f, name)
		m := basePayload()
		m["status_list"] = map[string]any{"bits": v.Bits, "lst": v.Lst}
		f.Add(signMap(f, key, statuslist.TokenType, m))
	}
	for _, c := range loadNegatives(f) {
		m := basePayload()
		m["status_list"] = map[string]any{"bits": c.Bits, "lst": c.Lst}
		f.Add(signMap(f, key, statuslist.TokenType, m))
	}
	for _, mut := range []func(map[string]any){
		func(m map[string]any) { m["iat"] = "9e9" },
		func(m map[string]any) { m["ttl"] = 0 },
		func(m map[string]any) { m["sub"] = "https://example.com/statuslists/2" },
		func(m map[string]any) { delete(m, "status_list") },
	} {
		m := basePayload()
		mut(m)
		f.Add(signMap(f, key, statuslist.TokenType, m))
	}
	f.Add(signMap(f, key, "JWT", basePayload()))
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Fuzz(func(t *testing.T, raw string) {
		opts := statuslist.VerifyOptions{URI: testURI, Algs: jose.DefaultAlgs, Now: t0.Add(time.Hour)}
		tok, err := statuslist.VerifyToken(raw, key.Public(), opts)
		if err != nil {
			if credentials.Class(err) == nil {
				t.Fatalf("error without class: %v", err)
			}
			return
		}
		if tok.Subject != testURI || tok.List == nil || tok.List.Len() == 0 {
			t.Fatalf("accepted %+v", tok)
		}
		if tok.TTL != 0 && (tok.TTL < statuslist.DefaultMinTTL || tok.TTL > statuslist.DefaultMaxTTL) {
			t.Fatalf("TTL %v not clamped", tok.TTL)
		}
	})
}
