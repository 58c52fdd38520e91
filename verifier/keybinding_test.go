package verifier_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials/oid4vp"
	"github.com/loopbrug/paspoort/credentials/profile"
	"github.com/loopbrug/paspoort/credentials/sdjwt"
	"github.com/loopbrug/paspoort/internal/jose"
)

// kbCase builds a presentation of the holder's level credential for a
// request. presented is the SD-JWT the wallet would disclose, ending in
// "~" (no KB-JWT); issued is the whole credential with every disclosure.
type kbCase struct {
	name  string
	build func(t *testing.T, presented, issued string, holder *jose.PrivateKey, r request) string
	// ok is true for the control row: the presentation is used.
	ok bool
	// class is the rejection's class; default KB.
	class string
}

// signKB signs a KB-JWT over presented with the given header typ, extra
// header members and claims (nil values are left out), and appends it.
func signKB(t *testing.T, key *jose.PrivateKey, presented, typ string, hdr map[string]any, claims map[string]any) string {
	t.Helper()
	c := map[string]any{}
	for k, v := range claims {
		if v != nil {
			c[k] = v
		}
	}
	b, _ := json.Marshal(c)
	kid, _ := hdr["kid"].(string)
	delete(hdr, "kid")
	kb, err := jose.Sign(key.WithKeyID(kid), typ, hdr, b)
	if err != nil {
		t.Fatal(err)
	}
	return presented + kb
}

// kbClaims are a correct KB-JWT's claims for r over presented.
func kbClaims(presented string, r request) map[string]any {
	return map[string]any{"iat": time.Now().Unix(), "aud": r.ClientID, "nonce": r.Nonce, "sd_hash": sdjwt.SDHash(presented)}
}

func with(m map[string]any, k string, v any) map[string]any {
	out := map[string]any{}
	for kk, vv := range m {
		out[kk] = vv
	}
	out[k] = v
	return out
}

