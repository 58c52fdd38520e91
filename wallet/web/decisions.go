package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/internal/webguard"
	"github.com/loopbrug/paspoort/wallet"
)

// decisionTexts are the texts of the "Besluiten" pages. Their keys start
// with "dec_" and are merged into texts by init.
var decisionTexts = map[string]map[string]string{
	"nl": {
		"dec_nav": "Besluiten", "dec_title": "Besluiten",
		"dec_intro": "Hier staan de besluiten die scholen en werkgevers over u namen, met hun handtekening. U kunt ze ook zonder internet bekijken.",
		"dec_none":  "U heeft nog geen besluiten. Een besluit komt binnen als u gegevens deelt met een school of werkgever.",
		"dec_date":  "Datum", "dec_who": "Organisatie", "dec_for": "Waarvoor", "dec_outcome": "Uitkomst", "dec_open": "Bekijk",
		"dec_accepted.admission": "Toegelaten", "dec_refused.admission": "Niet toegelaten",
		"dec_accepted.hiring": "Aangenomen", "dec_refused.hiring": "Niet aangenomen",
		"dec_accepted": "Goedgekeurd", "dec_refused": "Afgewezen",
		"dec_from": "Besluit van %s, %s", "dec_purpose": "Doel", "dec_score": "Score",
		"dec_requirements": "Eisen", "dec_requirement": "Eis", "dec_status": "Uitkomst", "dec_why": "Waarom",
		"dec_required": "verplicht", "dec_optional": "niet verplicht",
		"dec_met": "voldaan", "dec_not_met": "niet voldaan", "dec_not_proven": "niet aangetoond",
		"dec_reason.predicate_satisfied":     "Uw bewijs laat zien dat u hieraan voldoet.",
		"dec_reason.predicate_not_satisfied": "Uw bewijs laat zien dat u hier nog niet aan voldoet.",
		"dec_reason.no_credential":           "U heeft hiervoor geen bewijs gedeeld.",
		"dec_reason.untrusted_issuer":        "De organisatie die uw bewijs gaf, wordt hiervoor niet erkend.",
		"dec_reason.too_old":                 "Uw bewijs is te oud.",
		"dec_reason.claims_missing":          "Een gegeven dat nodig is, is niet gedeeld.",
		"dec_reason.claims_invalid":          "Een gegeven in uw bewijs is niet bruikbaar.",
		"dec_reason.evaluation_failed":       "Dit kon niet worden beoordeeld.",
		"dec_gap":                            "Wat u nog moet leren", "dec_english": "(Engels)",
		"dec_plan.learning_plan": "Uw leerplan", "dec_plan.onboarding_plan": "Uw inwerkplan",
		"dec_programme": "Opleiding", "dec_module": "Module", "dec_studyload": "Studielast", "dec_start": "Start",
		"dec_total": "Totale studielast", "dec_intake": "Eerstvolgende start", "dec_uncovered": "Hiervoor is (nog) geen module",
		"dec_ec": "%s EC", "dec_rejected": "Niet gebruikt: %d bewijs(stukken) konden niet worden gecontroleerd.",
		"dec_check":     "Controleer handtekening",
		"dec_check_ok":  "Handtekening klopt: dit besluit is ondertekend door %s op %s.",
		"dec_check_bad": "De handtekening klopt niet (%s). Dit besluit is na het ondertekenen veranderd, of het is niet door %s ondertekend. Vertrouw het niet; vraag de organisatie om het besluit opnieuw.",
		"dec_notfound":  "Dit besluit staat niet in uw wallet. Kies een besluit uit de lijst.",
		"dec_unknown":   "onbekende organisatie",
		"dec_tech":      "Technische details", "dec_did": "DID van de organisatie", "dec_kid": "Sleutel", "dec_receipt": "Ondertekend besluit",
		"dec_profile": "Profiel en versie", "dec_tx": "Transactie",
		"dec_back": "Alle besluiten",
	},
	"en": {
		"dec_nav": "Decisions", "dec_title": "Decisions",
		"dec_intro": "These are the decisions schools and employers took about you, with their signatures. You can read them without internet.",
		"dec_none":  "You have no decisions yet. A decision arrives when you share with a school or employer.",
		"dec_date":  "Date", "dec_who": "Organisation", "dec_for": "For", "dec_outcome": "Outcome", "dec_open": "Open",
		"dec_accepted.admission": "Admitted", "dec_refused.admission": "Not admitted",
		"dec_accepted.hiring": "Hired", "dec_refused.hiring": "Not hired",
		"dec_accepted": "Accepted", "dec_refused": "Refused",
		"dec_from": "Decision of %s, %s", "dec_purpose": "Purpose", "dec_score": "Score",
		"dec_requirements": "Requirements", "dec_requirement": "Requirement", "dec_status": "Outcome", "dec_why": "Why",
		"dec_required": "required", "dec_optional": "optional",
		"dec_met": "met", "dec_not_met": "not met", "dec_not_proven": "not proven",
		"dec_reason.predicate_satisfied":     "Your evidence shows that you meet this.",
		"dec_reason.predicate_not_satisfied": "Your evidence shows that you do not meet this yet.",
		"dec_reason.no_credential":           "You did not share evidence for this.",
		"dec_reason.untrusted_issuer":        "The organisation that gave your evidence is not recognised for this.",
		"dec_reason.too_old":                 "Your evidence is too old.",
		"dec_reason.claims_missing":          "A detail that is needed was not shared.",
		"dec_reason.claims_invalid":          "A detail in your evidence cannot be used.",
		"dec_reason.evaluation_failed":       "This could not be assessed.",
		"dec_gap":                            "What you still need to learn", "dec_english": "",
		"dec_plan.learning_plan": "Your learning plan", "dec_plan.onboarding_plan": "Your onboarding plan",
		"dec_programme": "Programme", "dec_module": "Module", "dec_studyload": "Study load", "dec_start": "Starts",
		"dec_total": "Total study load", "dec_intake": "Next start", "dec_uncovered": "No module (yet) for",
		"dec_ec": "%s EC", "dec_rejected": "Not used: %d piece(s) of evidence could not be checked.",
		"dec_check":     "Check signature",
		"dec_check_ok":  "Signature valid: this decision was signed by %s on %s.",
		"dec_check_bad": "The signature is not valid (%s). This decision was changed after signing, or was not signed by %s. Do not rely on it; ask the organisation for the decision again.",
		"dec_notfound":  "This decision is not in your wallet. Choose one from the list.",
		"dec_unknown":   "unknown organisation",
		"dec_tech":      "Technical details", "dec_did": "Organisation's DID", "dec_kid": "Key", "dec_receipt": "Signed decision",
		"dec_profile": "Profile and version", "dec_tx": "Transaction",
		"dec_back": "All decisions",
	},
}

