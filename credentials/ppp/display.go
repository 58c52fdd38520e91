package ppp

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Value is one claim as a person reads it: its label and its value in a
// language, with a mark when the value is shown in English because the
// vocabulary has no label in the language asked for (ESCO has no Dutch
// label for some skills).
type Value struct {
	// Pointer is the claim's JSON Pointer, for technical details only.
	Pointer string `json:"pointer"`
	// Label is the claim's display name ("Werk- en denkniveau").
	Label string `json:"label"`
	// Text is the value ("NLQF 4", "Klassenmanagement", "12 maart 2026").
	Text string `json:"text"`
	// English reports that Text is English where another language was
	// asked for.
	English bool `json:"english,omitempty"`
}

var sectorNames = map[string][2]string{
	"education": {"Education", "Onderwijs"}, "healthcare": {"Healthcare", "Zorg"}, "technical": {"Technology", "Techniek"},
	"ict": {"ICT", "ICT"}, "transport": {"Transport", "Vervoer"}, "finance": {"Finance", "Financiën"},
	"customer-service": {"Customer service", "Klantenservice"}, "retail": {"Retail", "Detailhandel"}, "logistics": {"Logistics", "Logistiek"},
	"public-safety": {"Public safety", "Openbare orde en veiligheid"},
}

// enumNames are the words for the enumerated values of the PPP claims
// (method, agility dimension), English and Dutch.
var enumNames = map[string]map[string][2]string{
	"method": {
		"assessment": {"assessment", "assessment"}, "observation": {"observed in practice", "geobserveerd in de praktijk"},
		"exam": {"exam", "examen"}, "work_experience": {"work experience", "werkervaring"},
		"evc":              {"recognition of prior learning (EVC)", "erkenning van verworven competenties (EVC)"},
		"portfolio_review": {"portfolio review with an interview", "beoordeling van een portfolio met een gesprek"},
		"self_declared":    {"own statement", "eigen verklaring"},
	},
	"relation": {"manager": {"manager", "leidinggevende"}, "colleague": {"colleague", "collega"}, "client": {"client", "klant"},
		"teacher": {"teacher", "docent"}, "coach": {"coach", "coach"}, "other": {"other", "anders"}},
	"result":        {"proven": {"proven", "aangetoond"}, "partly": {"partly proven", "deels aangetoond"}},
	"standard_kind": {"esco_occupation": {"occupation (ESCO)", "beroep (ESCO)"}, "kwalificatiedossier": {"MBO qualification file", "kwalificatiedossier (mbo)"}},
	"payer_kind": {"employer": {"employer", "werkgever"}, "sector_fund": {"sector fund", "sectorfonds"}, "uwv": {"UWV", "UWV"},
		"municipality": {"municipality", "gemeente"}, "other": {"other", "anders"}},
	"assurance": {"self": {"the holder", "de houder zelf"}, "peer": {"a referee", "een referent"}, "employer": {"an employer", "een werkgever"},
		"school": {"a school", "een school of opleider"}, "assessor": {"an assessor", "een assessor"}, "evc-provider": {"an EVC provider", "een EVC-aanbieder"}},
	"dimension": {
		"mental": {"mental agility", "mentale wendbaarheid"}, "people": {"people agility", "wendbaarheid met mensen"},
		"change": {"change agility", "wendbaarheid bij verandering"}, "results": {"results agility", "resultaatwendbaarheid"},
		"self_awareness": {"self-awareness", "zelfinzicht"},
	},
}

var monthsNL = [...]string{"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"}

// FormatDate writes a date as people read it: "12 maart 2026" in Dutch,
// "12 March 2026" in English.
func FormatDate(t time.Time, lang string) string {
	if t.IsZero() {
		return ""
	}
	if lang == "nl" {
		return fmt.Sprintf("%d %s %d", t.Day(), monthsNL[t.Month()-1], t.Year())
	}
	return t.Format("2 January 2006")
}

// SkillLabel returns the label of an ESCO skill or occupation URI in lang,
// and whether it is the English one standing in for a missing Dutch
// label. A URI outside the shipped subset is returned as it is.
func SkillLabel(uri, lang string) (string, bool) {
	if s, ok := ESCOSkill(uri); ok {
		return s.Label(lang), lang == "nl" && s.LabelNl == ""
	}
	if o, ok := ESCOOccupation(uri); ok {
		return o.Label(lang), lang == "nl" && o.LabelNl == ""
	}
	return uri, false
}