// TestKeyBinding: through the verifier, over HTTPS, presentations whose
// key binding is missing or wrong are rejected with KB and prove nothing,
// whatever the rest of the response (SECURITY.md C.22, C.24, C.25, C.26;
// RFC 9901 §4.3, §7.3). Key binding is required by the verifier's policy
// (every PPP query asks for it), not by what was presented. Each row is
// its own transaction; the control row shows the same harness accepted.
func TestKeyBinding(t *testing.T) {
	is := newIssuer(t)
	e := newEnv(t, trustAll(is.did), oid4vp.ResponseModeDirectPostJWT)
	holder, creds := miranda(t, is, "level")
	other, _ := jose.GenerateKey(jose.ES256)
	cases := []kbCase{
		{name: "control: a correct KB-JWT → used", ok: true,
			build: func(t *testing.T, p, _ string, h *jose.PrivateKey, r request) string {
				return signKB(t, h, p, sdjwt.TypKB, nil, kbClaims(p, r))
			}},
		{name: "C22 KB-JWT stripped → KB",
			build: func(_ *testing.T, p, _ string, _ *jose.PrivateKey, _ request) string { return p }},
		{name: "C22 KB-JWT stripped with the trailing ~ → FMT (B19 framing)", class: "FMT",
			build: func(_ *testing.T, p, _ string, _ *jose.PrivateKey, _ request) string {
				return strings.TrimSuffix(p, "~")
			}},
		{name: "C24 aud another client_id → KB",
			build: func(t *testing.T, p, _ string, h *jose.PrivateKey, r request) string {
				return signKB(t, h, p, sdjwt.TypKB, nil, with(kbClaims(p, r), "aud", "decentralized_identifier:did:web:evil.example"))
			}},
		{name: "C24 aud an array holding the client_id → KB",
			build: func(t *testing.T, p, _ string, h *jose.PrivateKey, r request) string {
				return signKB(t, h, p, sdjwt.TypKB, nil, with(kbClaims(p, r), "aud", []string{r.ClientID}))
			}},
		{name: "C24 aud missing → KB",
			build: func(t *testing.T, p, _ string, h *jose.PrivateKey, r request) string {
				return signKB(t, h, p, sdjwt.TypKB, nil, with(kbClaims(p, r), "aud", nil))
			}},
		{name: "C24 nonce missing → KB",
			build: func(t *testing.T, p, _ string, h *jose.PrivateKey, r request) string {
				return signKB(t, h, p, sdjwt.TypKB, nil, with(kbClaims(p, r), "nonce", nil))
			}},
		{name: "C24 nonce not a string → KB",
			build: func(t *testing.T, p, _ string, h *jose.PrivateKey, r request) string {
				return signKB(t, h, p, sdjwt.TypKB, nil, with(kbClaims(p, r), "nonce", []string{r.Nonce}))
			}},
		{name: "C24 nonce of another transaction → KB",
			build: func(t *testing.T, p, _ string, h *jose.PrivateKey, r request) string {
				return signKB(t, h, p, sdjwt.TypKB, nil, with(kbClaims(p, r), "nonce", oid4vp.NewNonce()))
			}},
		{name: "C24 iat stale (1 hour) → KB",
			build: func(t *testing.T, p, _ string, h *jose.PrivateKey, r request) string {
				return signKB(t, h, p, sdjwt.TypKB, nil, with(kbClaims(p, r), "iat", time.Now().Add(-time.Hour).Unix()))
			}},
		{name: "C24 iat in the future (1 hour) → KB",
			build: func(t *testing.T, p, _ string, h *jose.PrivateKey, r request) string {
				return signKB(t, h, p, sdjwt.TypKB, nil, with(kbClaims(p, r), "iat", time.Now().Add(time.Hour).Unix()))
			}},
		{name: "C24 iat missing → KB",
			build: func(t *testing.T, p, _ string, h *jose.PrivateKey, r request) string {
				return signKB(t, h, p, sdjwt.TypKB, nil, with(kbClaims(p, r), "iat", nil))
			}},
		{name: "C24 typ JWT instead of kb+jwt → KB",
			build: func(t *testing.T, p, _ string, h *jose.PrivateKey, r request) string {
				return signKB(t, h, p, "JWT", nil, kbClaims(p, r))
			}},
		{name: "C24 typ missing → KB",
			build: func(t *testing.T, p, _ string, h *jose.PrivateKey, r request) string {
				return signKB(t, h, p, "", nil, kbClaims(p, r))
			}},
		{name: "C25 sd_hash missing → KB",
			build: func(t *testing.T, p, _ string, h *jose.PrivateKey, r request) string {
				return signKB(t, h, p, sdjwt.TypKB, nil, with(kbClaims(p, r), "sd_hash", nil))
			}},
		{name: "C25 disclosure added after KB signing → KB",
			build: func(t *testing.T, p, issued string, h *jose.PrivateKey, r request) string {
				kb := signKB(t, h, p, sdjwt.TypKB, nil, kbClaims(p, r))[len(p):]
				return p + extraDisclosure(t, p, issued) + "~" + kb
			}},
		{name: "C25 disclosure removed after KB signing → KB",
			build: func(t *testing.T, p, _ string, h *jose.PrivateKey, r request) string {
				kb := signKB(t, h, p, sdjwt.TypKB, nil, kbClaims(p, r))[len(p):]
				parts := strings.Split(strings.TrimSuffix(p, "~"), "~")
				if len(parts) < 2 {
					t.Fatal("no disclosure to remove")
				}
				return strings.Join(parts[:len(parts)-1], "~") + "~" + kb
			}},
		{name: "C26 KB-JWT signed by another key → KB",
			build: func(t *testing.T, p, _ string, _ *jose.PrivateKey, r request) string {
				return signKB(t, other, p, sdjwt.TypKB, nil, kbClaims(p, r))
			}},
		{name: "C26 KB-JWT by another key naming it in a jwk header → KB",
			build: func(t *testing.T, p, _ string, _ *jose.PrivateKey, r request) string {
				return signKB(t, other, p, sdjwt.TypKB, map[string]any{"jwk": other.Public().Map()}, kbClaims(p, r))
			}},
		{name: "C26 KB-JWT with a kid header → KB",
			build: func(t *testing.T, p, _ string, h *jose.PrivateKey, r request) string {
				return signKB(t, h, p, sdjwt.TypKB, map[string]any{"kid": "did:jwk:x#0"}, kbClaims(p, r))
			}},
		{name: "C26 KB-JWT by the holder key but with its own jwk header → KB",
			build: func(t *testing.T, p, _ string, h *jose.PrivateKey, r request) string {
				return signKB(t, h, p, sdjwt.TypKB, map[string]any{"jwk": h.Public().Map()}, kbClaims(p, r))
			}},
	}
	w := &wallet{t: t, e: e, key: holder, creds: creds}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := e.start(profileTeacher, nil)
			r := w.fetch(req.RequestURI)
			vp := w.vpToken(r, r.ClientID, r.Nonce, false)
			if len(vp) != 1 {
				t.Fatalf("vp_token %v", vp)
			}
			var qid string
			for k := range vp {
				qid = k
			}
			good := vp[qid][0]
			presented := good[:strings.LastIndex(good, "~")+1]
			vp[qid] = []string{tc.build(t, presented, creds[0], holder, r)}
			if code, body := w.post(r, vp, ""); code != http.StatusOK {
				t.Fatalf("response: %d %s", code, body)
			}
			d := e.result(req.TransactionID).Decision
			level := statusOf(t, d, reqLevel)
			if tc.ok {
				if len(d.Rejected) != 0 || level.Status != profile.StatusMet || len(d.Credentials) != 1 {
					t.Fatalf("control refused: %+v %+v", d.Rejected, level)
				}
				return
			}
			want := tc.class
			if want == "" {
				want = "KB"
			}
			if len(d.Rejected) != 1 || d.Rejected[0].Class != want || d.Rejected[0].QueryID != qid {
				t.Fatalf("rejected %+v, want one %s", d.Rejected, want)
			}
			if level.Status == profile.StatusMet || len(d.Credentials) != 0 || d.Outcome != profile.OutcomeRefused {
				t.Fatalf("a bad key binding proved something: %+v, outcome %s", level, d.Outcome)
			}
		})
	}
}

// extraDisclosure returns a disclosure of issued that presented lacks.
func extraDisclosure(t *testing.T, presented, issued string) string {
	t.Helper()
	have := strings.Split(presented, "~")
	for _, d := range strings.Split(issued, "~")[1:] {
		if d != "" && !slices.Contains(have, d) {
			return d
		}
	}
	t.Fatal("the presentation already holds every disclosure")
	return ""
}
