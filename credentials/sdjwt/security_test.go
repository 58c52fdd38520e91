package sdjwt_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/sdjwt"
	"github.com/loopbrug/paspoort/internal/jose"
)

// SECURITY.md section B: disclosures. Each case is named after its item.
func TestHostileDisclosures(t *testing.T) {
	key := newKey(t, jose.ES256)
	dName := encodeDisclosure(t, "c2FsdHNhbHRzYWx0", "given_name", "Miranda")
	dElem := encodeDisclosure(t, "c2FsdHNhbHRzYWx1", "NL")
	dOther := encodeDisclosure(t, "c2FsdHNhbHRzYWx2", "family_name", "de Vries")
	dSD := encodeDisclosure(t, "c2FsdHNhbHRzYWx3", "_sd", []any{"x"})
	dDots := encodeDisclosure(t, "c2FsdHNhbHRzYWx4", "...", "x")
	dIss := encodeDisclosure(t, "c2FsdHNhbHRzYWx5", "iss", "https://evil.example")
	sd := func(ds ...string) string {
		var q []string
		for _, d := range ds {
			q = append(q, fmt.Sprintf("%q", digestOf(d)))
		}
		return "[" + strings.Join(q, ",") + "]"
	}
	valid := signed(t, key, `{"iss":"https://i.example","_sd":`+sd(dName)+`,"_sd_alg":"sha-256"}`, dName)
	// The same JSON with other whitespace: equal as JSON, other bytes.
	forged := jose.EncodeSegment([]byte(`[ "c2FsdHNhbHRzYWx0", "given_name", "Miranda" ]`))
	tests := []struct {
		name    string
		token   string
		wantErr error
		class   error
	}{
		{"B13 forged disclosure", signed(t, key, `{"_sd":`+sd(dName)+`}`, encodeDisclosure(t, "c2FsdHNhbHRzYWx0", "given_name", "Mallory")), sdjwt.ErrUnreferencedDisclosure, credentials.ErrDisclosure},
		{"B13 edited bytes", strings.Replace(valid, dName, forged, 1), sdjwt.ErrUnreferencedDisclosure, credentials.ErrDisclosure},
		{"B13 appended extra disclosure", valid + dOther + "~", sdjwt.ErrUnreferencedDisclosure, credentials.ErrDisclosure},
		{"B14 duplicate digest in _sd", signed(t, key, `{"_sd":`+sd(dName, dName)+`}`, dName), sdjwt.ErrDuplicateDigest, credentials.ErrDisclosure},
		{"B14 duplicate decoy digest", signed(t, key, `{"_sd":["AAAA","AAAA"]}`), sdjwt.ErrDuplicateDigest, credentials.ErrDisclosure},
		{"B14 digest in _sd and array", signed(t, key, `{"_sd":`+sd(dElem)+`,"n":[{"...":"`+digestOf(dElem)+`"}]}`, dElem), sdjwt.ErrDuplicateDigest, credentials.ErrDisclosure},
		{"B14 same disclosure twice", valid + dName + "~", sdjwt.ErrDuplicateDigest, credentials.ErrDisclosure},
		{"B15 name _sd", signed(t, key, `{"_sd":`+sd(dSD)+`}`, dSD), sdjwt.ErrClaimName, credentials.ErrDisclosure},
		{"B15 name ...", signed(t, key, `{"_sd":`+sd(dDots)+`}`, dDots), sdjwt.ErrClaimName, credentials.ErrDisclosure},
		{"B15 collides with plain iss", signed(t, key, `{"iss":"https://i.example","_sd":`+sd(dIss)+`}`, dIss), sdjwt.ErrClaimName, credentials.ErrDisclosure},
		{"B16 array disclosure behind _sd", signed(t, key, `{"_sd":`+sd(dElem)+`}`, dElem), sdjwt.ErrBadDisclosure, credentials.ErrDisclosure},
		{"B16 object disclosure behind ...", signed(t, key, `{"n":[{"...":"`+digestOf(dName)+`"}]}`, dName), sdjwt.ErrBadDisclosure, credentials.ErrDisclosure},
		{"B16 four elements", signed(t, key, `{}`, encodeDisclosure(t, "s", "a", 1, 2)), sdjwt.ErrBadDisclosure, credentials.ErrDisclosure},
		{"B16 one element", signed(t, key, `{}`, encodeDisclosure(t, "s")), sdjwt.ErrBadDisclosure, credentials.ErrDisclosure},
		{"B16 salt not a string", signed(t, key, `{}`, encodeDisclosure(t, 1, "a", 1)), sdjwt.ErrBadDisclosure, credentials.ErrDisclosure},
		{"B16 name not a string", signed(t, key, `{}`, encodeDisclosure(t, "s", 7, 1)), sdjwt.ErrBadDisclosure, credentials.ErrDisclosure},
		{"B16 not JSON", signed(t, key, `{}`, jose.EncodeSegment([]byte("[\"s\",\"a\""))), sdjwt.ErrBadDisclosure, credentials.ErrDisclosure},
		{"B16 duplicate member in value", signed(t, key, `{}`, jose.EncodeSegment([]byte(`["s","a",{"x":1,"x":2}]`))), sdjwt.ErrBadDisclosure, credentials.ErrDisclosure},
		{"B16 ... beside other members", signed(t, key, `{"n":[{"...":"`+digestOf(dElem)+`","x":1}]}`, dElem), sdjwt.ErrBadStructure, credentials.ErrDisclosure},
		{"B16 ... not a string", signed(t, key, `{"n":[{"...":1}]}`), sdjwt.ErrBadStructure, credentials.ErrDisclosure},
		{"B16 _sd not an array", signed(t, key, `{"_sd":"`+digestOf(dName)+`"}`, dName), sdjwt.ErrBadStructure, credentials.ErrDisclosure},
		{"B16 _sd holds a number", signed(t, key, `{"_sd":[1]}`), sdjwt.ErrBadStructure, credentials.ErrDisclosure},
		{"B16 nested _sd_alg", signed(t, key, `{"a":{"_sd_alg":"sha-256"}}`), sdjwt.ErrBadStructure, credentials.ErrDisclosure},
		{"B18 sha-256-32", signed(t, key, `{"_sd_alg":"sha-256-32"}`), sdjwt.ErrHashAlg, credentials.ErrAlg},
		{"B18 md5", signed(t, key, `{"_sd_alg":"md5"}`), sdjwt.ErrHashAlg, credentials.ErrAlg},
		{"B18 SHA-256 upper case", signed(t, key, `{"_sd_alg":"SHA-256"}`), sdjwt.ErrHashAlg, credentials.ErrAlg},
		{"B18 not a string", signed(t, key, `{"_sd_alg":["sha-256"]}`), sdjwt.ErrHashAlg, credentials.ErrAlg},
		{"B19 missing trailing ~", strings.TrimSuffix(valid, "~"), sdjwt.ErrMalformed, credentials.ErrFormat},
		{"B19 empty disclosure ~~", strings.Replace(valid, "~", "~~", 1), sdjwt.ErrMalformed, credentials.ErrFormat},
		{"B19 bare JWT", valid[:strings.IndexByte(valid, '~')], sdjwt.ErrMalformed, credentials.ErrFormat},
		{"B19 disclosure not base64url", strings.Replace(valid, dName, dName+"=", 1), sdjwt.ErrBadDisclosure, credentials.ErrDisclosure},
		{"B19 payload not an object", signed(t, key, `["a"]`), sdjwt.ErrMalformed, credentials.ErrFormat},
		{"B20 100k disclosures", valid + strings.Repeat(dOther+"~", 100_000/len(dOther)+1)[:0] + strings.Repeat("~", 100_000), sdjwt.ErrTooLarge, credentials.ErrLimit},
		{"B20 recursion 10k deep", signed(t, key, strings.Repeat(`{"a":`, 10_000)+"1"+strings.Repeat("}", 10_000)), nil, credentials.ErrLimit},
		{"B20 1M decoys", signed(t, key, `{"_sd":[`+strings.Repeat(`"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",`, 1_000_000)+`"x"]}`), nil, credentials.ErrLimit},
		{"B20 too many digests", signed(t, key, `{"_sd":[`+digests(9000)+`]}`), sdjwt.ErrTooLarge, credentials.ErrLimit},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := sdjwt.Verify(tc.token, key.Public(), sdjwt.VerifyOptions{Algs: jose.DefaultAlgs})
			if err == nil {
				t.Fatal("accepted")
			}
			if tc.wantErr != nil {
				assertErr(t, err, tc.wantErr, tc.class)
			} else {
				assertErr(t, err, tc.class, nil)
			}
		})
	}
	if _, err := sdjwt.Verify(valid, key.Public(), sdjwt.VerifyOptions{Algs: jose.DefaultAlgs}); err != nil {
		t.Fatalf("the untampered token fails: %v", err)
	}
}

