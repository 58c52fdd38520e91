package devstack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/credentials/profile"
	"github.com/loopbrug/paspoort/issuer"
	"github.com/loopbrug/paspoort/verifier"
	"github.com/loopbrug/paspoort/wallet"
)

// The stories `paspoort demo` tells.
const (
	StoryMiranda = "miranda"
	StoryWillem  = "willem"
)

// Stories lists the stories, the default first.
var Stories = []string{StoryMiranda, StoryWillem}

// RunStory runs the story named story (Stories) against the running stack.
func RunStory(ctx context.Context, s *Stack, out io.Writer, lang, story string) error {
	switch story {
	case StoryMiranda, "":
		return Demo(ctx, s, out, lang)
	case StoryWillem:
		return DemoWillem(ctx, s, out, lang)
	}
	return fmt.Errorf("devstack: unknown story %q (want %s)", story, strings.Join(Stories, " or "))
}

// ESCO URIs of Willem's story.
const (
	escoSportsCoach = "http://data.europa.eu/esco/occupation/3e9c1262-4fe2-4eb1-bf94-4fe64498393a" // sports coach
	escoPETeacher   = "http://data.europa.eu/esco/occupation/a10849c1-f0d8-4600-bca6-9549c2517650" // physical education teacher secondary school
	escoInstruct    = "http://data.europa.eu/esco/skill/dbadb531-2fb9-4361-b80b-9be8c3c54229"      // instruct in sport
	escoMotivate    = "http://data.europa.eu/esco/skill/ece81686-331c-4381-bf3f-5ea610d47a7f"      // motivate in sports
	escoPlanSport   = "http://data.europa.eu/esco/skill/65baf502-04a6-41c9-962f-9629de5c5a0a"      // plan sports instruction programme
	escoSportRisk   = "http://data.europa.eu/esco/skill/ada1d7d1-c887-4a28-b399-0d589b938786"      // apply risk management in sports
	escoSafety      = "http://data.europa.eu/esco/skill/11f536f5-b0e2-46a6-95c1-bd765946604c"      // guarantee students' safety
)

// Willem's admission: the shipped profile of Hogeschool Domstad's teacher
// training for physical education, for career switchers.
const (
	ProfilePE    = "bewegingsonderwijs-zij-instroom"
	CatalogueALO = "domstad-alo"
)

// willemRef is the subject reference the organisations keep for Willem.
const willemRef = "willem"

