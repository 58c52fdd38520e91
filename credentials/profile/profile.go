package profile

import (
	_ "embed"
	"fmt"
	"slices"
	"strconv"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/loopbrug/paspoort/credentials/ppp"
)

//go:embed profile.schema.json
var profileSchema []byte

// SchemaID is the $id of the requirement profile JSON Schema.
const SchemaID = "https://paspoort.loopbrug.nl/schemas/requirement-profile/v1.json"

// Schema returns the JSON Schema (draft 2020-12) of requirement profile
// documents, for publication. The caller may modify the returned slice.
func Schema() []byte { return slices.Clone(profileSchema) }

var compiledProfileSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	return compileSchema(SchemaID, profileSchema)
})

// Kind says who uses a profile and what a learning plan is for.
type Kind string

// The kinds.
const (
	// KindAdmission is a school admitting to a programme; the gap becomes
	// a learning plan.
	KindAdmission Kind = "admission"
	// KindHiring is an employer hiring (into a leerwerktraject); the gap
	// becomes an onboarding plan.
	KindHiring Kind = "hiring"
	// KindRecognition is an EVC provider taking in a portfolio to assess
	// (Erkenning van Verworven Competenties); the outcome is an
	// Ervaringscertificaat, not a plan.
	KindRecognition Kind = "recognition"
)

// Text is a text per language: "nl" and "en".
type Text map[string]string

// Get returns the text in lang, falling back to English.
func (t Text) Get(lang string) string {
	if s, ok := t[lang]; ok {
		return s
	}
	return t["en"]
}

// Profile is a requirement profile: what a school or employer asks of a
// Persoonlijk Profiel Paspoort. Its exported fields are the document as
// read; Parse compiles the predicates once, so a Profile returned by Parse
// is ready to evaluate. A Profile is immutable after Parse and safe for
// concurrent use.
type Profile struct {
	// ID identifies the profile at its verifier, such as "pabo-zij-instroom".
	ID string `json:"id"`
	// Version is the profile's version; receipts name it.
	Version string `json:"version"`
	// Kind is admission (a school) or hiring (an employer).
	Kind Kind `json:"kind"`
	// Title is the profile's title.
	Title Text `json:"title"`
	// Purpose is shown to the holder when the proof is asked for.
	Purpose Text `json:"purpose"`
	// Verifier is the name of the school or employer, if given.
	Verifier string `json:"verifier,omitempty"`
	// MinScore is the lowest weighted match score accepted (0–1).
	MinScore float64 `json:"min_score,omitempty"`
	// Catalogue is the id of the module catalogue for learning plans.
	Catalogue string `json:"catalogue,omitempty"`
	// Requirements are the requirements, in document order.
	Requirements []Requirement `json:"requirements"`
	// LegalGround is the legal ground for reading claims of a protected
	// category (ppp.Protected: age, nationality, sex, health, religion,
	// origin, …), for every requirement that gives none of its own. A
	// profile that reads such a claim without one is refused
	// (ErrProtectedClaim).
	LegalGround *LegalGround `json:"legal_ground,omitempty"`
}

// Requirement is one requirement of a profile. It is met by a credential
// of one of its alternatives, from a trusted issuer, assessed no longer
// ago than MaxAge, established with at least MinAssurance, whose declared
// claims satisfy the alternative's predicate — or, for an Aggregate, by
// enough months of experience across credentials.
type Requirement struct {
	// ID identifies the requirement within the profile.
	ID string `json:"id"`
	// Title says what is required.
	Title Text `json:"title"`
	// Required requirements must be met; the others count with Weight.
	Required bool `json:"required,omitempty"`
	// Weight is the requirement's weight in the score; nil means 1.
	Weight *float64 `json:"weight,omitempty"`
	// MaxAge is the largest age of the evidence, as an ISO 8601 duration
	// (P5Y, P18M), measured from the assessment date the credential states
	// (ppp.ProvenanceOf: assessed_on, completed_on, given_on, an
	// experience's end_date) and, only when the type states none (a job
	// that lasts), from its issue date; empty means no limit. An
	// alternative's max_age overrides it.
	MaxAge string `json:"max_age,omitempty"`
	// MinAssurance is the least assurance (ppp.Assurance: self, peer,
	// employer, school, assessor, evc-provider; compared by Rank) the
	// evidence must have been established with; empty means any. An
	// alternative's min_assurance overrides it.
	MinAssurance ppp.Assurance `json:"min_assurance,omitempty"`
	// TrustedIssuers lists the issuers trusted for this requirement; empty
	// leaves the decision to the verifier's trust list alone.
	TrustedIssuers []string `json:"trusted_issuers,omitempty"`
	// Skills are the ESCO skills the requirement stands for: the gap when
	// it is not met.
	Skills []string `json:"skills,omitempty"`

	// Type, Claims and Predicate are the short form of a requirement with
	// one alternative. A requirement has either these or AnyOf.
	Type      string   `json:"type,omitempty"`
	Claims    []string `json:"claims,omitempty"`
	Predicate string   `json:"predicate,omitempty"`
	// AnyOf lists alternatives, any one of which meets the requirement.
	AnyOf []Alternative `json:"any_of,omitempty"`
	// Aggregate, instead of Type or AnyOf, sums experience across
	// credentials (see Aggregate).
	Aggregate *Aggregate `json:"aggregate,omitempty"`
	// LegalGround is the legal ground for the protected claims this
	// requirement reads (see Profile.LegalGround).
	LegalGround *LegalGround `json:"legal_ground,omitempty"`

	alts   []*compiled
	agg    *compiledAggregate
	maxAge duration
}

