package profile

import (
	"maps"
	"slices"
	"time"

	"github.com/google/cel-go/common/types"

	"github.com/loopbrug/paspoort/credentials/ppp"
)

// Credential is a verified credential as Evaluate needs it: the caller has
// checked its signature, key binding and status already.
type Credential struct {
	// ID is the caller's reference to the credential, such as a hash of
	// the presentation; it is copied into the evidence.
	ID string
	// VCT is the credential type.
	VCT string
	// Issuer is "iss": a DID or an https URL.
	Issuer string
	// IssuedAt is "iat".
	IssuedAt time.Time
	// Claims are the processed (disclosed) claims.
	Claims map[string]any
	// For, when not nil, limits the credential to the requirements with
	// these ids: a verifier passes the requirement whose query the
	// presentation answered. Nil considers it for every requirement.
	For []string
	// SelfIssued reports that the holder issued the credential herself
	// (its iss is the did:jwk of its own cnf key): whatever assurance it
	// states, it counts as ppp.AssuranceSelf.
	SelfIssued bool
	// TrustAs, when set, is what Options.Trusted and
	// Options.IssuerAssurance are asked about instead of Issuer: a
	// verifier sets it for an issuer it trusts by another mechanism than
	// its "iss" (an X.509 anchor that certified it), so that the
	// credential never borrows the trust of another issuer with the same
	// "iss", nor lends it. Issuer stays what the evidence shows.
	TrustAs string
}

// trustID is what the trust functions are asked about for c.
func (c *Credential) trustID() string {
	if c.TrustAs != "" {
		return c.TrustAs
	}
	return c.Issuer
}

// Options configures Evaluate.
type Options struct {
	// Now is the time max_age is measured against, and its date (in Now's
	// location) is the predicates' today. Zero means time.Now().
	Now time.Time
	// Trusted, when set, is asked for each credential whether its issuer
	// is trusted for its type (the PPP type name), in addition to the
	// requirement's own trusted_issuers. A verifier passes its trust list;
	// a wallet matching privately leaves it nil.
	Trusted func(issuer, typeName string) bool
	// IssuerAssurance, when set, is asked for each credential weighed for
	// min_assurance what its issuer can vouch for at most (for a
	// consortium member, ppp.AssuranceOfIssuerKind of its kind); the
	// credential's own assurance is capped at it (ppp.Assurance.Cap), so an
	// employer's credential stating "assessor" counts as employer. False
	// leaves the credential's assurance uncapped. Nil caps nothing but
	// self-issued credentials.
	IssuerAssurance func(issuer, typeName string) (ppp.Assurance, bool)
}

// Status is the outcome of one requirement.
type Status string

// The statuses.
const (
	// StatusMet: a trusted, fresh credential satisfies the predicate.
	StatusMet Status = "met"
	// StatusNotMet: a trusted, fresh credential was evaluated and does not
	// satisfy the predicate.
	StatusNotMet Status = "not_met"
	// StatusNotProven: no usable credential was presented.
	StatusNotProven Status = "not_proven"
)

// Outcome is the overall outcome.
type Outcome string

// The outcomes.
const (
	// OutcomeAccepted: every required requirement is met and the score
	// reaches the profile's min_score.
	OutcomeAccepted Outcome = "accepted"
	// OutcomeRefused: otherwise.
	OutcomeRefused Outcome = "refused"
)

// Reason says why a requirement or a piece of evidence came out as it did.
type Reason string

// The reasons.
const (
	ReasonSatisfied        Reason = "predicate_satisfied"     // the predicate holds
	ReasonNotSatisfied     Reason = "predicate_not_satisfied" // the predicate does not hold
	ReasonNoCredential     Reason = "no_credential"           // no credential of an accepted type
	ReasonUntrustedIssuer  Reason = "untrusted_issuer"        // the issuer is not trusted for this requirement
	ReasonTooOld           Reason = "too_old"                 // older than max_age
	ReasonClaimsMissing    Reason = "claims_missing"          // a claim the predicate needs was not disclosed
	ReasonClaimsInvalid    Reason = "claims_invalid"          // a claim has the wrong JSON type
	ReasonEvaluation       Reason = "evaluation_failed"       // the predicate failed at run time (cost limit, overflow)
	ReasonAssuranceTooLow  Reason = "assurance_too_low"       // established with less than min_assurance (after capping at what the issuer can vouch for)
	ReasonAssessedInFuture Reason = "assessed_in_future"      // the assessment date lies after today (beyond AssessmentLeeway)
	ReasonCounted          Reason = "counted"                 // an aggregate counted this credential
)