// willemTexts are the lines of Willem's story, and the shared lines said
// of him rather than of Miranda.
var willemTexts = map[string]map[string]string{
	"nl": {
		"header":        "paspoort demo: Willem, van de WW naar de klas als leraar bewegingsonderwijs, alles op deze computer",
		"open":          "Willem opent zijn wallet",
		"follows":       "zijn wallet volgt het register van %s (versie %d): %d uitgevers, %d organisaties die mogen vragen",
		"offer":         "aanbod gemaakt (%s); Willem krijgt de pincode per sms",
		"offered":       "zijn wallet laat zien: %s biedt aan: %s",
		"signin":        "hij meldt zich aan op de pagina van %s en vult daar zijn pincode in",
		"checked":       "zijn wallet heeft het ondertekende verzoek van %s gecontroleerd",
		"club":          "SV Domstad, waar hij al jaren jeugdteams traint, bevestigt zijn vrijwilligerswerk en geeft een referentie",
		"assessment":    "Assessment Centrum Loopbrug stelt zijn werk- en denkniveau en zijn doel vast",
		"portfolio":     "Willem bouwt in zijn wallet een EVC-portfolio voor de standaard sportcoach",
		"standard":      "de standaard vraagt %d vaardigheden; Willem beschrijft er %d, met een bestand en zijn bewijzen",
		"entry":         "onderdeel: %s (%s)",
		"issued":        "portfolio door Willem zelf ondertekend: %d kopieën, bestanden alleen als vingerafdruk",
		"evc":           "Hij deelt het portfolio met EVC Centrum Domstad",
		"review":        "De assessor van EVC Centrum Domstad beoordeelt het portfolio en voert het criteriumgerichte interview",
		"reviewed":      "%s: %s",
		"certificate":   "EVC Centrum Domstad geeft hem het Ervaringscertificaat en de vaardigheden die bewezen zijn",
		"uwv":           "UWV zegt hem een leerbudget toe voor de omscholing",
		"private":       "Willem kijkt eerst zelf of hij past bij de opleiding tot leraar bewegingsonderwijs, zonder iets te delen",
		"private_says":  "zijn wallet zegt: %s (er is niets verstuurd)",
		"apply":         "Hij meldt zich aan: Hogeschool Domstad vraagt om bewijs",
		"admitted":      "toegelaten tot %s; hij kan direct beginnen",
		"no_employer":   "de naam van de club is niet gedeeld: alleen beroep en periodes van zijn ervaring",
		"redeem":        "De hogeschool int het leerbudget bij UWV; UWV zet het op gebruikt",
		"redeemed":      "leerbudget van UWV gebruikt (%d kopieën op de statuslijst)",
		"twice":         "Wie het leerbudget nog eens laat zien, komt er niet mee weg",
		"twice_refused": "de hogeschool ziet bij UWV dat het leerbudget al gebruikt is: niet meegeteld",
		"werkplek":      "Tijdens zijn opleiding leert hij op Basisschool De Regenboog; de praktijkopleider bevestigt zijn uren",
		"history":       "Wat Willem heeft gedeeld, volgens zijn wallet",
		"paspoort":      "Zijn paspoort, per bouwsteen (bij elke uitgever nagekeken of het nog geldig is)",
		"done":          "Elke stap is gecontroleerd: Willem heeft zijn ervaring laten erkennen met een Ervaringscertificaat en is zonder diploma toegelaten tot de opleiding.",
	},
	"en": {
		"header":        "paspoort demo: Willem, from unemployment benefit (WW) to the classroom as a PE teacher, on the Loopbrug of this machine",
		"open":          "Willem opens his wallet",
		"follows":       "his wallet follows the register of %s (version %d): %d issuers, %d organisations that may ask",
		"offer":         "offer created (%s), tx_code sent to Willem by SMS",
		"offered":       "his wallet shows: %s offers %s",
		"signin":        "he signs in on the page of %s and enters his PIN there",
		"checked":       "his wallet checked the signed request of %s",
		"club":          "SV Domstad, where he has trained youth teams for years, attests his volunteer work and gives a reference",
		"assessment":    "Assessment Centrum Loopbrug establishes his working and thinking level and his goal",
		"portfolio":     "Willem builds an EVC portfolio in his wallet for the sports coach standard",
		"standard":      "the standard asks for %d skills; Willem describes %d, with a file and his credentials",
		"entry":         "entry: %s (%s)",
		"issued":        "portfolio signed by Willem himself: %d copies, files only as fingerprints",
		"evc":           "He shares the portfolio with EVC Centrum Domstad",
		"review":        "The assessor of EVC Centrum Domstad reviews the portfolio and holds the criterion-based interview",
		"reviewed":      "%s: %s",
		"certificate":   "EVC Centrum Domstad issues the Ervaringscertificaat and the skills proven",
		"uwv":           "UWV commits a training budget for his retraining",
		"private":       "Willem looks at the PE teacher training privately, before sharing anything",
		"private_says":  "his wallet says: %s (nothing was sent)",
		"apply":         "He applies: Hogeschool Domstad asks for proof (OpenID4VP)",
		"admitted":      "admitted to %s; he can start right away",
		"no_employer":   "the club's name was not shared: only the occupation and periods of his experience",
		"redeem":        "The hogeschool redeems the training budget at UWV; UWV marks it used",
		"redeemed":      "UWV training budget used (%d copies on the status list)",
		"twice":         "Showing the training budget again does not work",
		"twice_refused": "the hogeschool sees at UWV that the budget was used: not counted",
		"werkplek":      "During his training he learns on the job at Basisschool De Regenboog; the supervisor confirms his hours",
		"history":       "What Willem shared, from his wallet's history",
		"paspoort":      "His paspoort, by building block (status checked at each issuer's status list)",
		"done":          "Every step verified: Willem had his experience recognised with an Ervaringscertificaat and was admitted to the training without a diploma.",
	},
}

