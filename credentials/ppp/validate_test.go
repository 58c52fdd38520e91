package ppp_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/ppp"
)

const unknownSkill = "http://data.europa.eu/esco/skill/00000000-0000-4000-8000-000000000000"

// mutate returns the example of typ, changed by f, as JSON.
func mutate(t *testing.T, typ string, f func(m map[string]any)) []byte {
	t.Helper()
	tp, ok := ppp.Lookup(typ)
	if !ok {
		t.Fatalf("no type %q", typ)
	}
	var m map[string]any
	if err := json.Unmarshal(tp.Example(), &m); err != nil {
		t.Fatal(err)
	}
	f(m)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func set(k string, v any) func(map[string]any) { return func(m map[string]any) { m[k] = v } }
func del(k string) func(map[string]any)        { return func(m map[string]any) { delete(m, k) } }

// ended gives the example experience an end date instead of "ongoing".
func ended(date string) func(map[string]any) {
	return func(m map[string]any) { delete(m, "ongoing"); m["end_date"] = date }
}

func TestValidateInvalid(t *testing.T) {
	tests := []struct {
		name    string
		typ     string
		doc     func(t *testing.T) []byte
		pointer string // one of the reported pointers
	}{
		{"skill missing skill", "skill", m("skill", del("skill")), "/skill"},
		{"skill missing assessed_on", "skill", m("skill", del("assessed_on")), "/assessed_on"},
		{"skill proficiency 0", "skill", m("skill", set("proficiency", 0)), "/proficiency"},
		{"skill proficiency 6", "skill", m("skill", set("proficiency", 6)), "/proficiency"},
		{"skill proficiency string", "skill", m("skill", set("proficiency", "3")), "/proficiency"},
		{"skill proficiency fraction", "skill", m("skill", set("proficiency", 3.5)), "/proficiency"},
		{"skill unknown ESCO skill", "skill", m("skill", set("skill", unknownSkill)), "/skill"},
		{"skill not an ESCO URI", "skill", m("skill", set("skill", "https://example.com/skill/1")), "/skill"},
		{"skill unknown method", "skill", m("skill", set("method", "guess")), "/method"},
		{"skill bad date", "skill", m("skill", set("assessed_on", "2025-02-30")), "/assessed_on"},
		{"skill extra property", "skill", m("skill", set("name", "Miranda")), "/name"},
		{"skill reserved claim", "skill", m("skill", set("iss", "https://x")), "/iss"},
		{"level 9", "level", m("level", set("nlqf_level", 9)), "/nlqf_level"},
		{"level eqf 9", "level", m("level", set("eqf_level", 9)), "/eqf_level"},
		{"level eqf mismatch", "level", m("level", set("eqf_level", 5)), "/eqf_level"},
		{"level missing method", "level", m("level", del("method")), "/method"},
		{"talent score 101", "talent", m("talent", func(x map[string]any) {
			x["talents"].([]any)[1].(map[string]any)["score"] = 101
		}), "/talents/1/score"},
		{"talent missing name", "talent", m("talent", func(x map[string]any) {
			delete(x["talents"].([]any)[0].(map[string]any), "name")
		}), "/talents/0/name"},
		{"talent empty list", "talent", m("talent", set("talents", []any{})), "/talents"},
		{"drive extra member", "drive", m("drive", func(x map[string]any) {
			x["drives"].([]any)[2].(map[string]any)["rank"] = 3
		}), "/drives/2/rank"},
		{"drive missing instrument", "drive", m("drive", del("instrument")), "/instrument"},
		{"agility 0", "agility", m("agility", set("agility", 0)), "/agility"},
		{"agility unknown dimension", "agility", m("agility", func(x map[string]any) {
			x["dimensions"].([]any)[0].(map[string]any)["dimension"] = "physical"
		}), "/dimensions/0/dimension"},
		{"goal unknown occupation", "goal", m("goal", set("target_occupation", "http://data.europa.eu/esco/occupation/00000000-0000-4000-8000-000000000000")), "/target_occupation"},
		{"goal unknown sector", "goal", m("goal", set("target_sector", "space")), "/target_sector"},
		{"goal empty motivation", "goal", m("goal", set("motivation", "")), "/motivation"},
		{"experience end before start", "experience", m("experience", ended("2010-12-31")), "/end_date"},
		{"experience both ended and ongoing", "experience", m("experience", set("end_date", "2020-12-31")), ""},
		{"experience neither ended nor ongoing", "experience", m("experience", del("ongoing")), "/ongoing"},
		{"experience unknown skill", "experience", m("experience", func(x map[string]any) {
			x["skills"] = append(x["skills"].([]any), unknownSkill)
		}), "/skills/4"},
		{"experience duplicate skill", "experience", m("experience", func(x map[string]any) {
			x["skills"] = append(x["skills"].([]any), x["skills"].([]any)[0])
		}), "/skills"},
		{"experience hours 0", "experience", m("experience", set("hours_per_week", 0)), "/hours_per_week"},
		{"experience skill as occupation", "experience", m("experience", set("occupation", unknownSkill)), "/occupation"},
		{"learning unit", "learning", m("learning", set("study_load_unit", "sbu")), "/study_load_unit"},
		{"learning missing skills", "learning", m("learning", del("skills")), "/skills"},
		{"learning eqf 0", "learning", m("learning", set("eqf_level", 0)), "/eqf_level"},
		{"reference relation", "reference", m("reference", set("relation", "friend")), "/relation"},
		{"reference skills not a list", "reference", m("reference", set("skills", "x")), "/skills"},
		{"non-object array", "skill", raw(`[]`), ""},
		{"non-object string", "level", raw(`"level"`), ""},
		{"non-object null", "goal", raw(`null`), ""},
		{"invalid UTF-8", "skill", raw("{\"skill_label\":\"\xff\xfe\"}"), ""},
		{"syntax error", "skill", raw(`{"skill": }`), "/skill"},
		{"truncated", "skill", raw(`{"skill": "x"`), ""},
		{"empty", "skill", raw(``), ""},
		{"trailing data", "skill", func(t *testing.T) []byte {
			return append(mutate(t, "skill", func(map[string]any) {}), []byte(` {}`)...)
		}, ""},
		{"duplicate member", "skill", raw(`{"proficiency": 3, "proficiency": 5}`), "/proficiency"},
		{"too deep", "talent", raw(strings.Repeat(`{"a":`, 40) + `1` + strings.Repeat(`}`, 40)), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ppp.Validate(tt.typ, tt.doc(t))
			if !errors.Is(err, ppp.ErrInvalidClaims) || !errors.Is(err, credentials.ErrClaim) {
				t.Fatalf("Validate = %v, want ErrInvalidClaims", err)
			}
			var ve *ppp.ValidationError
			if !errors.As(err, &ve) || ve.Type != tt.typ || len(ve.Fields) == 0 {
				t.Fatalf("error %v is not a *ValidationError for %s", err, tt.typ)
			}
			ptrs := make([]string, len(ve.Fields))
			for i, f := range ve.Fields {
				ptrs[i] = f.Pointer
				if f.Reason == "" {
					t.Errorf("field %q has no reason", f.Pointer)
				}
			}
			if tt.name == "too deep" {
				// The pointer is at the level that is too deep.
				if !strings.HasPrefix(ptrs[0], "/a/a/a") {
					t.Errorf("pointers = %q", ptrs)
				}
				return
			}
			if !slices.Contains(ptrs, tt.pointer) {
				t.Errorf("pointers = %q, want %q among them (%v)", ptrs, tt.pointer, err)
			}
		})
	}
}

