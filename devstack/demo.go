package devstack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/loopbrug/paspoort/consortium"
	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/credentials/profile"
	"github.com/loopbrug/paspoort/issuer"
	"github.com/loopbrug/paspoort/verifier"
	"github.com/loopbrug/paspoort/wallet"
)

// ErrStoryFailed reports a step of the demo whose outcome is not the one the
// story needs (a refusal where an admission was expected, a credential that
// does not verify).
var ErrStoryFailed = errors.New("devstack: demo step did not verify")

// demo prints the story as it happens.
type demo struct {
	s    *Stack
	w    *wallet.Wallet
	out  io.Writer
	lang string
	step int
	// over holds the story's own lines (Willem's), before storyTexts.
	over map[string]string
}

func (d *demo) title(format string, args ...any) {
	d.step++
	fmt.Fprintf(d.out, "\n%d. %s\n", d.step, fmt.Sprintf(format, args...))
}

func (d *demo) line(format string, args ...any) {
	fmt.Fprintf(d.out, "   %s\n", fmt.Sprintf(format, args...))
}

func (d *demo) ok(format string, args ...any) {
	fmt.Fprintf(d.out, "   ✓ %s\n", fmt.Sprintf(format, args...))
}

// Demo runs the story of Miranda against the running stack s (Run must be
// serving) and prints each step to out, texts of profiles and modules in
// lang ("nl" or "en"): Miranda, a conductor at NS, receives her talents,
// drives, working and thinking level and goal from Assessment Centrum
// Loopbrug and her work experience from NS (OpenID4VCI, pre-authorized
// code with a tx_code); matches privately against the teacher training's
// published profile; shares with Hogeschool Domstad's admission
// (OpenID4VP) and is admitted with a learning plan; completes two modules
// and receives them as credentials; and is hired into a leerwerktraject by
// Stedelijk College Domstad. Every credential is verified by the wallet on
// receipt and by the verifiers on presentation. Demo returns nil only if
// every step verified; otherwise an error wrapping ErrStoryFailed or the
// failure.
func Demo(ctx context.Context, s *Stack, out io.Writer, lang string) error {
	d := &demo{s: s, out: out, lang: lang}
	fmt.Fprintln(out, d.say("header"))
	for _, is := range s.Issuers {
		d.line(d.say("issuer"), is.Name[lang], is.URL)
	}
	for _, v := range s.Verifiers {
		d.line(d.say("verifier"), v.Name, v.URL)
	}

	w, err := wallet.OpenDir(ctx, s.Wallet.Dir, []byte(s.Wallet.Passphrase), s.WalletOptions()...)
	if err != nil {
		return fmt.Errorf("open wallet: %w", err)
	}
	defer w.Close()
	before, err := d.opened(ctx, w)
	if err != nil {
		return err
	}

	now := s.opts.Now()
	d.title("%s", d.say("assessment"))
	if err := d.receive(ctx, IssuerAssessment, assessmentOffer(now), 4); err != nil {
		return err
	}
	d.title("%s", d.say("ns"))
	if err := d.receive(ctx, IssuerNS, nsOffer(now), 1); err != nil {
		return err
	}
	if err := d.showPaspoort(ctx); err != nil {
		return err
	}

	adm := s.Verifier(VerifierAdmission)
	d.title("%s", d.say("private"))
	p, err := s.PublishedProfile(ctx, VerifierAdmission, ProfileAdmission)
	if err != nil {
		return err
	}
	d.line("%s (%s)", p.Title.Get(lang), adm.URL+"/profiles/"+p.ID)
	match := w.MatchProfile(ctx, p, now)
	d.printResult(match.Requirements, match.Score, match.Gap)
	d.line(d.say("private_says"), d.word(string(match.Outcome)))

	d.title("%s", d.say("apply"))
	dec, err := d.present(ctx, VerifierAdmission, ProfileAdmission, p, match)
	if err != nil {
		return err
	}
	if dec.Outcome != profile.OutcomeAccepted || dec.LearningPlan == nil || len(dec.LearningPlan.Modules) == 0 {
		return fmt.Errorf("%w: admission outcome %s, learning plan %v", ErrStoryFailed, dec.Outcome, dec.LearningPlan != nil)
	}
	d.ok(d.say("admitted"), p.Title.Get(lang))

	cat := s.Catalogues[CatalogueDomstad]
	d.title("%s", d.say("modules"))
	codes := []string{FirstModule}
	for _, m := range dec.LearningPlan.Modules {
		if !slices.Contains(codes, m.Code) {
			codes = append(codes, m.Code)
		}
	}
	for i, code := range codes {
		m, ok := cat.Module(code)
		if !ok {
			return fmt.Errorf("%w: module %s is not in the catalogue", ErrStoryFailed, code)
		}
		d.line(d.say("completed"), m.Code, m.Title.Get(lang), m.StudyLoad)
		if err := d.receive(ctx, IssuerHogeschool, learningOffer(cat, m, now.AddDate(0, 0, -7+i)), 1); err != nil {
			return err
		}
	}

	school := s.Verifier(VerifierSchool)
	d.title("%s", d.say("hire"))
	sp, err := s.PublishedProfile(ctx, VerifierSchool, ProfileSchool)
	if err != nil {
		return err
	}
	d.line("%s (%s)", sp.Title.Get(lang), school.URL+"/profiles/"+sp.ID)
	smatch := w.MatchProfile(ctx, sp, now)
	d.line(d.say("private_first"), d.word(string(smatch.Outcome)), smatch.Score*100)
	sdec, err := d.present(ctx, VerifierSchool, ProfileSchool, sp, smatch)
	if err != nil {
		return err
	}
	if sdec.Outcome != profile.OutcomeAccepted {
		return fmt.Errorf("%w: hiring outcome %s", ErrStoryFailed, sdec.Outcome)
	}
	d.ok(d.say("hired"), sp.Title.Get(lang))

	if err := d.register(ctx); err != nil {
		return err
	}

	hist, err := d.history(ctx, before)
	if err != nil {
		return err
	}
	if len(hist) != 2 {
		return fmt.Errorf("%w: %d history entries, want 2", ErrStoryFailed, len(hist))
	}
	fmt.Fprintln(out, "\n"+d.say("done"))
	return nil
}

