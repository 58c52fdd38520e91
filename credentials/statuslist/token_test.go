package statuslist_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/statuslist"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/limits"
)

const testURI = "https://example.com/statuslists/1"

var t0 = time.Unix(1700000000, 0).UTC()

// basePayload is a valid Status List Token payload carrying the TSL's
// 1-bit example list, issued at t0.
func basePayload() map[string]any {
	return map[string]any{
		"sub":         testURI,
		"iat":         t0.Unix(),
		"exp":         t0.Add(24 * time.Hour).Unix(),
		"ttl":         3600,
		"status_list": map[string]any{"bits": 1, "lst": "eNrbuRgAAhcBXQ"},
	}
}

func signMap(t testing.TB, key *jose.PrivateKey, typ string, m map[string]any) string {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return signBytes(t, key, typ, b)
}

func signBytes(t testing.TB, key *jose.PrivateKey, typ string, b []byte) string {
	t.Helper()
	tok, err := jose.Sign(key, typ, nil, b)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func baseOptions() statuslist.VerifyOptions {
	return statuslist.VerifyOptions{URI: testURI, Algs: jose.DefaultAlgs, Now: t0.Add(time.Hour)}
}

func TestSignVerifyRoundTrip(t *testing.T) {
	for _, alg := range []jose.Alg{jose.ES256, jose.EdDSA} {
		t.Run(string(alg), func(t *testing.T) {
			key := genKey(t, alg)
			v := loadVector(t, "tsl-example-2bit.json")
			l, err := statuslist.Decode(v.claim())
			if err != nil {
				t.Fatal(err)
			}
			in := statuslist.Token{
				Subject: testURI, IssuedAt: t0, Expires: t0.Add(48 * time.Hour),
				TTL: 2 * time.Hour, AggregationURI: "https://example.com/statuslists", List: l,
			}
			raw, err := statuslist.SignToken(key, in)
			if err != nil {
				t.Fatal(err)
			}
			jws, err := jose.ParseCompact(raw)
			if err != nil {
				t.Fatal(err)
			}
			if jws.Header.Typ != statuslist.TokenType || jws.Header.Kid != key.KeyID() || jws.Header.Alg != alg {
				t.Fatalf("header %+v", jws.Header)
			}
			got, err := statuslist.VerifyToken(raw, key.Public(), baseOptions())
			if err != nil {
				t.Fatal(err)
			}
			if got.Subject != testURI || !got.IssuedAt.Equal(t0) || !got.Expires.Equal(in.Expires) ||
				got.TTL != in.TTL || got.AggregationURI != in.AggregationURI {
				t.Fatalf("got %+v", got)
			}
			for i, want := range v.want(t) {
				ref := statuslist.Reference{Idx: i, URI: testURI}
				s, err := statuslist.Check(ref, got)
				if s != want {
					t.Fatalf("Check(%d) = %v, want %v", i, s, want)
				}
				wantErr(t, err, sentinelFor(want), nil)
			}
		})
	}
}

// TestSpecExampleToken signs the TSL's example Status List Token payload
// byte for byte and verifies it: the spec's token is accepted as written.
func TestSpecExampleToken(t *testing.T) {
	var ex struct {
		Payload json.RawMessage `json:"payload"`
	}
	loadJSON(t, "tsl-example-statuslist-jwt.json", &ex)
	key := genKey(t, jose.ES256)
	raw := signBytes(t, key, statuslist.TokenType, ex.Payload)
	opts := statuslist.VerifyOptions{URI: testURI, Algs: []jose.Alg{jose.ES256}, Now: time.Unix(1686920170+60, 0)}
	tok, err := statuslist.VerifyToken(raw, key.Public(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if tok.TTL != 12*time.Hour || tok.Expires.Unix() != 2291720170 || tok.IssuedAt.Unix() != 1686920170 {
		t.Fatalf("got %+v", tok)
	}
	checkVector(t, loadVector(t, "tsl-example-1bit.json"), tok.List)
}

func TestVerifyTokenClaims(t *testing.T) {
	key := genKey(t, jose.ES256)
	tests := []struct {
		name   string
		mutate func(m map[string]any)
		opts   func(o *statuslist.VerifyOptions)
		want   error
		class  error
	}{
		{"valid", nil, nil, nil, nil},
		{"sub other list", func(m map[string]any) { m["sub"] = "https://example.com/statuslists/2" }, nil, statuslist.ErrSubjectMismatch, credentials.ErrStatus},
		{"sub trailing slash", func(m map[string]any) { m["sub"] = testURI + "/" }, nil, statuslist.ErrSubjectMismatch, credentials.ErrStatus},
		{"sub missing", func(m map[string]any) { delete(m, "sub") }, nil, statuslist.ErrClaim, credentials.ErrClaim},
		{"sub number", func(m map[string]any) { m["sub"] = 1 }, nil, statuslist.ErrClaim, credentials.ErrClaim},
		{"iat missing", func(m map[string]any) { delete(m, "iat") }, nil, statuslist.ErrClaim, credentials.ErrClaim},
		{`iat "9e9"`, func(m map[string]any) { m["iat"] = "9e9" }, nil, statuslist.ErrClaim, credentials.ErrClaim},
		{"iat string digits", func(m map[string]any) { m["iat"] = "1700000000" }, nil, statuslist.ErrClaim, credentials.ErrClaim},
		{"iat 1e300", func(m map[string]any) { m["iat"] = json.Number("1e300") }, nil, statuslist.ErrClaim, credentials.ErrClaim},
		{"iat 1e400", func(m map[string]any) { m["iat"] = json.Number("1e400") }, nil, statuslist.ErrClaim, credentials.ErrClaim},
		{"iat negative", func(m map[string]any) { m["iat"] = -1 }, nil, statuslist.ErrClaim, credentials.ErrClaim},
		{"iat null", func(m map[string]any) { m["iat"] = nil }, nil, statuslist.ErrClaim, credentials.ErrClaim},
		{"iat in 2099", func(m map[string]any) { m["iat"] = 4070908800 }, nil, statuslist.ErrClaim, credentials.ErrClaim},
		{"iat fractional", func(m map[string]any) { m["iat"] = json.Number("1700000000.5") }, nil, nil, nil},
		{"iat just ahead within leeway", func(m map[string]any) { m["iat"] = t0.Add(time.Hour + 30*time.Second).Unix() },
			func(o *statuslist.VerifyOptions) { o.Leeway = time.Minute }, nil, nil},
		{"iat older than cached copy", nil, func(o *statuslist.VerifyOptions) { o.MinIssuedAt = t0.Add(time.Second) }, statuslist.ErrRollback, credentials.ErrStatus},
		{"iat same as cached copy", nil, func(o *statuslist.VerifyOptions) { o.MinIssuedAt = t0 }, nil, nil},
		{"expired", nil, func(o *statuslist.VerifyOptions) { o.Now = t0.Add(24*time.Hour + time.Second) }, statuslist.ErrExpired, credentials.ErrStatus},
		{"expired within leeway", nil, func(o *statuslist.VerifyOptions) {
			o.Now = t0.Add(24*time.Hour + 30*time.Second)
			o.Leeway = time.Minute
		}, nil, nil},
		{"expired past leeway", nil, func(o *statuslist.VerifyOptions) {
			o.Now = t0.Add(24*time.Hour + 61*time.Second)
			o.Leeway = time.Minute
		}, statuslist.ErrExpired, credentials.ErrStatus},
		{"exp absent", func(m map[string]any) { delete(m, "exp") }, nil, nil, nil},
		{`exp "9e9"`, func(m map[string]any) { m["exp"] = "9e9" }, nil, statuslist.ErrClaim, credentials.ErrClaim},
		{"exp 1e300", func(m map[string]any) { m["exp"] = json.Number("1e300") }, nil, statuslist.ErrClaim, credentials.ErrClaim},
		{"exp negative", func(m map[string]any) { m["exp"] = -5 }, nil, statuslist.ErrClaim, credentials.ErrClaim},
		{"ttl string", func(m map[string]any) { m["ttl"] = "3600" }, nil, statuslist.ErrClaim, credentials.ErrClaim},
		{"status_list missing", func(m map[string]any) { delete(m, "status_list") }, nil, statuslist.ErrClaim, credentials.ErrClaim},
		{"status_list string", func(m map[string]any) { m["status_list"] = "x" }, nil, statuslist.ErrMalformed, credentials.ErrFormat},
		{"bits missing", func(m map[string]any) { m["status_list"] = map[string]any{"lst": "eNrbuRgAAhcBXQ"} }, nil, statuslist.ErrClaim, credentials.ErrClaim},
		{"bits 3", func(m map[string]any) { m["status_list"] = map[string]any{"bits": 3, "lst": "eNrbuRgAAhcBXQ"} }, nil, statuslist.ErrMalformed, credentials.ErrFormat},
		{"bits 1.0", func(m map[string]any) {
			m["status_list"] = map[string]any{"bits": json.Number("1.0"), "lst": "eNrbuRgAAhcBXQ"}
		}, nil, statuslist.ErrMalformed, credentials.ErrFormat},
		{`bits "1"`, func(m map[string]any) { m["status_list"] = map[string]any{"bits": "1", "lst": "eNrbuRgAAhcBXQ"} }, nil, statuslist.ErrMalformed, credentials.ErrFormat},
		{"lst missing", func(m map[string]any) { m["status_list"] = map[string]any{"bits": 1} }, nil, statuslist.ErrClaim, credentials.ErrClaim},
		{"lst number", func(m map[string]any) { m["status_list"] = map[string]any{"bits": 1, "lst": 5} }, nil, statuslist.ErrMalformed, credentials.ErrFormat},
		{"lst garbage", func(m map[string]any) { m["status_list"] = map[string]any{"bits": 1, "lst": "AAAA"} }, nil, statuslist.ErrMalformed, credentials.ErrFormat},
		{"aggregation_uri number", func(m map[string]any) {
			m["status_list"] = map[string]any{"bits": 1, "lst": "eNrbuRgAAhcBXQ", "aggregation_uri": 1}
		}, nil, statuslist.ErrMalformed, credentials.ErrFormat},
		{"too few entries", nil, func(o *statuslist.VerifyOptions) { o.MinEntries = statuslist.HerdPrivacyMinEntries }, statuslist.ErrListTooSmall, credentials.ErrStatus},
		{"enough entries", nil, func(o *statuslist.VerifyOptions) { o.MinEntries = 16 }, nil, nil},
		{"other claims allowed", func(m map[string]any) { m["iss"] = "https://example.com"; m["x"] = []int{1} }, nil, nil, nil},
		{"options: no URI", nil, func(o *statuslist.VerifyOptions) { o.URI = "" }, statuslist.ErrBadArgument, credentials.ErrFormat},
		{"options: leeway 61s", nil, func(o *statuslist.VerifyOptions) { o.Leeway = 61 * time.Second }, statuslist.ErrBadArgument, credentials.ErrFormat},
		{"options: no algs", nil, func(o *statuslist.VerifyOptions) { o.Algs = nil }, nil, credentials.ErrAlg},
		{"options: MinTTL above MaxTTL", nil, func(o *statuslist.VerifyOptions) { o.MinTTL, o.MaxTTL = time.Hour, time.Minute }, statuslist.ErrBadArgument, credentials.ErrFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := basePayload()
			if tt.mutate != nil {
				tt.mutate(m)
			}
			o := baseOptions()
			if tt.opts != nil {
				tt.opts(&o)
			}
			_, err := statuslist.VerifyToken(signMap(t, key, statuslist.TokenType, m), key.Public(), o)
			wantErr(t, err, tt.want, tt.class)
		})
	}
}

func TestVerifyTokenTTLClamp(t *testing.T) {
	key := genKey(t, jose.ES256)
	tests := []struct {
		ttl  any
		opts func(o *statuslist.VerifyOptions)
		want time.Duration
	}{
		{3600, nil, time.Hour},
		{315360000, nil, statuslist.DefaultMaxTTL}, // 10 years
		{json.Number("1e300"), nil, statuslist.DefaultMaxTTL},
		{1, nil, statuslist.DefaultMinTTL},
		{0, nil, statuslist.DefaultMinTTL},   // D.38: clamped, not trusted
		{-60, nil, statuslist.DefaultMinTTL}, // D.38: clamped, not trusted
		{json.Number("0.000001"), nil, statuslist.DefaultMinTTL},
		{json.Number("90.5"), nil, 90500 * time.Millisecond},
		{315360000, func(o *statuslist.VerifyOptions) { o.MaxTTL = 5 * time.Minute }, 5 * time.Minute},
		{10, func(o *statuslist.VerifyOptions) { o.MinTTL = 5 * time.Second }, 10 * time.Second},
		{nil, nil, 0}, // absent
	}
	for _, tt := range tests {
		m := basePayload()
		if tt.ttl == nil {
			delete(m, "ttl")
		} else {
			m["ttl"] = tt.ttl
		}
		o := baseOptions()
		if tt.opts != nil {
			tt.opts(&o)
		}
		tok, err := statuslist.VerifyToken(signMap(t, key, statuslist.TokenType, m), key.Public(), o)
		if err != nil {
			t.Fatalf("ttl %v: %v", tt.ttl, err)
		}
		if tok.TTL != tt.want {
			t.Errorf("ttl %v: TTL = %v, want %v", tt.ttl, tok.TTL, tt.want)
		}
	}
}

func TestVerifyTokenHeaderAndSignature(t *testing.T) {
	es, ed, other := genKey(t, jose.ES256), genKey(t, jose.EdDSA), genKey(t, jose.ES256)
	good := signMap(t, es, statuslist.TokenType, basePayload())
	payload, _ := json.Marshal(basePayload())
	hdr := func(h string) string { return jose.EncodeSegment([]byte(h)) }
	unsigned := func(h, sig string) string { return hdr(h) + "." + jose.EncodeSegment(payload) + "." + sig }
	expiredBadSig := func() string {
		m := basePayload()
		m["exp"] = t0.Unix() - 10
		tok := signMap(t, other, statuslist.TokenType, m)
		return tok
	}()
	tests := []struct {
		name  string
		raw   string
		key   *jose.PublicKey
		algs  []jose.Alg
		want  error
		class error
	}{
		{"valid ES256", good, es.Public(), nil, nil, nil},
		{"wrong typ", signMap(t, es, "JWT", basePayload()), es.Public(), nil, jose.ErrWrongType, credentials.ErrType},
		{"typ of a credential", signMap(t, es, "dc+sd-jwt", basePayload()), es.Public(), nil, jose.ErrWrongType, credentials.ErrType},
		{"typ case variant", signMap(t, es, "StatusList+JWT", basePayload()), es.Public(), nil, jose.ErrWrongType, credentials.ErrType},
		{"missing typ", signMap(t, es, "", basePayload()), es.Public(), nil, jose.ErrWrongType, credentials.ErrType},
		{"key outside trust", good, other.Public(), nil, jose.ErrBadSignature, credentials.ErrSignature},
		{"expired and badly signed is SIG", expiredBadSig, es.Public(), nil, jose.ErrBadSignature, credentials.ErrSignature},
		{"EdDSA key for ES256 token", good, ed.Public(), nil, nil, credentials.ErrAlg},
		{"ES256 not allowed", good, es.Public(), []jose.Alg{jose.EdDSA}, nil, credentials.ErrAlg},
		{"alg none", unsigned(`{"alg":"none","typ":"statuslist+jwt"}`, "AAAA"), es.Public(), nil, nil, credentials.ErrAlg},
		{"alg NONE", unsigned(`{"alg":"NONE","typ":"statuslist+jwt"}`, "AAAA"), es.Public(), nil, nil, credentials.ErrAlg},
		{"alg none empty signature", unsigned(`{"alg":"none","typ":"statuslist+jwt"}`, ""), es.Public(), nil, nil, credentials.ErrAlg},
		{"alg HS256", unsigned(`{"alg":"HS256","typ":"statuslist+jwt"}`, "AAAA"), es.Public(), nil, nil, credentials.ErrAlg},
		{"no key", good, nil, nil, nil, credentials.ErrTrust},
		{"duplicate typ", unsigned(`{"alg":"ES256","typ":"statuslist+jwt","typ":"JWT"}`, "AAAA"), es.Public(), nil, nil, credentials.ErrFormat},
		{"JWE", "a.b.c.d.e", es.Public(), nil, nil, credentials.ErrFormat},
		{"six segments", good + ".x.y.z", es.Public(), nil, nil, credentials.ErrFormat},
		{"dot flood", strings.Repeat(".", limits.MaxTokenBytes+1), es.Public(), nil, jose.ErrTooLarge, credentials.ErrLimit},
		{"JSON serialisation", `{"payload":"x","signatures":[]}`, es.Public(), nil, nil, credentials.ErrFormat},
		{"empty", "", es.Public(), nil, nil, credentials.ErrFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := baseOptions()
			if tt.algs != nil {
				o.Algs = tt.algs
			}
			_, err := statuslist.VerifyToken(tt.raw, tt.key, o)
			wantErr(t, err, tt.want, tt.class)
		})
	}
}

// TestVerifyTokenPayloadStrict refuses duplicate members in the payload
// (SECURITY.md A.9): {"sub": a, "sub": b} must not mean b to us and a to
// another parser.
func TestVerifyTokenPayloadStrict(t *testing.T) {
	key := genKey(t, jose.ES256)
	for _, p := range []string{
		`{"sub":"https://example.com/statuslists/2","sub":"` + testURI + `","iat":1700000000,"status_list":{"bits":1,"lst":"eNrbuRgAAhcBXQ"}}`,
		`{"sub":"` + testURI + `","iat":1700000000,"status_list":{"bits":1,"bits":2,"lst":"eNrbuRgAAhcBXQ"}}`,
		`[1]`,
		`null`,
	} {
		_, err := statuslist.VerifyToken(signBytes(t, key, statuslist.TokenType, []byte(p)), key.Public(), baseOptions())
		wantErr(t, err, nil, credentials.ErrFormat)
	}
}

// TestVerifyTokenBomb carries a zlib bomb inside a validly signed token:
// LIMIT, not an out-of-memory.
func TestVerifyTokenBomb(t *testing.T) {
	key := genKey(t, jose.ES256)
	m := basePayload()
	m["status_list"] = map[string]any{"bits": 1, "lst": jose.EncodeSegment(zlibZeros(t, limits.MaxStatusListBytes+1))}
	_, err := statuslist.VerifyToken(signMap(t, key, statuslist.TokenType, m), key.Public(), baseOptions())
	wantErr(t, err, statuslist.ErrTooLarge, credentials.ErrLimit)
}

func TestSignTokenArguments(t *testing.T) {
	key := genKey(t, jose.ES256)
	l, _ := statuslist.New(1, 16)
	ok := statuslist.Token{Subject: testURI, IssuedAt: t0, List: l}
	tests := []struct {
		name   string
		key    *jose.PrivateKey
		mutate func(tk *statuslist.Token)
		class  error
	}{
		{"valid", key, nil, nil},
		{"no key", nil, nil, credentials.ErrFormat},
		{"no list", key, func(tk *statuslist.Token) { tk.List = nil }, credentials.ErrFormat},
		{"no iat", key, func(tk *statuslist.Token) { tk.IssuedAt = time.Time{} }, credentials.ErrFormat},
		{"exp before iat", key, func(tk *statuslist.Token) { tk.Expires = t0.Add(-time.Second) }, credentials.ErrFormat},
		{"ttl below 1s", key, func(tk *statuslist.Token) { tk.TTL = time.Millisecond }, credentials.ErrFormat},
		{"ttl negative", key, func(tk *statuslist.Token) { tk.TTL = -time.Second }, credentials.ErrFormat},
		{"http subject", key, func(tk *statuslist.Token) { tk.Subject = "http://example.com/1" }, credentials.ErrFormat},
		{"empty subject", key, func(tk *statuslist.Token) { tk.Subject = "" }, credentials.ErrFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tk := ok
			if tt.mutate != nil {
				tt.mutate(&tk)
			}
			_, err := statuslist.SignToken(tt.key, tk)
			wantErr(t, err, nil, tt.class)
		})
	}
}