func init() {
	for l, m := range decisionTexts {
		for k, v := range m {
			texts[l][k] = v
		}
	}
}

var dutchMonths = [...]string{"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"}

// longDate is "1 februari 2026" (nl) or "1 February 2026" (en).
func longDate(l string, y int, m time.Month, day int) string {
	if l == "en" {
		return fmt.Sprintf("%d %s %d", day, m, y)
	}
	return fmt.Sprintf("%d %s %d", day, dutchMonths[m-1], y)
}

func dayOf(l string, d ppp.Date) string {
	t, err := time.Parse(time.DateOnly, d.String())
	if err != nil {
		return d.String()
	}
	return longDate(l, t.Year(), t.Month(), t.Day())
}

func ecText(l string, v float64) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if l == "nl" {
		s = strings.ReplaceAll(s, ".", ",")
	}
	return fmt.Sprintf(texts[l]["dec_ec"], s)
}

// decisionRow is one line of the list.
type decisionRow struct {
	ID, Date, Org, Title, Outcome string
	Accepted                      bool
}

// decisionView is one decision as the page shows it.
type decisionView struct {
	decisionRow
	From, Purpose, Score string
	Requirements         []requirementView
	Gap                  []labelView
	Plan                 *planView
	Rejected             string
	Check                *checkView
	Tech                 techView
}

type requirementView struct {
	Title, Status, Class, Why string
	Required                  bool
}

// labelView is an ESCO label; English marks an English one on a Dutch page.
type labelView struct {
	Label   string
	English bool
}

type planView struct {
	Heading, Institution, Programme, Total, Intake string
	Modules                                        []moduleView
	Uncovered                                      []labelView
}

type moduleView struct{ Code, Title, StudyLoad, Start string }

type checkView struct {
	OK      bool
	Message string
}

type techView struct{ DID, KeyID, Receipt, Profile, Jti string }

func outcomeOf(l string, p *wallet.DecisionPayload) string {
	if s, ok := texts[l]["dec_"+p.Outcome+"."+p.Kind]; ok {
		return s
	}
	return texts[l]["dec_"+p.Outcome]
}

func orgOf(l string, p *wallet.Presentation) string {
	if n := p.OrganisationName(); n != "" {
		return n
	}
	return texts[l]["dec_unknown"]
}

