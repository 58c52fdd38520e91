package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/internal/webguard"
	"github.com/loopbrug/paspoort/wallet"
)

// The EVC portfolio pages (issue 13): the holder starts a portfolio for an
// occupation, adds per competence what she did, keeps files and names the
// credentials that back it, and signs it to share with an EVC provider.

// portfolioRow is one portfolio in the list.
type portfolioRow struct {
	ID, Standard string
	Entries      int
	Issued       bool
}

// entryView is one entry of a portfolio, in words.
type entryView struct {
	N                int
	Skill            string
	English          bool
	Context, Period  string
	Statement        string
	Files, Evidences []string
}

// skillChoice is one skill of the standard to choose from.
type skillChoice struct {
	URI, Label string
	English    bool
	Done       bool
}

// credChoice is one credential of the wallet that can back an entry.
type credChoice struct{ ID, Label string }

func (d *Desk) portfolios(c echo.Context, s *session, w *wallet.Wallet) error {
	return d.renderPortfolios(c, s, w, http.StatusOK, "", nil)
}

func (d *Desk) renderPortfolios(c echo.Context, s *session, w *wallet.Wallet, code int, problem string, choices []ppp.Occupation) error {
	ps, err := w.Portfolios(c.Request().Context())
	if err != nil {
		return d.fail(c, s, http.StatusInternalServerError, texts[webguard.Lang(c)]["e_other"], err)
	}
	var rows []portfolioRow
	for _, p := range ps {
		rows = append(rows, portfolioRow{ID: p.ID, Standard: p.StandardLabel, Entries: len(p.Entries), Issued: p.Issued != ""})
	}
	lang := webguard.Lang(c)
	var occ []skillChoice
	for _, o := range choices {
		l := o.LabelNl
		if lang == "en" || l == "" {
			l = o.LabelEn
		}
		occ = append(occ, skillChoice{URI: o.URI, Label: l})
	}
	return d.render(c, code, "portfolios.html", s, map[string]any{"Portfolios": rows, "Error": problem, "Choices": occ, "Query": c.FormValue("occupation")})
}

// newPortfolio starts a portfolio for the occupation the holder names (or
// picks from the matches of what she typed).
func (d *Desk) newPortfolio(c echo.Context, s *session, w *wallet.Wallet) error {
	lang := webguard.Lang(c)
	std := strings.TrimSpace(c.FormValue("standard"))
	if std == "" {
		q := strings.TrimSpace(c.FormValue("occupation"))
		hits := ppp.SearchOccupations(q, 8)
		switch {
		case q == "" || len(hits) == 0:
			return d.renderPortfolios(c, s, w, http.StatusUnprocessableEntity, texts[lang]["pf_no_occupation"], nil)
		case len(hits) > 1 && !strings.EqualFold(hits[0].LabelNl, q) && !strings.EqualFold(hits[0].LabelEn, q):
			return d.renderPortfolios(c, s, w, http.StatusOK, texts[lang]["pf_choose_occupation"], hits)
		}
		std = hits[0].URI
	}
	p, err := w.NewPortfolio(c.Request().Context(), std, "")
	if err != nil {
		return d.renderPortfolios(c, s, w, http.StatusUnprocessableEntity, portfolioMessage(err, lang), nil)
	}
	return c.Redirect(http.StatusSeeOther, "/portfolio/"+p.ID+"?lang="+lang)
}

// portfolioMessage says a refused portfolio step in lang.
func portfolioMessage(err error, lang string) string {
	var pe *wallet.PortfolioError
	switch {
	case errors.As(err, &pe):
		if lang == "en" {
			return pe.EN + "."
		}
		return pe.NL + "."
	case errors.Is(err, wallet.ErrPortfolioIssued):
		return texts[lang]["pf_issued_already"]
	}
	return texts[lang]["e_other"]
}

func (d *Desk) portfolio(c echo.Context, s *session, w *wallet.Wallet) error {
	return d.renderPortfolio(c, s, w, http.StatusOK, "")
}

func (d *Desk) renderPortfolio(c echo.Context, s *session, w *wallet.Wallet, code int, problem string) error {
	lang := webguard.Lang(c)
	p, err := w.Portfolio(c.Request().Context(), c.Param("id"))
	if err != nil {
		return d.fail(c, s, http.StatusNotFound, texts[lang]["pf_unknown"], err)
	}
	done := map[string]bool{}
	var entries []entryView
	for i, e := range p.Entries {
		done[e.Skill] = true
		l, en := ppp.SkillLabel(e.Skill, lang)
		ev := entryView{N: i + 1, Skill: l, English: en && lang != "en", Context: e.Context, Statement: e.Statement}
		ev.Period = period(e.From, e.Until, lang)
		for _, a := range e.Attachments {
			ev.Files = append(ev.Files, a.Name)
		}
		for _, id := range e.Credentials {
			if cr, err := w.Credential(id); err == nil {
				ev.Evidences = append(ev.Evidences, credLabel(cr, lang))
			}
		}
		entries = append(entries, ev)
	}
	var skills []skillChoice
	for _, sk := range wallet.StandardSkills(p.Standard) {
		l, en := ppp.SkillLabel(sk.URI, lang)
		skills = append(skills, skillChoice{URI: sk.URI, Label: l, English: en && lang != "en", Done: done[sk.URI]})
	}
	var creds []credChoice
	for _, cr := range w.Credentials() {
		if cr.Type != "" && cr.Type != ppp.TypePortfolio {
			creds = append(creds, credChoice{ID: cr.ID, Label: credLabel(cr, lang)})
		}
	}
	return d.render(c, code, "portfolio.html", s, map[string]any{"P": p, "Entries": entries, "Skills": skills, "Creds": creds,
		"Error": problem, "Issued": p.Issued != ""})
}

