package wallet_test

import (
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials/dcql"
	"github.com/loopbrug/paspoort/credentials/profile"
	"github.com/loopbrug/paspoort/wallet"
)

func TestMatchProfileAndQuery(t *testing.T) {
	iss := newTestIssuer(t, "did:web:assessor.example")
	w := initWallet(t, t.TempDir(), wallet.WithIssuerKeys(iss.keys()))
	defer w.Close()
	p, err := profile.Parse("profile-minimal.yaml", readTestdata(t, "profile-minimal.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// empty wallet: nothing proven
	res := w.MatchProfile(ctx, p, time.Time{})
	if res.Outcome == profile.OutcomeAccepted {
		t.Fatalf("empty wallet accepted: %+v", res)
	}
	level := example(t, "level", map[string]any{"nlqf_level": 5})
	if _, err := w.Add(ctx, iss.issue(t, w, "level", level, 1), wallet.Meta{}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Add(ctx, iss.issue(t, w, "skill", example(t, "skill", nil), 1), wallet.Meta{}); err != nil {
		t.Fatal(err)
	}
	res = w.MatchProfile(ctx, p, time.Time{})
	got := map[string]profile.Status{}
	for _, r := range res.Requirements {
		got[r.ID] = r.Status
	}
	if got["level"] != profile.StatusMet || got["feedback"] != profile.StatusMet || got["classroom"] == profile.StatusMet {
		t.Fatalf("requirements %+v", got)
	}

	q, err := dcql.Parse([]byte(`{"credentials":[{"id":"skill","format":"dc+sd-jwt","meta":{"vct_values":["https://paspoort.loopbrug.nl/vct/skill/v1"]},"claims":[{"path":["skill"]},{"path":["proficiency"]}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	m, err := w.MatchQuery(q)
	if err != nil || !m.Satisfied || len(m.Presentation["skill"]) != 1 {
		t.Fatalf("match %+v, %v", m, err)
	}
	if paths := m.Presentation["skill"][0].Paths; len(paths) != 2 {
		t.Fatalf("paths %v", paths)
	}
}
