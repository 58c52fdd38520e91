package profiles_test

import (
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/credentials/profile"
	"github.com/loopbrug/paspoort/verifier/profiles"
)

// TestShipped parses every shipped profile and catalogue, checks that each
// profile's catalogue exists and teaches every gap skill, and that the
// ESCO skills used are essential skills of the target occupations.
func TestShipped(t *testing.T) {
	entries, err := fs.ReadDir(profiles.FS, ".")
	if err != nil {
		t.Fatal(err)
	}
	cats := map[string]*profile.Catalogue{}
	var profs []*profile.Profile
	for _, e := range entries {
		b, err := fs.ReadFile(profiles.FS, e.Name())
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(e.Name(), ".catalogue.yaml") {
			c, err := profile.ParseCatalogue(e.Name(), b)
			if err != nil {
				t.Fatal(err)
			}
			if c.ID+".catalogue.yaml" != e.Name() {
				t.Errorf("%s: id %s does not match the file name", e.Name(), c.ID)
			}
			cats[c.ID] = c
			continue
		}
		p, err := profile.Parse(e.Name(), b)
		if err != nil {
			t.Fatal(err)
		}
		if p.ID+".yaml" != e.Name() {
			t.Errorf("%s: id %s does not match the file name", e.Name(), p.ID)
		}
		profs = append(profs, p)
	}
	if len(profs) != 3 {
		t.Fatalf("%d profiles, want 3", len(profs))
	}
	for _, p := range profs {
		c, ok := cats[p.Catalogue]
		if !ok {
			t.Fatalf("%s: catalogue %q not shipped", p.ID, p.Catalogue)
		}
		// With nothing proven, the whole gap must be coverable.
		res := p.Evaluate(nil, profile.Options{Now: time.Now()})
		var gap []string
		for _, g := range res.Gap {
			gap = append(gap, g.Skill)
			if _, ok := ppp.ESCOSkill(g.Skill); !ok {
				t.Errorf("%s: gap skill %s not in the subset", p.ID, g.Skill)
			}
		}
		lp := c.Plan(gap, ppp.Date{Year: 2026, Month: 3, Day: 1})
		if len(lp.Uncovered) > 0 || len(lp.Modules) == 0 {
			t.Errorf("%s: plan %+v leaves %v uncovered", p.ID, lp.Modules, lp.Uncovered)
		}
	}
}
