package profile_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/credentials/profile"
)

func mustCatalogue(t *testing.T, name string, data []byte) *profile.Catalogue {
	t.Helper()
	c, err := profile.ParseCatalogue(name, data)
	if err != nil {
		t.Fatalf("ParseCatalogue(%s): %v", name, err)
	}
	return c
}

func TestPlan(t *testing.T) {
	c := mustCatalogue(t, "catalogue-valid.yaml", load(t, "catalogue-valid.yaml"))
	const unknown = "http://data.europa.eu/esco/skill/a8460be3-f4ba-44a0-a961-0389069a3614"
	tests := []struct {
		name      string
		gap       []string
		today     ppp.Date
		modules   []string
		load      float64
		intake    string
		uncovered int
	}{
		{"both skills: one module beats two", []string{skillFeedback, skillClassroom}, ppp.Date{Year: 2026, Month: 3, Day: 10}, []string{"AB"}, 10, "2026-03-15", 0},
		{"one skill: the lighter module", []string{skillClassroom}, ppp.Date{Year: 2026, Month: 3, Day: 10}, []string{"B"}, 3, "2026-04-01", 0},
		{"summer is skipped", []string{skillFeedback}, ppp.Date{Year: 2026, Month: 6, Day: 2}, []string{"A"}, 5, "2026-09-01", 0},
		{"start today", []string{skillFeedback}, ppp.Date{Year: 2026, Month: 12, Day: 1}, []string{"A"}, 5, "2026-12-01", 0},
		{"year wraps", []string{skillFeedback}, ppp.Date{Year: 2026, Month: 12, Day: 2}, []string{"A"}, 5, "2027-01-01", 0},
		{"untaught skill", []string{unknown, skillFeedback}, ppp.Date{Year: 2026, Month: 3, Day: 1}, []string{"A"}, 5, "2026-03-01", 1},
		{"empty gap", nil, ppp.Date{Year: 2026, Month: 3, Day: 1}, nil, 0, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lp := c.Plan(tt.gap, tt.today)
			var codes []string
			for _, m := range lp.Modules {
				codes = append(codes, m.Code)
			}
			if fmt.Sprint(codes) != fmt.Sprint(tt.modules) || lp.StudyLoad != tt.load || !lp.Optimal {
				t.Fatalf("plan = %v (%v EC, optimal %v), want %v (%v EC)", codes, lp.StudyLoad, lp.Optimal, tt.modules, tt.load)
			}
			got := ""
			if lp.NextIntake != nil {
				got = lp.NextIntake.String()
			}
			if got != tt.intake || len(lp.Uncovered) != tt.uncovered {
				t.Fatalf("intake %s uncovered %v, want %s and %d", got, lp.Uncovered, tt.intake, tt.uncovered)
			}
		})
	}
}

// TestPlanExactVersusGreedy builds a catalogue where greedy picks three
// modules but two suffice, and one too large for exact search.
func TestPlanExactVersusGreedy(t *testing.T) {
	skills := ppp.ESCOSkills()
	s := func(i int) string { return skills[i].URI }
	// Universe of 6 skills. Greedy takes the 4-skill module first, then
	// needs two more; the optimum is the two 3-skill modules.
	doc := fmt.Sprintf(`id: trap
institution: X
programme: {nl: X, en: X}
modules:
  - {code: BIG, title: {nl: B, en: B}, study_load: 1, skills: [%s, %s, %s, %s]}
  - {code: L, title: {nl: L, en: L}, study_load: 1, skills: [%s, %s, %s]}
  - {code: R, title: {nl: R, en: R}, study_load: 1, skills: [%s, %s, %s]}
`, s(0), s(1), s(3), s(4), s(0), s(1), s(2), s(3), s(4), s(5))
	c := mustCatalogue(t, "trap.yaml", []byte(doc))
	gap := []string{s(0), s(1), s(2), s(3), s(4), s(5)}
	lp := c.Plan(gap, ppp.Date{Year: 2026, Month: 1, Day: 1})
	if len(lp.Modules) != 2 || lp.Modules[0].Code != "L" || lp.Modules[1].Code != "R" || !lp.Optimal {
		t.Fatalf("exact plan = %+v", lp.Modules)
	}

	// 30 single-skill modules plus decoys: beyond MaxExactModules, greedy.
	var b strings.Builder
	b.WriteString("id: big\ninstitution: X\nprogramme: {nl: X, en: X}\nmodules:\n")
	gap = nil
	for i := range 30 {
		fmt.Fprintf(&b, "  - {code: M%d, title: {nl: M, en: M}, study_load: 2, skills: [%s]}\n", i, s(10+i))
		gap = append(gap, s(10+i))
	}
	c = mustCatalogue(t, "big.yaml", []byte(b.String()))
	lp = c.Plan(gap, ppp.Date{Year: 2026, Month: 1, Day: 1})
	if lp.Optimal || len(lp.Modules) != 30 || lp.StudyLoad != 60 {
		t.Fatalf("greedy plan: optimal %v, %d modules, %v EC", lp.Optimal, len(lp.Modules), lp.StudyLoad)
	}
}

