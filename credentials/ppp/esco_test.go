package ppp_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/loopbrug/paspoort/credentials/ppp"
)

const (
	trainConductor = "http://data.europa.eu/esco/occupation/ea034d66-0d35-4891-b82c-6434cad2c76f"
	showInitiative = "http://data.europa.eu/esco/skill/001115fb-569f-4ee6-8381-c6807ef2527f"
	sportMedicine  = "http://data.europa.eu/esco/skill/00506f28-e884-4496-800c-3477c67eb355"
)

func TestESCOCounts(t *testing.T) {
	if n := len(ppp.ESCOOccupations()); n != 45 {
		t.Errorf("%d occupations, want 45", n)
	}
	if n := len(ppp.ESCOSkills()); n != 1959 {
		t.Errorf("%d skills, want 1959", n)
	}
	if n := ppp.ESCORelationCount(); n != 2803 {
		t.Errorf("%d relations, want 2803", n)
	}
	var ess, opt, nl int
	for _, o := range ppp.ESCOOccupations() {
		e, p := ppp.OccupationSkills(o.URI)
		ess += len(e)
		opt += len(p)
		if o.LabelNl == "" {
			t.Errorf("occupation %s has no Dutch label", o.URI)
		}
		if !slices.Contains(ppp.Sectors, o.Sector) {
			t.Errorf("occupation %s: sector %q", o.URI, o.Sector)
		}
	}
	if ess != 1305 || opt != 1498 {
		t.Errorf("%d essential, %d optional relations, want 1305, 1498", ess, opt)
	}
	for _, s := range ppp.ESCOSkills() {
		if s.LabelNl != "" {
			nl++
		}
	}
	if nl != 737 {
		t.Errorf("%d skills with a Dutch label, want 737", nl)
	}
	if !strings.Contains(ppp.ESCOAttribution, "ESCO classification of the European Commission") {
		t.Error("attribution")
	}
}

func TestESCOLookup(t *testing.T) {
	o, ok := ppp.ESCOOccupation(trainConductor)
	if !ok || o.LabelEn != "train conductor" || o.LabelNl != "treinconducteur" || o.Code != "5112.3" || o.Role != "origin" || o.Sector != "transport" {
		t.Fatalf("ESCOOccupation = %+v, %v", o, ok)
	}
	s, ok := ppp.ESCOSkill(showInitiative)
	if !ok || s.Label("en") != "show initiative" || s.Label("nl") != "initiatief aan de dag leggen" || s.ReuseLevel != "transversal" {
		t.Fatalf("ESCOSkill = %+v, %v", s, ok)
	}
	// Fallback: no Dutch label.
	s, ok = ppp.ESCOSkill(sportMedicine)
	if !ok || s.LabelNl != "" || s.Label("nl") != "sport and exercise medicine" || s.Label("de") != "sport and exercise medicine" {
		t.Fatalf("fallback label = %q (%+v)", s.Label("nl"), s)
	}
	for _, bad := range []string{"", trainConductor, "http://data.europa.eu/esco/skill/"} {
		if _, ok := ppp.ESCOSkill(bad); ok {
			t.Errorf("ESCOSkill(%q) found", bad)
		}
	}
	if _, ok := ppp.ESCOOccupation(showInitiative); ok {
		t.Error("a skill URI found as occupation")
	}
}

func TestOccupationSkills(t *testing.T) {
	ess, opt := ppp.OccupationSkills(trainConductor)
	if len(ess) != 23 {
		t.Errorf("%d essential skills of train conductor, want 23", len(ess))
	}
	if len(opt) == 0 {
		t.Error("no optional skills")
	}
	if !slices.ContainsFunc(ess, func(s ppp.Skill) bool { return s.LabelEn == "handle stressful situations" }) {
		t.Error("handle stressful situations is not essential for a train conductor")
	}
	if !slices.IsSortedFunc(ess, func(a, b ppp.Skill) int { return strings.Compare(a.URI, b.URI) }) {
		t.Error("essential skills are not sorted by URI")
	}
	if e, o := ppp.OccupationSkills("nope"); e != nil || o != nil {
		t.Error("unknown occupation has skills")
	}
}

func TestSearch(t *testing.T) {
	tests := []struct {
		query, first string
		min          int
	}{
		{"show initiative", "show initiative", 1},
		{"SHOW INITIATIVE", "show initiative", 1},
		{"initiatief aan de dag leggen", "show initiative", 1}, // Dutch, exact
		{"communiceren", "", 20},                               // Dutch substring
		{"teamwork", "", 2},
	}
	for _, tt := range tests {
		got := ppp.SearchSkills(tt.query, 0)
		if len(got) < tt.min {
			t.Errorf("SearchSkills(%q): %d hits, want ≥ %d", tt.query, len(got), tt.min)
			continue
		}
		if tt.first != "" && got[0].LabelEn != tt.first {
			t.Errorf("SearchSkills(%q)[0] = %q, want %q", tt.query, got[0].LabelEn, tt.first)
		}
		q := strings.ToLower(tt.query)
		for _, s := range got {
			if !strings.Contains(strings.ToLower(s.LabelEn), q) && !strings.Contains(strings.ToLower(s.LabelNl), q) {
				t.Errorf("SearchSkills(%q) returned %q", tt.query, s.LabelEn)
			}
		}
	}
	if got := ppp.SearchSkills("communiceren", 5); len(got) != 5 {
		t.Errorf("limit 5 gave %d", len(got))
	}
	if got := ppp.SearchSkills("  ", 5); got != nil {
		t.Errorf("blank query gave %d hits", len(got))
	}
	occ := ppp.SearchOccupations("leerkracht", 0)
	if len(occ) != 4 {
		t.Errorf("SearchOccupations(leerkracht) = %d hits, want 4", len(occ))
	}
	occ = ppp.SearchOccupations("teacher", 0)
	if len(occ) != 6 || occ[0].LabelEn != "literature teacher at secondary school" {
		// No label is or starts with "teacher", so English label order decides.
		t.Errorf("SearchOccupations(teacher) = %d hits, first %q", len(occ), occ[0].LabelEn)
	}
	occ = ppp.SearchOccupations("Treinconducteur", 1)
	if len(occ) != 1 || occ[0].URI != trainConductor {
		t.Errorf("SearchOccupations(Treinconducteur) = %+v", occ)
	}
	// Exact matches come before longer labels that contain the query.
	occ = ppp.SearchOccupations("electrician", 0)
	if len(occ) != 3 || occ[0].LabelEn != "electrician" || occ[1].LabelEn != "building electrician" || occ[2].LabelEn != "domestic electrician" {
		t.Errorf("SearchOccupations(electrician) = %v", occ)
	}
}

func BenchmarkESCOLoad(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if err := ppp.LoadESCO(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSearchSkills(b *testing.B) {
	ppp.SearchSkills("x", 1)
	for b.Loop() {
		ppp.SearchSkills("communic", 10)
	}
}
