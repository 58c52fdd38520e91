package devstack_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/devstack"
	"github.com/loopbrug/paspoort/issuer"
	"github.com/loopbrug/paspoort/wallet"
)

// TestAggregateEmployerByChoice: for a total of months across jobs the
// school asks only occupation and period; the wallet offers the employer
// as an extra the holder may add. Without her choice no employer leaves
// the wallet; when she chooses it for one job, the decision names that
// employer and only that one.
func TestAggregateEmployerByChoice(t *testing.T) {
	ctx := context.Background()
	s := startStack(t, t.TempDir(), false)
	w := newHolder(t, s)
	const coach = "http://data.europa.eu/esco/occupation/3e9c1262-4fe2-4eb1-bf94-4fe64498393a"
	for _, job := range []map[string]any{
		{"role_title": "Jeugdtrainer", "start_date": "2016-08-01", "end_date": "2020-06-30"},
		{"role_title": "Hoofdtrainer", "start_date": "2019-08-01", "ongoing": true},
	} {
		job["employer"], job["occupation"], job["occupation_label"] = "SV Domstad", coach, "sportcoach"
		job["hours_per_week"], job["skills"] = 6, []string{"http://data.europa.eu/esco/skill/dbadb531-2fb9-4361-b80b-9be8c3c54229"}
		o, err := s.CreateOffer(ctx, devstack.IssuerClub, issuer.OfferRequest{Type: "experience", Claims: mustJSON(t, job)})
		if err != nil {
			t.Fatal(err)
		}
		off, err := w.ResolveOffer(ctx, o.OfferURIByReference)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Receive(ctx, off, wallet.ReceiveOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	exp, _ := ppp.Lookup(ppp.TypeExperience)
	present := func(chooseOne bool) map[string]bool {
		t.Helper()
		req, err := s.CreateRequest(ctx, devstack.VerifierAdmission, devstack.ProfilePE)
		if err != nil {
			t.Fatal(err)
		}
		pr, err := w.ReadRequest(ctx, req.RequestURI)
		if err != nil {
			t.Fatal(err)
		}
		sel := &wallet.Selection{Credentials: map[string][]string{}, More: map[string][]string{}}
		for _, q := range pr.Queries {
			for _, o := range q.Options {
				if o.VCT != exp.VCT {
					continue
				}
				if !slices.Contains(o.More, "/employer") || slices.Contains(o.Claims, "/employer") {
					t.Fatalf("option discloses %v, may add %v", o.Claims, o.More)
				}
				sel.Credentials[q.QueryID] = append(sel.Credentials[q.QueryID], o.CredentialID)
				if chooseOne && len(sel.More[q.QueryID]) == 0 {
					sel.More[q.QueryID] = []string{o.CredentialID}
				}
			}
		}
		if _, err := w.Present(ctx, pr, sel); err != nil {
			t.Fatal(err)
		}
		st, err := s.Result(ctx, devstack.VerifierAdmission, req.TransactionID, 30*time.Second)
		if err != nil || st.Decision == nil {
			t.Fatalf("decision: %v", err)
		}
		employers := map[string]bool{}
		counted := 0
		for _, r := range st.Decision.Requirements {
			if r.Aggregate == nil {
				continue
			}
			counted = r.Aggregate.Credentials
			for _, ev := range r.Evidence {
				if e, ok := ev.Claims["employer"].(string); ok {
					employers[e] = true
				}
			}
		}
		if counted != 2 {
			t.Fatalf("%d credentials counted, want 2", counted)
		}
		return employers
	}
	if got := present(false); len(got) != 0 {
		t.Errorf("employers disclosed without the holder's choice: %v", got)
	}
	if got := present(true); len(got) != 1 || !got["SV Domstad"] {
		t.Errorf("employers after choosing one: %v", got)
	}
}

func mustJSON(t *testing.T, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
