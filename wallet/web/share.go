package web

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/loopbrug/paspoort/consortium"
	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/credentials/profile"
	"github.com/loopbrug/paspoort/internal/webguard"
	"github.com/loopbrug/paspoort/wallet"
)

func (d *Desk) shareForm(c echo.Context, s *session, _ *wallet.Wallet) error {
	return d.render(c, http.StatusOK, "share.html", s, map[string]any{"Request": c.QueryParam("request")})
}

// consentView is the consent screen: who asks, why, and per question the
// values that would be shared.
type consentView struct {
	ID      string
	Name    string
	Title   string
	Purpose string
	// Registered says what the registers the wallet follows say of the
	// verifier (a sentence), Unregistered warns that none holds it, and
	// NoRegister that the wallet follows none.
	Registered               string
	Unregistered, NoRegister bool
	// Protected flags the protected claims asked (age, nationality, …),
	// one per category, with the verifier's legal ground or its absence.
	Protected []protectedView
	// Cannot lists what the private match says the holder cannot (yet)
	// show, before anything is shared.
	Cannot  []string
	Queries []queryView
	Any     bool
	// ClientID and ResponseURI are technical details.
	ClientID, ResponseURI string
}

// queryView is one question of the request.
type queryView struct {
	ID       string
	Title    string
	Needed   bool
	Multiple bool
	Options  []optionView
}

// optionView is one credential that could answer a question.
type optionView struct {
	ID       string
	Issuer   string
	Date     string
	Values   []ppp.Value
	Checked  bool
	UsedOnly bool
	// More are claims the holder may add if she wants (the employer of a
	// job counted in a total); nothing of it is shared unless she ticks it.
	More []ppp.Value
	// VCT, IssuerID and Pointers are technical details.
	VCT, IssuerID string
	Pointers      []string
}

func buildConsent(id string, pr *wallet.PresentationRequest, lang string) consentView {
	v := consentView{ID: id, Name: pr.VerifierName, ClientID: pr.ClientID, ResponseURI: pr.ResponseURI}
	if p := pr.Profile; p != nil {
		v.Title, v.Purpose = p.Title.Get(lang), p.Purpose.Get(lang)
	}
	switch r := pr.Registration; {
	case r == nil || !r.Following:
		v.NoRegister = true
	case r.Registered:
		v.Registered = fmt.Sprintf(texts[lang]["registered"], r.Name.Get(lang), consortium.KindLabel(string(r.Kind), lang), r.Consortium.Name.Get(lang))
	default:
		v.Unregistered = true
	}
	v.Protected = protectedViews(pr, lang)
	if m := pr.Match; m != nil {
		for _, r := range m.Requirements {
			if r.Status != profile.StatusMet {
				v.Cannot = append(v.Cannot, r.Title.Get(lang))
			}
		}
	}
	for _, q := range pr.Queries {
		qv := queryView{ID: q.QueryID, Needed: q.Needed, Multiple: q.Multiple}
		switch {
		case q.Requirement != nil:
			qv.Title = q.Requirement.Title.Get(lang)
		case len(q.Options) > 0:
			qv.Title = typeName(q.Options[0].VCT, lang, q.Options[0].Type)
		default:
			qv.Title = q.QueryID
		}
		seen := map[string]bool{}
		for _, o := range q.Options {
			ov := optionView{ID: o.CredentialID, Issuer: o.IssuerName, Date: ppp.FormatDate(o.IssuedAt, lang), Values: o.Values(lang),
				UsedOnly: o.Copies > 0 && o.Unused == 0, VCT: o.VCT, IssuerID: o.Issuer, Pointers: o.Claims, More: o.MoreValues(lang)}
			if ov.Issuer == "" {
				ov.Issuer = hostOf(o.Issuer)
			}
			// The same evidence received twice is one choice to the
			// holder: the first, which has the most unused copies.
			key := ov.Issuer + "\x00" + o.VCT + "\x00" + fmt.Sprint(ov.Values)
			if seen[key] {
				continue
			}
			seen[key] = true
			qv.Options = append(qv.Options, ov)
		}
		slices.SortStableFunc(qv.Options, func(a, b optionView) int {
			return boolInt(a.UsedOnly) - boolInt(b.UsedOnly)
		})
		if len(qv.Options) > 0 {
			qv.Options[0].Checked = true
			v.Any = true
		}
		v.Queries = append(v.Queries, qv)
	}
	v.Queries = oneAlternative(v.Queries, pr.Queries)
	if len(v.Cannot) > 0 {
		// What she cannot answer is listed once, above: the questions
		// left are the ones she chooses for.
		v.Queries = slices.DeleteFunc(v.Queries, func(q queryView) bool { return len(q.Options) == 0 })
	}
	return v
}

