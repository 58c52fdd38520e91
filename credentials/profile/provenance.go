package profile

import (
	"fmt"
	"slices"
	"time"

	"github.com/loopbrug/paspoort/credentials/ppp"
)

// AssessmentLeeway is how far in the future an assessment date may lie
// (clocks and time zones differ by less than a day); beyond it the
// credential is refused with ReasonAssessedInFuture.
const AssessmentLeeway = 24 * time.Hour

// dateClaims are the provenance claims that hold a date.
var dateClaims = []string{"assessed_on", "completed_on", "given_on", "end_date"}

// provClaim is a provenance claim an alternative asks for.
type provClaim struct {
	name string
	// required: the type's schema requires it, so a credential always has
	// it and it must be disclosed; the others are disclosed when the
	// credential has them.
	required bool
}

// rules are the assurance and recency rules of an alternative or an
// aggregate: its (or its requirement's) min_assurance and max_age, and the
// provenance claims (ppp.ProvenanceClaims) asked to apply them.
type rules struct {
	minAssurance ppp.Assurance
	maxAge       duration
	claims       []provClaim
}

// applies reports whether min_assurance or max_age is set: only then are
// provenance claims asked and weighed.
func (ru *rules) applies() bool { return ru.minAssurance != "" || !ru.maxAge.isZero() }

// compileRules resolves the rules of an alternative or aggregate (own
// values overriding the requirement's) for type t; declared lists the
// claims already asked, which are not asked twice.
func compileRules(d *document, path []string, r *Requirement, t ppp.Type, minAssurance ppp.Assurance, maxAge string, declared []string) (rules, []FieldError) {
	at := func(rest ...string) []string { return append(slices.Clone(path), rest...) }
	ru := rules{minAssurance: r.MinAssurance, maxAge: r.maxAge}
	var out []FieldError
	if minAssurance != "" {
		ru.minAssurance = minAssurance
	}
	if maxAge != "" {
		md, err := parseDuration(maxAge)
		if err != nil {
			out = append(out, d.field(at("max_age"), err.Error()))
		}
		ru.maxAge = md
	}
	if ru.minAssurance != "" {
		if !ru.minAssurance.Valid() {
			out = append(out, d.field(at("min_assurance"), fmt.Sprintf("unknown assurance %q", ru.minAssurance)))
		} else if _, ok := ppp.ProvenanceOf(t.Name, nil); !ok {
			out = append(out, d.field(at("min_assurance"), fmt.Sprintf("a %s credential is no evidence of what a person can do and has no assurance; min_assurance does not apply", t.Name)))
		}
	}
	if len(out) > 0 || !ru.applies() {
		return ru, out
	}
	kinds := claimKinds()[t.Name]
	for _, name := range ppp.ProvenanceClaims(t.Name) {
		if slices.Contains(declared, name) {
			continue
		}
		ru.claims = append(ru.claims, provClaim{name: name, required: kinds[name].required})
	}
	return ru, out
}

// provenance resolves the alternative's rules.
func (c *compiled) provenance(d *document, path []string, r *Requirement) []FieldError {
	ru, out := compileRules(d, path, r, c.typ, c.alt.MinAssurance, c.alt.MaxAge, c.alt.Claims)
	c.rules = ru
	return out
}

// needs returns the provenance claims as claim needs: the required ones
// must be disclosed, the others are when the credential has them.
func (ru *rules) needs() []ClaimNeed {
	var out []ClaimNeed
	for _, pc := range ru.claims {
		out = append(out, ClaimNeed{Path: []string{pc.name}, Optional: !pc.required})
	}
	return out
}

// weigh applies the rules to a credential of type typeName that passed
// the trust checks: every required provenance claim disclosed and every
// disclosed one well-formed (claims_missing, claims_invalid); the
// assessment date (ppp.ProvenanceOf) not after now plus AssessmentLeeway
// (assessed_in_future); the assessment date, or the issue date when the
// type states none, no older than max_age (too_old); the effective
// assurance at least min_assurance (assurance_too_low). It records the
// assessment date and the effective assurance in ev, and returns "" when
// the credential passes. Without rules it checks nothing.
func (ru *rules) weigh(typeName string, cred Credential, now time.Time, opts *Options, ev *Evidence) Reason {
	if !ru.applies() {
		return ""
	}
	for _, pc := range ru.claims {
		v, ok := cred.Claims[pc.name]
		if !ok {
			if pc.required {
				return ReasonClaimsMissing
			}
			continue
		}
		s, ok := v.(string)
		if !ok {
			return ReasonClaimsInvalid
		}
		if slices.Contains(dateClaims, pc.name) {
			if _, err := ppp.ParseDate(s); err != nil {
				return ReasonClaimsInvalid
			}
		}
		if pc.name == "assurance" && !ppp.Assurance(s).Valid() {
			return ReasonClaimsInvalid
		}
	}
	p, known := ppp.ProvenanceOf(typeName, cred.Claims)
	when := cred.IssuedAt
	if known && !p.AssessedOn.IsZero() {
		if p.AssessedOn.Time().After(now.Add(AssessmentLeeway)) {
			return ReasonAssessedInFuture
		}
		when = p.AssessedOn.Time()
		ev.AssessedOn = p.AssessedOn
	}
	if !ru.maxAge.isZero() && (when.IsZero() || ru.maxAge.expired(when, now)) {
		return ReasonTooOld
	}
	if known {
		ev.Assurance = effectiveAssurance(p.Assurance, typeName, cred, opts)
		if ru.minAssurance != "" && !ev.Assurance.AtLeast(ru.minAssurance) {
			return ReasonAssuranceTooLow
		}
	}
	return ""
}

// effectiveAssurance caps a credential's stated (or implied) assurance at
// what its issuer can vouch for: self for a self-issued credential, and
// what Options.IssuerAssurance says of the issuer.
func effectiveAssurance(a ppp.Assurance, typeName string, cred Credential, opts *Options) ppp.Assurance {
	if cred.SelfIssued {
		a = a.Cap(ppp.AssuranceSelf)
	}
	if opts != nil && opts.IssuerAssurance != nil {
		if limit, ok := opts.IssuerAssurance(cred.trustID(), typeName); ok {
			a = a.Cap(limit)
		}
	}
	return a
}