// opened tells that the holder opened her wallet w, and which registers
// it follows, and returns the history so far (what the story adds comes
// after it).
func (d *demo) opened(ctx context.Context, w *wallet.Wallet) ([]wallet.Presentation, error) {
	d.title("%s", d.say("open"))
	d.w = w
	d.ok(d.say("unlocked"), w.ID(), len(w.Credentials()))
	regs, err := w.Registers(ctx)
	if err != nil || len(regs) == 0 {
		return nil, fmt.Errorf("%w: the wallet follows no register (%v)", ErrStoryFailed, err)
	}
	for _, r := range regs {
		d.ok(d.say("follows"), r.Consortium.Name.Get(d.lang), r.Version, len(r.Issuers), len(r.Verifiers))
	}
	before, err := w.History(ctx)
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	return before, nil
}

// history prints what the holder shared since before, from her wallet's
// history, and returns those entries.
func (d *demo) history(ctx context.Context, before []wallet.Presentation) ([]wallet.Presentation, error) {
	d.title("%s", d.say("history"))
	hist, err := d.w.History(ctx)
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	hist = hist[min(len(before), len(hist)):]
	for _, h := range hist {
		var what []string
		for _, c := range h.Credentials {
			what = append(what, typeName(c.VCT, d.lang)+" ("+strings.Join(claimLabels(c.VCT, c.Claims, d.lang), ", ")+")")
		}
		d.line("%s  %s: %s", h.Time.Format("2006-01-02 15:04"), h.VerifierName, strings.Join(what, "; "))
	}
	return hist, nil
}

