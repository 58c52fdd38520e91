package verifier_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/loopbrug/paspoort/credentials/oid4vp"
	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/credentials/profile"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/strictjson"
	"github.com/loopbrug/paspoort/verifier"
)

// The receipt carries the whole decision as the holder reads it offline
// (docs/receipt.md): the profile's texts in Dutch and English, each
// requirement with its title, status and the credentials used, the gap
// with its ESCO labels, the learning plan with its modules, study load
// and next intake, and rejected presentations by class only. It agrees
// with the decision the verifier keeps, names no claim value, and is
// signed under the verifier's DID with iss = that DID and jti = the
// transaction.
func TestReceiptCarriesTheDecision(t *testing.T) {
	is := newIssuer(t)
	e := newEnv(t, trustAll(is.did), oid4vp.ResponseModeDirectPostJWT)
	holder, creds := miranda(t, is)
	d, body := run(t, e, &wallet{t: t, e: e, key: holder, creds: creds}, false)

	var reply struct {
		Receipt string `json:"receipt"`
	}
	if err := json.Unmarshal(body, &reply); err != nil {
		t.Fatal(err)
	}
	jws, err := jose.ParseCompact(reply.Receipt)
	if err != nil || jws.CheckType(verifier.TypReceipt) != nil {
		t.Fatalf("receipt: %v", err)
	}
	if jws.Header.Kid != e.v.DID()+"#key-1" {
		t.Fatalf("kid %q", jws.Header.Kid)
	}
	pub, err := jose.PublicKeyFromMap(e.v.DIDDocument().VerificationMethod[0].PublicKeyJWK)
	if err != nil || jws.Verify(pub, jose.DefaultAlgs) != nil {
		t.Fatalf("receipt signature: %v", err)
	}
	var rc verifier.Receipt
	if err := strictjson.Unmarshal(jws.Payload, &rc); err != nil {
		t.Fatal(err)
	}
	p, _ := e.v.Profile(profileTeacher)
	checks := []struct {
		name string
		ok   bool
	}{
		{"iss", rc.Iss == e.v.DID()},
		{"jti", rc.Jti == d.TransactionID},
		{"iat", rc.Iat == d.DecidedAt.Unix()},
		{"verifier_name", rc.VerifierName == "Hogeschool Domstad"},
		{"profile", rc.Profile == profileTeacher && rc.ProfileVersion == p.Version},
		{"kind", rc.Kind == profile.KindAdmission},
		{"title", rc.Title["nl"] == p.Title["nl"] && rc.Title["en"] == p.Title["en"] && rc.Title["nl"] != ""},
		{"purpose", rc.Purpose["nl"] != "" && rc.Purpose["en"] != ""},
		{"outcome", rc.Outcome == d.Outcome && rc.Score == d.Score},
		{"requirements", len(rc.Requirements) == len(d.Requirements)},
		{"gap", len(rc.Gap) == len(d.Gap) && len(rc.Gap) > 0},
		{"credentials", len(rc.Credentials) == len(d.Credentials)},
		{"rejected", rc.Rejected != nil && len(rc.Rejected) == len(d.Rejected)},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("receipt member %s does not agree with the decision: %+v", c.name, rc)
		}
	}
	for i, r := range rc.Requirements {
		dr := d.Requirements[i]
		if r.ID != dr.ID || r.Title["nl"] == "" || r.Title["en"] == "" || r.Required != dr.Required || r.Status != dr.Status || r.Reason != dr.Reason {
			t.Errorf("requirement %d: %+v, decision %+v", i, r, dr)
		}
		if r.Status == profile.StatusMet && len(r.Credentials) == 0 {
			t.Errorf("requirement %s met without credentials", r.ID)
		}
	}
	for i, g := range rc.Gap {
		if g.Skill != d.Gap[i].Skill || g.Label["en"] == "" || g.Requirement != d.Gap[i].Requirement {
			t.Errorf("gap %d: %+v", i, g)
		}
		// "nl" only where ESCO has a Dutch label: never English posing as Dutch.
		sk, _ := ppp.ESCOSkill(g.Skill)
		if (sk.LabelNl == "") != (g.Label["nl"] == "") || sk.LabelNl != "" && g.Label["nl"] != sk.LabelNl {
			t.Errorf("gap %d: label %v, ESCO Dutch label %q", i, g.Label, sk.LabelNl)
		}
	}
	lp := d.LearningPlan
	pl := rc.Plan
	if pl == nil || lp == nil || pl.Kind != "learning_plan" || pl.Institution != lp.Institution || pl.Programme["nl"] == "" ||
		len(pl.Modules) != len(lp.Modules) || pl.StudyLoad != lp.StudyLoad || pl.NextIntake == nil || *pl.NextIntake != *lp.NextIntake || pl.Uncovered == nil {
		t.Fatalf("plan %+v, decision plan %+v", pl, lp)
	}
	for i, m := range pl.Modules {
		if m.Code != lp.Modules[i].Code || m.Title["nl"] == "" || m.Title["en"] == "" || m.StudyLoad != lp.Modules[i].StudyLoad || m.NextStart != lp.Modules[i].NextStart {
			t.Errorf("module %d: %+v", i, m)
		}
	}
	// No claim value and no rejection reason text: classes only.
	for _, leak := range []string{`"claims"`, `"evidence"`, `"reason":"signature`, "nlqf_level"} {
		if strings.Contains(string(jws.Payload), leak) {
			t.Errorf("receipt contains %s", leak)
		}
	}
}