// period writes a portfolio entry's period in words.
func period(from, until, lang string) string {
	f, err := ppp.ParseDate(from)
	if err != nil {
		return from
	}
	if until == "" {
		return texts[lang]["pf_since"] + " " + ppp.FormatDate(f.Time(), lang)
	}
	u, err := ppp.ParseDate(until)
	if err != nil {
		return from + " – " + until
	}
	return ppp.FormatDate(f.Time(), lang) + " – " + ppp.FormatDate(u.Time(), lang)
}

// credLabel names a credential as the holder knows it: its type and
// issuer.
func credLabel(cr *wallet.Credential, lang string) string {
	name := cr.IssuerName
	if name == "" {
		name = hostOf(cr.Issuer)
	}
	return typeName(cr.VCT, lang, cr.Type) + " " + texts[lang]["pf_from"] + " " + name
}

func (d *Desk) addEntry(c echo.Context, s *session, w *wallet.Wallet) error {
	lang := webguard.Lang(c)
	e := wallet.PortfolioEntry{Skill: c.FormValue("skill"), Statement: c.FormValue("statement"), Context: c.FormValue("context"),
		From: c.FormValue("from"), Until: c.FormValue("until")}
	if _, err := w.AddPortfolioEntry(c.Request().Context(), c.Param("id"), e); err != nil {
		if errors.Is(err, wallet.ErrNotFound) {
			return d.fail(c, s, http.StatusNotFound, texts[lang]["pf_unknown"], err)
		}
		return d.renderPortfolio(c, s, w, http.StatusUnprocessableEntity, portfolioMessage(err, lang))
	}
	return c.Redirect(http.StatusSeeOther, "/portfolio/"+url.PathEscape(c.Param("id"))+"?lang="+lang)
}

// entryIndex reads the entry number (1, 2, …) of the path.
func entryIndex(c echo.Context) int {
	n, err := strconv.Atoi(c.Param("n"))
	if err != nil {
		return -1
	}
	return n - 1
}

func (d *Desk) attachFile(c echo.Context, s *session, w *wallet.Wallet) error {
	lang := webguard.Lang(c)
	fh, err := c.FormFile("file")
	if err != nil {
		return d.renderPortfolio(c, s, w, http.StatusUnprocessableEntity, texts[lang]["pf_choose_file"])
	}
	if fh.Size > wallet.MaxAttachmentSize {
		return d.renderPortfolio(c, s, w, http.StatusRequestEntityTooLarge, fmt.Sprintf(texts[lang]["pf_file_too_big"], wallet.MaxAttachmentSize>>20))
	}
	f, err := fh.Open()
	if err != nil {
		return d.renderPortfolio(c, s, w, http.StatusUnprocessableEntity, texts[lang]["pf_choose_file"])
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, wallet.MaxAttachmentSize+1))
	if err != nil {
		return d.renderPortfolio(c, s, w, http.StatusUnprocessableEntity, texts[lang]["pf_choose_file"])
	}
	if _, err := w.Attach(c.Request().Context(), c.Param("id"), entryIndex(c), fh.Filename, "", data); err != nil {
		return d.renderPortfolio(c, s, w, http.StatusUnprocessableEntity, portfolioMessage(err, lang))
	}
	return c.Redirect(http.StatusSeeOther, "/portfolio/"+url.PathEscape(c.Param("id"))+"?lang="+lang)
}

func (d *Desk) linkCredential(c echo.Context, s *session, w *wallet.Wallet) error {
	lang := webguard.Lang(c)
	if err := w.LinkCredential(c.Request().Context(), c.Param("id"), entryIndex(c), c.FormValue("credential")); err != nil {
		return d.renderPortfolio(c, s, w, http.StatusUnprocessableEntity, portfolioMessage(err, lang))
	}
	return c.Redirect(http.StatusSeeOther, "/portfolio/"+url.PathEscape(c.Param("id"))+"?lang="+lang)
}

func (d *Desk) issuePortfolio(c echo.Context, s *session, w *wallet.Wallet) error {
	lang := webguard.Lang(c)
	cr, err := w.IssuePortfolio(c.Request().Context(), c.Param("id"), 2)
	if err != nil {
		return d.renderPortfolio(c, s, w, http.StatusUnprocessableEntity, portfolioMessage(err, lang))
	}
	s.flash = fmt.Sprintf(texts[lang]["pf_signed"], typeName(cr.VCT, lang, cr.Type))
	return c.Redirect(http.StatusSeeOther, "/?lang="+lang)
}
