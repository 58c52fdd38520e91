package web

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/loopbrug/paspoort/credentials/ppp"
)

// schemaProp is what the desk reads of a JSON Schema property.
type schemaProp struct {
	Type      string   `json:"type"`
	Format    string   `json:"format"`
	Pattern   string   `json:"pattern"`
	Enum      []string `json:"enum"`
	Minimum   *int     `json:"minimum"`
	Maximum   *int     `json:"maximum"`
	MaxLength int      `json:"maxLength"`
}

type typeSchema struct {
	Properties map[string]schemaProp `json:"properties"`
	Required   []string              `json:"required"`
}

// The kinds of field of the claim form.
const (
	kindText       = "text"
	kindTextarea   = "textarea"
	kindDate       = "date"
	kindSelect     = "select"
	kindNumber     = "number"
	kindDecimal    = "decimal" // a number that may have a fraction: 4500, 7,5
	kindSkill      = "esco-skill"
	kindOccupation = "esco-occupation"
	kindJSON       = "json"
)

// field is one claim of a type's form, built from its JSON Schema: dates
// as date inputs, enumerations and small number ranges (NLQF, the 1–5
// scale) as choices with their names, ESCO skills and occupations found
// by their Dutch (or English) label, long texts as text areas, and lists
// as JSON. The "…_label" claim of an ESCO URI is filled in from ESCO.
type field struct {
	Name     string
	Label    string
	Kind     string
	Required bool
	Value    string
	Options  []option
	Min, Max string
	Error    string
}

type option struct {
	Value, Label string
	Selected     bool
}

// escoLabel is the label of an ESCO URI the holder and the desk read: the
// Dutch one, else the English one.
func escoLabel(uri string) string {
	l, _ := ppp.SkillLabel(uri, "nl")
	return l
}

// formFields returns the fields of type t in lang, filled with values.
func formFields(t ppp.Type, lang string, values map[string]any) ([]field, error) {
	var sc typeSchema
	if err := json.Unmarshal(t.Schema(), &sc); err != nil {
		return nil, fmt.Errorf("schema of %s: %w", t.Name, err)
	}
	var out []field
	seen := map[string]bool{}
	for _, cl := range t.Claims {
		if len(cl.Path) != 1 || seen[cl.Path[0]] {
			continue
		}
		name := cl.Path[0]
		seen[name] = true
		p, ok := sc.Properties[name]
		if !ok {
			continue
		}
		if base, isLabel := strings.CutSuffix(name, "_label"); isLabel && isESCO(sc.Properties[base]) {
			continue // filled in from the ESCO URI
		}
		f := field{Name: name, Label: cl.Label[lang], Required: slices.Contains(sc.Required, name)}
		if f.Label == "" {
			f.Label = name
		}
		v, has := values[name]
		switch {
		case p.Type == "string" && p.Format == "date":
			f.Kind = kindDate
		case len(p.Enum) > 0:
			f.Kind = kindSelect
			for _, e := range p.Enum {
				f.Options = append(f.Options, option{Value: e, Label: ppp.Describe(t.VCT, "/"+name, e, lang).Text, Selected: has && fmt.Sprint(v) == e})
			}
		case strings.Contains(p.Pattern, "esco/skill/"):
			f.Kind = kindSkill
		case strings.Contains(p.Pattern, "esco/occupation/"):
			f.Kind = kindOccupation
		case p.Type == "integer" && p.Minimum != nil && p.Maximum != nil && *p.Maximum-*p.Minimum <= 10:
			f.Kind = kindSelect
			for i := *p.Minimum; i <= *p.Maximum; i++ {
				s := strconv.Itoa(i)
				f.Options = append(f.Options, option{Value: s, Label: ppp.Describe(t.VCT, "/"+name, json.Number(s), lang).Text, Selected: has && fmt.Sprint(v) == s})
			}
		case p.Type == "integer":
			f.Kind = kindNumber
			if p.Minimum != nil {
				f.Min = strconv.Itoa(*p.Minimum)
			}
			if p.Maximum != nil {
				f.Max = strconv.Itoa(*p.Maximum)
			}
		case p.Type == "number":
			f.Kind = kindDecimal
		case p.Type == "string" && p.MaxLength > 300:
			f.Kind = kindTextarea
		case p.Type == "string":
			f.Kind = kindText
		default:
			f.Kind = kindJSON
		}
		if has {
			switch f.Kind {
			case kindSkill, kindOccupation:
				f.Value = escoLabel(fmt.Sprint(v))
			case kindJSON:
				b, _ := json.MarshalIndent(v, "", "  ")
				f.Value = string(b)
			default:
				f.Value = fmt.Sprint(v)
			}
		}
		out = append(out, f)
	}
	return out, nil
}