// willemReview is what the assessor finds, per portfolio competence.
var willemReview = map[string]ppp.CompetenceReview{
	escoInstruct: {Result: ppp.ReviewProven, Proficiency: ppp.ProficiencyAdvanced,
		Remark: "Trainingsplannen van drie seizoenen, opgebouwd per leeftijdsgroep.", InterviewNote: "Legt helder uit hoe hij een oefening aanpast voor een kind dat vastloopt."},
	escoMotivate: {Result: ppp.ReviewProven, Proficiency: ppp.ProficiencyAdvanced,
		Remark: "Referentie van de voorzitter bevestigt het.", InterviewNote: "Geeft concrete voorbeelden van spelers die hij weer aan het sporten kreeg."},
	escoPlanSport: {Result: ppp.ReviewPartly, Proficiency: ppp.ProficiencyDeveloping,
		Remark: "Plannen per seizoen, nog geen doorlopende leerlijn.", InterviewNote: "Kent de doelen per leeftijd, nog niet de kerndoelen van het basisonderwijs."},
}

// willemOffers are what the club, the assessment centre, UWV and the
// primary school issue Willem.
func clubOffers(now time.Time) []issuer.OfferRequest {
	exp := func(role, start, end, desc string) issuer.OfferCredential {
		c := map[string]any{
			"employer": "SV Domstad", "occupation": escoSportsCoach, "occupation_label": "sportcoach",
			"role_title": role, "start_date": start, "hours_per_week": 6,
			"skills": []string{escoInstruct, escoMotivate}, "description": desc, "assessed_on": day(now, -30),
		}
		if end != "" {
			c["end_date"] = end
		} else {
			c["ongoing"] = true
		}
		return issuer.OfferCredential{Type: "experience", Claims: claims(c)}
	}
	return []issuer.OfferRequest{
		{TxCode: true, SubjectRef: willemRef, Credentials: []issuer.OfferCredential{
			exp("Jeugdtrainer JO11 (vrijwilliger)", "2014-08-01", "2019-06-30", "Twee trainingen per week en de wedstrijden van een jeugdteam."),
			{Type: "reference", Claims: claims(map[string]any{
				"referee_name": "Ans de Wit", "referee_role": "Voorzitter", "referee_organisation": "SV Domstad", "relation": "other",
				"statement": "Willem traint al tien jaar onze jeugd. Kinderen die afhaakten, komen bij hem weer graag.",
				"skills":    []string{escoInstruct, escoMotivate}, "given_on": day(now, -30),
			})},
		}},
		{TxCode: true, SubjectRef: willemRef, Credentials: []issuer.OfferCredential{
			exp("Hoofdtrainer JO13 (vrijwilliger)", "2018-08-01", "", "Hoofdtrainer van een jeugdteam; begeleidt twee jonge trainers."),
		}},
	}
}

func willemAssessment(now time.Time) issuer.OfferRequest {
	return issuer.OfferRequest{TxCode: true, SubjectRef: willemRef, Credentials: []issuer.OfferCredential{
		{Type: "level", Claims: claims(map[string]any{
			"nlqf_level": 4, "eqf_level": 4, "assessed_on": day(now, -21), "method": "assessment", "assurance": "assessor",
			"evidence": "Capaciteitentest en werksimulatie.",
		})},
		{Type: "goal", Claims: claims(map[string]any{
			"target_occupation": escoPETeacher, "target_occupation_label": "leerkracht lichamelijke opvoeding",
			"target_sector": "education", "stated_on": day(now, -20),
			"motivation": "Ik train al tien jaar kinderen. Ik wil er mijn vak van maken, als leraar bewegingsonderwijs.",
		})},
	}}
}

