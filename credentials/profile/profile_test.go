package profile_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/profile"
)

// load reads testdata/name.
func load(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// mustParse parses testdata/name and fails the test on an error.
func mustParse(t *testing.T, name string) *profile.Profile {
	t.Helper()
	p, err := profile.Parse(name, load(t, name))
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	return p
}

func TestParseValid(t *testing.T) {
	for _, name := range []string{"valid-minimal.yaml", "valid-minimal.json"} {
		t.Run(name, func(t *testing.T) {
			p := mustParse(t, name)
			if p.ID == "" || len(p.Requirements) == 0 {
				t.Fatalf("empty profile: %+v", p)
			}
			// The document round-trips through JSON into an equal profile.
			b, err := json.Marshal(p)
			if err != nil {
				t.Fatal(err)
			}
			q, err := profile.Parse("roundtrip.json", b)
			if err != nil {
				t.Fatalf("re-parse: %v", err)
			}
			if !slices.EqualFunc(p.Needs(), q.Needs(), func(a, b profile.Needs) bool {
				x, _ := json.Marshal(a)
				y, _ := json.Marshal(b)
				return string(x) == string(y)
			}) {
				t.Fatal("needs differ after round trip")
			}
		})
	}
}

func TestParseInvalid(t *testing.T) {
	tests := []struct {
		file string
		want []string // each must appear in the error message
	}{
		{"invalid-predicate-typo.yaml", []string{"invalid-predicate-typo.yaml:11: requirements[0].predicate:", "undeclared reference to 'nlqf_levl'"}},
		{"invalid-unknown-claim.yaml", []string{"invalid-unknown-claim.yaml:10: requirements[0].claims[1]:", `no claim "shoe_size"`}},
		{"invalid-unused-claim.yaml", []string{"invalid-unused-claim.yaml:10: requirements[0].claims[1]:", `"evidence" is declared but the predicate does not read it`}},
		{"invalid-not-bool.yaml", []string{"invalid-not-bool.yaml:11: requirements[0].predicate: must yield a bool"}},
		{"invalid-schema.yaml", []string{
			"invalid-schema.yaml:1: id:",
			"invalid-schema.yaml:4: title.en: required member is missing",
			"invalid-schema.yaml:6: colour: unknown member",
			"invalid-schema.yaml:10: requirements[0].weight:",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			_, err := profile.Parse(tt.file, load(t, tt.file))
			if !errors.Is(err, profile.ErrInvalid) || !errors.Is(err, credentials.ErrFormat) {
				t.Fatalf("err = %v, want ErrInvalid (FMT)", err)
			}
			var ve *profile.ValidationError
			if !errors.As(err, &ve) || len(ve.Fields) == 0 {
				t.Fatalf("err = %T, want *ValidationError with fields", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n%s\ndoes not contain %q", err, w)
				}
			}
		})
	}
}

func TestParseHostile(t *testing.T) {
	base := string(load(t, "valid-minimal.yaml"))
	tests := []struct {
		name string
		doc  string
		want error
	}{
		{"empty", "", profile.ErrInvalid},
		{"not yaml", "id: [unclosed", profile.ErrInvalid},
		{"too large", base + "\n#" + strings.Repeat("x", profile.MaxDocumentSize), profile.ErrTooLarge},
		{"invalid utf-8", "id: \xff\xfe", profile.ErrInvalid},
		{"bom", "\xef\xbb\xbf" + base, profile.ErrInvalid},
		{"alias bomb", "a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n", profile.ErrInvalid},
		{"merge key", "base: {id: x}\n<<: {id: y}\n", profile.ErrInvalid},
		{"two documents", base + "\n---\nid: other\n", profile.ErrInvalid},
		{"duplicate key", "id: a\nid: b\n", profile.ErrInvalid},
		{"deep nesting", strings.Repeat("[", 100) + strings.Repeat("]", 100), profile.ErrInvalid},
		{"non-string key", "1: x\n", profile.ErrInvalid},
		{"both forms", strings.Replace(base, "  - id: feedback\n", "  - id: feedback\n    any_of: [{type: skill, claims: [proficiency], predicate: proficiency > 1}]\n", 1), profile.ErrInvalid},
		{"duplicate requirement id", strings.Replace(base, "id: classroom", "id: level", 1), profile.ErrInvalid},
		{"unknown esco skill", strings.Replace(base, "skills: [http://data.europa.eu/esco/skill/b9bb1f03-15e2-4079-943e-7e483b21725b]", "skills: [http://data.europa.eu/esco/skill/00000000-0000-0000-0000-000000000000]", 1), profile.ErrInvalid},
		{"unknown type", strings.Replace(base, "type: skill", "type: shoe", 1), profile.ErrInvalid},
		{"zero max age", strings.Replace(base, "max_age: P5Y", "max_age: P0D", 1), profile.ErrInvalid},
		{"bad max age", strings.Replace(base, "max_age: P5Y", "max_age: 5 years", 1), profile.ErrInvalid},
		{"predicate too deep", strings.Replace(base, "predicate: nlqf_level >= 4", "predicate: "+strings.Repeat("(", 200)+"nlqf_level >= 4"+strings.Repeat(")", 200), 1), profile.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := profile.Parse("hostile.yaml", []byte(tt.doc))
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestNeedsMinimal(t *testing.T) {
	p := mustParse(t, "valid-minimal.yaml")
	got, err := json.Marshal(p.Needs())
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"requirement":"level","required":true,"alternatives":[` +
		`{"type":"level","vct":"https://paspoort.loopbrug.nl/vct/level/v1","claims":[{"path":["nlqf_level"]},{"path":["assurance"],"optional":true},{"path":["method"]},{"path":["assessed_on"]}]},` +
		`{"type":"learning","vct":"https://paspoort.loopbrug.nl/vct/learning/v1","claims":[{"path":["eqf_level"]},{"path":["assurance"],"optional":true},{"path":["completed_on"]}]}]},` +
		`{"requirement":"feedback","required":false,"alternatives":[` +
		`{"type":"skill","vct":"https://paspoort.loopbrug.nl/vct/skill/v1","claims":[{"path":["skill"],"values":["http://data.europa.eu/esco/skill/b9bb1f03-15e2-4079-943e-7e483b21725b"]},{"path":["proficiency"]}]}]},` +
		`{"requirement":"classroom","required":false,"alternatives":[` +
		`{"type":"learning","vct":"https://paspoort.loopbrug.nl/vct/learning/v1","claims":[{"path":["skills"]}]}]}]`
	if string(got) != want {
		t.Fatalf("Needs =\n%s\nwant\n%s", got, want)
	}
	paths := p.ClaimPaths()
	if n := len(paths["https://paspoort.loopbrug.nl/vct/learning/v1"]); n != 4 {
		t.Fatalf("learning paths = %v, want eqf_level, assurance, completed_on and skills", paths)
	}
}

func TestSchemasPublished(t *testing.T) {
	for name, b := range map[string][]byte{"profile": profile.Schema(), "catalogue": profile.CatalogueSchema()} {
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s schema: %v", name, err)
		}
		if m["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
			t.Fatalf("%s schema: $schema = %v", name, m["$schema"])
		}
	}
}
