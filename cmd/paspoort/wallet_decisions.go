package main

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/wallet"
)

// decisionTexts are the texts of the decision commands, per language.
var decisionTexts = map[string]map[string]string{
	"nl": {
		"accepted.admission": "Toegelaten", "refused.admission": "Niet toegelaten",
		"accepted.hiring": "Aangenomen", "refused.hiring": "Niet aangenomen",
		"accepted": "Goedgekeurd", "refused": "Afgewezen",
		"met": "voldaan", "not_met": "niet voldaan", "not_proven": "niet aangetoond",
		"required": "verplicht", "optional": "niet verplicht",
		"reason.predicate_satisfied":     "uw bewijs laat zien dat u hieraan voldoet",
		"reason.predicate_not_satisfied": "uw bewijs laat zien dat u hier nog niet aan voldoet",
		"reason.no_credential":           "u heeft hiervoor geen bewijs gedeeld",
		"reason.untrusted_issuer":        "de organisatie die uw bewijs gaf, wordt hiervoor niet erkend",
		"reason.too_old":                 "uw bewijs is te oud",
		"reason.claims_missing":          "een gegeven dat nodig is, is niet gedeeld",
		"reason.claims_invalid":          "een gegeven in uw bewijs is niet bruikbaar",
		"reason.evaluation_failed":       "dit kon niet worden beoordeeld",
		"head.date":                      "DATUM", "head.who": "ORGANISATIE", "head.profile": "WAARVOOR", "head.outcome": "UITKOMST", "head.id": "NUMMER",
		"none":                 "U heeft nog geen besluiten. Een besluit komt binnen als u gegevens deelt met een school of werkgever.",
		"unknown":              "onbekende organisatie",
		"outcome":              "Uitkomst",
		"score":                "Score",
		"decided":              "Besluit van %s, %s",
		"for":                  "Waarvoor",
		"purpose":              "Doel",
		"requirements":         "Eisen",
		"gap":                  "Wat u nog moet leren",
		"english":              "(Engels)",
		"plan.learning_plan":   "Leerplan",
		"plan.onboarding_plan": "Inwerkplan",
		"programme":            "Opleiding",
		"modules":              "Modules",
		"studyload":            "Studielast",
		"ec":                   "%s EC",
		"nextstart":            "start %s",
		"intake":               "Eerstvolgende start",
		"uncovered":            "Hiervoor is (nog) geen module",
		"rejected":             "Niet gebruikt: %d bewijs(stukken) konden niet worden gecontroleerd.",
		"verify.ok":            "Handtekening klopt: dit besluit is ondertekend door %s op %s.",
		"verify.bad":           "%s: de handtekening van dit besluit klopt niet. Het besluit is na het ondertekenen veranderd, of het is niet door %s ondertekend. Vertrouw dit besluit niet; vraag de organisatie om het besluit opnieuw",
		"notfound":             "FMT: er is geen besluit met nummer %q. Bekijk de nummers met 'paspoort wallet decisions'",
		"ambiguous":            "FMT: meer dan één besluit begint met %q. Typ meer tekens van het nummer (zie 'paspoort wallet decisions')",
		"present.kept":         "Besluit ontvangen van %s: %s. Bekijk het met 'paspoort wallet decision show %s'.",
		"present.notkept":      "%s: de organisatie stuurde een besluit, maar de handtekening kon niet worden gecontroleerd. Het besluit is niet bewaard; uw gegevens zijn wel gedeeld.",
		"tech":                 "Technische details",
	},
	"en": {
		"accepted.admission": "Admitted", "refused.admission": "Not admitted",
		"accepted.hiring": "Hired", "refused.hiring": "Not hired",
		"accepted": "Accepted", "refused": "Refused",
		"met": "met", "not_met": "not met", "not_proven": "not proven",
		"required": "required", "optional": "optional",
		"reason.predicate_satisfied":     "your evidence shows that you meet this",
		"reason.predicate_not_satisfied": "your evidence shows that you do not meet this yet",
		"reason.no_credential":           "you did not share evidence for this",
		"reason.untrusted_issuer":        "the organisation that gave your evidence is not recognised for this",
		"reason.too_old":                 "your evidence is too old",
		"reason.claims_missing":          "a detail that is needed was not shared",
		"reason.claims_invalid":          "a detail in your evidence cannot be used",
		"reason.evaluation_failed":       "this could not be assessed",
		"head.date":                      "DATE", "head.who": "ORGANISATION", "head.profile": "FOR", "head.outcome": "OUTCOME", "head.id": "NUMBER",
		"none":                 "You have no decisions yet. A decision arrives when you share with a school or employer.",
		"unknown":              "unknown organisation",
		"outcome":              "Outcome",
		"score":                "Score",
		"decided":              "Decision of %s, %s",
		"for":                  "For",
		"purpose":              "Purpose",
		"requirements":         "Requirements",
		"gap":                  "What you still need to learn",
		"english":              "",
		"plan.learning_plan":   "Learning plan",
		"plan.onboarding_plan": "Onboarding plan",
		"programme":            "Programme",
		"modules":              "Modules",
		"studyload":            "Study load",
		"ec":                   "%s EC",
		"nextstart":            "starts %s",
		"intake":               "Next start",
		"uncovered":            "No module (yet) for",
		"rejected":             "Not used: %d piece(s) of evidence could not be checked.",
		"verify.ok":            "Signature valid: this decision was signed by %s on %s.",
		"verify.bad":           "%s: the signature of this decision is not valid. The decision was changed after signing, or was not signed by %s. Do not rely on it; ask the organisation for the decision again",
		"notfound":             "FMT: there is no decision with number %q. See the numbers with 'paspoort wallet decisions'",
		"ambiguous":            "FMT: more than one decision starts with %q. Type more characters of the number (see 'paspoort wallet decisions')",
		"present.kept":         "Decision received from %s: %s. See it with 'paspoort wallet decision show %s'.",
		"present.notkept":      "%s: the organisation sent a decision, but its signature could not be checked. The decision was not kept; your details were shared.",
		"tech":                 "Technical details",
	},
}