// receive has the issuer with key create the offer, and Miranda's wallet
// resolve it, redeem it with the tx_code and store what it receives.
func (d *demo) receive(ctx context.Context, key string, req issuer.OfferRequest, want int) error {
	if d.s.HAIP() {
		// HAIP: the holder signs in at the issuer (authorization code
		// flow); the offer's PIN is asked on the issuer's page.
		req.Grant, req.TxCode = issuer.GrantAuthorizationCode, true
	}
	o, err := d.s.CreateOffer(ctx, key, req)
	if err != nil {
		return err
	}
	d.line(d.say("offer"), truncate(o.OfferURIByReference, 60))
	off, err := d.w.ResolveOffer(ctx, o.OfferURIByReference)
	if err != nil {
		return fmt.Errorf("resolve offer of %s: %w", key, err)
	}
	var names []string
	for _, c := range off.Credentials {
		names = append(names, c.Name)
	}
	d.line(d.say("offered"), off.IssuerName, strings.Join(names, ", "))
	var got []*wallet.Credential
	if off.Flow == wallet.FlowAuthorizationCode {
		got, err = d.signIn(ctx, off, o.TxCode)
	} else {
		got, err = d.w.Receive(ctx, off, wallet.ReceiveOptions{TxCode: o.TxCode, Copies: 2})
	}
	if err != nil {
		return fmt.Errorf("receive from %s: %w", key, err)
	}
	if len(got) != want {
		return fmt.Errorf("%w: %d credentials from %s, want %d", ErrStoryFailed, len(got), key, want)
	}
	for _, c := range got {
		d.ok(d.say("stored"), typeName(c.VCT, d.lang), c.IssuerName, c.Copies)
	}
	return nil
}

// signIn receives an offer over the authorization code flow: the wallet
// pushes its request, the holder signs in on the issuer's page with the
// offer's PIN (SignIn stands in for her browser), and the wallet takes
// the redirect back. The redirect URI is the wallet's loopback callback;
// the stand-in browser hands its URL over instead of following it.
func (d *demo) signIn(ctx context.Context, off *wallet.Offer, txCode string) ([]*wallet.Credential, error) {
	az, err := d.w.StartAuthorization(ctx, off, "http://127.0.0.1:1/callback")
	if err != nil {
		return nil, err
	}
	d.line(d.say("signin"), off.IssuerName)
	back, err := d.s.SignIn(ctx, az.URL, txCode, true)
	if err != nil {
		return nil, err
	}
	return d.w.FinishAuthorization(ctx, az, back, wallet.ReceiveOptions{Copies: 2})
}

// showPaspoort prints "my paspoort" with the status of every credential,
// checked against the issuers' status lists.
func (d *demo) showPaspoort(ctx context.Context) error {
	d.title("%s", d.say("paspoort"))
	var sums []wallet.Summary
	for _, c := range d.w.Credentials() {
		sum := d.w.Summarize(ctx, c, false)
		selfIssued := false
		if t, ok := ppp.LookupVCT(c.VCT); ok {
			selfIssued = t.SelfIssued() // the holder's own: no status list
		}
		if sum.Status != wallet.StatusValid && !(selfIssued && sum.Status == wallet.StatusNone) {
			return fmt.Errorf("%w: credential %s has status %s", ErrStoryFailed, c.Type, sum.Status)
		}
		sums = append(sums, sum)
	}
	for _, g := range wallet.Groups(sums) {
		if len(g.Credentials) == 0 {
			continue
		}
		var what []string
		for _, c := range g.Credentials {
			name := typeName(c.VCT, d.lang)
			if cr, err := d.w.Credential(c.ID); err == nil && cr.Type == ppp.TypeSkill {
				if u, ok := cr.Claims["skill"].(string); ok {
					name, _ = ppp.SkillLabel(u, d.lang)
				}
			}
			what = append(what, fmt.Sprintf("%s (%s, %s)", name, c.IssuerName, d.word(string(c.Status))))
		}
		d.line("%-28s %s", g.Name[d.lang], strings.Join(what, "; "))
	}
	return nil
}

// present runs one OpenID4VP transaction: the verifier creates the
// request, Miranda's wallet reads and checks it, she consents to share for
// each requirement her private match says she meets the credential that
// meets it (nothing for the others), the wallet presents, and the verifier
// decides.
func (d *demo) present(ctx context.Context, key, profileID string, p *profile.Profile, match *profile.Result) (*verifier.Decision, error) {
	req, err := d.s.CreateRequest(ctx, key, profileID)
	if err != nil {
		return nil, err
	}
	d.line(d.say("request"), truncate(req.RequestURI, 72))
	pr, err := d.w.ReadRequest(ctx, req.RequestURI)
	if err != nil {
		return nil, fmt.Errorf("read request of %s: %w", key, err)
	}
	d.line(d.say("checked"), pr.VerifierName)
	if r := pr.Registration; r != nil && r.Registered {
		d.ok(d.say("registered"), r.Name.Get(d.lang), consortium.KindLabel(string(r.Kind), d.lang), r.Consortium.Name.Get(d.lang))
	}
	sel := &wallet.Selection{Credentials: map[string][]string{}}
	for _, q := range pr.Queries {
		reqID, _, _ := strings.Cut(q.QueryID, "__")
		ids := metBy(match, reqID)
		for _, o := range q.Options {
			if slices.Contains(ids, o.CredentialID) {
				sel.Credentials[q.QueryID] = append(sel.Credentials[q.QueryID], o.CredentialID)
				var vals []string
				for _, v := range o.Values(d.lang) {
					vals = append(vals, v.Label+": "+v.Text)
				}
				d.line(d.say("consent"), typeName(o.VCT, d.lang), o.IssuerName, strings.Join(vals, "; "))
			}
		}
	}
	if len(sel.Credentials) == 0 {
		return nil, fmt.Errorf("%w: nothing to share with %s", ErrStoryFailed, key)
	}
	res, err := d.w.Present(ctx, pr, sel)
	if err != nil {
		return nil, fmt.Errorf("present to %s: %w", key, err)
	}
	if res.Presentation.Outcome != "sent" {
		return nil, fmt.Errorf("%w: the verifier answered %s", ErrStoryFailed, res.Presentation.Outcome)
	}
	d.ok("%s", d.say("presented"))
	st, err := d.s.Result(ctx, key, req.TransactionID, 30*time.Second)
	if err != nil {
		return nil, err
	}
	if st.Decision == nil {
		return nil, fmt.Errorf("%w: no decision at %s (%s)", ErrStoryFailed, key, st.Status)
	}
	dec := st.Decision
	for _, r := range dec.Rejected {
		d.line("rejected presentation %s: %s %s", r.QueryID, r.Class, r.Reason)
	}
	if len(dec.Rejected) > 0 {
		return nil, fmt.Errorf("%w: %d presentations rejected by %s", ErrStoryFailed, len(dec.Rejected), key)
	}
	d.line(d.say("decision"), d.s.Verifier(key).Name, strings.ToUpper(d.word(string(dec.Outcome))))
	d.printResult(dec.Requirements, dec.Score, dec.Gap)
	if lp := dec.LearningPlan; lp != nil {
		kind := d.say("learning_plan")
		if dec.PlanKind != "" && d.lang != "nl" {
			kind = strings.ReplaceAll(dec.PlanKind, "_", " ")
		}
		d.line(d.say("plan"), kind, lp.Institution, lp.Programme.Get(d.lang), lp.StudyLoad)
		for _, m := range lp.Modules {
			d.line("  - %s %s (%g EC)", m.Code, m.Title.Get(d.lang), m.StudyLoad)
		}
		if lp.NextIntake != nil {
			d.line(d.say("intake"), ppp.FormatDate(lp.NextIntake.Time(), d.lang))
		}
	}
	return dec, nil
}

// printResult prints each requirement with its status, the score and the
// gap.
func (d *demo) printResult(reqs []profile.RequirementResult, score float64, gap []profile.GapSkill) {
	for _, r := range reqs {
		mark := "✗"
		if r.Status == profile.StatusMet {
			mark = "✓"
		}
		req := ""
		if r.Required {
			req = d.say("required")
		}
		st := statusWords[r.Status]
		if d.lang == "nl" {
			st = d.word(string(r.Status))
		}
		d.line("  %s %-16s %s%s", mark, st, r.Title.Get(d.lang), req)
		if a := r.Aggregate; a != nil && a.Credentials > 0 {
			occ, _ := ppp.SkillLabel(a.Occupation, d.lang)
			d.line(d.say("aggregate"), a.Months, occ, a.Credentials)
		}
	}
	d.line(d.say("score"), score*100)
	if len(gap) > 0 {
		var g []string
		for _, s := range gap {
			l := s.Label.Get(d.lang)
			if d.lang != "en" && s.Label[d.lang] == "" && s.Label["en"] != "" {
				l += " (Engels)" // ESCO has no Dutch label for it
			}
			g = append(g, l)
		}
		d.line(d.say("gap"), strings.Join(g, "; "))
	}
}

// metBy returns the ids of the credentials that met requirement id: the
// one that met it, or every one an aggregate counted.
func metBy(res *profile.Result, id string) []string {
	for _, r := range res.Requirements {
		if r.ID != id || r.Status != profile.StatusMet || len(r.Evidence) == 0 {
			continue
		}
		if r.Aggregate == nil {
			return []string{r.Evidence[0].Credential}
		}
		var ids []string
		for _, ev := range r.Evidence {
			if ev.Reason == profile.ReasonCounted {
				ids = append(ids, ev.Credential)
			}
		}
		return ids
	}
	return nil
}

// typeName is a credential type's name as a person reads it in lang
// ("Werk- en denkniveau"), the last part of its vct outside the PPP.
func typeName(vct, lang string) string {
	if t, ok := ppp.LookupVCT(vct); ok {
		if dsp, ok := t.Display[lang]; ok && dsp.Name != "" {
			return dsp.Name
		}
	}
	s := strings.TrimSuffix(vct, "/v1")
	return s[strings.LastIndex(s, "/")+1:]
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// statusWords are the requirement statuses in words.
var statusWords = map[profile.Status]string{profile.StatusMet: "met", profile.StatusNotMet: "not met", profile.StatusNotProven: "not proven"}

// claimLabels names the claims at pointers by their labels in lang.
func claimLabels(vct string, pointers []string, lang string) []string {
	out := make([]string, 0, len(pointers))
	for _, p := range pointers {
		out = append(out, ppp.Describe(vct, p, nil, lang).Label)
	}
	return out
}

// register tells what the consortium register does for Miranda: a staffing
// agency in no register is shown as such and she decides (she declines);
// the school's profile that asks for her references, which the school never
// registered, is refused before she sees it.
func (d *demo) register(ctx context.Context) error {
	d.title("%s", d.say("register"))
	req, err := d.s.CreateRequest(ctx, VerifierAgency, ProfileAgency)
	if err != nil {
		return err
	}
	pr, err := d.w.ReadRequest(ctx, req.RequestURI)
	if err != nil {
		return fmt.Errorf("read request of %s: %w", VerifierAgency, err)
	}
	if r := pr.Registration; r == nil || r.Registered {
		return fmt.Errorf("%w: the agency is shown as registered", ErrStoryFailed)
	}
	d.line(d.say("unregistered"), pr.VerifierName)
	if err := d.w.Decline(ctx, pr); err != nil {
		return err
	}
	d.ok(d.say("declined"), pr.VerifierName)

	req, err = d.s.CreateRequest(ctx, VerifierSchool, ProfileReferences)
	if err != nil {
		return err
	}
	_, err = d.w.ReadRequest(ctx, req.RequestURI)
	var oa *wallet.OverAskingError
	if !errors.As(err, &oa) {
		return fmt.Errorf("%w: the unregistered references profile was not refused (%v)", ErrStoryFailed, err)
	}
	d.ok(d.say("overasking"), oa.Verifier, strings.Join(oa.ClaimWords(d.lang), "; "), oa.Consortium)
	return nil
}