func TestCheck(t *testing.T) {
	l, _ := statuslist.New(2, 8)
	_ = l.Set(1, statuslist.Invalid)
	_ = l.Set(2, statuslist.Suspended)
	_ = l.Set(3, statuslist.ApplicationSpecific3)
	tok := &statuslist.Token{Subject: testURI, List: l}
	tests := []struct {
		name  string
		ref   statuslist.Reference
		tok   *statuslist.Token
		want  statuslist.Status
		err   error
		class error
	}{
		{"valid", statuslist.Reference{Idx: 0, URI: testURI}, tok, statuslist.Valid, nil, nil},
		{"revoked", statuslist.Reference{Idx: 1, URI: testURI}, tok, statuslist.Invalid, statuslist.ErrRevoked, credentials.ErrStatus},
		{"suspended", statuslist.Reference{Idx: 2, URI: testURI}, tok, statuslist.Suspended, statuslist.ErrSuspended, credentials.ErrStatus},
		{"application specific", statuslist.Reference{Idx: 3, URI: testURI}, tok, statuslist.ApplicationSpecific3, statuslist.ErrNotValid, credentials.ErrStatus},
		{"last entry", statuslist.Reference{Idx: 7, URI: testURI}, tok, statuslist.Valid, nil, nil},
		{"past the end", statuslist.Reference{Idx: 8, URI: testURI}, tok, 0, statuslist.ErrIndexOutOfRange, credentials.ErrStatus},
		{"negative", statuslist.Reference{Idx: -1, URI: testURI}, tok, 0, statuslist.ErrIndexOutOfRange, credentials.ErrStatus},
		{"other list", statuslist.Reference{Idx: 0, URI: "https://example.com/statuslists/2"}, tok, 0, statuslist.ErrSubjectMismatch, credentials.ErrStatus},
		{"no token", statuslist.Reference{Idx: 0, URI: testURI}, nil, 0, statuslist.ErrBadArgument, credentials.ErrFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := statuslist.Check(tt.ref, tt.tok)
			wantErr(t, err, tt.err, tt.class)
			if s != tt.want {
				t.Fatalf("status %v, want %v", s, tt.want)
			}
		})
	}
}

// sentinelFor is the sentinel Check returns with s.
func sentinelFor(s statuslist.Status) error {
	switch s {
	case statuslist.Valid:
		return nil
	case statuslist.Invalid:
		return statuslist.ErrRevoked
	case statuslist.Suspended:
		return statuslist.ErrSuspended
	}
	return statuslist.ErrNotValid
}