// Evidence is one credential considered for a requirement.
type Evidence struct {
	// Credential is Credential.ID.
	Credential string `json:"credential,omitempty"`
	// Type is the PPP type name and VCT its vct.
	Type string `json:"type"`
	VCT  string `json:"vct"`
	// Issuer and IssuedAt are from the credential.
	Issuer   string    `json:"issuer"`
	IssuedAt time.Time `json:"issued_at"`
	// Claims are the values of the declared claims the predicate read; nil
	// when it was not evaluated. For an aggregate: occupation, start_date,
	// end_date, and employer only when the holder disclosed it.
	Claims map[string]any `json:"claims,omitempty"`
	// Assurance is the assurance that counted: the credential's (stated,
	// or implied by its method or type), capped at what its issuer can
	// vouch for. Set only when min_assurance or max_age applied.
	Assurance ppp.Assurance `json:"assurance,omitempty"`
	// AssessedOn is the assessment date recency was measured from; zero
	// when the credential states none (then IssuedAt counted).
	AssessedOn ppp.Date `json:"assessed_on,omitzero"`
	// Reason says what came of it.
	Reason Reason `json:"reason"`
}

// RequirementResult is the outcome of one requirement.
type RequirementResult struct {
	ID       string  `json:"id"`
	Title    Text    `json:"title"`
	Required bool    `json:"required"`
	Weight   float64 `json:"weight"`
	Status   Status  `json:"status"`
	Reason   Reason  `json:"reason"`
	// Evidence lists the credential that met the requirement, or, when
	// none did, every credential considered. For an aggregate it lists the
	// credentials counted, then the others considered.
	Evidence []Evidence `json:"evidence"`
	// Aggregate is the total of an aggregate requirement; nil otherwise.
	Aggregate *AggregateTotal `json:"aggregate,omitempty"`
}

// AggregateTotal is what an aggregate requirement added up.
type AggregateTotal struct {
	// Type is AggregateExperience; Occupation its ESCO occupation URI.
	Type       string `json:"type"`
	Occupation string `json:"occupation"`
	// MinMonths is what the profile asks; Months what was proven: whole
	// months of the union of the periods counted.
	MinMonths int `json:"min_months"`
	Months    int `json:"months"`
	// Credentials is how many distinct credentials counted.
	Credentials int `json:"credentials"`
}

// GapSkill is an ESCO skill a requirement stands for that was not proven.
type GapSkill struct {
	Skill       string `json:"skill"`
	Label       Text   `json:"label"`
	Requirement string `json:"requirement"`
	Required    bool   `json:"required"`
}

// Result is the outcome of evaluating a profile.
type Result struct {
	Profile        string  `json:"profile"`
	ProfileVersion string  `json:"profile_version"`
	Outcome        Outcome `json:"outcome"`
	// Score is the weighted share of requirements met, 0–1.
	Score        float64             `json:"score"`
	Requirements []RequirementResult `json:"requirements"`
	// Gap lists the skills of requirements not met, in profile order.
	Gap []GapSkill `json:"gap"`
}

// Evaluate decides each requirement against creds. For each requirement
// and each credential of one of its types, in order: the issuer must be
// trusted (the requirement's trusted_issuers, when listed, and
// Options.Trusted, when set); when min_assurance or max_age applies, the
// provenance claims disclosed and well-formed, the assessment date not in
// the future, the evidence not older than max_age (from its assessment
// date, or its issue date when the type states none) and its assurance,
// capped at what the issuer can vouch for (Credential.SelfIssued,
// Options.IssuerAssurance), at least min_assurance; the declared claims
// present and of their declared types; then the predicate is evaluated
// within MaxPredicateCost, with today (TodayVariable) the date of Now. A
// requirement is met when one credential satisfies its predicate, not met
// when credentials were evaluated and none did, and not proven otherwise.
// An aggregate requirement sums months instead (see Aggregate and
// evaluateAggregate). Evaluate does no I/O and is safe for concurrent use.
func (p *Profile) Evaluate(creds []Credential, opts Options) *Result {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	res := &Result{Profile: p.ID, ProfileVersion: p.Version, Requirements: []RequirementResult{}, Gap: []GapSkill{}}
	var total, met float64
	accepted := true
	seenGap := map[string]bool{}
	for i := range p.Requirements {
		r := &p.Requirements[i]
		var rr RequirementResult
		if r.agg != nil {
			rr = r.evaluateAggregate(creds, now, &opts)
		} else {
			rr = r.evaluate(creds, now, &opts)
		}
		w := r.EffectiveWeight()
		total += w
		if rr.Status == StatusMet {
			met += w
			res.Requirements = append(res.Requirements, rr)
			continue
		}
		if r.Required {
			accepted = false
		}
		for _, s := range r.Skills {
			if seenGap[s] {
				continue
			}
			seenGap[s] = true
			g := GapSkill{Skill: s, Requirement: r.ID, Required: r.Required, Label: Text{}}
			if sk, ok := ppp.ESCOSkill(s); ok {
				// No Dutch label when ESCO has none: readers show the
				// English one marked as English.
				g.Label = Text{"en": sk.LabelEn}
				if sk.LabelNl != "" {
					g.Label["nl"] = sk.LabelNl
				}
			}
			res.Gap = append(res.Gap, g)
		}
		res.Requirements = append(res.Requirements, rr)
	}
	if total > 0 {
		res.Score = met / total
	}
	if res.Score < p.MinScore {
		accepted = false
	}
	res.Outcome = OutcomeRefused
	if accepted {
		res.Outcome = OutcomeAccepted
	}
	return res
}