var dutchMonths = []string{"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"}

// dtext returns the text key in lang (nl when lang is unknown).
func dtext(lang, key string) string {
	if m, ok := decisionTexts[lang]; ok {
		if s, ok := m[key]; ok {
			return s
		}
	}
	return decisionTexts["nl"][key]
}

// checkLang refuses a --lang other than nl or en.
func checkLang(lang string) error {
	if _, ok := decisionTexts[lang]; !ok {
		return usagef("--lang %q: choose nl (Nederlands) or en (English)", lang)
	}
	return nil
}

// longDate formats a day as "1 februari 2026" (nl) or "1 February 2026".
func longDate(lang string, y int, m time.Month, d int) string {
	if lang == "en" {
		return fmt.Sprintf("%d %s %d", d, m.String(), y)
	}
	return fmt.Sprintf("%d %s %d", d, dutchMonths[m-1], y)
}

func timeDate(lang string, t time.Time) string {
	t = t.Local()
	return longDate(lang, t.Year(), t.Month(), t.Day())
}

func pppDate(lang string, d ppp.Date) string {
	t, err := time.Parse(time.DateOnly, d.String())
	if err != nil {
		return d.String()
	}
	return longDate(lang, t.Year(), t.Month(), t.Day())
}

// ec formats a study load: "5 EC", "2,5 EC" (nl).
func ec(lang string, v float64) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if lang == "nl" {
		s = strings.ReplaceAll(s, ".", ",")
	}
	return fmt.Sprintf(dtext(lang, "ec"), s)
}

// outcomeText is the outcome in words: "Toegelaten", "Niet aangenomen".
func outcomeText(lang string, p *wallet.DecisionPayload) string {
	if s, ok := decisionTexts[lang][p.Outcome+"."+p.Kind]; ok {
		return s
	}
	return dtext(lang, p.Outcome)
}

// orgName is who decided, never a DID.
func orgName(lang string, p *wallet.Presentation) string {
	if n := p.OrganisationName(); n != "" {
		return display(n)
	}
	return dtext(lang, "unknown")
}

// decisionError turns the errors of looking up and checking a decision
// into a message with its class, what happened and what to do.
func decisionError(lang, id string, err error) error {
	switch {
	case errors.Is(err, wallet.ErrAmbiguousID):
		return &decisionFailed{msg: fmt.Sprintf(dtext(lang, "ambiguous"), display(id)), err: err}
	case errors.Is(err, wallet.ErrNoDecision):
		return &decisionFailed{msg: fmt.Sprintf(dtext(lang, "notfound"), display(id)), err: err}
	}
	return err
}

// decisionFailed is the error of a decision that does not verify: its
// message is for the holder, its chain keeps the class for errors.Is.
type decisionFailed struct {
	msg string
	err error
}