func uwvOffer(now time.Time) issuer.OfferRequest {
	return issuer.OfferRequest{TxCode: true, SubjectRef: willemRef, Credentials: []issuer.OfferCredential{
		{Type: "leerbudget", Claims: claims(map[string]any{
			"amount": 4500, "currency": "EUR", "purpose": "Omscholing naar leraar bewegingsonderwijs",
			"target_occupation": escoPETeacher, "payer": "UWV", "payer_kind": "uwv", "scheme": "Scholing vanuit de WW",
			"valid_from": day(now, -1), "valid_until": day(now, 364),
		})},
	}}
}

func werkplekOffer(now time.Time) issuer.OfferRequest {
	return issuer.OfferRequest{TxCode: true, SubjectRef: willemRef, Credentials: []issuer.OfferCredential{
		{Type: "werkplekleren", Claims: claims(map[string]any{
			"organisation": "Basisschool De Regenboog", "supervisor_name": "Ahmed el Amrani", "supervisor_role": "vakleerkracht bewegingsonderwijs",
			"from": day(now, -1), "until": day(now, 0), "hours": 8, "skills": []string{escoInstruct, escoSafety},
			"statement": "Willem gaf zelfstandig twee gymlessen aan groep 6.", "assessed_on": day(now, 0),
			"method": "observation", "assurance": "employer",
		})},
	}}
}

// willemWallet opens Willem's own wallet in the stack's data folder,
// creating it (and following the register) on first use.
func (s *Stack) willemWallet(ctx context.Context) (*wallet.Wallet, error) {
	dir := filepath.Join(s.opts.Dir, "wallet-willem")
	pass := []byte(s.Wallet.Passphrase)
	var w *wallet.Wallet
	var err error
	if _, serr := os.Stat(dir); errors.Is(serr, fs.ErrNotExist) {
		w, err = wallet.Init(ctx, dir, pass, s.WalletOptions()...)
	} else {
		w, err = wallet.OpenDir(ctx, dir, pass, s.WalletOptions()...)
	}
	if err != nil {
		return nil, fmt.Errorf("willem's wallet: %w", err)
	}
	if _, err := w.FollowRegister(ctx, s.Register.URL, s.Register.Key); err != nil && !errors.Is(err, wallet.ErrRegisterFollowed) {
		w.Close()
		return nil, fmt.Errorf("willem's wallet follows the register: %w", err)
	}
	return w, nil
}

