package web

import (
	"net/url"
	"testing"

	"github.com/loopbrug/paspoort/credentials/ppp"
)

// FuzzClaimsFrom: whatever a form posts, building the claims of any type
// never panics, and a field it cannot use is marked, never dropped
// silently.
func FuzzClaimsFrom(f *testing.F) {
	f.Add("level", "nlqf_level", "4", "assessed_on", "2025-09-16")
	f.Add("skill", "skill", "initiatief aan de dag leggen", "proficiency", "x")
	f.Add("talent", "talents", `[{"name":"a","score":1}]`, "instrument", "")
	f.Add("goal", "target_occupation", "http://data.europa.eu/esco/occupation/none", "target_sector", "zee")
	f.Fuzz(func(t *testing.T, typ, k1, v1, k2, v2 string) {
		ty, ok := ppp.Lookup(typ)
		if !ok {
			return
		}
		fields, err := formFields(ty, "nl", nil)
		if err != nil {
			t.Fatal(err)
		}
		form := url.Values{"c_" + k1: {v1}, "c_" + k2: {v2}}
		claims, ok := claimsFrom(fields, form, "nl")
		if ok {
			for _, fl := range fields {
				if fl.Error != "" {
					t.Fatalf("ok with an error at %s", fl.Name)
				}
			}
			return
		}
		marked := false
		for _, fl := range fields {
			marked = marked || fl.Error != ""
		}
		if !marked {
			t.Fatalf("refused without marking a field: %v", claims)
		}
	})
}