// ClaimAt returns the value at a JSON Pointer (RFC 6901) in claims.
func ClaimAt(claims map[string]any, pointer string) (any, bool) {
	if pointer == "" || pointer[0] != '/' {
		return nil, false
	}
	var cur any = claims
	for _, seg := range strings.Split(pointer[1:], "/") {
		seg = strings.NewReplacer("~1", "/", "~0", "~").Replace(seg)
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[seg]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			cur = c[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// pathOf turns a JSON Pointer into a ClaimPath, array indexes as "*".
func pathOf(pointer string) ClaimPath {
	var p ClaimPath
	for _, seg := range strings.Split(strings.TrimPrefix(pointer, "/"), "/") {
		if _, err := strconv.Atoi(seg); err == nil {
			seg = "*"
		}
		p = append(p, strings.NewReplacer("~1", "/", "~0", "~").Replace(seg))
	}
	return p
}

// Describe returns the claim at pointer of a credential of type vct with
// the value v, as a person reads it in lang ("nl" or "en"): the label
// from the type's metadata, and the value with ESCO URIs as their labels,
// NLQF and EQF levels, the proficiency scale, sectors and dates written
// out. A type outside the PPP keeps the pointer as its label.
func Describe(vct, pointer string, v any, lang string) Value {
	out := Value{Pointer: pointer, Label: pointer}
	path := pathOf(pointer)
	if t, ok := LookupVCT(vct); ok {
		if l := t.ClaimLabel(path, lang); l != "" && l != path.String() {
			out.Label = l
		}
	}
	name := ""
	if len(path) > 0 {
		name = path[len(path)-1]
	}
	out.Text, out.English = describeValue(name, v, lang)
	return out
}

func describeValue(name string, v any, lang string) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", false
	case string:
		switch {
		case strings.HasPrefix(x, "http://data.europa.eu/esco/"):
			return SkillLabel(x, lang)
		case name == "target_sector" || name == "sector":
			if s, ok := sectorNames[x]; ok {
				return pickLabel(lang, s[0], s[1]), false
			}
		case enumNames[name] != nil:
			if s, ok := enumNames[name][x]; ok {
				return pickLabel(lang, s[0], s[1]), false
			}
		}
		if d, err := ParseDate(x); err == nil && len(x) == 10 {
			return FormatDate(time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC), lang), false
		}
		return x, false
	case bool:
		if x {
			return pickLabel(lang, "yes", "ja"), false
		}
		return pickLabel(lang, "no", "nee"), false
	case json.Number, float64, int:
		n := fmt.Sprint(x)
		switch name {
		case "nlqf_level":
			if n == "0" {
				return pickLabel(lang, "NLQF 0 (entry level)", "NLQF 0 (Entreeniveau)"), false
			}
			return "NLQF " + n, false
		case "eqf_level":
			return "EQF " + n, false
		case "proficiency":
			if i, err := strconv.Atoi(n); err == nil && Proficiency(i).Valid() {
				return n + " – " + Proficiency(i).Label(lang), false
			}
		}
		return n, false
	case []any:
		var parts []string
		english := false
		if name == "entries" || name == "competences" {
			for _, e := range x {
				if m, ok := e.(map[string]any); ok {
					s, en := describeItem(name, m, lang)
					parts = append(parts, s)
					english = english || en
				}
			}
			return strings.Join(parts, "; "), english
		}
		for _, e := range x {
			s, en := describeValue(name, e, lang)
			parts = append(parts, s)
			english = english || en
		}
		return strings.Join(parts, "; "), english
	case map[string]any:
		// An object of an array (a talent, a drive, a dimension): its
		// name-like member first, then the others.
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, func(a, b string) int {
			if c := nameFirst(a) - nameFirst(b); c != 0 {
				return c
			}
			return strings.Compare(a, b)
		})
		var parts []string
		english := false
		for _, k := range keys {
			s, en := describeValue(k, x[k], lang)
			english = english || en
			parts = append(parts, s)
		}
		if len(parts) > 1 {
			return parts[0] + ": " + strings.Join(parts[1:], ", "), english
		}
		return strings.Join(parts, ""), english
	}
	return fmt.Sprint(v), false
}

// describeItem says what one portfolio entry or recognised competence is,
// as a person reads it: "instruct in sport (Jeugdtrainer bij SV Domstad,
// sinds 1 augustus 2014; 1 bestand, 2 bewijzen)", "instruct in sport:
// niveau 4 – Gevorderd, aangetoond".
func describeItem(name string, m map[string]any, lang string) (string, bool) {
	skill, _ := m["skill"].(string)
	label, english := SkillLabel(skill, lang)
	if name == "competences" {
		lvl, _ := describeValue("proficiency", m["proficiency"], lang)
		res, _ := describeValue("result", m["result"], lang)
		return fmt.Sprintf("%s: %s %s, %s", label, pickLabel(lang, "level", "niveau"), lvl, res), english
	}
	var where []string
	if c, ok := m["context"].(string); ok && c != "" {
		where = append(where, c)
	}
	if f, ok := m["from"].(string); ok {
		from, _ := describeValue("from", f, lang)
		if u, ok := m["until"].(string); ok {
			until, _ := describeValue("until", u, lang)
			where = append(where, from+" – "+until)
		} else {
			where = append(where, pickLabel(lang, "since ", "sinds ")+from)
		}
	}
	files, creds := 0, 0
	if ev, ok := m["evidence"].([]any); ok {
		for _, e := range ev {
			if em, ok := e.(map[string]any); ok && em["kind"] == EvidenceAttachment {
				files++
			} else {
				creds++
			}
		}
	}
	var backing []string
	if files > 0 {
		backing = append(backing, fmt.Sprintf("%d %s", files, pickLabel(lang, plural(files, "file", "files"), plural(files, "bestand", "bestanden"))))
	}
	if creds > 0 {
		backing = append(backing, fmt.Sprintf("%d %s", creds, pickLabel(lang, plural(creds, "credential", "credentials"), plural(creds, "bewijs", "bewijzen"))))
	}
	s := label
	if len(where) > 0 || len(backing) > 0 {
		detail := strings.Join(where, ", ")
		if len(backing) > 0 {
			if detail != "" {
				detail += "; "
			}
			detail += strings.Join(backing, ", ")
		}
		s += " (" + detail + ")"
	}
	return s, english
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// nameFirst orders an object's members for display: the member that
// names it first.
func nameFirst(k string) int {
	switch k {
	case "name", "dimension", "title", "skill", "module":
		return 0
	}
	return 1
}