func (e *decisionFailed) Error() string { return e.msg }
func (e *decisionFailed) Unwrap() error { return e.err }

func newWalletDecisionsCommand(f *walletFlags) *cobra.Command {
	var asJSON bool
	var lang string
	cmd := &cobra.Command{
		Use:   "decisions",
		Short: "Decisions schools and employers signed for you: date, who, what for, outcome",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkLang(lang); err != nil {
				return err
			}
			w, err := f.open(cmd)
			if err != nil {
				return err
			}
			defer w.Close()
			ds, err := w.Decisions(cmd.Context())
			if err != nil {
				return err
			}
			if asJSON {
				if ds == nil {
					ds = []wallet.Presentation{}
				}
				return writeJSON(cmd, ds)
			}
			out := cmd.OutOrStdout()
			if len(ds) == 0 {
				fmt.Fprintln(out, dtext(lang, "none"))
				return nil
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", dtext(lang, "head.date"), dtext(lang, "head.who"), dtext(lang, "head.profile"), dtext(lang, "head.outcome"), dtext(lang, "head.id"))
			for i := range ds {
				p := &ds[i]
				pl := &p.Decision.Payload
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", timeDate(lang, p.Decision.SignedAt()), orgName(lang, p),
					display(pl.Title.Get(lang)), outcomeText(lang, pl), shortID(ds, p.ID))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "JSON output")
	cmd.Flags().StringVar(&lang, "lang", "nl", "language: nl or en")
	return cmd
}

// shortID returns the shortest prefix of id (at least 8 characters) that
// no other decision shares.
func shortID(ds []wallet.Presentation, id string) string {
	for n := 8; n < len(id); n++ {
		unique := true
		for _, o := range ds {
			if o.ID != id && strings.HasPrefix(o.ID, id[:n]) {
				unique = false
				break
			}
		}
		if unique {
			return id[:n]
		}
	}
	return id
}

func newWalletDecisionCommand(f *walletFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "decision",
		Short: "Show one decision or check its signature (offline)",
	}
	cmd.AddCommand(newWalletDecisionShowCommand(f), newWalletDecisionVerifyCommand(f))
	return cmd
}

func newWalletDecisionShowCommand(f *walletFlags) *cobra.Command {
	var asJSON bool
	var lang string
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show a decision: outcome, each requirement, what you still need to learn, and the plan",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkLang(lang); err != nil {
				return err
			}
			w, err := f.open(cmd)
			if err != nil {
				return err
			}
			defer w.Close()
			p, err := w.Decision(cmd.Context(), args[0])
			if err != nil {
				return decisionError(lang, args[0], err)
			}
			if asJSON {
				return writeJSON(cmd, p)
			}
			writeDecision(cmd.OutOrStdout(), lang, p)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "JSON output")
	cmd.Flags().StringVar(&lang, "lang", "nl", "language: nl or en")
	return cmd
}