func m(typ string, f func(map[string]any)) func(*testing.T) []byte {
	return func(t *testing.T) []byte { return mutate(t, typ, f) }
}

func raw(s string) func(*testing.T) []byte {
	return func(*testing.T) []byte { return []byte(s) }
}

func TestValidateReportsEveryField(t *testing.T) {
	err := ppp.Validate("skill", []byte(`{"skill_label": 7, "proficiency": 0}`))
	var ve *ppp.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Validate = %v", err)
	}
	var got []string
	for _, f := range ve.Fields {
		got = append(got, f.Pointer)
	}
	want := []string{"/assessed_on", "/method", "/proficiency", "/skill", "/skill_label"}
	if !slices.Equal(got, want) {
		t.Errorf("pointers = %q, want %q", got, want)
	}
}

func TestValidatePointerEscaping(t *testing.T) {
	err := ppp.Validate("skill", mutate(t, "skill", set("a/b~c", 1)))
	var ve *ppp.ValidationError
	if !errors.As(err, &ve) || len(ve.Fields) != 1 || ve.Fields[0].Pointer != "/a~1b~0c" {
		t.Fatalf("Validate = %v", err)
	}
}

func TestValidateValidVariants(t *testing.T) {
	tests := []struct {
		name string
		typ  string
		doc  func(*testing.T) []byte
	}{
		{"skill without evidence", "skill", m("skill", del("evidence"))},
		{"skill proficiency 1", "skill", m("skill", set("proficiency", 1))},
		{"skill proficiency 5", "skill", m("skill", set("proficiency", 5))},
		{"skill proficiency 3.0", "skill", func(t *testing.T) []byte {
			return []byte(strings.Replace(string(mutate(t, "skill", set("proficiency", 3))), `"proficiency":3`, `"proficiency":3.0`, 1))
		}},
		{"level entry", "level", m("level", func(x map[string]any) { x["nlqf_level"] = 0; x["eqf_level"] = 1 })},
		{"level 8", "level", m("level", func(x map[string]any) { x["nlqf_level"] = 8; x["eqf_level"] = 8 })},
		{"experience ended same day", "experience", m("experience", ended("2011-03-01"))},
		{"agility without dimensions", "agility", m("agility", del("dimensions"))},
		{"learning in hours", "learning", m("learning", func(x map[string]any) { x["study_load"] = 40; x["study_load_unit"] = "hours" })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := ppp.Validate(tt.typ, tt.doc(t)); err != nil {
				t.Fatalf("Validate = %v", err)
			}
		})
	}
}