// DemoWillem runs the story of Willem against the running stack s: he
// comes from WW with no employer to vouch for him and has trained youth
// teams at SV Domstad for years. The club attests his volunteer work; he
// builds an EVC portfolio in his wallet for the sports coach standard,
// issues it to himself and shares it with EVC Centrum Domstad, whose
// assessor reviews it and whose issuer gives him an Ervaringscertificaat
// and the skills proven; UWV commits a training budget; Hogeschool Domstad
// admits him to the PE teacher training on his evidence — assessor-level,
// recent, his months as a coach summed across his experience without the
// club's name — with a plan that starts now; the budget is redeemed and
// cannot be shown twice; and a primary school confirms his learning on the
// job. Every credential is verified on receipt and presentation. DemoWillem
// returns nil only if every step verified.
func DemoWillem(ctx context.Context, s *Stack, out io.Writer, lang string) error {
	d := &demo{s: s, out: out, lang: lang, over: willemTexts[lang]}
	fmt.Fprintln(out, d.say("header"))

	w, err := s.willemWallet(ctx)
	if err != nil {
		return err
	}
	defer w.Close()
	before, err := d.opened(ctx, w)
	if err != nil {
		return err
	}
	now := s.opts.Now()

	d.title("%s", d.say("club"))
	club := clubOffers(now)
	if err := d.receive(ctx, IssuerClub, club[0], 2); err != nil {
		return err
	}
	if err := d.receive(ctx, IssuerClub, club[1], 1); err != nil {
		return err
	}
	d.title("%s", d.say("assessment"))
	if err := d.receive(ctx, IssuerAssessment, willemAssessment(now), 2); err != nil {
		return err
	}

	if err := d.buildPortfolio(ctx); err != nil {
		return err
	}

	d.title("%s", d.say("evc"))
	ep, err := s.PublishedProfile(ctx, VerifierEVC, ProfileEVC)
	if err != nil {
		return err
	}
	d.line("%s (%s)", ep.Title.Get(lang), s.Verifier(VerifierEVC).URL+"/profiles/"+ep.ID)
	edec, err := d.present(ctx, VerifierEVC, ProfileEVC, ep, w.MatchProfile(ctx, ep, now))
	if err != nil {
		return err
	}
	if edec.Outcome != profile.OutcomeAccepted {
		return fmt.Errorf("%w: EVC intake outcome %s", ErrStoryFailed, edec.Outcome)
	}
	if err := d.certificate(ctx, edec, now); err != nil {
		return err
	}

	d.title("%s", d.say("uwv"))
	if err := d.receive(ctx, IssuerUWV, uwvOffer(now), 1); err != nil {
		return err
	}
	if err := d.showPaspoort(ctx); err != nil {
		return err
	}

	d.title("%s", d.say("private"))
	p, err := s.PublishedProfile(ctx, VerifierAdmission, ProfilePE)
	if err != nil {
		return err
	}
	d.line("%s (%s)", p.Title.Get(lang), s.Verifier(VerifierAdmission).URL+"/profiles/"+p.ID)
	match := w.MatchProfile(ctx, p, now)
	d.printResult(match.Requirements, match.Score, match.Gap)
	d.line(d.say("private_says"), d.word(string(match.Outcome)))
	if match.Outcome != profile.OutcomeAccepted {
		return fmt.Errorf("%w: Willem's private match says %s", ErrStoryFailed, match.Outcome)
	}

	d.title("%s", d.say("apply"))
	dec, err := d.present(ctx, VerifierAdmission, ProfilePE, p, match)
	if err != nil {
		return err
	}
	if dec.Outcome != profile.OutcomeAccepted {
		return fmt.Errorf("%w: admission outcome %s", ErrStoryFailed, dec.Outcome)
	}
	if lp := dec.LearningPlan; lp == nil || lp.NextIntake == nil || lp.NextIntake.Compare(ppp.DateOf(now)) > 0 {
		return fmt.Errorf("%w: the plan does not start now (%+v)", ErrStoryFailed, dec.LearningPlan)
	}
	d.ok(d.say("admitted"), p.Title.Get(lang))
	if err := d.checkNoEmployer(ctx, before); err != nil {
		return err
	}
	d.ok("%s", d.say("no_employer"))

	d.title("%s", d.say("redeem"))
	n, err := s.SetStatus(ctx, IssuerUWV, willemRef, "leerbudget", issuer.StatusRevoked)
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("%w: UWV has no training budget for Willem", ErrStoryFailed)
	}
	d.ok(d.say("redeemed"), n)
	d.title("%s", d.say("twice"))
	if err := d.budgetTwice(ctx, p); err != nil {
		return err
	}

	d.title("%s", d.say("werkplek"))
	if err := d.receive(ctx, IssuerPrimary, werkplekOffer(now), 1); err != nil {
		return err
	}

	if _, err := d.history(ctx, before); err != nil {
		return err
	}
	fmt.Fprintln(out, "\n"+d.say("done"))
	return nil
}

