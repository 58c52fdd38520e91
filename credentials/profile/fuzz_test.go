package profile_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/credentials/profile"
)

func seeds(f *testing.F) {
	entries, err := os.ReadDir("testdata")
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join("testdata", e.Name()))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// FuzzParse checks that Parse never panics, and that what it accepts can
// be evaluated and asked for.
func FuzzParse(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := profile.Parse("fuzz.yaml", data)
		if err != nil {
			return
		}
		_ = p.Needs()
		_ = p.Evaluate(nil, profile.Options{Now: time.Unix(1e9, 0)})
	})
}

// FuzzParseCatalogue checks that ParseCatalogue and Plan never panic.
func FuzzParseCatalogue(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := profile.ParseCatalogue("fuzz.yaml", data)
		if err != nil {
			return
		}
		var gap []string
		for _, m := range c.Modules {
			gap = append(gap, m.Skills...)
		}
		lp := c.Plan(gap, ppp.Date{Year: 2026, Month: 2, Day: 28})
		if len(gap) > 0 && (len(lp.Modules) == 0 || len(lp.Uncovered) > 0) {
			t.Fatal("a gap of taught skills is not covered")
		}
	})
}