func rowOf(l string, p *wallet.Presentation) decisionRow {
	pl := &p.Decision.Payload
	t := p.Decision.SignedAt().Local()
	return decisionRow{ID: p.ID, Date: longDate(l, t.Year(), t.Month(), t.Day()), Org: orgOf(l, p), Title: pl.Title.Get(l),
		Outcome: outcomeOf(l, pl), Accepted: pl.Outcome == wallet.OutcomeAccepted}
}

func gapLabel(l string, g wallet.DecisionGap) labelView {
	s, english := g.LabelIn(l)
	return labelView{Label: s, English: english}
}

func viewOf(l string, p *wallet.Presentation) decisionView {
	pl := &p.Decision.Payload
	v := decisionView{decisionRow: rowOf(l, p), Purpose: pl.Purpose.Get(l), Score: fmt.Sprintf("%.0f%%", pl.Score*100),
		Tech: techView{DID: p.Decision.Verifier, KeyID: p.Decision.KeyID, Receipt: p.Decision.Receipt, Profile: pl.Profile + " " + pl.ProfileVersion, Jti: pl.Jti}}
	v.From = fmt.Sprintf(texts[l]["dec_from"], v.Org, v.Date)
	for _, r := range pl.Requirements {
		v.Requirements = append(v.Requirements, requirementView{Title: r.Title.Get(l), Status: texts[l]["dec_"+r.Status], Class: r.Status,
			Why: texts[l]["dec_reason."+r.Reason], Required: r.Required})
	}
	for _, g := range pl.Gap {
		v.Gap = append(v.Gap, gapLabel(l, g))
	}
	if lp := pl.Plan; lp != nil {
		pv := &planView{Heading: texts[l]["dec_plan."+lp.Kind], Institution: lp.Institution, Programme: lp.Programme.Get(l), Total: ecText(l, lp.StudyLoad)}
		if pv.Heading == "" {
			pv.Heading = texts[l]["dec_plan.learning_plan"]
		}
		if lp.NextIntake != nil {
			pv.Intake = dayOf(l, *lp.NextIntake)
		}
		for _, m := range lp.Modules {
			pv.Modules = append(pv.Modules, moduleView{Code: m.Code, Title: m.Title.Get(l), StudyLoad: ecText(l, m.StudyLoad), Start: dayOf(l, m.NextStart)})
		}
		for _, u := range lp.Uncovered {
			g := wallet.DecisionGap{Skill: u}
			for _, x := range pl.Gap {
				if x.Skill == u {
					g = x
				}
			}
			pv.Uncovered = append(pv.Uncovered, gapLabel(l, g))
		}
		v.Plan = pv
	}
	if n := len(pl.Rejected); n > 0 {
		v.Rejected = fmt.Sprintf(texts[l]["dec_rejected"], n)
	}
	return v
}

// decisions is the page "Besluiten": every decision, newest first.
func (d *Desk) decisions(c echo.Context, s *session, w *wallet.Wallet) error {
	l := webguard.Lang(c)
	ds, err := w.Decisions(c.Request().Context())
	if err != nil {
		return d.fail(c, s, http.StatusInternalServerError, texts[l]["e_other"], err)
	}
	rows := make([]decisionRow, 0, len(ds))
	for i := range ds {
		rows = append(rows, rowOf(l, &ds[i]))
	}
	return d.render(c, http.StatusOK, "decisions.html", s, map[string]any{"Rows": rows})
}

// decision is one decision; with ?check=1 its signature is re-checked
// offline and the result shown.
func (d *Desk) decision(c echo.Context, s *session, w *wallet.Wallet) error {
	l := webguard.Lang(c)
	ctx := c.Request().Context()
	p, err := w.Decision(ctx, c.Param("id"))
	if errors.Is(err, wallet.ErrNoDecision) || errors.Is(err, wallet.ErrAmbiguousID) {
		return d.fail(c, s, http.StatusNotFound, texts[l]["dec_notfound"], nil)
	}
	if err != nil {
		return d.fail(c, s, http.StatusInternalServerError, texts[l]["e_other"], err)
	}
	v := viewOf(l, p)
	if c.QueryParam("check") != "" {
		if _, err := w.VerifyDecision(ctx, p.ID); err != nil {
			class := credentials.ClassName(err)
			if class == "" {
				class = "SIG"
			}
			d.cfg.Logger.Info("wallet web: decision does not verify", "class", class)
			v.Check = &checkView{Message: fmt.Sprintf(texts[l]["dec_check_bad"], class, v.Org)}
		} else {
			v.Check = &checkView{OK: true, Message: fmt.Sprintf(texts[l]["dec_check_ok"], v.Org, v.Date)}
		}
	}
	return d.render(c, http.StatusOK, "decision.html", s, map[string]any{"D": v})
}