// Alternative is one way to meet a requirement: a credential type, the
// claims of it the predicate reads, and the predicate.
type Alternative struct {
	// Type is a PPP type name or vct.
	Type string `json:"type"`
	// Claims are the top-level claims of the type the predicate reads.
	Claims []string `json:"claims"`
	// Predicate is a CEL expression over Claims that yields a bool.
	Predicate string `json:"predicate"`
	// MaxAge and MinAssurance, when given, override the requirement's for
	// this alternative.
	MaxAge       string        `json:"max_age,omitempty"`
	MinAssurance ppp.Assurance `json:"min_assurance,omitempty"`
}

// AggregateExperience is the one kind of Aggregate: months of work
// experience in one occupation.
const AggregateExperience = "experience"

// Aggregate is a requirement met by summing evidence across credentials:
// at least MinMonths months of experience in the ESCO occupation
// Occupation, across employers. From each experience credential only the
// occupation, start_date and end_date are asked (and the provenance claims
// when MinAssurance or MaxAge applies), never the employer, role or
// description; the holder may choose to add the employer. The months are
// those of the union of the periods: overlapping periods count once.
type Aggregate struct {
	// Type is AggregateExperience.
	Type string `json:"type"`
	// Occupation is an ESCO occupation URI of the shipped subset.
	Occupation string `json:"occupation"`
	// MinMonths is the least number of whole months.
	MinMonths int `json:"min_months"`
	// MinAssurance and MaxAge apply to each credential counted, as for an
	// alternative; they override the requirement's.
	MinAssurance ppp.Assurance `json:"min_assurance,omitempty"`
	MaxAge       string        `json:"max_age,omitempty"`
}

// EffectiveWeight returns the requirement's weight (1 when not given).
func (r *Requirement) EffectiveWeight() float64 {
	if r.Weight == nil {
		return 1
	}
	return *r.Weight
}

// Alternatives returns the requirement's alternatives, the short form
// included, in document order; nil for an aggregate requirement.
func (r *Requirement) Alternatives() []Alternative {
	if len(r.AnyOf) > 0 {
		return slices.Clone(r.AnyOf)
	}
	if r.Aggregate != nil {
		return nil
	}
	return []Alternative{{Type: r.Type, Claims: slices.Clone(r.Claims), Predicate: r.Predicate}}
}

// Parse reads a requirement profile from data, a YAML or JSON document;
// name (usually the file name) is used in error messages. It checks, in
// this order: size (ErrTooLarge), encoding and syntax, the JSON Schema
// (Schema), then what a schema cannot express — known PPP types and their
// claims, unique ids, ESCO skills in the shipped subset, each predicate
// parsed, type-checked against the declared claims and required to read
// every claim it declares. Problems come back as a *ValidationError (which
// wraps ErrInvalid) naming the line of each: "profile.yaml:12:
// requirements[2].predicate: …".
func Parse(name string, data []byte) (*Profile, error) {
	sch, err := compiledProfileSchema()
	if err != nil {
		return nil, err
	}
	var p Profile
	d, err := readDocument(name, data, sch, &p)
	if err != nil {
		return nil, err
	}
	if fields := p.compile(d); len(fields) > 0 {
		return nil, invalid(name, fields...)
	}
	return &p, nil
}