// reasonRank orders the reasons a requirement can be not proven for, so the
// most telling one is reported.
// A hostile or broken credential (an assessment in the future, claims of
// the wrong type) outranks a weak or stale one, so the holder learns of
// it; a weak one outranks a stale one, as it came closer.
var reasonRank = map[Reason]int{
	ReasonNoCredential: 0, ReasonUntrustedIssuer: 1, ReasonTooOld: 2, ReasonAssuranceTooLow: 3,
	ReasonClaimsMissing: 4, ReasonAssessedInFuture: 5, ReasonClaimsInvalid: 6, ReasonEvaluation: 7,
}

func (r *Requirement) evaluate(creds []Credential, now time.Time, opts *Options) RequirementResult {
	rr := RequirementResult{
		ID: r.ID, Title: r.Title, Required: r.Required, Weight: r.EffectiveWeight(),
		Status: StatusNotProven, Reason: ReasonNoCredential, Evidence: []Evidence{},
	}
	var considered []Evidence
	for _, c := range r.alts {
		for _, cred := range creds {
			if cred.VCT != c.typ.VCT || (cred.For != nil && !slices.Contains(cred.For, r.ID)) || !c.relevant(cred) {
				continue
			}
			ev := Evidence{Credential: cred.ID, Type: c.typ.Name, VCT: cred.VCT, Issuer: cred.Issuer, IssuedAt: cred.IssuedAt.UTC()}
			ev.Reason = r.check(c, cred, now, opts, &ev)
			if ev.Reason == ReasonSatisfied {
				rr.Status, rr.Reason, rr.Evidence = StatusMet, ReasonSatisfied, []Evidence{ev}
				return rr
			}
			considered = append(considered, ev)
		}
	}
	rr.Evidence = append(rr.Evidence, considered...)
	for _, ev := range considered {
		if ev.Reason == ReasonNotSatisfied {
			rr.Status, rr.Reason = StatusNotMet, ReasonNotSatisfied
			return rr
		}
		if reasonRank[ev.Reason] > reasonRank[rr.Reason] {
			rr.Reason = ev.Reason
		}
	}
	return rr
}

// relevant reports whether a credential can be about this alternative at
// all: each claim whose values the predicate fixes (skill == "…") has, when
// disclosed, one of those values. A skill credential for another skill is
// no evidence for or against a requirement.
func (c *compiled) relevant(cred Credential) bool {
	for name, vals := range c.values {
		v, ok := cred.Claims[name]
		if !ok {
			continue
		}
		cv, err := celValue(c.kinds[name], v, 0)
		if err != nil {
			continue
		}
		if !slices.Contains(vals, cv) {
			return false
		}
	}
	return true
}

// check runs the checks on one credential and, if they pass, the
// predicate, filling ev.Claims with the values read.
func (r *Requirement) check(c *compiled, cred Credential, now time.Time, opts *Options, ev *Evidence) Reason {
	if !r.trusts(cred, c.typ.Name, opts) {
		return ReasonUntrustedIssuer
	}
	if reason := c.rules.weigh(c.typ.Name, cred, now, opts, ev); reason != "" {
		return reason
	}
	vars := make(map[string]any, len(c.alt.Claims)+1)
	for _, name := range c.alt.Claims {
		v, ok := cred.Claims[name]
		if !ok {
			return ReasonClaimsMissing
		}
		cv, err := celValue(c.kinds[name], v, 0)
		if err != nil {
			return ReasonClaimsInvalid
		}
		vars[name] = cv
	}
	claims := maps.Clone(vars)
	vars[TodayVariable] = ppp.DateOf(now).String()
	out, _, err := c.prg.Eval(vars)
	if err != nil {
		return ReasonEvaluation
	}
	b, ok := out.(types.Bool)
	if !ok {
		return ReasonEvaluation
	}
	ev.Claims = claims
	if b {
		return ReasonSatisfied
	}
	return ReasonNotSatisfied
}

// trusts reports whether the requirement and the trust list trust the
// issuer of cred for typeName.
func (r *Requirement) trusts(cred Credential, typeName string, opts *Options) bool {
	if len(r.TrustedIssuers) > 0 && !slices.Contains(r.TrustedIssuers, cred.Issuer) {
		return false
	}
	return opts.Trusted == nil || opts.Trusted(cred.trustID(), typeName)
}