// buildPortfolio has Willem build and issue his EVC portfolio.
func (d *demo) buildPortfolio(ctx context.Context) error {
	d.title("%s", d.say("portfolio"))
	w := d.w
	p, err := w.NewPortfolio(ctx, escoSportsCoach, "")
	if err != nil {
		return err
	}
	var ref, exp string
	for _, c := range w.Credentials() {
		switch {
		case c.Type == ppp.TypeReference && ref == "":
			ref = c.ID
		case c.Type == ppp.TypeExperience && exp == "":
			exp = c.ID
		}
	}
	entries := []wallet.PortfolioEntry{
		{Skill: escoInstruct, Statement: "Ik geef sinds 2014 twee keer per week training aan de jeugd van 8 tot 13 jaar, met een trainingsplan per seizoen dat ik zelf maak.",
			Context: "Vrijwillig jeugdtrainer bij SV Domstad", From: "2014-08-01"},
		{Skill: escoMotivate, Statement: "Ik houd kinderen bij de sport die dreigen af te haken: ik geef ze een rol in het team en kleine doelen.",
			Context: "Vrijwillig jeugdtrainer bij SV Domstad", From: "2014-08-01"},
		{Skill: escoPlanSport, Statement: "Ik maak elk seizoen een plan met doelen per periode en pas het aan na elke maand.",
			Context: "Hoofdtrainer JO13 bij SV Domstad", From: "2018-08-01"},
	}
	for i, e := range entries {
		if _, err := w.AddPortfolioEntry(ctx, p.ID, e); err != nil {
			return err
		}
		l, _ := ppp.SkillLabel(e.Skill, d.lang)
		d.line(d.say("entry"), l, e.Context)
		if i == 0 {
			plan := []byte("Trainingsplan JO11, seizoen 2025-2026\nPeriode 1: balvaardigheid en samenspel\nPeriode 2: positiespel\nPeriode 3: wedstrijdvormen\n")
			if _, err := w.Attach(ctx, p.ID, i, "trainingsplan-2025-2026.txt", "text/plain", plan); err != nil {
				return err
			}
		}
		for _, id := range []string{ref, exp} {
			if id != "" && i < 2 {
				if err := w.LinkCredential(ctx, p.ID, i, id); err != nil {
					return err
				}
			}
		}
	}
	d.ok(d.say("standard"), len(wallet.StandardSkills(escoSportsCoach)), len(entries))
	c, err := w.IssuePortfolio(ctx, p.ID, 2)
	if err != nil {
		return err
	}
	d.ok(d.say("issued"), c.Copies)
	return nil
}

// certificate has the assessor review the portfolio the EVC intake
// received (what the desk's review page does) and the provider's issuer
// offer the certificate and each skill proven, which Willem receives.
func (d *demo) certificate(ctx context.Context, dec *verifier.Decision, now time.Time) error {
	d.title("%s", d.say("review"))
	var port *ppp.PortfolioClaims
	for _, r := range dec.Requirements {
		for _, ev := range r.Evidence {
			if ev.Type == ppp.TypePortfolio && ev.Claims != nil {
				p, err := portfolioClaims(ev.Claims)
				if err != nil {
					return fmt.Errorf("%w: the intake's portfolio: %v", ErrStoryFailed, err)
				}
				port = p
			}
		}
	}
	if port == nil {
		return fmt.Errorf("%w: the EVC intake received no portfolio", ErrStoryFailed)
	}
	rv := ppp.EVCReview{Provider: "EVC Centrum Domstad", Assessor: "Karin Bos", AssessedOn: ppp.DateOf(now)}
	for _, e := range port.Entries {
		c, ok := willemReview[e.Skill]
		if !ok {
			c = ppp.CompetenceReview{Result: ppp.ReviewNot}
		}
		c.Skill = e.Skill
		rv.Competences = append(rv.Competences, c)
		l, _ := ppp.SkillLabel(e.Skill, d.lang)
		res := map[string][2]string{ppp.ReviewProven: {"proven, level %d", "aangetoond, niveau %d"}, ppp.ReviewPartly: {"partly proven, level %d", "deels aangetoond, niveau %d"},
			ppp.ReviewNot: {"not proven", "niet aangetoond"}}[c.Result]
		txt := res[0]
		if d.lang == "nl" {
			txt = res[1]
		}
		if c.Result != ppp.ReviewNot {
			txt = fmt.Sprintf(txt, c.Proficiency)
		}
		d.line(d.say("reviewed"), l, txt)
	}
	cert, skills, err := ppp.Recognise(port, rv)
	if err != nil {
		return fmt.Errorf("%w: review: %v", ErrStoryFailed, err)
	}
	d.title("%s", d.say("certificate"))
	if err := d.receive(ctx, IssuerEVC, issuer.OfferRequest{TxCode: true, SubjectRef: willemRef,
		Credentials: []issuer.OfferCredential{{Type: ppp.TypeErvaringscertificaat, Claims: claims(toMap(cert))}}}, 1); err != nil {
		return err
	}
	for _, sc := range skills {
		if err := d.receive(ctx, IssuerEVC, issuer.OfferRequest{TxCode: true, SubjectRef: willemRef,
			Credentials: []issuer.OfferCredential{{Type: ppp.TypeSkill, Claims: claims(toMap(sc))}}}, 1); err != nil {
			return err
		}
	}
	return nil
}

