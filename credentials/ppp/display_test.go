package ppp_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials/ppp"
)

func TestDescribe(t *testing.T) {
	const vct = "https://paspoort.loopbrug.nl/vct/"
	tests := []struct {
		name, vct, pointer string
		value              any
		lang               string
		want               ppp.Value
	}{
		{"level nl", vct + "level/v1", "/nlqf_level", json.Number("4"), "nl", ppp.Value{Label: "NLQF-niveau", Text: "NLQF 4"}},
		{"level en", vct + "level/v1", "/nlqf_level", json.Number("4"), "en", ppp.Value{Label: "NLQF level", Text: "NLQF 4"}},
		{"entry level", vct + "level/v1", "/nlqf_level", json.Number("0"), "nl", ppp.Value{Label: "NLQF-niveau", Text: "NLQF 0 (Entreeniveau)"}},
		{"sector", vct + "goal/v1", "/target_sector", "education", "nl", ppp.Value{Label: "Doelsector", Text: "Onderwijs"}},
		{"skill with a Dutch label", vct + "skill/v1", "/skill", "http://data.europa.eu/esco/skill/001115fb-569f-4ee6-8381-c6807ef2527f", "nl",
			ppp.Value{Label: "Vaardigheid (ESCO)", Text: "initiatief aan de dag leggen"}},
		{"skill without a Dutch label", vct + "skill/v1", "/skill", "http://data.europa.eu/esco/skill/008a0e0d-7380-4b31-abe5-0195e700f8c0", "nl",
			ppp.Value{Label: "Vaardigheid (ESCO)", Text: "check train engines", English: true}},
		{"same skill in English", vct + "skill/v1", "/skill", "http://data.europa.eu/esco/skill/008a0e0d-7380-4b31-abe5-0195e700f8c0", "en",
			ppp.Value{Label: "Skill (ESCO)", Text: "check train engines"}},
		{"proficiency", vct + "skill/v1", "/proficiency", json.Number("3"), "nl", ppp.Value{Label: "Beheersingsniveau (1–5)", Text: "3 – Bekwaam"}},
		{"date", vct + "goal/v1", "/stated_on", "2026-03-12", "nl", ppp.Value{Label: "Vastgelegd op", Text: "12 maart 2026"}},
		{"array of objects", vct + "talent/v1", "/talents", []any{map[string]any{"name": "Analytisch", "score": json.Number("80")}}, "nl",
			ppp.Value{Label: "Talenten", Text: "Analytisch: 80"}},
		{"method", vct + "level/v1", "/method", "evc", "nl", ppp.Value{Label: "Beoordelingsmethode", Text: "erkenning van verworven competenties (EVC)"}},
		{"outside the PPP", "https://example.com/x", "/a~1b", "v", "nl", ppp.Value{Label: "/a~1b", Text: "v"}},
		{"unknown URI kept", vct + "skill/v1", "/skill", "http://data.europa.eu/esco/skill/none", "nl", ppp.Value{Label: "Vaardigheid (ESCO)", Text: "http://data.europa.eu/esco/skill/none"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ppp.Describe(tt.vct, tt.pointer, tt.value, tt.lang)
			tt.want.Pointer = tt.pointer
			if got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestClaimAt(t *testing.T) {
	claims := map[string]any{"a": map[string]any{"b/c": []any{"x", "y"}}, "n": json.Number("1")}
	tests := []struct {
		pointer string
		want    any
		ok      bool
	}{
		{"/a/b~1c/1", "y", true},
		{"/n", json.Number("1"), true},
		{"/a/b~1c/2", nil, false},
		{"/a/b~1c/-1", nil, false},
		{"/n/x", nil, false},
		{"n", nil, false},
		{"", nil, false},
	}
	for _, tt := range tests {
		got, ok := ppp.ClaimAt(claims, tt.pointer)
		if ok != tt.ok || got != tt.want {
			t.Errorf("%q: %v %v", tt.pointer, got, ok)
		}
	}
}

func TestFormatDate(t *testing.T) {
	d := time.Date(2027, 1, 4, 0, 0, 0, 0, time.UTC)
	if got := ppp.FormatDate(d, "nl"); got != "4 januari 2027" {
		t.Fatal(got)
	}
	if got := ppp.FormatDate(d, "en"); got != "4 January 2027" {
		t.Fatal(got)
	}
	if ppp.FormatDate(time.Time{}, "nl") != "" {
		t.Fatal("zero date written")
	}
}