func TestParseCatalogueInvalid(t *testing.T) {
	base := string(load(t, "catalogue-valid.yaml"))
	tests := []struct{ name, doc, want string }{
		{"duplicate code", strings.Replace(base, "code: B\n", "code: A\n", 1), `catalogue.yaml:11: modules[1].code: duplicate module code "A"`},
		{"unknown skill", strings.Replace(base, "cedd0710-62ae-4ff4-89ae-ac52375f86ec]", "00000000-0000-0000-0000-000000000000]", 1), "catalogue.yaml:14: modules[1].skills[0]: ESCO skill not in the shipped subset"},
		{"bad start day", strings.Replace(base, "start_day: 1\n", "start_day: 31\n", 1), "catalogue.yaml:4: start_day:"},
		{"all months skipped", strings.Replace(base, "skip_months: [7, 8]", "skip_months: [1,2,3,4,5,6,7,8,9,10,11,12]", 1), "catalogue.yaml:5: skip_months:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := profile.ParseCatalogue("catalogue.yaml", []byte(tt.doc))
			if !errors.Is(err, profile.ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

// TestPlanRollingEntry checks that a catalogue with rolling entry starts
// a plan on the day itself, and refuses start days beside it.
func TestPlanRollingEntry(t *testing.T) {
	c := mustCatalogue(t, "catalogue-rolling.yaml", load(t, "catalogue-rolling.yaml"))
	for _, today := range []ppp.Date{{Year: 2026, Month: 3, Day: 10}, {Year: 2026, Month: 7, Day: 31}, {Year: 2026, Month: 12, Day: 31}} {
		lp := c.Plan([]string{skillSport}, today)
		if len(lp.Modules) != 1 || lp.NextIntake == nil || *lp.NextIntake != today || lp.Modules[0].NextStart != today {
			t.Fatalf("plan on %s: %+v", today, lp)
		}
	}
	base := string(load(t, "catalogue-rolling.yaml"))
	for name, tt := range map[string]struct{ doc, want string }{
		"with a start day":       {strings.Replace(base, "rolling_entry: true\n", "rolling_entry: true\nstart_day: 1\n", 1), "catalogue.yaml:4: rolling_entry:"},
		"with skipped months":    {strings.Replace(base, "rolling_entry: true\n", "rolling_entry: true\nskip_months: [7]\n", 1), "catalogue.yaml:4: rolling_entry:"},
		"module with start day":  {strings.Replace(base, "    study_load: 5\n", "    study_load: 5\n    start_day: 3\n", 1), "catalogue.yaml:9: modules[0].start_day:"},
		"rolling entry not bool": {strings.Replace(base, "rolling_entry: true", "rolling_entry: altijd", 1), "catalogue.yaml:4: rolling_entry:"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := profile.ParseCatalogue("catalogue.yaml", []byte(tt.doc))
			if !errors.Is(err, profile.ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
	// Without rolling entry the same module waits for the next start day.
	fixed := mustCatalogue(t, "fixed.yaml", []byte(strings.Replace(base, "rolling_entry: true\n", "", 1)))
	if lp := fixed.Plan([]string{skillSport}, ppp.Date{Year: 2026, Month: 3, Day: 10}); lp.NextIntake.String() != "2026-04-01" {
		t.Fatalf("fixed intake %s", lp.NextIntake)
	}
}
