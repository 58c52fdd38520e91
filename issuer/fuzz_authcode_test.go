package issuer_test

import (
	"context"
	"net/url"
	"os"
	"strings"
	"testing"
)

// FuzzPushAuthorizationRequest: a pushed authorization request, seeded
// from the example of OpenID4VCI 1.0 §5.1.4 (with scope and the offer's
// issuer_state), never panics, and is accepted only with the offer's
// issuer_state, S256 and a request_uri of RFC 9126's form.
func FuzzPushAuthorizationRequest(f *testing.F) {
	e := startIssuer(f, nil)
	o := e.createOffer(f, map[string]any{"type": "skill", "claims": example(f, "skill"), "grant": "authorization_code"})
	state := issuerStateOf(f, o.OfferURI)
	seed, err := os.ReadFile("testdata/par-vci-1.0-example.txt")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(strings.ReplaceAll(strings.TrimSpace(string(seed)), "ISSUER_STATE", url.QueryEscape(state)))
	f.Add(strings.TrimSpace(string(seed)))
	f.Add("request_uri=x&client_id=a")
	f.Fuzz(func(t *testing.T, raw string) {
		form, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		r, err := e.Issuer.PushAuthorizationRequest(context.Background(), form, nil)
		if err != nil {
			return
		}
		if form.Get("issuer_state") != state || form.Get("code_challenge_method") != "S256" || !strings.HasPrefix(r.RequestURI, "urn:ietf:params:oauth:request_uri:") {
			t.Fatalf("accepted %q: %+v", raw, r)
		}
	})
}
