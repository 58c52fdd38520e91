package ppp

import (
	"fmt"
	"time"
)

// Assurance says who established a claim: the holder herself, a peer, an
// employer, a school, an assessor or an EVC provider (claim "assurance").
// A verifier weighs evidence by it: a profile can ask for at least employer
// level, or for an assessor.
type Assurance string

// The assurance levels.
const (
	AssuranceSelf        Assurance = "self"         // the holder's own statement
	AssurancePeer        Assurance = "peer"         // a colleague, client, coach or other referee
	AssuranceEmployer    Assurance = "employer"     // an employer, from work it saw
	AssuranceSchool      Assurance = "school"       // a school or training provider, by an exam or a completed module
	AssuranceAssessor    Assurance = "assessor"     // an independent assessor or assessment provider
	AssuranceEVCProvider Assurance = "evc-provider" // a recognised EVC provider, by a portfolio review and interview
)

// Assurances lists every Assurance from the weakest to the strongest, in
// the order of the schemas' enum.
var Assurances = []Assurance{AssuranceSelf, AssurancePeer, AssuranceEmployer, AssuranceSchool, AssuranceAssessor, AssuranceEVCProvider}

// Rank orders the assurances for a profile's min_assurance: self 1, peer 2,
// employer 3, and 4 for school, assessor and EVC provider alike — each
// tests against a standard, independent of the holder and of any one job.
// An unknown value ranks 0, below everything.
func (a Assurance) Rank() int {
	switch a {
	case AssuranceSelf:
		return 1
	case AssurancePeer:
		return 2
	case AssuranceEmployer:
		return 3
	case AssuranceSchool, AssuranceAssessor, AssuranceEVCProvider:
		return 4
	}
	return 0
}

// Valid reports whether a is one of Assurances.
func (a Assurance) Valid() bool { return a.Rank() > 0 }

// AtLeast reports whether a meets min (a rank at least min's).
func (a Assurance) AtLeast(min Assurance) bool { return a.Valid() && a.Rank() >= min.Rank() }

// Cap returns a limited to what an issuer of kind limit can vouch for:
// a when it ranks below limit or is limit, else limit. A verifier caps a
// credential's stated assurance at what its issuer is trusted for, so that
// an employer's credential stating "assessor" counts as employer, and an
// assessor's stating "evc-provider" as assessor: of equal rank, the
// issuer's own kind is what is known.
func (a Assurance) Cap(limit Assurance) Assurance {
	if a == limit || a.Rank() < limit.Rank() {
		return a
	}
	return limit
}

var assuranceWords = map[Assurance][2]string{ // en, nl: "established by …"
	AssuranceSelf:        {"the holder", "de houder zelf"},
	AssurancePeer:        {"a referee", "een referent"},
	AssuranceEmployer:    {"an employer", "een werkgever"},
	AssuranceSchool:      {"a school", "een school of opleider"},
	AssuranceAssessor:    {"an assessor", "een assessor"},
	AssuranceEVCProvider: {"an EVC provider", "een EVC-aanbieder"},
}

// Label returns who a stands for in lang, to follow "established by"
// ("vastgesteld door"): "een assessor", "de houder zelf".
func (a Assurance) Label(lang string) string {
	w, ok := assuranceWords[a]
	if !ok {
		return string(a)
	}
	return pickLabel(lang, w[0], w[1])
}

// ParseAssurance parses the value of an "assurance" claim or of a
// profile's min_assurance.
func ParseAssurance(s string) (Assurance, error) {
	if a := Assurance(s); a.Valid() {
		return a, nil
	}
	return "", fmt.Errorf("unknown assurance %q (want one of self, peer, employer, school, assessor, evc-provider)", s)
}

// AssuranceOfMethod is the assurance a method implies when a credential
// states none: an assessment or observation is an assessor's, an exam a
// school's, work experience an employer's, a portfolio review or EVC an
// EVC provider's, and a self-declared result the holder's.
func AssuranceOfMethod(m Method) (Assurance, bool) {
	switch m {
	case MethodAssessment, MethodObservation:
		return AssuranceAssessor, true
	case MethodExam:
		return AssuranceSchool, true
	case MethodWorkExperience:
		return AssuranceEmployer, true
	case MethodPortfolioReview, MethodEVC:
		return AssuranceEVCProvider, true
	case MethodSelfDeclared:
		return AssuranceSelf, true
	}
	return "", false
}

// AssuranceOfIssuerKind is the highest assurance an issuer of a register's
// kind (registry.IssuerKind: assessor, employer, school, evc-provider) can
// vouch for.
func AssuranceOfIssuerKind(kind string) (Assurance, bool) {
	switch a := Assurance(kind); a {
	case AssuranceAssessor, AssuranceEmployer, AssuranceSchool, AssuranceEVCProvider:
		return a, true
	}
	return "", false
}