// oneAlternative keeps, of the queries that stand for alternatives of one
// requirement, those the holder can answer, or the first when she can
// answer none: a requirement is one question to her.
func oneAlternative(qs []queryView, opts []wallet.QueryOptions) []queryView {
	req := func(i int) string {
		if opts[i].Requirement == nil {
			return opts[i].QueryID
		}
		return "r:" + opts[i].Requirement.ID
	}
	answerable := map[string]bool{}
	for i, q := range qs {
		answerable[req(i)] = answerable[req(i)] || len(q.Options) > 0
	}
	var out []queryView
	shown := map[string]bool{}
	for i, q := range qs {
		r := req(i)
		if len(q.Options) == 0 && (answerable[r] || shown[r]) {
			continue
		}
		shown[r] = true
		out = append(out, q)
	}
	return out
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (d *Desk) readRequest(c echo.Context, s *session, w *wallet.Wallet) error {
	lang := webguard.Lang(c)
	link := strings.TrimSpace(c.FormValue("request"))
	pr, err := w.ReadRequest(c.Request().Context(), link)
	if err != nil {
		d.cfg.Logger.Info("request refused", "class", className(err))
		return d.render(c, http.StatusBadRequest, "share.html", s, map[string]any{"Request": link, "Error": shareMessage(err, lang)})
	}
	id := keep(d, d.requests, sessionID(c), pr)
	return d.render(c, http.StatusOK, "consent.html", s, map[string]any{"V": buildConsent(id, pr, lang)})
}

// consent shares what the holder chose (one credential per question, or
// none), or declines and tells the verifier.
func (d *Desk) consent(c echo.Context, s *session, w *wallet.Wallet) error {
	lang := webguard.Lang(c)
	id := c.Param("id")
	pr, ok := take(d, d.requests, sessionID(c), id, true)
	if !ok {
		return d.fail(c, s, http.StatusNotFound, texts[lang]["e_gone"], nil)
	}
	ctx := c.Request().Context()
	if c.FormValue("decline") != "" {
		if err := w.Decline(ctx, pr); err != nil {
			return d.fail(c, s, http.StatusBadGateway, shareMessage(err, lang), err)
		}
		return d.render(c, http.StatusOK, "message.html", s, map[string]any{"Message": fmt.Sprintf(texts[lang]["declined"], pr.VerifierName)})
	}
	form, err := c.FormParams()
	if err != nil {
		return d.fail(c, s, http.StatusBadRequest, texts[lang]["e_other"], err)
	}
	sel := &wallet.Selection{Credentials: map[string][]string{}, More: map[string][]string{}}
	for _, q := range pr.Queries {
		for _, cid := range form["q:"+q.QueryID] {
			if cid != "" && slices.ContainsFunc(q.Options, func(o wallet.CredentialOption) bool { return o.CredentialID == cid }) {
				sel.Credentials[q.QueryID] = append(sel.Credentials[q.QueryID], cid)
			}
		}
		// What she ticked to show as well, for a credential she shares.
		for _, cid := range form["more:"+q.QueryID] {
			if slices.Contains(sel.Credentials[q.QueryID], cid) &&
				slices.ContainsFunc(q.Options, func(o wallet.CredentialOption) bool { return o.CredentialID == cid && len(o.More) > 0 }) {
				sel.More[q.QueryID] = append(sel.More[q.QueryID], cid)
			}
		}
	}
	if len(sel.Credentials) == 0 {
		// Nothing chosen: that is a decline.
		if err := w.Decline(ctx, pr); err != nil {
			return d.fail(c, s, http.StatusBadGateway, shareMessage(err, lang), err)
		}
		return d.render(c, http.StatusOK, "message.html", s, map[string]any{"Message": fmt.Sprintf(texts[lang]["declined"], pr.VerifierName)})
	}
	res, err := w.Present(ctx, pr, sel)
	if err != nil {
		d.cfg.Logger.Info("presentation failed", "class", className(err))
		return d.fail(c, s, http.StatusBadRequest, shareMessage(err, lang), nil)
	}
	// The verifier may ask to send the browser back to it (OpenID4VP §8.2:
	// redirect_uri with a response_code; the wallet checked it is https):
	// a button, so that the holder sees first what was shared.
	return d.render(c, http.StatusOK, "shared.html", s, map[string]any{"P": presentationView(res.Presentation, lang), "ReceiptBad": res.DecisionNotKept != nil,
		"Next": res.RedirectURI})
}

// sharedItem is what one presentation disclosed from one credential, in
// words: the type's name and the claims' labels (values are not kept).
type sharedItem struct {
	Type   string
	Labels []string
}

// presentationRow is a presentation as the history and the shared page
// show it.
type presentationRow struct {
	wallet.Presentation
	Name  string
	Items []sharedItem
	// Outcome is the kept decision's outcome in words; empty without one.
	Outcome string
}

func presentationView(p wallet.Presentation, lang string) presentationRow {
	r := presentationRow{Presentation: p, Name: p.VerifierName}
	if r.Name == "" {
		r.Name = hostOf(p.ResponseURI)
	}
	for _, sh := range p.Credentials {
		it := sharedItem{Type: typeName(sh.VCT, lang, "")}
		for _, ptr := range sh.Claims {
			it.Labels = append(it.Labels, ppp.Describe(sh.VCT, ptr, nil, lang).Label)
		}
		r.Items = append(r.Items, it)
	}
	if dc := p.Decision; dc != nil {
		t := texts[lang]
		if r.Outcome = t["dec_"+dc.Payload.Outcome+"."+dc.Payload.Kind]; r.Outcome == "" {
			r.Outcome = t["dec_"+dc.Payload.Outcome]
		}
	}
	return r
}

// protectedView is one protected category a request asks for: the warning,
// the verifier's legal ground (or that it gives none), and the law.
type protectedView struct {
	Warning, Ground, Law string
}

func protectedViews(pr *wallet.PresentationRequest, lang string) []protectedView {
	var out []protectedView
	seen := map[ppp.Protected]bool{}
	for _, pc := range pr.Protected {
		if seen[pc.Category] {
			continue
		}
		seen[pc.Category] = true
		pv := protectedView{Warning: fmt.Sprintf(texts[lang]["protected"], pr.VerifierName, pc.Category.Label(lang)), Law: pc.Category.Source()}
		if g := pc.Ground; g != nil {
			pv.Ground = fmt.Sprintf(texts[lang]["protected_ground"], pr.VerifierName, g.Text.Get(lang), g.Reference)
		} else {
			pv.Ground = fmt.Sprintf(texts[lang]["protected_none"], pr.VerifierName)
		}
		out = append(out, pv)
	}
	return out
}
