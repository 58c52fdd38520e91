package profile

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/loopbrug/paspoort/credentials/ppp"
)

// aggregateClaims are the claims an experience aggregate reads: the
// occupation and the period, nothing about the employer or the role.
var aggregateClaims = []string{"occupation", "start_date", "end_date", "ongoing"}

// aggregateChoice is the claim a holder may choose to add to an
// aggregate's evidence; the evaluation never needs it.
const aggregateChoice = "employer"

// compiledAggregate is an aggregate requirement, ready to evaluate.
type compiledAggregate struct {
	typ        ppp.Type
	occupation string
	minMonths  int
	rules      rules
}

// compileAggregate checks an aggregate (what the schema cannot: the ESCO
// occupation, the assurance and the maximum age) and resolves its rules.
func compileAggregate(d *document, path []string, r *Requirement) (*compiledAggregate, []FieldError) {
	at := func(rest ...string) []string { return append(slices.Clone(path), rest...) }
	a := r.Aggregate
	var out []FieldError
	if a.Type != AggregateExperience {
		out = append(out, d.field(at("type"), fmt.Sprintf("unknown aggregate type %q (want experience)", a.Type)))
	}
	if _, ok := ppp.ESCOOccupation(a.Occupation); !ok {
		out = append(out, d.field(at("occupation"), "ESCO occupation not in the shipped subset"))
	}
	if a.MinMonths < 1 {
		out = append(out, d.field(at("min_months"), "at least one month"))
	}
	t, _ := ppp.Lookup(ppp.TypeExperience)
	ru, fields := compileRules(d, path, r, t, a.MinAssurance, a.MaxAge, aggregateClaims)
	out = append(out, fields...)
	if len(out) > 0 {
		return nil, out
	}
	return &compiledAggregate{typ: t, occupation: a.Occupation, minMonths: a.MinMonths, rules: ru}, nil
}

// needs is what an aggregate asks: from each experience credential (many
// may answer) the occupation, fixed to the profile's, the start date, the
// end date when the job has ended, the provenance claims when
// min_assurance or max_age applies, and — only if the holder chooses —
// the employer.
func (a *compiledAggregate) needs() AlternativeNeeds {
	an := AlternativeNeeds{Type: a.typ.Name, VCT: a.typ.VCT, Multiple: true}
	an.Claims = append(an.Claims,
		ClaimNeed{Path: []string{"occupation"}, Values: []any{a.occupation}},
		ClaimNeed{Path: []string{"start_date"}},
		ClaimNeed{Path: []string{"end_date"}, Optional: true},
		ClaimNeed{Path: []string{"ongoing"}, Optional: true},
	)
	an.Claims = append(an.Claims, a.rules.needs()...)
	an.Claims = append(an.Claims, ClaimNeed{Path: []string{aggregateChoice}, HolderChoice: true})
	return an
}

// period is a span of days, both ends included.
type period struct{ from, to ppp.Date }

// evaluateAggregate sums the experience of creds in the aggregate's
// occupation. A credential counts when its issuer is trusted, the rules
// (min_assurance, max_age) pass, and its occupation and start_date are
// disclosed and well-formed; a credential for another occupation is no
// evidence either way and is passed over. The periods are clipped to
// today (a lasting job, "ongoing", counts until the credential's issue
// date; one that discloses neither end_date nor ongoing does not count;
// one starting after today counts nothing) and merged where they overlap or touch, so no
// day counts twice — the same credential presented twice, or a period
// covered by two employers, adds nothing. Months are counted as whole
// calendar months per merged period, from its first day to the day after
// its last: 1 March–31 May is 3 months, 15 March–14 April is 1, 15 March–
// 13 April is 0. The requirement is met at MinMonths or more, not met when
// some credential counted but too few months, and not proven otherwise.
func (r *Requirement) evaluateAggregate(creds []Credential, now time.Time, opts *Options) RequirementResult {
	a := r.agg
	rr := RequirementResult{
		ID: r.ID, Title: r.Title, Required: r.Required, Weight: r.EffectiveWeight(),
		Status: StatusNotProven, Reason: ReasonNoCredential, Evidence: []Evidence{},
		Aggregate: &AggregateTotal{Type: AggregateExperience, Occupation: a.occupation, MinMonths: a.minMonths},
	}
	today := ppp.DateOf(now)
	var periods []period
	var counted, considered []Evidence
	seen := map[string]bool{}
	for _, cred := range creds {
		if cred.VCT != a.typ.VCT || (cred.For != nil && !slices.Contains(cred.For, r.ID)) {
			continue
		}
		if occ, ok := cred.Claims["occupation"]; ok && occ != a.occupation {
			continue
		}
		ev := Evidence{Credential: cred.ID, Type: a.typ.Name, VCT: cred.VCT, Issuer: cred.Issuer, IssuedAt: cred.IssuedAt.UTC()}
		p, reason := r.countable(cred, now, today, opts, &ev)
		ev.Reason = reason
		if reason != ReasonCounted {
			considered = append(considered, ev)
			continue
		}
		if today.Before(p.from) { // a job yet to start proves nothing
			ev.Reason = ReasonNotSatisfied
			considered = append(considered, ev)
			continue
		}
		if cred.ID != "" {
			if seen[cred.ID] {
				continue
			}
			seen[cred.ID] = true
		}
		counted = append(counted, ev)
		p.to = minDate(p.to, today)
		periods = append(periods, p)
	}
	rr.Aggregate.Months = unionMonths(periods)
	rr.Aggregate.Credentials = len(counted)
	rr.Evidence = append(append(rr.Evidence, counted...), considered...)
	switch {
	case len(counted) > 0 && rr.Aggregate.Months >= a.minMonths:
		rr.Status, rr.Reason = StatusMet, ReasonSatisfied
	case len(counted) > 0:
		rr.Status, rr.Reason = StatusNotMet, ReasonNotSatisfied
	default:
		for _, ev := range considered {
			if reasonRank[ev.Reason] > reasonRank[rr.Reason] {
				rr.Reason = ev.Reason
			}
		}
	}
	return rr
}

// countable checks one experience credential for an aggregate and returns
// its period with ReasonCounted, or the reason it does not count.
func (r *Requirement) countable(cred Credential, now time.Time, today ppp.Date, opts *Options, ev *Evidence) (period, Reason) {
	a := r.agg
	if !r.trusts(cred, a.typ.Name, opts) {
		return period{}, ReasonUntrustedIssuer
	}
	if reason := a.rules.weigh(a.typ.Name, cred, now, opts, ev); reason != "" {
		return period{}, reason
	}
	occ, okOcc := cred.Claims["occupation"]
	start, okStart := cred.Claims["start_date"]
	if !okOcc || !okStart {
		return period{}, ReasonClaimsMissing
	}
	claims := map[string]any{"occupation": occ, "start_date": start}
	var p period
	var err error
	s, ok := start.(string)
	if !ok {
		return period{}, ReasonClaimsInvalid
	}
	if p.from, err = ppp.ParseDate(s); err != nil {
		return period{}, ReasonClaimsInvalid
	}
	// A credential says either when the job ended or that it was still
	// going on when issued; one that discloses neither does not count, so
	// that withholding the end date of a job that ended gains nothing. A
	// lasting job counts until the credential's issue date: what the
	// employer attested.
	switch end, ongoing := cred.Claims["end_date"], cred.Claims["ongoing"]; {
	case end != nil:
		s, ok := end.(string)
		if !ok {
			return period{}, ReasonClaimsInvalid
		}
		if p.to, err = ppp.ParseDate(s); err != nil || p.to.Before(p.from) {
			return period{}, ReasonClaimsInvalid
		}
		claims["end_date"] = s
	case ongoing == true:
		if cred.IssuedAt.IsZero() {
			return period{}, ReasonClaimsMissing
		}
		p.to = minDate(ppp.DateOf(cred.IssuedAt.UTC()), today)
		claims["ongoing"] = true
	case ongoing != nil:
		return period{}, ReasonClaimsInvalid
	default:
		return period{}, ReasonClaimsMissing
	}
	if emp, ok := cred.Claims[aggregateChoice].(string); ok {
		claims[aggregateChoice] = emp
	}
	ev.Claims = claims
	return p, ReasonCounted
}

// unionMonths merges periods that overlap or touch and sums the whole
// months of each merged period.
func unionMonths(ps []period) int {
	if len(ps) == 0 {
		return 0
	}
	ps = slices.Clone(ps)
	slices.SortFunc(ps, func(x, y period) int { return cmp.Or(x.from.Compare(y.from), x.to.Compare(y.to)) })
	total := 0
	cur := ps[0]
	for _, p := range ps[1:] {
		if !nextDay(cur.to).Before(p.from) { // overlaps or touches
			cur.to = maxDate(cur.to, p.to)
			continue
		}
		total += wholeMonths(cur.from, nextDay(cur.to))
		cur = p
	}
	return total + wholeMonths(cur.from, nextDay(cur.to))
}

// wholeMonths counts the whole calendar months from from up to (not
// including) until.
func wholeMonths(from, until ppp.Date) int {
	m := (until.Year-from.Year)*12 + int(until.Month) - int(from.Month)
	if until.Day < from.Day {
		m--
	}
	return max(m, 0)
}

func nextDay(d ppp.Date) ppp.Date { return ppp.DateOf(d.Time().AddDate(0, 0, 1)) }

func minDate(a, b ppp.Date) ppp.Date {
	if b.Before(a) {
		return b
	}
	return a
}

func maxDate(a, b ppp.Date) ppp.Date {
	if a.Before(b) {
		return b
	}
	return a
}