// Provenance is who established a credential's claims, how and when.
type Provenance struct {
	// Assurance is who established it: the "assurance" claim, else what
	// the method or the type implies.
	Assurance Assurance `json:"assurance"`
	// Stated reports that the credential carried an "assurance" claim.
	Stated bool `json:"-"`
	// Method is how, when the type says (claim "method").
	Method Method `json:"method,omitempty"`
	// AssessedOn is when it was assessed: assessed_on, completed_on,
	// given_on or, for work experience without assessed_on, end_date.
	// Zero when the credential does not say (a job that lasts); recency is
	// then measured from the issue date.
	AssessedOn Date `json:"assessed_on,omitzero"`
}

// typeAssurance is the assurance of a type whose credentials state none
// and carry no method.
var typeAssurance = map[string]Assurance{
	TypeTalent: AssuranceAssessor, TypeDrive: AssuranceAssessor, TypeAgility: AssuranceAssessor,
	TypeLevel: AssuranceAssessor, TypeSkill: AssuranceAssessor,
	TypeExperience: AssuranceEmployer, TypeLearning: AssuranceSchool, TypeReference: AssurancePeer,
	TypeWerkplekleren: AssuranceEmployer, TypeErvaringscertificaat: AssuranceEVCProvider,
	TypePortfolio: AssuranceSelf,
}

// assessedClaim names the claim that dates the assessment, per type.
var assessedClaim = map[string]string{
	TypeLearning: "completed_on", TypeReference: "given_on",
}

// ProvenanceOf reads the provenance of a credential of type typeName from
// its (disclosed) claims. It reports false for a type that carries no
// evidence of what a person can do (goal, leerbudget) and for an unknown
// type. A stated assurance the type does not allow is ignored; a portfolio
// is always self, whatever it states.
func ProvenanceOf(typeName string, claims map[string]any) (Provenance, bool) {
	def, ok := typeAssurance[typeName]
	if !ok {
		return Provenance{}, false
	}
	p := Provenance{Assurance: def}
	if s, ok := claims["method"].(string); ok {
		p.Method = Method(s)
		if a, ok := AssuranceOfMethod(p.Method); ok {
			p.Assurance = a
		}
	}
	if s, ok := claims["assurance"].(string); ok && typeName != TypePortfolio {
		if a := Assurance(s); a.Valid() {
			p.Assurance, p.Stated = a, true
		}
	}
	name := assessedClaim[typeName]
	if name == "" {
		name = "assessed_on"
	}
	if s, ok := claims[name].(string); ok {
		if d, err := ParseDate(s); err == nil {
			p.AssessedOn = d
		}
	}
	if p.AssessedOn.IsZero() && typeName == TypeExperience {
		if s, ok := claims["end_date"].(string); ok {
			if d, err := ParseDate(s); err == nil {
				p.AssessedOn = d
			}
		}
	}
	return p, true
}

// ProvenanceClaims lists the claims of typeName that ProvenanceOf reads:
// what a verifier asks to be disclosed to weigh a credential's assurance
// and recency.
func ProvenanceClaims(typeName string) []string {
	t, ok := Lookup(typeName)
	if _, skill := typeAssurance[typeName]; !ok || !skill {
		return nil
	}
	var out []string
	for _, name := range []string{"assurance", "method", "assessed_on", "completed_on", "given_on", "end_date"} {
		if t.hasClaim(name) {
			out = append(out, name)
		}
	}
	return out
}

func (t Type) hasClaim(name string) bool {
	for _, c := range t.Claims {
		if len(c.Path) == 1 && c.Path[0] == name {
			return true
		}
	}
	return false
}

// Describe says who established it and when, as a person reads it:
// "vastgesteld door een assessor, maart 2026".
func (p Provenance) Describe(lang string) string {
	who := pickLabel(lang, "established by ", "vastgesteld door ") + p.Assurance.Label(lang)
	if p.AssessedOn.IsZero() {
		return who
	}
	return who + ", " + MonthYear(p.AssessedOn, lang)
}

// MonthYear writes the month of d as people read it: "maart 2026",
// "March 2026".
func MonthYear(d Date, lang string) string {
	if d.Month < 1 || d.Month > 12 {
		return d.String()
	}
	if lang == "nl" {
		return fmt.Sprintf("%s %d", monthsNL[d.Month-1], d.Year)
	}
	return fmt.Sprintf("%s %d", d.Month, d.Year)
}

// Time returns d as midnight UTC.
func (d Date) Time() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }
