package ppp_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/credentials/sdjwtvc"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

var wantTypes = []struct {
	name  string
	block ppp.Block
}{
	{"talent", ppp.BlockTalents},
	{"skill", ppp.BlockSkills},
	{"drive", ppp.BlockDrives},
	{"agility", ppp.BlockAgility},
	{"level", ppp.BlockLevel},
	{"goal", ppp.BlockGoal},
	{"experience", ppp.BlockEvidence},
	{"learning", ppp.BlockEvidence},
	{"reference", ppp.BlockEvidence},
	{"ervaringscertificaat", ppp.BlockEvidence},
	{"portfolio", ppp.BlockEvidence},
	{"leerbudget", ppp.BlockEvidence},
	{"werkplekleren", ppp.BlockEvidence},
}

func TestTypes(t *testing.T) {
	types := ppp.Types()
	if len(types) != len(wantTypes) {
		t.Fatalf("Types() has %d types, want %d", len(types), len(wantTypes))
	}
	for i, w := range wantTypes {
		typ := types[i]
		if typ.Name != w.name || typ.Block != w.block {
			t.Errorf("Types()[%d] = %s (%v), want %s (%v)", i, typ.Name, typ.Block, w.name, w.block)
		}
		wantVCT := "https://paspoort.loopbrug.nl/vct/" + w.name + "/v1"
		if typ.VCT != wantVCT {
			t.Errorf("%s: VCT = %q, want %q", w.name, typ.VCT, wantVCT)
		}
		if got, ok := ppp.Lookup(w.name); !ok || got.VCT != wantVCT {
			t.Errorf("Lookup(%q) = %q, %v", w.name, got.VCT, ok)
		}
		if got, ok := ppp.LookupVCT(wantVCT); !ok || got.Name != w.name {
			t.Errorf("LookupVCT(%q) = %q, %v", wantVCT, got.Name, ok)
		}
		for _, l := range []string{"nl", "en"} {
			d := typ.Display[l]
			if d.Name == "" || d.Description == "" {
				t.Errorf("%s: display %s is incomplete: %+v", w.name, l, d)
			}
			for _, c := range typ.Claims {
				if c.Label[l] == "" {
					t.Errorf("%s: claim %s has no %s label", w.name, c.Path, l)
				}
			}
		}
	}
	for _, name := range []string{"", "Skill", "skills", "https://paspoort.loopbrug.nl/vct/skill/v1"} {
		if _, ok := ppp.Lookup(name); ok {
			t.Errorf("Lookup(%q) found a type", name)
		}
	}
	if _, ok := ppp.LookupVCT("https://paspoort.loopbrug.nl/vct/skill/v2"); ok {
		t.Error("LookupVCT found the unknown v2 skill type")
	}
}

func TestBlockNames(t *testing.T) {
	tests := []struct {
		b          ppp.Block
		id, en, nl string
	}{
		{ppp.BlockTalents, "talents", "Talents", "Talenten"},
		{ppp.BlockDrives, "drives", "Drives", "Drijfveren"},
		{ppp.BlockAgility, "agility", "Agility", "Wendbaarheid"},
		{ppp.BlockLevel, "level", "Working and thinking level", "Werk- en denkniveau"},
		{ppp.BlockGoal, "goal", "Goal and motivation", "Doel & motivatie"},
		{ppp.BlockEvidence, "evidence", "Evidence", "Bewijs"},
	}
	for _, tt := range tests {
		if tt.b.String() != tt.id || tt.b.Name("en") != tt.en || tt.b.Name("nl") != tt.nl {
			t.Errorf("block %d: %q %q %q", int(tt.b), tt.b.String(), tt.b.Name("en"), tt.b.Name("nl"))
		}
		var back ppp.Block
		txt, err := tt.b.MarshalText()
		if err != nil || back.UnmarshalText(txt) != nil || back != tt.b {
			t.Errorf("block %d: text round trip gave %v, %v", int(tt.b), back, err)
		}
	}
	if _, err := ppp.Block(0).MarshalText(); err == nil {
		t.Error("Block(0).MarshalText succeeded")
	}
}

