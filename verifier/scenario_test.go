package verifier_test

import (
	"crypto/elliptic"
	"encoding/json"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials/oid4vp"
	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/credentials/profile"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/verifier"
)

const (
	profileTeacher = "tweedegraads-lerarenopleiding"
	skillPrepare   = "http://data.europa.eu/esco/skill/20f57a7f-b90e-4403-8c77-5ddd89b5835b"
	skillAssess    = "http://data.europa.eu/esco/skill/6fe019dd-027f-45f3-b19c-d27f7ae00980"
	allTypesExcept = ""
	reqLevel       = "werk-en-denkniveau"
	reqPrepare     = "lesinhoud-voorbereiden"
	reqAssess      = "leerlingen-beoordelen"
	reqClassroom   = "klassenmanagement"
	reqFeedback    = "feedback-geven"
)

func example(t testing.TB, typ string) map[string]any {
	t.Helper()
	tp, _ := ppp.Lookup(typ)
	var m map[string]any
	if err := json.Unmarshal(tp.Example(), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// miranda returns the holder key and her credentials from issuer is: the
// PPP examples (level 4, goal education, feedback competent, a learning
// module with classroom management, talents, agility 4).
func miranda(t testing.TB, is *issuer, types ...string) (*jose.PrivateKey, []string) {
	t.Helper()
	holder, _ := jose.GenerateKey(jose.ES256)
	if len(types) == 0 {
		types = []string{"level", "goal", "skill", "learning", "talent", "agility"}
	}
	var creds []string
	now := time.Now()
	for _, typ := range types {
		creds = append(creds, is.issue(t, typ, holder, now.Add(-time.Hour), now.Add(365*24*time.Hour), example(t, typ)))
	}
	return holder, creds
}

func trustAll(ids ...string) *verifier.TrustList {
	tl := &verifier.TrustList{}
	for _, id := range ids {
		tl.Issuers = append(tl.Issuers, verifier.TrustedIssuer{ID: id, Types: ppp.Names()})
	}
	return tl
}

func statusOf(t testing.TB, d *verifier.Decision, id string) profile.RequirementResult {
	t.Helper()
	for _, r := range d.Requirements {
		if r.ID == id {
			return r
		}
	}
	t.Fatalf("no requirement %s", id)
	return profile.RequirementResult{}
}

// run performs one whole flow and returns the decision.
func run(t testing.TB, e *env, w *wallet, greedy bool) (*verifier.Decision, []byte) {
	t.Helper()
	req := e.start(profileTeacher, nil)
	r := w.fetch(req.RequestURI)
	code, body := w.post(r, w.vpToken(r, r.ClientID, r.Nonce, greedy), "")
	if code != http.StatusOK {
		t.Fatalf("response: %d %s", code, body)
	}
	s := e.result(req.TransactionID)
	if s.Status != verifier.TxDecided || s.Decision == nil {
		t.Fatalf("status %s", s.Status)
	}
	return s.Decision, body
}

func TestAdmittedWithLearningPlan(t *testing.T) {
	for _, mode := range []string{oid4vp.ResponseModeDirectPostJWT, oid4vp.ResponseModeDirectPost} {
		t.Run(mode, func(t *testing.T) {
			is := newIssuer(t)
			e := newEnv(t, trustAll(is.did), mode)
			holder, creds := miranda(t, is)
			w := &wallet{t: t, e: e, key: holder, creds: creds}
			d, body := run(t, e, w, false)
			if d.Outcome != profile.OutcomeAccepted {
				t.Fatalf("outcome %s: %+v", d.Outcome, d.Requirements)
			}
			for id, want := range map[string]profile.Status{
				reqLevel: profile.StatusMet, reqFeedback: profile.StatusMet, reqClassroom: profile.StatusMet,
				reqPrepare: profile.StatusNotProven, reqAssess: profile.StatusNotProven,
			} {
				if got := statusOf(t, d, id).Status; got != want {
					t.Errorf("%s: %s, want %s", id, got, want)
				}
			}
			if d.Score < 0.76 || d.Score > 0.77 {
				t.Errorf("score %v, want 10/13", d.Score)
			}
			var gap []string
			for _, g := range d.Gap {
				gap = append(gap, g.Skill)
			}
			if !slices.Equal(gap, []string{skillPrepare, skillAssess}) {
				t.Errorf("gap %v", gap)
			}
			lp := d.LearningPlan
			if lp == nil || len(lp.Modules) != 1 || lp.Modules[0].Code != "LVO-PRAK1" || lp.NextIntake == nil || d.PlanKind != "learning_plan" {
				t.Fatalf("plan %+v", lp)
			}
			// Evidence holds only what the predicate read.
			ev := statusOf(t, d, reqFeedback).Evidence[0]
			if len(ev.Claims) != 2 || ev.Claims["proficiency"] == nil || ev.Issuer != is.did || ev.Credential == "" {
				t.Errorf("evidence %+v", ev)
			}
			// The decision never carries what was not needed.
			db, _ := json.Marshal(d)
			for _, leak := range []string{"Role play", "LVO-DKM1", "Loopbrug Talentenscan"} {
				if strings.Contains(string(db), leak) {
					t.Errorf("decision contains %q", leak)
				}
			}
			// The receipt is signed by the verifier's key and names
			// credentials by hash.
			var rr struct {
				Receipt string `json:"receipt"`
			}
			json.Unmarshal(body, &rr)
			jws, err := jose.ParseCompact(rr.Receipt)
			if err != nil || jws.CheckType(verifier.TypReceipt) != nil {
				t.Fatalf("receipt: %v", err)
			}
			doc := e.v.DIDDocument()
			pub, err := jose.PublicKeyFromMap(doc.VerificationMethod[0].PublicKeyJWK)
			if err != nil || jws.Verify(pub, jose.DefaultAlgs) != nil {
				t.Fatalf("receipt signature: %v", err)
			}
			var rc map[string]any
			json.Unmarshal(jws.Payload, &rc)
			if rc["outcome"] != "accepted" || rc["profile_version"] != "2026.1" || len(rc["credentials"].([]any)) != 6 {
				t.Fatalf("receipt %v", rc)
			}
		})
	}
}

func TestAdmittedWithoutGap(t *testing.T) {
	is := newIssuer(t)
	e := newEnv(t, trustAll(is.did), oid4vp.ResponseModeDirectPostJWT)
	holder, creds := miranda(t, is)
	now := time.Now()
	for _, s := range []string{skillPrepare, skillAssess} {
		creds = append(creds, is.issue(t, "skill", holder, now, now.Add(time.Hour), map[string]any{
			"skill": s, "skill_label": "x", "proficiency": 3, "assessed_on": "2026-01-10", "method": "observation",
		}))
	}
	d, _ := run(t, e, &wallet{t: t, e: e, key: holder, creds: creds}, false)
	if d.Outcome != profile.OutcomeAccepted || d.Score != 1 || len(d.Gap) != 0 || d.LearningPlan != nil {
		t.Fatalf("decision %+v", d)
	}
}

func TestRefusedMissingRequirement(t *testing.T) {
	is := newIssuer(t)
	e := newEnv(t, trustAll(is.did), oid4vp.ResponseModeDirectPostJWT)
	holder, creds := miranda(t, is, "goal", "skill", "talent", "agility") // no level, no learning
	d, _ := run(t, e, &wallet{t: t, e: e, key: holder, creds: creds}, false)
	if d.Outcome != profile.OutcomeRefused {
		t.Fatalf("outcome %s", d.Outcome)
	}
	if r := statusOf(t, d, reqLevel); r.Status != profile.StatusNotProven || r.Reason != profile.ReasonNoCredential {
		t.Fatalf("level: %+v", r)
	}
	if d.LearningPlan == nil || len(d.LearningPlan.Modules) == 0 {
		t.Fatalf("a refusal still gets a plan for its gap: %+v", d.LearningPlan)
	}
}

func TestRefusedUntrustedIssuer(t *testing.T) {
	is, assessor, stranger := newIssuer(t), newIssuer(t), newIssuer(t)
	tl := trustAll(is.did)
	// The assessor is trusted for skills only; the stranger not at all.
	tl.Issuers = append(tl.Issuers, verifier.TrustedIssuer{ID: assessor.did, Types: []string{"skill"}})
	e := newEnv(t, tl, oid4vp.ResponseModeDirectPostJWT)
	holder, creds := miranda(t, is, "goal", "skill", "talent", "agility")
	now := time.Now()
	creds = append(creds, assessor.issue(t, "level", holder, now, now.Add(time.Hour), example(t, "level")))
	creds = append(creds, stranger.issue(t, "learning", holder, now, now.Add(time.Hour), example(t, "learning")))
	d, _ := run(t, e, &wallet{t: t, e: e, key: holder, creds: creds}, false)
	if d.Outcome != profile.OutcomeRefused {
		t.Fatalf("outcome %s", d.Outcome)
	}
	if r := statusOf(t, d, reqLevel); r.Status != profile.StatusNotProven || r.Reason != profile.ReasonUntrustedIssuer {
		t.Fatalf("level: %+v", r)
	}
	if !hasRejection(d, "TRUST") {
		t.Fatalf("stranger's credential not rejected as TRUST: %+v", d.Rejected)
	}
}

func hasRejection(d *verifier.Decision, class string) bool {
	return slices.ContainsFunc(d.Rejected, func(r verifier.Rejection) bool { return r.Class == class })
}

func TestRefusedExpiredCredential(t *testing.T) {
	is := newIssuer(t)
	e := newEnv(t, trustAll(is.did), oid4vp.ResponseModeDirectPostJWT)
	holder, creds := miranda(t, is, "goal", "skill", "learning", "talent", "agility")
	now := time.Now()
	creds = append(creds, is.issue(t, "level", holder, now.Add(-48*time.Hour), now.Add(-24*time.Hour), example(t, "level")))
	// The wallet answers the level requirement with its first option, the
	// expired level credential, which is rejected.
	d, _ := run(t, e, &wallet{t: t, e: e, key: holder, creds: creds}, false)
	if !hasRejection(d, "CLAIM") {
		t.Fatalf("expired credential not rejected: %+v", d.Rejected)
	}
	if r := statusOf(t, d, reqLevel); r.Status != profile.StatusNotProven || d.Outcome != profile.OutcomeRefused {
		t.Fatalf("level: %+v, outcome %s", r, d.Outcome)
	}
}

// TestC24WrongAudience: presentations bound to another client_id are
// rejected (KB), whatever the wallet claims (SECURITY.md C.24, C.31).
func TestC24WrongAudience(t *testing.T) {
	is := newIssuer(t)
	e := newEnv(t, trustAll(is.did), oid4vp.ResponseModeDirectPostJWT)
	holder, creds := miranda(t, is)
	w := &wallet{t: t, e: e, key: holder, creds: creds}
	req := e.start(profileTeacher, nil)
	r := w.fetch(req.RequestURI)
	code, body := w.post(r, w.vpToken(r, "decentralized_identifier:did:web:evil.example", r.Nonce, false), "")
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	d := e.result(req.TransactionID).Decision
	if d.Outcome != profile.OutcomeRefused || len(d.Rejected) != 6 || !hasRejection(d, "KB") || len(d.Credentials) != 0 {
		t.Fatalf("decision %+v", d)
	}
	// And a nonce from another transaction.
	req2 := e.start(profileTeacher, nil)
	r2 := w.fetch(req2.RequestURI)
	w.post(r2, w.vpToken(r2, r2.ClientID, r.Nonce, false), "")
	if d := e.result(req2.TransactionID).Decision; !hasRejection(d, "KB") || len(d.Credentials) != 0 {
		t.Fatalf("foreign nonce accepted: %+v", d)
	}
}

// TestC33ExtraClaims: a wallet that discloses everything gets those
// presentations refused (SECURITY.md C.33): the verifier re-checks.
func TestC33ExtraClaims(t *testing.T) {
	is := newIssuer(t)
	e := newEnv(t, trustAll(is.did), oid4vp.ResponseModeDirectPostJWT)
	holder, creds := miranda(t, is)
	d, _ := run(t, e, &wallet{t: t, e: e, key: holder, creds: creds}, true)
	if !hasRejection(d, "DISC") || len(d.Credentials) != 0 || d.Outcome != profile.OutcomeRefused {
		t.Fatalf("over-disclosure accepted: %+v", d)
	}
	db, _ := json.Marshal(d)
	if strings.Contains(string(db), "Role play") {
		t.Fatal("over-disclosed claim stored")
	}
}

// TestC23C27Replay: a resubmitted response, and a byte-different one with a
// malleated KB-JWT signature (s → n−s), are both REPLAY (SECURITY.md C.23,
// C.27): the transaction is consumed, keyed on the state, not the bytes.
func TestC23C27Replay(t *testing.T) {
	is := newIssuer(t)
	e := newEnv(t, trustAll(is.did), oid4vp.ResponseModeDirectPost)
	holder, creds := miranda(t, is)
	w := &wallet{t: t, e: e, key: holder, creds: creds}
	req := e.start(profileTeacher, nil)
	r := w.fetch(req.RequestURI)
	vp := w.vpToken(r, r.ClientID, r.Nonce, false)
	if code, body := w.post(r, vp, ""); code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	first := e.result(req.TransactionID).Decision
	if code, body := w.post(r, vp, ""); code != 400 || errorCode(body) != "invalid_request" {
		t.Fatalf("replay: %d %s", code, body)
	}
	malleated := oid4vp.VPToken{}
	for k, ps := range vp {
		for _, p := range ps {
			malleated[k] = append(malleated[k], malleate(t, p))
		}
	}
	if code, body := w.post(r, malleated, ""); code != 400 || !strings.Contains(string(body), "already answered") {
		t.Fatalf("malleated replay: %d %s", code, body)
	}
	// Non-canonical base64 (the pad bits of the KB-JWT signature's last
	// character flipped) and CR/LF inside a presentation: still REPLAY.
	for name, change := range map[string]func(string) string{
		"C27 non-canonical base64 pad bits": func(p string) string {
			const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
			i := strings.IndexByte(alphabet, p[len(p)-1])
			return p[:len(p)-1] + string(alphabet[i^1])
		},
		"C27 CR/LF inside the presentation": func(p string) string { return p[:20] + "\r\n" + p[20:] },
	} {
		changed := oid4vp.VPToken{}
		for k, ps := range vp {
			for _, p := range ps {
				changed[k] = append(changed[k], change(p))
			}
		}
		if code, body := w.post(r, changed, ""); code != 400 || !strings.Contains(string(body), "already answered") {
			t.Fatalf("%s: %d %s", name, code, body)
		}
	}
	if d := e.result(req.TransactionID).Decision; d.DecidedAt != first.DecidedAt {
		t.Fatal("decision changed by a replay")
	}
	// An unknown state is refused too.
	if code, _ := w.post(r, vp, "no-such-state"); code != 400 {
		t.Fatalf("unknown state: %d", code)
	}
}

// malleate replaces the KB-JWT's ECDSA signature (r, s) by (r, n−s).
func malleate(t testing.TB, presentation string) string {
	t.Helper()
	i := strings.LastIndex(presentation, ".")
	sig, err := jose.DecodeSegment(presentation[i+1:])
	if err != nil || len(sig) != 64 {
		t.Fatalf("KB-JWT signature: %v", err)
	}
	n := elliptic.P256().Params().N
	s := new(big.Int).SetBytes(sig[32:])
	s.Sub(n, s)
	out := append(slices.Clone(sig[:32]), s.FillBytes(make([]byte, 32))...)
	return presentation[:i+1] + jose.EncodeSegment(out)
}

// TestC30SessionFixation: with a redirect_uri the result is released only
// against the response code the wallet's redirect carried, once
// (SECURITY.md C.30).
func TestC30SessionFixation(t *testing.T) {
	is := newIssuer(t)
	e := newEnv(t, trustAll(is.did), oid4vp.ResponseModeDirectPostJWT)
	holder, creds := miranda(t, is)
	w := &wallet{t: t, e: e, key: holder, creds: creds}
	req := e.start(profileTeacher, map[string]string{"redirect_uri": "https://toelating.example/klaar"})
	r := w.fetch(req.RequestURI)
	code, body := w.post(r, w.vpToken(r, r.ClientID, r.Nonce, false), "")
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	var out struct {
		RedirectURI string `json:"redirect_uri"`
	}
	json.Unmarshal(body, &out)
	u, err := url.Parse(out.RedirectURI)
	if err != nil || !strings.HasPrefix(out.RedirectURI, "https://toelating.example/klaar#response_code=") {
		t.Fatalf("redirect_uri %q", out.RedirectURI)
	}
	rc := strings.TrimPrefix(u.Fragment, "response_code=")
	for _, tc := range []struct {
		code string
		want int
	}{{"", 403}, {"wrong", 403}, {rc, 200}, {rc, 403}} {
		got, b := e.do("GET", "/result/"+req.TransactionID+"?response_code="+url.QueryEscape(tc.code), "", nil, "")
		if got != tc.want {
			t.Fatalf("code %q: %d %s, want %d", tc.code, got, b, tc.want)
		}
	}
}

// TestC31ResponseDowngrade: a plain direct_post where direct_post.jwt was
// asked, a JWE with another alg, or to an unknown kid, is refused and
// leaves the transaction answerable (SECURITY.md C.31).
func TestC31ResponseDowngrade(t *testing.T) {
	is := newIssuer(t)
	e := newEnv(t, trustAll(is.did), oid4vp.ResponseModeDirectPostJWT)
	holder, creds := miranda(t, is)
	w := &wallet{t: t, e: e, key: holder, creds: creds}
	req := e.start(profileTeacher, nil)
	r := w.fetch(req.RequestURI)
	vp := w.vpToken(r, r.ClientID, r.Nonce, false)
	plain := *r
	plain.ResponseMode = oid4vp.ResponseModeDirectPost
	if code, body := w.post(&plain, vp, ""); code != 400 || !strings.Contains(string(body), "ALG") {
		t.Fatalf("downgrade: %d %s", code, body)
	}
	kid := r.ClientMetadata.JWKS.Keys[0].KeyID()
	for name, hdr := range map[string]string{
		"RSA-OAEP":  `{"alg":"RSA-OAEP","enc":"A128GCM","kid":"` + kid + `"}`,
		"CBC":       `{"alg":"ECDH-ES","enc":"A128CBC-HS256","kid":"` + kid + `"}`,
		"zip":       `{"alg":"ECDH-ES","enc":"A128GCM","zip":"DEF","kid":"` + kid + `"}`,
		"stale kid": `{"alg":"ECDH-ES","enc":"A128GCM","kid":"stale"}`,
	} {
		jwe := jose.EncodeSegment([]byte(hdr)) + "..AAAAAAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA"
		if code, body := w.postForm(r.ResponseURI, url.Values{"response": {jwe}}); code != 400 {
			t.Fatalf("%s: %d %s", name, code, body)
		}
	}
	// Duplicate parameters are refused (SECURITY.md F.47).
	if code, _ := w.postForm(r.ResponseURI, url.Values{"response": {"a", "b"}}); code != 400 {
		t.Fatalf("duplicate response: %d", code)
	}
	if s := e.result(req.TransactionID); s.Status != verifier.TxPending {
		t.Fatalf("status %s after refused responses", s.Status)
	}
	if code, body := w.post(r, vp, ""); code != 200 {
		t.Fatalf("proper response: %d %s", code, body)
	}
}

func TestProfilesPublished(t *testing.T) {
	e := newEnv(t, trustAll(), oid4vp.ResponseModeDirectPostJWT)
	code, body := e.do("GET", "/profiles", "", nil, "")
	if code != 200 || !strings.Contains(string(body), profileTeacher) {
		t.Fatalf("%d %s", code, body)
	}
	code, body = e.do("GET", "/profiles/"+profileTeacher, "", nil, "")
	if code != 200 {
		t.Fatalf("%d", code)
	}
	if _, err := profile.Parse("served.json", body); err != nil {
		t.Fatalf("served profile does not parse: %v", err)
	}
	if code, _ := e.do("POST", "/admin/transactions", "wrong-token", strings.NewReader(`{"profile":"x"}`), "application/json"); code != 401 {
		t.Fatalf("admin without token: %d", code)
	}
	if code, _ := e.do("GET", "/health", "", nil, ""); code != 200 {
		t.Fatal("health")
	}
	if code, body := e.do("GET", "/metrics", "", nil, ""); code != 200 || !strings.Contains(string(body), "paspoort_verifier") {
		t.Fatalf("metrics %d", code)
	}
}
