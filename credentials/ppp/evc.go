package ppp

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// ErrReview reports an EVC review that cannot become a certificate: a
// competence that is not in the portfolio, a level off the scale, nothing
// recognised. It belongs to the CLAIM class through ErrInvalidClaims.
var ErrReview = fmt.Errorf("%w: EVC review", ErrInvalidClaims)

// The kinds of ErrReview a desk tells its assessor apart; each wraps
// ErrReview.
var (
	// ErrReviewNames: the provider or the assessor is not named.
	ErrReviewNames = fmt.Errorf("%w: name the provider and the assessor", ErrReview)
	// ErrReviewLevel: a competence proven (in part) has no level 1–5.
	ErrReviewLevel = fmt.Errorf("%w: a level (1–5) is missing", ErrReview)
	// ErrReviewTooLong: a remark with its interview note is too long.
	ErrReviewTooLong = fmt.Errorf("%w: a remark and interview note are longer than 1800 characters", ErrReview)
	// ErrReviewNothing: no competence is recognised.
	ErrReviewNothing = fmt.Errorf("%w: no competence is recognised; an Ervaringscertificaat needs at least one", ErrReview)
)

// The results of one competence in an EVC review.
const (
	ReviewProven = "proven" // fully shown
	ReviewPartly = "partly" // shown in part: the rest goes into the learning plan
	ReviewNot    = "not"    // not shown
)

// CompetenceReview is the assessor's judgment of one portfolio entry.
type CompetenceReview struct {
	// Skill is the entry's ESCO skill.
	Skill string `json:"skill"`
	// Result is ReviewProven, ReviewPartly or ReviewNot.
	Result string `json:"result"`
	// Proficiency is the level found (1–5); required unless not proven.
	Proficiency Proficiency `json:"proficiency,omitempty"`
	// Remark and InterviewNote are the assessor's words: the remark on
	// the evidence, and the note of the criterion-based interview. They
	// go into the evidence of the skill credential.
	Remark        string `json:"remark,omitempty"`
	InterviewNote string `json:"interview_note,omitempty"`
}

// EVCReview is an assessor's review of a portfolio.
type EVCReview struct {
	Provider    string             `json:"provider"`
	Assessor    string             `json:"assessor"`
	AssessedOn  Date               `json:"assessed_on"`
	Competences []CompetenceReview `json:"competences"`
}

// Recognise turns a portfolio and its review into an Ervaringscertificaat
// and a skill credential for every competence proven in full (method
// portfolio_review, assurance evc-provider, the remark and interview note
// as evidence). Only the portfolio's own competences can be recognised,
// each once; a competence the review leaves out is not recognised. Both
// outputs validate as their PPP types. Problems are ErrReview.
func Recognise(p *PortfolioClaims, r EVCReview) (*ErvaringscertificaatClaims, []SkillClaims, error) {
	if p == nil || len(p.Entries) == 0 {
		return nil, nil, fmt.Errorf("%w: the portfolio has no entries", ErrReview)
	}
	var errs []error
	if strings.TrimSpace(r.Provider) == "" || strings.TrimSpace(r.Assessor) == "" {
		errs = append(errs, ErrReviewNames)
	}
	if r.AssessedOn.Before(p.PreparedOn) {
		errs = append(errs, fmt.Errorf("%w: assessed on %s, before the portfolio was prepared (%s)", ErrReview, r.AssessedOn, p.PreparedOn))
	}
	entries := map[string]PortfolioEntry{}
	for _, e := range p.Entries {
		entries[e.Skill] = e
	}
	cert := &ErvaringscertificaatClaims{
		Standard: p.Standard, StandardKind: p.StandardKind, StandardLabel: p.StandardLabel,
		Provider: r.Provider, Assessor: r.Assessor, AssessedOn: r.AssessedOn,
		Method: MethodPortfolioReview, Assurance: AssuranceEVCProvider,
	}
	var skills []SkillClaims
	seen := map[string]bool{}
	for _, c := range r.Competences {
		e, ok := entries[c.Skill]
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("%w: skill %s is not in the portfolio", ErrReview, c.Skill))
			continue
		case seen[c.Skill]:
			errs = append(errs, fmt.Errorf("%w: skill %s is reviewed twice", ErrReview, c.Skill))
			continue
		case utf8.RuneCountInString(c.Remark)+utf8.RuneCountInString(c.InterviewNote) > 1800:
			errs = append(errs, fmt.Errorf("%w (%s)", ErrReviewTooLong, e.SkillLabel))
			continue
		}
		seen[c.Skill] = true
		switch c.Result {
		case ReviewNot:
			continue
		case ReviewProven, ReviewPartly:
		default:
			errs = append(errs, fmt.Errorf("%w: result %q of %s (want proven, partly or not)", ErrReview, c.Result, e.SkillLabel))
			continue
		}
		if !c.Proficiency.Valid() {
			errs = append(errs, fmt.Errorf("%w for %s", ErrReviewLevel, e.SkillLabel))
			continue
		}
		cert.Skills = append(cert.Skills, c.Skill)
		cert.Competences = append(cert.Competences, EVCCompetence{Skill: c.Skill, SkillLabel: e.SkillLabel, Proficiency: c.Proficiency, Result: CompetenceResult(c.Result)})
		if c.Result != ReviewProven {
			continue
		}
		sc := SkillClaims{Skill: c.Skill, SkillLabel: e.SkillLabel, Proficiency: c.Proficiency, AssessedOn: r.AssessedOn,
			Method: MethodPortfolioReview, Assurance: AssuranceEVCProvider}
		var ev []string
		for _, s := range []string{c.Remark, c.InterviewNote} {
			if s = strings.TrimSpace(s); s != "" {
				ev = append(ev, s)
			}
		}
		sc.Evidence = strings.Join(ev, " — ")
		skills = append(skills, sc)
	}
	if len(errs) == 0 && len(cert.Competences) == 0 {
		errs = append(errs, ErrReviewNothing)
	}
	if len(errs) > 0 {
		return nil, nil, errors.Join(errs...)
	}
	// What the issuer will check: a name too long, a date in the future.
	if err := validateAs(TypeErvaringscertificaat, cert); err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrReview, err)
	}
	for _, sc := range skills {
		if err := validateAs(TypeSkill, sc); err != nil {
			return nil, nil, fmt.Errorf("%w: %w", ErrReview, err)
		}
	}
	return cert, skills, nil
}

// validateAs validates a claims struct as the PPP type typ.
func validateAs(typ string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return Validate(typ, b)
}