func TestExamplesValidate(t *testing.T) {
	for _, typ := range ppp.Types() {
		t.Run(typ.Name, func(t *testing.T) {
			ex := typ.Example()
			if len(ex) == 0 {
				t.Fatal("empty example")
			}
			if err := ppp.Validate(typ.Name, ex); err != nil {
				t.Fatalf("Validate(example) = %v", err)
			}
			var m map[string]any
			if err := json.Unmarshal(ex, &m); err != nil {
				t.Fatal(err)
			}
			if err := ppp.ValidateMap(typ.Name, m); err != nil {
				t.Fatalf("ValidateMap(example) = %v", err)
			}
			// Every top-level claim of the example has metadata.
			for k := range m {
				if !slices.ContainsFunc(typ.Claims, func(c ppp.Claim) bool { return len(c.Path) == 1 && c.Path[0] == k }) {
					t.Errorf("example claim %q has no claim metadata", k)
				}
			}
		})
	}
}

// reserved are the claim names SD-JWT VC and SD-JWT reserve.
var reserved = []string{"iss", "sub", "iat", "nbf", "exp", "cnf", "vct", "vct#integrity", "status", "_sd", "_sd_alg", "..."}

func TestSchemas(t *testing.T) {
	for _, typ := range ppp.Types() {
		t.Run(typ.Name, func(t *testing.T) {
			raw := typ.Schema()
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			m, ok := doc.(map[string]any)
			if !ok {
				t.Fatal("schema is not an object")
			}
			if m["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
				t.Errorf("$schema = %v", m["$schema"])
			}
			if m["$id"] != typ.VCT+"/schema.json" {
				t.Errorf("$id = %v, want %s/schema.json", m["$id"], typ.VCT)
			}
			// Compiling checks the schema against the 2020-12 meta-schema.
			c := jsonschema.NewCompiler()
			c.DefaultDraft(jsonschema.Draft2020)
			if err := c.AddResource("schema.json", doc); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Compile("schema.json"); err != nil {
				t.Fatalf("schema does not compile as 2020-12: %v", err)
			}
			checkClosed(t, "", m)
			props, _ := m["properties"].(map[string]any)
			for _, r := range reserved {
				if _, ok := props[r]; ok {
					t.Errorf("schema defines reserved claim %q", r)
				}
			}
			// Every property is described.
			for k, v := range props {
				p, _ := v.(map[string]any)
				if d, _ := p["description"].(string); d == "" {
					t.Errorf("property %q has no description", k)
				}
			}
		})
	}
}

// checkClosed asserts that every object schema in s has
// additionalProperties: false and a required list.
func checkClosed(t *testing.T, at string, s map[string]any) {
	t.Helper()
	if s["type"] == "object" {
		if s["additionalProperties"] != false {
			t.Errorf("%s: additionalProperties is %v, want false", at, s["additionalProperties"])
		}
		if _, ok := s["required"].([]any); !ok {
			t.Errorf("%s: no required list", at)
		}
		props, _ := s["properties"].(map[string]any)
		for k, v := range props {
			if p, ok := v.(map[string]any); ok {
				checkClosed(t, at+"/properties/"+k, p)
			}
		}
	}
	if items, ok := s["items"].(map[string]any); ok {
		checkClosed(t, at+"/items", items)
	}
}