func digests(n int) string {
	var sb strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `"d%07d"`, i)
	}
	return sb.String()
}

// SECURITY.md sections A (as far as the Issuer-signed JWT) and C.
func TestHostileKeyBinding(t *testing.T) {
	issuer, holder, other := newKey(t, jose.ES256), newKey(t, jose.ES256), newKey(t, jose.ES256)
	claims := sampleClaims()
	claims["cnf"] = map[string]any{"jwk": holder.Public().Map()}
	issued, err := sdjwt.Issue(issuer, claims, sdjwt.IssueOptions{Typ: "dc+sd-jwt", Disclose: allPaths})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_800_000_000, 0)
	const aud, nonce = "x509_hash:verifier", "bm9uY2UtMTIzNDU2Nzg"
	pol := sdjwt.KeyBindingPolicy{Required: true, Audience: aud, Nonce: nonce}
	kbOpts := sdjwt.KeyBindingOptions{Key: holder, Audience: aud, Nonce: nonce, IssuedAt: now}
	present := func(sel sdjwt.Selection) string {
		p, err := sdjwt.Present(issued, sel, &kbOpts)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := present(sdjwt.Selection{Paths: []string{"/given_name"}})
	presented := good[:strings.LastIndexByte(good, '~')+1]
	kbWith := func(header map[string]any, payload string, key *jose.PrivateKey, typ string) string {
		tok, err := jose.Sign(key.WithKeyID(""), typ, header, []byte(payload))
		if err != nil {
			t.Fatal(err)
		}
		return presented + tok
	}
	hash := sdjwt.SDHash(presented)
	kbPayload := func(audJSON, nonceJSON string, iat int64, sdHash string) string {
		s := `{"iat":` + fmt.Sprint(iat) + `,"sd_hash":"` + sdHash + `"`
		if audJSON != "" {
			s += `,"aud":` + audJSON
		}
		if nonceJSON != "" {
			s += `,"nonce":` + nonceJSON
		}
		return s + "}"
	}
	okPayload := kbPayload(`"`+aud+`"`, `"`+nonce+`"`, now.Unix(), hash)
	var extra string
	parsed, err := sdjwt.Parse(issued)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range parsed.Disclosures {
		if d.Name == "family_name" {
			extra = d.Encoded
		}
	}
	tests := []struct {
		name    string
		token   string
		policy  sdjwt.KeyBindingPolicy
		wantErr error
		class   error
	}{
		{"C22 KB stripped", presented, pol, sdjwt.ErrKeyBindingRequired, credentials.ErrKeyBinding},
		{"C22 KB where not asked", good, sdjwt.KeyBindingPolicy{}, sdjwt.ErrKeyBindingUnexpected, credentials.ErrKeyBinding},
		{"C24 aud other client", kbWith(nil, kbPayload(`"other"`, `"`+nonce+`"`, now.Unix(), hash), holder, "kb+jwt"), pol, sdjwt.ErrAudience, credentials.ErrKeyBinding},
		{"C24 aud array", kbWith(nil, kbPayload(`["`+aud+`"]`, `"`+nonce+`"`, now.Unix(), hash), holder, "kb+jwt"), pol, sdjwt.ErrAudience, credentials.ErrKeyBinding},
		{"C24 aud missing", kbWith(nil, kbPayload("", `"`+nonce+`"`, now.Unix(), hash), holder, "kb+jwt"), pol, sdjwt.ErrAudience, credentials.ErrKeyBinding},
		{"C24 nonce missing", kbWith(nil, kbPayload(`"`+aud+`"`, "", now.Unix(), hash), holder, "kb+jwt"), pol, sdjwt.ErrNonce, credentials.ErrKeyBinding},
		{"C24 nonce not a string", kbWith(nil, kbPayload(`"`+aud+`"`, `12345`, now.Unix(), hash), holder, "kb+jwt"), pol, sdjwt.ErrNonce, credentials.ErrKeyBinding},
		{"C24 nonce other", kbWith(nil, kbPayload(`"`+aud+`"`, `"old-nonce"`, now.Unix(), hash), holder, "kb+jwt"), pol, sdjwt.ErrNonce, credentials.ErrKeyBinding},
		{"C24 iat stale", kbWith(nil, kbPayload(`"`+aud+`"`, `"`+nonce+`"`, now.Add(-time.Hour).Unix(), hash), holder, "kb+jwt"), pol, sdjwt.ErrKeyBindingTime, credentials.ErrKeyBinding},
		{"C24 iat future", kbWith(nil, kbPayload(`"`+aud+`"`, `"`+nonce+`"`, now.Add(time.Hour).Unix(), hash), holder, "kb+jwt"), pol, sdjwt.ErrKeyBindingTime, credentials.ErrKeyBinding},
		{"C24 typ JWT", kbWith(nil, okPayload, holder, "JWT"), pol, sdjwt.ErrKeyBindingJWT, credentials.ErrKeyBinding},
		{"C24 typ missing", kbWith(nil, okPayload, holder, ""), pol, sdjwt.ErrKeyBindingJWT, credentials.ErrKeyBinding},
		{"C25 disclosure added after signing", presented + extra + "~" + good[len(presented):], pol, sdjwt.ErrSDHash, credentials.ErrKeyBinding},
		{"C25 sd_hash of other bytes", kbWith(nil, kbPayload(`"`+aud+`"`, `"`+nonce+`"`, now.Unix(), sdjwt.SDHash(issued)), holder, "kb+jwt"), pol, sdjwt.ErrSDHash, credentials.ErrKeyBinding},
		{"C26 KB signed by another key", kbWith(nil, okPayload, other, "kb+jwt"), pol, sdjwt.ErrKeyBindingJWT, credentials.ErrKeyBinding},
		{"C26 KB names its own jwk", kbWith(map[string]any{"jwk": other.Public().Map()}, okPayload, other, "kb+jwt"), pol, sdjwt.ErrKeyBindingJWT, credentials.ErrKeyBinding},
		{"C26 KB names a kid", kbWith(map[string]any{"x5c": []string{"MII"}}, okPayload, holder, "kb+jwt"), pol, sdjwt.ErrKeyBindingJWT, credentials.ErrKeyBinding},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := sdjwt.Verify(tc.token, issuer.Public(), sdjwt.VerifyOptions{Algs: jose.DefaultAlgs, Now: now, KeyBinding: tc.policy})
			assertErr(t, err, tc.wantErr, tc.class)
		})
	}
	if _, err := sdjwt.Verify(good, issuer.Public(), sdjwt.VerifyOptions{Algs: jose.DefaultAlgs, Now: now, KeyBinding: pol}); err != nil {
		t.Fatalf("the good presentation fails: %v", err)
	}
	if _, err := sdjwt.Verify(kbWith(nil, okPayload, holder, "kb+jwt"), issuer.Public(), sdjwt.VerifyOptions{Algs: jose.DefaultAlgs, Now: now, KeyBinding: pol}); err != nil {
		t.Fatalf("the hand-made good KB-JWT fails: %v", err)
	}
}