// writeDecision writes one decision in plain words.
func writeDecision(out io.Writer, lang string, p *wallet.Presentation) {
	pl := &p.Decision.Payload
	fmt.Fprintf(out, dtext(lang, "decided")+"\n", orgName(lang, p), timeDate(lang, p.Decision.SignedAt()))
	fmt.Fprintf(out, "%s: %s\n", dtext(lang, "for"), display(pl.Title.Get(lang)))
	if s := pl.Purpose.Get(lang); s != "" {
		fmt.Fprintf(out, "%s: %s\n", dtext(lang, "purpose"), display(oneLine(s)))
	}
	fmt.Fprintf(out, "\n%s: %s\n", dtext(lang, "outcome"), strings.ToUpper(outcomeText(lang, pl)))
	fmt.Fprintf(out, "%s: %d%%\n", dtext(lang, "score"), int(pl.Score*100+0.5))
	if len(pl.Requirements) > 0 {
		fmt.Fprintf(out, "\n%s:\n", dtext(lang, "requirements"))
		for _, r := range pl.Requirements {
			req := dtext(lang, "optional")
			if r.Required {
				req = dtext(lang, "required")
			}
			fmt.Fprintf(out, "  - %s (%s): %s\n", display(r.Title.Get(lang)), req, strings.ToUpper(dtext(lang, r.Status)))
			if why := dtext(lang, "reason."+r.Reason); why != "" {
				fmt.Fprintf(out, "    %s\n", why)
			}
		}
	}
	if len(pl.Gap) > 0 {
		fmt.Fprintf(out, "\n%s:\n", dtext(lang, "gap"))
		for _, g := range pl.Gap {
			fmt.Fprintf(out, "  - %s\n", gapLabel(lang, g))
		}
	}
	if lp := pl.Plan; lp != nil {
		fmt.Fprintf(out, "\n%s: %s\n", dtext(lang, "plan."+lp.Kind), display(lp.Institution))
		if s := lp.Programme.Get(lang); s != "" {
			fmt.Fprintf(out, "%s: %s\n", dtext(lang, "programme"), display(s))
		}
		if len(lp.Modules) > 0 {
			fmt.Fprintf(out, "%s:\n", dtext(lang, "modules"))
			for _, m := range lp.Modules {
				fmt.Fprintf(out, "  - %s (%s, %s)\n", display(m.Title.Get(lang)), ec(lang, m.StudyLoad), fmt.Sprintf(dtext(lang, "nextstart"), pppDate(lang, m.NextStart)))
			}
		}
		fmt.Fprintf(out, "%s: %s\n", dtext(lang, "studyload"), ec(lang, lp.StudyLoad))
		if lp.NextIntake != nil {
			fmt.Fprintf(out, "%s: %s\n", dtext(lang, "intake"), pppDate(lang, *lp.NextIntake))
		}
		if len(lp.Uncovered) > 0 {
			var ls []string
			for _, u := range lp.Uncovered {
				ls = append(ls, gapLabel(lang, wallet.DecisionGap{Skill: u, Label: labelOf(pl, u)}))
			}
			fmt.Fprintf(out, "%s: %s\n", dtext(lang, "uncovered"), strings.Join(ls, "; "))
		}
	}
	if n := len(pl.Rejected); n > 0 {
		fmt.Fprintf(out, "\n"+dtext(lang, "rejected")+"\n", n)
	}
}

// labelOf finds the receipt's label of an ESCO skill in its gap.
func labelOf(pl *wallet.DecisionPayload, uri string) wallet.Text {
	for _, g := range pl.Gap {
		if g.Skill == uri {
			return g.Label
		}
	}
	return nil
}

// gapLabel is a skill's label in lang; an English label on a Dutch page is
// marked "(Engels)".
func gapLabel(lang string, g wallet.DecisionGap) string {
	l, english := g.LabelIn(lang)
	if english {
		return display(l) + " " + dtext(lang, "english")
	}
	return display(l)
}

func newWalletDecisionVerifyCommand(f *walletFlags) *cobra.Command {
	var lang string
	cmd := &cobra.Command{
		Use:   "verify ID",
		Short: "Check, offline, that a decision is unchanged and signed by the school or employer",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkLang(lang); err != nil {
				return err
			}
			w, err := f.open(cmd)
			if err != nil {
				return err
			}
			defer w.Close()
			ctx := cmd.Context()
			p, err := w.VerifyDecision(ctx, args[0])
			if err != nil {
				if errors.Is(err, wallet.ErrDecisionSignature) {
					name := dtext(lang, "unknown")
					if q, lerr := w.Decision(ctx, args[0]); lerr == nil {
						name = orgName(lang, q)
					}
					return &decisionFailed{msg: fmt.Sprintf(dtext(lang, "verify.bad"), credentials.ClassName(err), name), err: err}
				}
				return decisionError(lang, args[0], err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), dtext(lang, "verify.ok")+"\n", orgName(lang, p), timeDate(lang, p.Decision.SignedAt()))
			return nil
		},
	}
	cmd.Flags().StringVar(&lang, "lang", "nl", "language: nl or en")
	return cmd
}

// printPresentDecision tells, after a presentation, what decision came
// back: its outcome and how to see it, or that one came back and was not
// kept. It writes to stderr, beside the command's JSON output.
func printPresentDecision(cmd *cobra.Command, res *wallet.PresentResult) {
	const lang = "nl"
	errw := cmd.ErrOrStderr()
	switch {
	case res == nil:
	case res.Decision != nil:
		p := &res.Presentation
		fmt.Fprintf(errw, dtext(lang, "present.kept")+"\n", orgName(lang, p), outcomeText(lang, &res.Decision.Payload), p.ID[:12])
	case res.DecisionNotKept != nil:
		fmt.Fprintf(errw, dtext(lang, "present.notkept")+"\n", credentials.ClassName(res.DecisionNotKept))
	}
}