func TestSkillProficiencyDocumented(t *testing.T) {
	typ, _ := ppp.Lookup("skill")
	s := string(typ.Schema())
	for _, w := range []string{"1 = basic", "5 = expert"} {
		if !strings.Contains(s, w) {
			t.Errorf("skill schema does not document %q", w)
		}
	}
	tests := []struct {
		p      ppp.Proficiency
		en, nl string
	}{
		{ppp.ProficiencyBasic, "Basic", "Basis"},
		{ppp.ProficiencyCompetent, "Competent", "Bekwaam"},
		{ppp.ProficiencyExpert, "Expert", "Expert"},
		{ppp.Proficiency(6), "6", "6"},
	}
	for _, tt := range tests {
		if tt.p.Label("en") != tt.en || tt.p.Label("nl") != tt.nl {
			t.Errorf("Proficiency(%d) labels = %q, %q", tt.p, tt.p.Label("en"), tt.p.Label("nl"))
		}
	}
}

func TestEQFForNLQF(t *testing.T) {
	tests := []struct{ nlqf, eqf int }{{ppp.NLQFEntry, 1}, {1, 1}, {4, 4}, {8, 8}}
	for _, tt := range tests {
		if got, ok := ppp.EQFForNLQF(tt.nlqf); !ok || got != tt.eqf {
			t.Errorf("EQFForNLQF(%d) = %d, %v, want %d", tt.nlqf, got, ok, tt.eqf)
		}
	}
	for _, bad := range []int{-1, 9} {
		if _, ok := ppp.EQFForNLQF(bad); ok {
			t.Errorf("EQFForNLQF(%d) ok", bad)
		}
	}
}

func TestTypeMetadata(t *testing.T) {
	for _, typ := range ppp.Types() {
		t.Run(typ.Name, func(t *testing.T) {
			b, err := typ.TypeMetadata()
			if err != nil {
				t.Fatal(err)
			}
			var m ppp.Metadata
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			if _, err := sdjwtvc.ParseTypeMetadata(b); err != nil {
				t.Fatalf("not valid SD-JWT VC type metadata: %v", err)
			}
			if err := sdjwtvc.CheckIntegrity(typ.Schema(), m.SchemaURIIntegrity); err != nil {
				t.Fatalf("schema_uri#integrity: %v", err)
			}
			again, err := json.MarshalIndent(m, "", "  ")
			if err != nil || !bytes.Equal(again, b) {
				t.Fatalf("round trip changed the document (%v)", err)
			}
			if m.VCT != typ.VCT || m.SchemaURI != typ.VCT+"/schema.json" || !strings.HasPrefix(m.SchemaURIIntegrity, "sha256-") {
				t.Errorf("vct %q schema_uri %q integrity %q", m.VCT, m.SchemaURI, m.SchemaURIIntegrity)
			}
			if len(m.Display) != 2 || m.Display[0].Locale != "nl" || m.Display[1].Locale != "en" || m.Display[0].Name == "" {
				t.Errorf("display = %+v", m.Display)
			}
			if len(m.Claims) != len(typ.Claims) {
				t.Fatalf("%d claims, want %d", len(m.Claims), len(typ.Claims))
			}
			for _, c := range m.Claims {
				if slices.ContainsFunc(reserved, func(r string) bool { return slices.Contains(c.Path, any(r)) }) {
					t.Errorf("claim path %v uses a reserved name", c.Path)
				}
				if sd := ppp.SD(c.SD); sd != ppp.SDAlways && sd != ppp.SDNever && sd != ppp.SDAllowed {
					t.Errorf("claim %v: sd = %q", c.Path, c.SD)
				}
				if len(c.Display) != 2 || c.Display[0].Label == "" || c.Display[1].Label == "" {
					t.Errorf("claim %v: display = %+v", c.Path, c.Display)
				}
			}
			// The raw document uses the member names of the draft.
			var raw map[string]any
			if err := json.Unmarshal(b, &raw); err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{"vct", "name", "description", "display", "claims", "schema_uri"} {
				if _, ok := raw[k]; !ok {
					t.Errorf("type metadata has no %q", k)
				}
			}
		})
	}
}