// A cnf that is only selectively disclosed is no holder key (B.17).
func TestDisclosedCnfIsNoHolderKey(t *testing.T) {
	issuer, holder := newKey(t, jose.ES256), newKey(t, jose.ES256)
	claims := map[string]any{"cnf": map[string]any{"jwk": holder.Public().Map()}, "a": 1}
	issued, err := sdjwt.Issue(issuer, claims, sdjwt.IssueOptions{Disclose: []string{"/cnf"}})
	if err != nil {
		t.Fatal(err)
	}
	pres, err := sdjwt.Present(issued, sdjwt.SelectAll, &sdjwt.KeyBindingOptions{Key: holder, Audience: "a", Nonce: "n"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = sdjwt.Verify(pres, issuer.Public(), sdjwt.VerifyOptions{Algs: jose.DefaultAlgs, KeyBinding: sdjwt.KeyBindingPolicy{Required: true, Audience: "a", Nonce: "n"}})
	assertErr(t, err, sdjwt.ErrNoHolderKey, credentials.ErrKeyBinding)
}

// SECURITY.md section A, as it applies to the Issuer-signed JWT.
func TestHostileIssuerJWT(t *testing.T) {
	key, other := newKey(t, jose.ES256), newKey(t, jose.ES256)
	now := time.Unix(1_800_000_000, 0)
	body := func(extra string) string { return `{"iss":"https://i.example"` + extra + `}` }
	withHeader := func(h, payload string) string {
		return jose.EncodeSegment([]byte(h)) + "." + jose.EncodeSegment([]byte(payload)) + "." + jose.EncodeSegment(make([]byte, 64)) + "~"
	}
	good := signed(t, key, body(""))
	tampered := good[:strings.LastIndexByte(good[:len(good)-1], '.')+1] + strings.Repeat("A", 86) + "~"
	expiredBadSig := signed(t, other, body(fmt.Sprintf(`,"exp":%d`, now.Unix()-10)))
	tests := []struct {
		name    string
		token   string
		wantErr error
	}{
		{"A1 alg none", withHeader(`{"alg":"none"}`, body("")), credentials.ErrAlg},
		{"A1 alg noNE", withHeader(`{"alg":"noNE"}`, body("")), credentials.ErrAlg},
		{"A1 alg NONE empty sig", jose.EncodeSegment([]byte(`{"alg":"NONE"}`)) + "." + jose.EncodeSegment([]byte(body(""))) + ".~", credentials.ErrAlg},
		{"A2 HS256", withHeader(`{"alg":"HS256"}`, body("")), credentials.ErrAlg},
		{"A2 ES384", withHeader(`{"alg":"ES384"}`, body("")), credentials.ErrAlg},
		{"A2 EdDSA on an EC key", withHeader(`{"alg":"EdDSA"}`, body("")), credentials.ErrAlg},
		{"A5 zero signature", withHeader(`{"alg":"ES256"}`, body("")), credentials.ErrSignature},
		{"A5 tampered signature", tampered, credentials.ErrSignature},
		{"A5 signed by another key", signed(t, other, body("")), credentials.ErrSignature},
		{"A7 dot flood", strings.Repeat(".", 10<<20) + "~", credentials.ErrLimit},
		{"A7 six segments", "a.b.c.d.e.f~", credentials.ErrFormat},
		{"A8 JWE", "a.b.c.d.e~", credentials.ErrFormat},
		{"A8 JSON serialisation", `{"payload":"x","signatures":[]}~`, credentials.ErrFormat},
		{"A8 whitespace", " " + good, credentials.ErrFormat},
		{"A9 duplicate alg", withHeader(`{"alg":"ES256","alg":"none"}`, body("")), credentials.ErrFormat},
		{"A9 ALG upper case only", withHeader(`{"ALG":"ES256"}`, body("")), credentials.ErrFormat},
		{"A9 unknown crit", withHeader(`{"alg":"ES256","crit":["x"],"x":1}`, body("")), credentials.ErrFormat},
		{"A9 duplicate payload member", signed(t, key, `{"iss":"a","iss":"b"}`), credentials.ErrFormat},
		{"A11 expired", signed(t, key, body(fmt.Sprintf(`,"exp":%d`, now.Unix()-1))), sdjwt.ErrExpired},
		{"A11 iat in 2099", signed(t, key, body(`,"iat":4070908800`)), sdjwt.ErrNotYetValid},
		{"A11 nbf in the future", signed(t, key, body(fmt.Sprintf(`,"nbf":%d`, now.Unix()+3600))), sdjwt.ErrNotYetValid},
		{"A11 exp as a string", signed(t, key, body(`,"exp":"9e9"`)), sdjwt.ErrTimeClaim},
		{"A11 exp 1e300", signed(t, key, body(`,"exp":1e300`)), sdjwt.ErrTimeClaim},
		{"A11 exp negative", signed(t, key, body(`,"exp":-1`)), sdjwt.ErrTimeClaim},
		{"A11 expired and badly signed is SIG", expiredBadSig, credentials.ErrSignature},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := sdjwt.Verify(tc.token, key.Public(), sdjwt.VerifyOptions{Algs: jose.DefaultAlgs, Now: now, Leeway: 0})
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
		})
	}
	if _, err := sdjwt.Verify(good, key.Public(), sdjwt.VerifyOptions{Algs: jose.DefaultAlgs, Now: now}); err != nil {
		t.Fatalf("the good token fails: %v", err)
	}
	// Wrong typ when a typ is required (A.10).
	_, err := sdjwt.Verify(good, key.Public(), sdjwt.VerifyOptions{Algs: jose.DefaultAlgs, Now: now, Typ: "vc+sd-jwt"})
	assertErr(t, err, credentials.ErrType, nil)
}