func TestValidateMap(t *testing.T) {
	err := ppp.ValidateMap("skill", map[string]any{
		"skill":       "http://data.europa.eu/esco/skill/b9bb1f03-15e2-4079-943e-7e483b21725b",
		"skill_label": "give constructive feedback",
		"proficiency": 4,
		"assessed_on": ppp.Date{Year: 2025, Month: 9, Day: 1},
		"method":      ppp.MethodObservation,
	})
	if err != nil {
		t.Fatalf("ValidateMap = %v", err)
	}
	for name, in := range map[string]map[string]any{
		"nil":          nil,
		"unencodable":  {"skill": func() {}},
		"proficiency7": {"proficiency": 7},
	} {
		if err := ppp.ValidateMap("skill", in); !errors.Is(err, ppp.ErrInvalidClaims) {
			t.Errorf("%s: ValidateMap = %v", name, err)
		}
	}
}

func TestValidateTooLarge(t *testing.T) {
	big := make([]byte, ppp.MaxClaimsSize+1)
	err := ppp.Validate("skill", big)
	if !errors.Is(err, ppp.ErrClaimsTooLarge) || !errors.Is(err, credentials.ErrLimit) {
		t.Fatalf("Validate = %v", err)
	}
}

func TestValidateConcurrent(t *testing.T) {
	ex := func(name string) []byte { tp, _ := ppp.Lookup(name); return tp.Example() }
	done := make(chan error)
	for _, name := range ppp.Names() {
		go func() { done <- ppp.Validate(name, ex(name)) }()
	}
	for range ppp.Names() {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