func isESCO(p schemaProp) bool { return strings.Contains(p.Pattern, "data\\.europa\\.eu/esco/") }

// findESCO returns the URI of the ESCO skill or occupation s names: its
// URI, or its Dutch or English label (case does not matter).
func findESCO(kind, s string) (string, bool) {
	s = strings.TrimSpace(s)
	if kind == kindSkill {
		if sk, ok := ppp.ESCOSkill(s); ok {
			return sk.URI, true
		}
		for _, sk := range ppp.SearchSkills(s, 50) {
			if strings.EqualFold(sk.LabelNl, s) || strings.EqualFold(sk.LabelEn, s) {
				return sk.URI, true
			}
		}
		return "", false
	}
	if o, ok := ppp.ESCOOccupation(s); ok {
		return o.URI, true
	}
	for _, o := range ppp.SearchOccupations(s, 50) {
		if strings.EqualFold(o.LabelNl, s) || strings.EqualFold(o.LabelEn, s) {
			return o.URI, true
		}
	}
	return "", false
}

// claimsFrom builds the claims of a form post: each field's value
// converted to its schema type, ESCO labels to their URIs with the label
// claim beside them. Fields that cannot be converted get an error in
// lang; the claims are then not to be used.
func claimsFrom(fields []field, form url.Values, lang string) (map[string]any, bool) {
	claims := map[string]any{}
	ok := true
	for i := range fields {
		f := &fields[i]
		raw := strings.TrimSpace(form.Get("c_" + f.Name))
		f.Value = raw
		for j := range f.Options {
			f.Options[j].Selected = f.Options[j].Value == raw
		}
		if raw == "" {
			if f.Required {
				f.Error, ok = texts[lang]["f_required"], false
			}
			continue
		}
		switch f.Kind {
		case kindNumber:
			n, err := strconv.Atoi(raw)
			if err != nil {
				f.Error, ok = texts[lang]["f_number"], false
				continue
			}
			claims[f.Name] = n
		case kindDecimal:
			// A Dutch decimal comma is a decimal point.
			n, err := strconv.ParseFloat(strings.Replace(raw, ",", ".", 1), 64)
			if err != nil || math.IsInf(n, 0) || math.IsNaN(n) {
				f.Error, ok = texts[lang]["f_number"], false
				continue
			}
			claims[f.Name] = n
		case kindSelect:
			if n, err := strconv.Atoi(raw); err == nil && !slices.ContainsFunc(f.Options, func(o option) bool { return !isInt(o.Value) }) {
				claims[f.Name] = n
			} else {
				claims[f.Name] = raw
			}
		case kindSkill, kindOccupation:
			uri, found := findESCO(f.Kind, raw)
			if !found {
				f.Error, ok = texts[lang]["f_esco"], false
				continue
			}
			claims[f.Name], claims[f.Name+"_label"] = uri, escoLabel(uri)
		case kindJSON:
			var v any
			if err := json.Unmarshal([]byte(raw), &v); err != nil {
				f.Error, ok = texts[lang]["f_json"], false
				continue
			}
			claims[f.Name] = v
		default:
			claims[f.Name] = raw
		}
	}
	return claims, ok
}

func isInt(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil
}