// compile checks what the schema cannot and compiles the predicates.
func (p *Profile) compile(d *document) []FieldError {
	var out []FieldError
	seen := map[string]bool{}
	for i := range p.Requirements {
		r := &p.Requirements[i]
		base := []string{"requirements", strconv.Itoa(i)}
		at := func(rest ...string) []string { return append(slices.Clone(base), rest...) }
		if seen[r.ID] {
			out = append(out, d.field(at("id"), fmt.Sprintf("duplicate requirement id %q", r.ID)))
		}
		seen[r.ID] = true
		short := r.Type != "" || len(r.Claims) > 0 || r.Predicate != ""
		switch {
		case r.Aggregate != nil && (short || len(r.AnyOf) > 0):
			out = append(out, d.field(at("aggregate"), "give either aggregate, or type, claims and predicate, or any_of"))
			continue
		case r.Aggregate != nil:
		case short && len(r.AnyOf) > 0:
			out = append(out, d.field(at("any_of"), "give either type, claims and predicate, or any_of, not both"))
			continue
		case !short && len(r.AnyOf) == 0:
			out = append(out, d.field(base, "give either type, claims and predicate, any_of, or aggregate"))
			continue
		case short && (r.Type == "" || len(r.Claims) == 0 || r.Predicate == ""):
			out = append(out, d.field(base, "type, claims and predicate go together"))
			continue
		}
		if r.MaxAge != "" {
			md, err := parseDuration(r.MaxAge)
			if err != nil {
				out = append(out, d.field(at("max_age"), err.Error()))
			}
			r.maxAge = md
		}
		for j, s := range r.Skills {
			if _, ok := ppp.ESCOSkill(s); !ok {
				out = append(out, d.field(at("skills", strconv.Itoa(j)), "ESCO skill not in the shipped subset"))
			}
		}
		if r.Aggregate != nil {
			ca, fields := compileAggregate(d, at("aggregate"), r)
			out = append(out, fields...)
			r.agg = ca
			continue
		}
		vcts := map[string]bool{}
		for j, alt := range r.Alternatives() {
			ap := base
			if len(r.AnyOf) > 0 {
				ap = at("any_of", strconv.Itoa(j))
			}
			c, fields := compileAlternative(d, ap, alt)
			out = append(out, fields...)
			if c == nil {
				continue
			}
			if fields := c.provenance(d, ap, r); len(fields) > 0 {
				out = append(out, fields...)
				continue
			}
			for k, name := range alt.Claims {
				cat, ok := protectedClaim(c.typ.VCT, []string{name})
				if !ok || r.LegalGround != nil || p.LegalGround != nil {
					continue
				}
				f := d.field(append(slices.Clone(ap), "claims", strconv.Itoa(k)), fmt.Sprintf(
					"claim %q is %s, protected in hiring and admission (%s); give the legal ground that allows asking it (legal_ground: text and reference), or do not ask it",
					name, cat.Label("en"), cat.Source()))
				f.err = ErrProtectedClaim
				out = append(out, f)
			}
			if vcts[c.typ.VCT] {
				out = append(out, d.field(append(slices.Clone(ap), "type"), "the same credential type appears twice in one requirement; combine the predicates with ||"))
			}
			vcts[c.typ.VCT] = true
			r.alts = append(r.alts, c)
		}
	}
	return out
}

// Requirement returns the requirement with the given id.
func (p *Profile) Requirement(id string) (*Requirement, bool) {
	for i := range p.Requirements {
		if p.Requirements[i].ID == id {
			return &p.Requirements[i], true
		}
	}
	return nil, false
}

// LegalGround is why the law allows or requires asking a protected claim
// here (Text) and the law (Reference).
type LegalGround struct {
	Text      Text   `json:"text"`
	Reference string `json:"reference"`
}

// protectedClaim classifies a claim; a variable so that tests can mark a
// claim (no PPP claim is marked today).
var protectedClaim = ppp.ProtectedClaim

// ProtectedRead is a protected claim a profile reads, with the legal ground
// that allows it.
type ProtectedRead struct {
	Requirement string
	Type        string
	Claim       string
	Category    ppp.Protected
	Ground      *LegalGround
}

// ProtectedReads lists the claims of a protected category the profile's
// predicates read, each with its legal ground (the requirement's, else the
// profile's).
func (p *Profile) ProtectedReads() []ProtectedRead {
	var out []ProtectedRead
	for i := range p.Requirements {
		r := &p.Requirements[i]
		ground := r.LegalGround
		if ground == nil {
			ground = p.LegalGround
		}
		for _, c := range r.alts {
			for _, name := range c.alt.Claims {
				if cat, ok := protectedClaim(c.typ.VCT, []string{name}); ok {
					out = append(out, ProtectedRead{Requirement: r.ID, Type: c.typ.Name, Claim: name, Category: cat, Ground: ground})
				}
			}
		}
	}
	return out
}
