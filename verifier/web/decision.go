package web

import (
	"fmt"
	"net/url"
	"slices"

	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/credentials/profile"
	"github.com/loopbrug/paspoort/verifier"
)

// decisionPage is a decision as the admissions officer or recruiter reads
// it: the outcome in the profile's own words, each requirement with the
// evidence by organisation, date and values, the gap in Dutch ESCO labels
// and the plan.
type decisionPage struct {
	Outcome      string
	Accepted     bool
	Score        float64
	Requirements []requirementRow
	Gap          []gapItem
	Plan         *profile.LearningPlan
	Onboarding   bool
	Rejected     []verifier.Rejection
}

type requirementRow struct {
	Title    string
	Required bool
	Status   profile.Status
	// Total is an aggregate's sum in words: "36 maanden als sportcoach,
	// uit 2 bewijzen"; empty for other requirements.
	Total    string
	Evidence []evidenceItem
}

type evidenceItem struct {
	// Issuer is empty for an aggregate's evidence: the employers show
	// only as the employer claims the holder chose to disclose.
	Type, Issuer, Date string
	// Provenance says who established it and when, when the profile
	// weighed it: "vastgesteld door een assessor, maart 2026".
	Provenance string
	Values     []ppp.Value
	// IssuerID and VCT are technical details.
	IssuerID, VCT string
}

type gapItem struct {
	Label   string
	English bool
}

func decisionView(d *verifier.Decision, p *profile.Profile, names map[string]string, lang string) decisionPage {
	t := texts[lang]
	v := decisionPage{Accepted: d.Outcome == profile.OutcomeAccepted, Score: d.Score, Plan: d.LearningPlan,
		Onboarding: d.PlanKind == "onboarding_plan", Rejected: d.Rejected}
	hiring := p != nil && p.Kind == profile.KindHiring
	switch {
	case v.Accepted && hiring:
		v.Outcome = t["hired"]
	case v.Accepted:
		v.Outcome = t["admitted"]
	case hiring:
		v.Outcome = t["not_hired"]
	default:
		v.Outcome = t["not_admitted"]
	}
	for _, r := range d.Requirements {
		row := requirementRow{Title: r.Title.Get(lang), Required: r.Required, Status: r.Status}
		if a := r.Aggregate; a != nil {
			row.Total = aggregateTotal(a, lang)
		}
		for _, ev := range r.Evidence {
			if ev.Claims == nil {
				continue
			}
			it := evidenceItem{Type: typeName(ev.VCT, ev.Type, lang), Issuer: names[ev.Issuer], Date: ppp.FormatDate(ev.IssuedAt, lang), IssuerID: ev.Issuer, VCT: ev.VCT}
			if it.Issuer == "" {
				it.Issuer = hostOf(ev.Issuer)
			}
			if r.Aggregate != nil {
				it.Issuer = ""
			}
			if ev.Assurance != "" {
				it.Provenance = ppp.Provenance{Assurance: ev.Assurance, AssessedOn: ev.AssessedOn}.Describe(lang)
			}
			keys := make([]string, 0, len(ev.Claims))
			for k := range ev.Claims {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				it.Values = append(it.Values, ppp.Describe(ev.VCT, "/"+k, ev.Claims[k], lang))
			}
			row.Evidence = append(row.Evidence, it)
		}
		v.Requirements = append(v.Requirements, row)
	}
	for _, g := range d.Gap {
		v.Gap = append(v.Gap, gapItem{Label: g.Label.Get(lang), English: lang != "en" && g.Label[lang] == "" && g.Label["en"] != ""})
	}
	return v
}

// aggregateTotal says what an aggregate added up, as a person reads it:
// "36 maanden als sportcoach, uit 2 bewijzen".
func aggregateTotal(a *profile.AggregateTotal, lang string) string {
	t := texts[lang]
	occ := a.Occupation
	if o, ok := ppp.ESCOOccupation(a.Occupation); ok {
		occ = o.LabelEn
		if lang == "nl" && o.LabelNl != "" {
			occ = o.LabelNl
		}
	}
	months, creds := t["months"], t["credentials"]
	if a.Months == 1 {
		months = t["month"]
	}
	if a.Credentials == 1 {
		creds = t["credential"]
	}
	return fmt.Sprintf("%d %s %s %s, %s %d %s", a.Months, months, t["as"], occ, t["out_of"], a.Credentials, creds)
}

// typeName is a credential type's name in lang.
func typeName(vct, name, lang string) string {
	if t, ok := ppp.LookupVCT(vct); ok {
		if d, ok := t.Display[lang]; ok && d.Name != "" {
			return d.Name
		}
	}
	return name
}

// hostOf is the host of a URL, or the URL when it has none.
func hostOf(u string) string {
	if p, err := url.Parse(u); err == nil && p.Hostname() != "" {
		return p.Hostname()
	}
	return u
}