// checkNoEmployer checks that no presentation since before shared the
// employer of an experience credential.
func (d *demo) checkNoEmployer(ctx context.Context, before []wallet.Presentation) error {
	hist, err := d.w.History(ctx)
	if err != nil {
		return err
	}
	exp, _ := ppp.Lookup(ppp.TypeExperience)
	for _, h := range hist[min(len(before), len(hist)):] {
		for _, c := range h.Credentials {
			if c.VCT == exp.VCT && slices.Contains(c.Claims, "/employer") {
				return fmt.Errorf("%w: the employer of an experience was shared with %s", ErrStoryFailed, h.VerifierName)
			}
		}
	}
	return nil
}

// budgetTwice presents the used training budget again: the admission must
// not count it.
func (d *demo) budgetTwice(ctx context.Context, p *profile.Profile) error {
	req, err := d.s.CreateRequest(ctx, VerifierAdmission, ProfilePE)
	if err != nil {
		return err
	}
	pr, err := d.w.ReadRequest(ctx, req.RequestURI)
	if err != nil {
		return fmt.Errorf("read request: %w", err)
	}
	lb, _ := ppp.Lookup(ppp.TypeLeerbudget)
	sel := &wallet.Selection{Credentials: map[string][]string{}}
	for _, q := range pr.Queries {
		for _, o := range q.Options {
			if o.VCT == lb.VCT {
				sel.Credentials[q.QueryID] = []string{o.CredentialID}
			}
		}
	}
	if len(sel.Credentials) == 0 {
		return fmt.Errorf("%w: the request does not ask for the training budget", ErrStoryFailed)
	}
	if _, err := d.w.Present(ctx, pr, sel); err != nil {
		return fmt.Errorf("present the budget again: %w", err)
	}
	st, err := d.s.Result(ctx, VerifierAdmission, req.TransactionID, 30*time.Second)
	if err != nil {
		return err
	}
	if st.Decision == nil {
		return fmt.Errorf("%w: no decision", ErrStoryFailed)
	}
	for _, r := range st.Decision.Requirements {
		for _, ev := range r.Evidence {
			if ev.VCT == lb.VCT && r.Status == profile.StatusMet {
				return fmt.Errorf("%w: the used training budget was counted again", ErrStoryFailed)
			}
		}
	}
	d.ok("%s", d.say("twice_refused"))
	return nil
}

// portfolioClaims reads the portfolio claims of a decision's evidence.
func portfolioClaims(m map[string]any) (*ppp.PortfolioClaims, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	var p ppp.PortfolioClaims
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// toMap turns a claims struct into the map an offer carries.
func toMap(v any) map[string]any {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // claims structs always encode
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		panic(err)
	}
	return m
}