func TestClaimPathJSON(t *testing.T) {
	p := ppp.ClaimPath{"talents", ppp.AllElements, "name"}
	b, err := json.Marshal(p)
	if err != nil || string(b) != `["talents",null,"name"]` {
		t.Fatalf("Marshal = %s, %v", b, err)
	}
	var back ppp.ClaimPath
	if err := json.Unmarshal(b, &back); err != nil || !slices.Equal(back, p) {
		t.Fatalf("Unmarshal = %v, %v", back, err)
	}
	typ, _ := ppp.Lookup("talent")
	if got := typ.ClaimLabel(p, "nl"); got != "Talent" {
		t.Errorf("ClaimLabel = %q", got)
	}
}

func TestDate(t *testing.T) {
	d, err := ppp.ParseDate("2024-02-29")
	if err != nil || d.String() != "2024-02-29" {
		t.Fatalf("ParseDate = %v, %v", d, err)
	}
	for _, bad := range []string{"2023-02-29", "2024-2-1", "2024-02-29T00:00:00Z", ""} {
		if _, err := ppp.ParseDate(bad); err == nil {
			t.Errorf("ParseDate(%q) succeeded", bad)
		}
	}
	b, err := json.Marshal(struct{ D ppp.Date }{d})
	if err != nil || string(b) != `{"D":"2024-02-29"}` {
		t.Errorf("Marshal = %s, %v", b, err)
	}
	if !d.Before(ppp.Date{Year: 2024, Month: 3, Day: 1}) || d.Before(d) {
		t.Error("Before is wrong")
	}
}

func TestUnknownType(t *testing.T) {
	err := ppp.Validate("diploma", []byte(`{}`))
	if !errors.Is(err, ppp.ErrUnknownType) || !errors.Is(err, credentials.ErrFormat) {
		t.Fatalf("Validate(diploma) = %v", err)
	}
	if !strings.Contains(err.Error(), "skill") {
		t.Errorf("error does not name the valid types: %v", err)
	}
	if err := ppp.ValidateMap("diploma", map[string]any{}); !errors.Is(err, ppp.ErrUnknownType) {
		t.Errorf("ValidateMap(diploma) = %v", err)
	}
}

// TestProtectedClaim: identity claims of other issuers (the EU PID) are
// classified by name; no PPP claim is protected.
func TestProtectedClaim(t *testing.T) {
	for _, tc := range []struct {
		vct  string
		path []string
		want ppp.Protected
	}{
		{"urn:eudi:pid:1", []string{"birthdate"}, ppp.ProtectedAge},
		{"urn:eudi:pid:1", []string{"age_over_18"}, ppp.ProtectedAge},
		{"urn:eudi:pid:1", []string{"age_equal_or_over", "18"}, ppp.ProtectedAge},
		{"urn:eudi:pid:1", []string{"nationalities"}, ppp.ProtectedNationality},
		{"urn:eudi:pid:1", []string{"sex"}, ppp.ProtectedGender},
		{"urn:eudi:pid:1", []string{"place_of_birth", "country"}, ppp.ProtectedOrigin},
		{"urn:eudi:pid:1", []string{"picture"}, ppp.ProtectedBiometric},
		{"https://example.org/health", []string{"disability"}, ppp.ProtectedHealth},
		{"urn:eudi:pid:1", []string{"family_name"}, ""},
		{"urn:eudi:pid:1", nil, ""},
	} {
		got, ok := ppp.ProtectedClaim(tc.vct, tc.path)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("%s %v: %q %v, want %q", tc.vct, tc.path, got, ok, tc.want)
		}
	}
	for _, typ := range ppp.Types() {
		for _, c := range typ.Claims {
			if p, ok := ppp.ProtectedClaim(typ.VCT, c.Path); ok {
				t.Errorf("PPP claim %s %v classified as %s", typ.Name, c.Path, p)
			}
		}
	}
	for _, p := range ppp.ProtectedCategories() {
		if !p.Valid() || p.Label("nl") == string(p) || p.Source() == "" {
			t.Errorf("category %s lacks words or source", p)
		}
	}
}
