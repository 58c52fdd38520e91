package wallet_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/dcql"
	"github.com/loopbrug/paspoort/credentials/did"
	"github.com/loopbrug/paspoort/credentials/oid4vp"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/wallet"
)

// receiptPayload returns testdata/receipt-payload.json (a receipt as the
// verifier signs it, docs/receipt.md) with iss and iat set.
func receiptPayload(t testing.TB, iss string, iat time.Time) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(readTestdata(t, "receipt-payload.json"), &m); err != nil {
		t.Fatal(err)
	}
	m["iss"], m["iat"] = iss, iat.Unix()
	return m
}

func signReceipt(t testing.TB, key *jose.PrivateKey, typ string, payload map[string]any) string {
	t.Helper()
	b, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	s, err := jose.Sign(key, typ, nil, b)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// receiptVerifier is the test verifier of present_test.go whose
// response_uri answers with a receipt: receipt(v) makes it.
func receiptVerifier(t *testing.T, w *wallet.Wallet, iss *testIssuer, receipt func(v *testVerifier) string) *testVerifier {
	t.Helper()
	q, err := dcql.Parse([]byte(`{"credentials":[{"id":"skill","format":"dc+sd-jwt","meta":{"vct_values":["https://paspoort.loopbrug.nl/vct/skill/v1"]},"claims":[{"path":["skill"]}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	v := newTestVerifier(t, iss.keys(), oid4vp.ResponseModeDirectPostJWT, q)
	proxy := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		v.response(rec, r)
		if rec.Code != http.StatusOK {
			rw.WriteHeader(rec.Code)
			_, _ = rw.Write(rec.Body.Bytes())
			return
		}
		var reply map[string]any
		_ = json.Unmarshal(rec.Body.Bytes(), &reply)
		reply["receipt"] = receipt(v)
		rw.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(rw).Encode(reply)
	}))
	t.Cleanup(proxy.Close)
	v.req.ResponseURI = proxy.URL + "/response"
	return v
}

func verifierDID(v *testVerifier) string {
	return strings.TrimPrefix(v.clientID, oid4vp.PrefixDecentralizedIdentifier+":")
}

// present shares the skill with v and returns the result.
func present(t *testing.T, w *wallet.Wallet, v *testVerifier) *wallet.PresentResult {
	t.Helper()
	pr, err := w.ReadRequest(ctx, v.link("/request"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := w.Present(ctx, pr, nil)
	if err != nil {
		t.Fatalf("present: %v", err)
	}
	return res
}

// Share → the verifier's signed decision is verified and kept in the
// history entry → listed (newest first) and found by a unique id prefix →
// VerifyDecision holds offline → one byte of the stored payload or of
// the stored receipt changed → ErrDecisionSignature (SIG). Export and
// Import keep the decision; an entry whose decision was tampered with is
// refused on import and counted.
func TestDecisionKeptVerifiedAndTamperEvident(t *testing.T) {
	iss := newTestIssuer(t, "https://assessor.example")
	dir := t.TempDir()
	w := initWallet(t, dir, wallet.WithIssuerKeys(iss.keys()), wallet.WithAllowLoopback())
	defer w.Close()
	if _, err := w.Add(ctx, iss.issue(t, w, "skill", example(t, "skill", nil), 3), wallet.Meta{}); err != nil {
		t.Fatal(err)
	}
	good := func(v *testVerifier) string {
		return signReceipt(t, v.key, wallet.TypReceipt, receiptPayload(t, verifierDID(v), time.Now()))
	}
	var ids []string
	for range 2 {
		v := receiptVerifier(t, w, iss, good)
		res := present(t, w, v)
		if res.DecisionNotKept != nil || res.Decision == nil || res.Presentation.Decision == nil {
			t.Fatalf("decision not kept: %v", res.DecisionNotKept)
		}
		d := res.Decision
		if d.Verifier != verifierDID(v) || d.KeyID != v.key.KeyID() || d.Payload.Outcome != wallet.OutcomeAccepted ||
			d.Payload.Title["nl"] == "" || len(d.Payload.Requirements) != 2 || d.Payload.Plan == nil || len(d.Payload.Plan.Modules) != 2 ||
			d.Payload.Plan.NextIntake == nil || d.Payload.Plan.NextIntake.String() != "2026-02-01" || d.Payload.Gap[1].Label.Get("nl") != "assess students" {
			t.Fatalf("decision %+v", d)
		}
		ids = append(ids, res.Presentation.ID)
	}
	list, err := w.Decisions(ctx)
	if err != nil || len(list) != 2 || list[0].ID != ids[1] || list[1].ID != ids[0] {
		t.Fatalf("decisions %v, %v", list, err)
	}
	// A unique prefix finds it; a prefix of both is ambiguous.
	if p, err := w.Decision(ctx, ids[0][:20]); err != nil || p.ID != ids[0] {
		t.Fatalf("by prefix: %v", err)
	}
	if _, err := w.Decision(ctx, ""); !errors.Is(err, wallet.ErrNoDecision) {
		t.Fatalf("empty id: %v", err)
	}
	if _, err := w.Decision(ctx, "ffff"); !errors.Is(err, wallet.ErrNoDecision) {
		t.Fatalf("unknown id: %v", err)
	}
	if _, err := w.Decision(ctx, ids[0][:2]); !errors.Is(err, wallet.ErrAmbiguousID) && ids[0][:2] == ids[1][:2] {
		t.Fatalf("ambiguous prefix: %v", err)
	}
	for _, id := range ids {
		if _, err := w.VerifyDecision(ctx, id); err != nil {
			t.Fatalf("verify %s: %v", id, err)
		}
	}

	// Tamper with the stored decision of the first entry, one byte at a time.
	orig, _ := w.Decision(ctx, ids[0])
	tampers := []struct {
		name   string
		change func(p *wallet.Presentation)
	}{
		{"payload outcome", func(p *wallet.Presentation) { p.Decision.Payload.Outcome = "refused" }},
		{"payload score", func(p *wallet.Presentation) { p.Decision.Payload.Score = 0.85 }},
		{"payload module title", func(p *wallet.Presentation) {
			p.Decision.Payload.Plan.Modules[0].Title = wallet.Text{"nl": "Lessen voorbereiden en ontwerpeN", "en": "Preparing and designing lessons"}
		}},
		{"receipt payload byte", func(p *wallet.Presentation) { p.Decision.Receipt = flipInSegment(p.Decision.Receipt, 1) }},
		{"receipt signature byte", func(p *wallet.Presentation) { p.Decision.Receipt = flipInSegment(p.Decision.Receipt, 2) }},
		{"stored key", func(p *wallet.Presentation) {
			k, _ := jose.GenerateKey(jose.ES256)
			p.Decision.Key, _ = json.Marshal(k.Public())
		}},
		{"verifier DID", func(p *wallet.Presentation) { p.Decision.Verifier = "did:web:other.example" }},
	}
	for _, tc := range tampers {
		t.Run(tc.name, func(t *testing.T) {
			p := cloneEntry(t, orig)
			tc.change(&p)
			if err := w.PutHistoryForTest(ctx, p); err != nil {
				t.Fatal(err)
			}
			_, err := w.VerifyDecision(ctx, p.ID)
			if !errors.Is(err, wallet.ErrDecisionSignature) || !errors.Is(err, credentials.ErrSignature) {
				t.Fatalf("tampered decision: %v", err)
			}
		})
	}
	// Export with the first entry tampered: Import refuses that entry
	// (counted) and keeps the other with its decision, which verifies.
	backup, err := w.Export(ctx, []byte("backup passphrase 123"))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.PutHistoryForTest(ctx, *orig); err != nil {
		t.Fatal(err)
	}
	if _, err := w.VerifyDecision(ctx, ids[0]); err != nil {
		t.Fatalf("restored: %v", err)
	}
	w2 := initWallet(t, t.TempDir(), wallet.WithIssuerKeys(iss.keys()))
	defer w2.Close()
	r, err := w2.Import(ctx, []byte(backup), []byte("backup passphrase 123"))
	if err != nil {
		t.Fatal(err)
	}
	if r.History != 1 || r.RefusedDecisions != 1 {
		t.Fatalf("import %+v", r)
	}
	got, err := w2.Decisions(ctx)
	if err != nil || len(got) != 1 || got[0].ID != ids[1] {
		t.Fatalf("imported decisions %+v, %v", got, err)
	}
	if _, err := w2.VerifyDecision(ctx, ids[1]); err != nil {
		t.Fatalf("imported decision: %v", err)
	}
	// An untampered backup keeps both.
	backup, _ = w.Export(ctx, []byte("backup passphrase 123"))
	w3 := initWallet(t, t.TempDir(), wallet.WithIssuerKeys(iss.keys()))
	defer w3.Close()
	if r, err := w3.Import(ctx, []byte(backup), []byte("backup passphrase 123")); err != nil || r.History != 2 || r.RefusedDecisions != 0 {
		t.Fatalf("import %+v, %v", r, err)
	}
}

// A receipt that does not verify is not kept; the presentation is still
// recorded, and the result says why (by class).
func TestDecisionNotKept(t *testing.T) {
	iss := newTestIssuer(t, "https://assessor.example")
	w := initWallet(t, t.TempDir(), wallet.WithIssuerKeys(iss.keys()), wallet.WithAllowLoopback())
	defer w.Close()
	if _, err := w.Add(ctx, iss.issue(t, w, "skill", example(t, "skill", nil), 10), wallet.Meta{}); err != nil {
		t.Fatal(err)
	}
	other, _ := jose.GenerateKey(jose.ES256)
	otherDID, _ := did.JWKFromKey(other.Public())
	cases := []struct {
		name    string
		receipt func(v *testVerifier) string
		want    error
	}{
		{"signed by another key under the verifier's kid", func(v *testVerifier) string {
			return signReceipt(t, other.WithKeyID(v.key.KeyID()), wallet.TypReceipt, receiptPayload(t, verifierDID(v), time.Now()))
		}, wallet.ErrDecisionSignature},
		{"signed by another DID", func(v *testVerifier) string {
			return signReceipt(t, other.WithKeyID(otherDID+"#0"), wallet.TypReceipt, receiptPayload(t, verifierDID(v), time.Now()))
		}, credentials.ErrTrust},
		{"another iss", func(v *testVerifier) string {
			return signReceipt(t, v.key, wallet.TypReceipt, receiptPayload(t, otherDID, time.Now()))
		}, credentials.ErrTrust},
		{"wrong typ", func(v *testVerifier) string {
			return signReceipt(t, v.key, "JWT", receiptPayload(t, verifierDID(v), time.Now()))
		}, credentials.ErrType},
		{"alg none", func(v *testVerifier) string {
			b, _ := json.Marshal(receiptPayload(t, verifierDID(v), time.Now()))
			return jose.EncodeSegment([]byte(`{"alg":"none","typ":"paspoort-receipt+jwt","kid":"`+v.key.KeyID()+`"}`)) + "." + jose.EncodeSegment(b) + "."
		}, credentials.ErrAlg},
		{"iat in the future", func(v *testVerifier) string {
			return signReceipt(t, v.key, wallet.TypReceipt, receiptPayload(t, verifierDID(v), time.Now().Add(time.Hour)))
		}, credentials.ErrClaim},
		{"duplicate member", func(v *testVerifier) string {
			b, _ := json.Marshal(receiptPayload(t, verifierDID(v), time.Now()))
			b = append([]byte(`{"outcome":"refused",`), b[1:]...)
			h, _ := json.Marshal(map[string]string{"alg": "ES256", "typ": wallet.TypReceipt, "kid": v.key.KeyID()})
			s, err := jose.SignRaw(v.key, h, b)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}, credentials.ErrFormat},
		{"not a JWS", func(v *testVerifier) string { return "not a receipt" }, credentials.ErrFormat},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := receiptVerifier(t, w, iss, tc.receipt)
			res := present(t, w, v)
			if res.Decision != nil || res.Presentation.Decision != nil || !errors.Is(res.DecisionNotKept, tc.want) {
				t.Fatalf("got decision %v, not kept because %v; want %v", res.Decision, res.DecisionNotKept, tc.want)
			}
			if res.DecisionRefused != credentials.ClassName(tc.want) {
				t.Fatalf("decision_refused %q, want the class of %v", res.DecisionRefused, tc.want)
			}
			if res.Presentation.Outcome != "sent" || res.Presentation.ID == "" {
				t.Fatalf("presentation not recorded: %+v", res.Presentation)
			}
		})
	}
	if ds, err := w.Decisions(ctx); err != nil || len(ds) != 0 {
		t.Fatalf("decisions kept: %d, %v", len(ds), err)
	}
	if h, _ := w.History(ctx); len(h) != len(cases) {
		t.Fatalf("history has %d entries, want %d", len(h), len(cases))
	}
}

// flipInSegment changes one character in the middle of segment i of a
// compact JWS.
func flipInSegment(s string, i int) string {
	segs := strings.Split(s, ".")
	b := []byte(segs[i])
	j := len(b) / 2
	if b[j] == 'A' {
		b[j] = 'B'
	} else {
		b[j] = 'A'
	}
	segs[i] = string(b)
	return strings.Join(segs, ".")
}

// cloneEntry returns a deep copy of a history entry.
func cloneEntry(t *testing.T, p *wallet.Presentation) wallet.Presentation {
	t.Helper()
	b, _ := json.Marshal(p)
	var out wallet.Presentation
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// The JSON API lists the decisions, returns one by a unique id prefix,
// and re-checks it: 200 valid for the kept one, 422 class SIG for a
// tampered one, 404 for an unknown id.
func TestDecisionAPI(t *testing.T) {
	iss := newTestIssuer(t, "https://assessor.example")
	var good, bad string
	a := startServer(t, wallet.ServerConfig{WalletOptions: []wallet.Option{wallet.WithIssuerKeys(iss.keys()), wallet.WithAllowLoopback()}}, func(w *wallet.Wallet) {
		if _, err := w.Add(ctx, iss.issue(t, w, "skill", example(t, "skill", nil), 2), wallet.Meta{}); err != nil {
			t.Fatal(err)
		}
		for i := range 2 {
			v := receiptVerifier(t, w, iss, func(v *testVerifier) string {
				return signReceipt(t, v.key, wallet.TypReceipt, receiptPayload(t, verifierDID(v), time.Now()))
			})
			res := present(t, w, v)
			if res.Decision == nil {
				t.Fatalf("not kept: %v", res.DecisionNotKept)
			}
			if i == 0 {
				good = res.Presentation.ID
				continue
			}
			bad = res.Presentation.ID
			p := cloneEntry(t, &res.Presentation)
			p.Decision.Payload.Outcome = wallet.OutcomeRefused
			if err := w.PutHistoryForTest(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
	})
	c := a.client(t)
	if code, _ := c.unlock(testPass); code != http.StatusOK {
		t.Fatalf("unlock: %d", code)
	}
	var list []wallet.Presentation
	if code, _ := c.do(http.MethodGet, "/api/decisions", nil, &list); code != http.StatusOK || len(list) != 2 || list[0].ID != bad || list[1].Decision == nil {
		t.Fatalf("list: %d %+v", code, list)
	}
	var one wallet.Presentation
	if code, _ := c.do(http.MethodGet, "/api/decisions/"+good[:20], nil, &one); code != http.StatusOK || one.ID != good || one.Decision.Payload.Plan == nil {
		t.Fatalf("one: %d %+v", code, one)
	}
	tests := []struct {
		id        string
		wantCode  int
		wantClass string
	}{
		{good, http.StatusOK, ""},
		{bad, http.StatusUnprocessableEntity, "SIG"},
		{"ffffffff", http.StatusNotFound, "FMT"},
	}
	for _, tc := range tests {
		var check map[string]any
		code, body := c.do(http.MethodPost, "/api/decisions/"+tc.id+"/verify", map[string]any{}, &check)
		if code != tc.wantCode {
			t.Fatalf("verify %s: %d %v %v", tc.id, code, body, check)
		}
		if tc.wantClass == "" && (check["valid"] != true || check["verifier_name"] != "Hogeschool Domstad") {
			t.Fatalf("verify %s: %v", tc.id, check)
		}
		if tc.wantClass != "" && body["class"] != tc.wantClass {
			t.Fatalf("verify %s: %v", tc.id, check)
		}
	}
}

// A gap skill's label: Dutch when the receipt or the shipped ESCO subset
// has one; otherwise the English one, marked as English on a Dutch page
// (also when an older receipt put the English label under "nl").
func TestGapLabel(t *testing.T) {
	const (
		noDutch = "http://data.europa.eu/esco/skill/6fe019dd-027f-45f3-b19c-d27f7ae00980" // assess students
		unknown = "http://data.europa.eu/esco/skill/00000000-0000-0000-0000-000000000000"
	)
	for _, tc := range []struct {
		name, lang  string
		g           wallet.DecisionGap
		want        string
		wantEnglish bool
	}{
		{"dutch in receipt", "nl", wallet.DecisionGap{Skill: unknown, Label: wallet.Text{"nl": "lessen geven", "en": "teach"}}, "lessen geven", false},
		{"english only", "nl", wallet.DecisionGap{Skill: noDutch, Label: wallet.Text{"en": "assess students"}}, "assess students", true},
		{"english under nl", "nl", wallet.DecisionGap{Skill: noDutch, Label: wallet.Text{"nl": "assess students", "en": "assess students"}}, "assess students", true},
		{"english page", "en", wallet.DecisionGap{Skill: noDutch, Label: wallet.Text{"en": "assess students"}}, "assess students", false},
		{"no label at all", "nl", wallet.DecisionGap{Skill: unknown}, unknown, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, english := tc.g.LabelIn(tc.lang)
			if got != tc.want || english != tc.wantEnglish {
				t.Fatalf("got %q english=%v, want %q english=%v", got, english, tc.want, tc.wantEnglish)
			}
		})
	}
}

// A redirect_uri: verifier (development: unsigned request, no DID) has no
// DID to verify a receipt against: its receipt is not kept (TRUST), even
// one signed under a did:jwk with a matching iss.
func TestDecisionFromRedirectURIVerifierNotKept(t *testing.T) {
	iss := newTestIssuer(t, "https://assessor.example")
	w := initWallet(t, t.TempDir(), wallet.WithIssuerKeys(iss.keys()), wallet.WithAllowLoopback(), wallet.WithRedirectURIVerifiersUnsafe())
	defer w.Close()
	if _, err := w.Add(ctx, iss.issue(t, w, "skill", example(t, "skill", nil), 1), wallet.Meta{}); err != nil {
		t.Fatal(err)
	}
	var jwkDID string
	v := receiptVerifier(t, w, iss, func(v *testVerifier) string {
		return signReceipt(t, v.key, wallet.TypReceipt, receiptPayload(t, jwkDID, time.Now()))
	})
	jwkDID = verifierDID(v)
	v.unsigned = true
	v.clientID = oid4vp.PrefixRedirectURI + ":" + v.req.ResponseURI
	v.req.ClientID = v.clientID
	res := present(t, w, v)
	if res.Decision != nil || !errors.Is(res.DecisionNotKept, credentials.ErrTrust) || res.DecisionRefused != "TRUST" {
		t.Fatalf("decision %v, not kept because %v (%q)", res.Decision, res.DecisionNotKept, res.DecisionRefused)
	}
}
