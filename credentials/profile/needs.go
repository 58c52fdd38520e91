package profile

import "slices"

// Needs is what a requirement asks of the holder: for each alternative,
// the credential type and exactly the claims its predicate reads, plus the
// provenance claims (ppp.ProvenanceClaims) when min_assurance or max_age
// applies; for an aggregate, the one alternative of its experience
// credentials. It is what a verifier turns into a DCQL query, and what a
// wallet shows before consent.
type Needs struct {
	// Requirement is the requirement's id.
	Requirement string `json:"requirement"`
	// Required mirrors Requirement.Required.
	Required bool `json:"required"`
	// Alternatives are in document order; any one meets the requirement.
	Alternatives []AlternativeNeeds `json:"alternatives"`
}

// AlternativeNeeds is one credential type and its needed claims.
type AlternativeNeeds struct {
	// Type is the PPP type name, VCT its vct.
	Type string `json:"type"`
	VCT  string `json:"vct"`
	// Claims are the claims needed, in declaration order, then the
	// provenance claims.
	Claims []ClaimNeed `json:"claims"`
	// Multiple reports that several credentials may answer together (an
	// aggregate): a DCQL Credential Query with "multiple": true.
	Multiple bool `json:"multiple,omitempty"`
}

// ClaimNeed is one claim a predicate reads.
type ClaimNeed struct {
	// Path is the claim path (SD-JWT VC claims path of object member
	// names); PPP predicates read top-level claims, so it has one element.
	Path []string `json:"path"`
	// Values, when set, are the only values for which the predicate can
	// hold (from top-level conjuncts such as skill == "…"): a DCQL claims
	// query may carry them so the wallet picks the right credential.
	Values []any `json:"values,omitempty"`
	// Optional marks a claim a credential may lack (a provenance claim
	// its schema does not require, an experience's end_date): it is
	// disclosed when the credential has it, and the evaluation does
	// without. A DCQL query expresses it with claim_sets.
	Optional bool `json:"optional,omitempty"`
	// HolderChoice marks a claim the evaluation never reads and the
	// holder may choose to add (an aggregate's employer): a DCQL query
	// offers it in claim_sets after every set without it.
	HolderChoice bool `json:"holder_choice,omitempty"`
}

// Needs returns what each requirement asks for, in document order. The
// claims are exactly the declared ones, and Parse has checked that the
// predicate reads each of them: nothing more is asked than the predicates
// need.
func (p *Profile) Needs() []Needs {
	out := make([]Needs, 0, len(p.Requirements))
	for i := range p.Requirements {
		r := &p.Requirements[i]
		n := Needs{Requirement: r.ID, Required: r.Required}
		if r.agg != nil {
			n.Alternatives = append(n.Alternatives, r.agg.needs())
		}
		for _, c := range r.alts {
			an := AlternativeNeeds{Type: c.typ.Name, VCT: c.typ.VCT}
			for _, name := range c.alt.Claims {
				an.Claims = append(an.Claims, ClaimNeed{Path: []string{name}, Values: slices.Clone(c.values[name])})
			}
			an.Claims = append(an.Claims, c.rules.needs()...)
			n.Alternatives = append(n.Alternatives, an)
		}
		out = append(out, n)
	}
	return out
}

// ClaimPaths returns every claim path the profile asks for, per vct,
// without duplicates: the whole of what a holder may be asked to disclose
// (optional and holder-choice claims included).
func (p *Profile) ClaimPaths() map[string][][]string {
	out := map[string][][]string{}
	for _, n := range p.Needs() {
		for _, a := range n.Alternatives {
			for _, c := range a.Claims {
				if !slices.ContainsFunc(out[a.VCT], func(q []string) bool { return slices.Equal(q, c.Path) }) {
					out[a.VCT] = append(out[a.VCT], c.Path)
				}
			}
		}
	}
	return out
}
