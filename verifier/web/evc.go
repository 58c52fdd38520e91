package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/credentials/profile"
	"github.com/loopbrug/paspoort/internal/webguard"
	"github.com/loopbrug/paspoort/verifier"
)

// EVCConfig makes the desk an EVC provider's (issue 13): after a holder
// shared her portfolio under a recognition profile, the assessor reviews
// it here, competence by competence, checks the files the holder shows
// against the portfolio's fingerprints, and has the provider's issuer
// offer the Ervaringscertificaat and a skill credential per competence
// proven — over the issuer's admin API, as a desk on another machine
// would.
type EVCConfig struct {
	// IssuerAdminURL is the provider's issuer admin API (…/admin).
	IssuerAdminURL string
	// AdminToken is the issuer's admin bearer token.
	AdminToken string
	// Provider is the provider's name on the certificate.
	Provider string
	// Client calls the issuer; default http.DefaultClient.
	Client *http.Client
	// Now is the clock (the assessment date); default time.Now.
	Now func() time.Time
}

// evcOffer is what the desk had the issuer offer for one request: shown
// again on a reload instead of offering twice.
type evcOffer struct {
	Name  string
	Offer issuerOffer
}

// issuerOffer is the part of the issuer admin API's offer the desk shows.
type issuerOffer struct {
	OfferURI            string    `json:"offer_uri"`
	OfferURIByReference string    `json:"offer_uri_by_reference"`
	TxCode              string    `json:"tx_code"`
	ExpiresAt           time.Time `json:"expires_at"`
	QRCode              []byte    `json:"qr_png"`
}

// reviewEntry is one portfolio entry on the review page.
type reviewEntry struct {
	N            int
	Skill        string
	Label        string
	English      bool
	Statement    string
	Context      string
	Period       string
	Evidence     []ppp.PortfolioEvidence
	Result       string
	Level        string
	Remark, Note string
	// Index is the entry's 0-based index in the form's field names.
	Index   string
	Choices []choice
	Levels  []choice
}

// choice is one radio button or select option.
type choice struct {
	Value, Label string
	Checked      bool
}

var evcTexts = map[string]map[string]string{
	"nl": {
		"review": "Portfolio beoordelen", "received": "Portfolio ontvangen", "standard": "Standaard", "prepared": "Opgesteld op",
		"intro":  "Beoordeel elke competentie: aangetoond, deels of niet, met het niveau dat u vond. Schrijf een opmerking bij het bewijs en een notitie van het criteriumgericht interview. Het Ervaringscertificaat noemt wat aangetoond of deels aangetoond is.",
		"result": "Uitkomst", "proven": "Aangetoond", "partly": "Deels aangetoond", "not": "Niet aangetoond", "level": "Niveau",
		"remark": "Opmerking bij het bewijs", "note": "Notitie van het interview", "assessor": "Uw naam (assessor)",
		"issue": "Maak het Ervaringscertificaat", "file": "Bestand", "check_file": "Controleer een bestand van de kandidaat",
		"check_help": "Laat de kandidaat het bestand geven. Hier ziet u of het precies het bestand is dat in het portfolio staat.",
		"check":      "Controleer", "file_ok": "Dit is het bestand %q uit het portfolio (onderdeel %d).", "file_bad": "Dit bestand staat niet in het portfolio: het is niet hetzelfde als wat de kandidaat opgaf.",
		"credential": "Bewijs", "from": "van", "since": "sinds", "offered": "Klaar: de kandidaat kan het bewijs ophalen",
		"offer_help": "Laat de kandidaat elke QR-code scannen met haar of zijn wallet. De pincode geeft u apart (bijvoorbeeld per sms).",
		"pin":        "Pincode", "valid_until": "Geldig tot", "open_web_wallet": "Open in de webwallet op deze computer",
		"not_decided": "Het portfolio is nog niet ontvangen.", "no_portfolio": "In dit antwoord zit geen portfolio om te beoordelen.",
		"issue_failed": "De uitgever van %s gaf geen antwoord. Er is niets uitgegeven; probeer het opnieuw.",
		"review_bad":   "De beoordeling is nog niet compleet: %s",
		"certificate":  "Ervaringscertificaat", "skill": "Vaardigheid", "english": "(Engels)", "tech": "Technische details",
		"new": "Nieuwe aanvraag",
	},
	"en": {
		"review": "Review the portfolio", "received": "Portfolio received", "standard": "Standard", "prepared": "Prepared on",
		"intro":  "Review each competence: proven, partly or not, with the level you found. Write a remark on the evidence and a note of the criterion-based interview. The Ervaringscertificaat names what is proven or partly proven.",
		"result": "Result", "proven": "Proven", "partly": "Partly proven", "not": "Not proven", "level": "Level",
		"remark": "Remark on the evidence", "note": "Interview note", "assessor": "Your name (assessor)",
		"issue": "Make the Ervaringscertificaat", "file": "File", "check_file": "Check a file of the candidate",
		"check_help": "Have the candidate give you the file. You see here whether it is exactly the file the portfolio names.",
		"check":      "Check", "file_ok": "This is the file %q of the portfolio (entry %d).", "file_bad": "This file is not in the portfolio: it is not the same as what the candidate declared.",
		"credential": "Credential", "from": "from", "since": "since", "offered": "Done: the candidate can collect the credentials",
		"offer_help": "Have the candidate scan each QR code with their wallet. Give the PIN separately (by text message, say).",
		"pin":        "PIN", "valid_until": "Valid until", "open_web_wallet": "Open in the web wallet on this computer",
		"not_decided": "The portfolio has not been received yet.", "no_portfolio": "This answer holds no portfolio to review.",
		"issue_failed": "The issuer of %s did not answer. Nothing was issued; try again.",
		"review_bad":   "The review is not complete yet: %s",
		"certificate":  "Ervaringscertificaat", "skill": "Skill", "english": "", "tech": "Technical details",
		"new": "New request",
	},
}

// portfolioOf finds the portfolio in a decision: the claims of the
// evidence of the portfolio type.
func portfolioOf(d *verifier.Decision) (*ppp.PortfolioClaims, bool) {
	if d == nil {
		return nil, false
	}
	t, _ := ppp.Lookup(ppp.TypePortfolio)
	for _, r := range d.Requirements {
		for _, ev := range r.Evidence {
			if ev.VCT != t.VCT || ev.Claims == nil {
				continue
			}
			b, err := json.Marshal(ev.Claims)
			if err != nil {
				continue
			}
			var p ppp.PortfolioClaims
			if json.Unmarshal(b, &p) == nil && len(p.Entries) > 0 {
				if p.Assurance == "" {
					p.Assurance = ppp.AssuranceSelf
				}
				return &p, true
			}
		}
	}
	return nil, false
}

// reviewable returns the request's transaction and portfolio when this
// desk session may review it, else renders the page that says why.
func (d *Desk) reviewable(c echo.Context) (*asked, *verifier.Transaction, *ppp.PortfolioClaims, error) {
	id := c.Param("id")
	lang := webguard.Lang(c)
	a, ok := d.mine(c, id)
	if !ok {
		return nil, nil, nil, d.render(c, http.StatusNotFound, "error.html", map[string]any{"Message": texts[lang]["unknown_request"]})
	}
	tx, err := d.cfg.Store.Transaction(c.Request().Context(), id)
	if err != nil {
		return nil, nil, nil, d.render(c, http.StatusNotFound, "error.html", map[string]any{"Message": texts[lang]["unknown_request"]})
	}
	if tx.Status != verifier.TxDecided {
		return nil, nil, nil, d.render(c, http.StatusConflict, "error.html", map[string]any{"Message": evcTexts[lang]["not_decided"]})
	}
	p, ok := portfolioOf(tx.Decision)
	if !ok {
		return nil, nil, nil, d.render(c, http.StatusConflict, "error.html", map[string]any{"Message": evcTexts[lang]["no_portfolio"]})
	}
	return a, tx, p, nil
}

// isRecognition reports whether the desk reviews decisions under profile p.
func (d *Desk) isRecognition(p *profile.Profile) bool {
	return d.cfg.EVC != nil && p != nil && p.Kind == profile.KindRecognition
}

func (d *Desk) review(c echo.Context) error {
	a, tx, p, err := d.reviewable(c)
	if a == nil {
		return err
	}
	return d.renderReview(c, http.StatusOK, tx, p, nil, "", "")
}

func (d *Desk) renderReview(c echo.Context, code int, tx *verifier.Transaction, p *ppp.PortfolioClaims, form map[string][]string, assessor, problem string) error {
	lang := webguard.Lang(c)
	e := evcTexts[lang]
	d.mu.Lock()
	offers := d.asked[tx.ID].offers
	d.mu.Unlock()
	var entries []reviewEntry
	for i, en := range p.Entries {
		l, english := ppp.SkillLabel(en.Skill, lang)
		period := e["since"] + " " + ppp.FormatDate(en.From.Time(), lang)
		if en.Until != nil {
			period = ppp.FormatDate(en.From.Time(), lang) + " – " + ppp.FormatDate(en.Until.Time(), lang)
		}
		re := reviewEntry{N: i + 1, Skill: en.Skill, Label: l, English: english && lang != "en", Statement: en.Statement, Context: en.Context,
			Period: period, Evidence: en.Evidence, Result: ppp.ReviewNot}
		if form != nil {
			n := strconv.Itoa(i)
			re.Result, re.Level, re.Remark, re.Note = first(form["result-"+n]), first(form["level-"+n]), first(form["remark-"+n]), first(form["note-"+n])
		}
		re.Index = strconv.Itoa(i)
		if re.Result == "" {
			re.Result = ppp.ReviewNot
		}
		for _, r := range []string{ppp.ReviewProven, ppp.ReviewPartly, ppp.ReviewNot} {
			re.Choices = append(re.Choices, choice{Value: r, Label: e[r], Checked: r == re.Result})
		}
		for l := ppp.ProficiencyBasic; l <= ppp.ProficiencyExpert; l++ {
			v := strconv.Itoa(int(l))
			re.Levels = append(re.Levels, choice{Value: v, Label: v + " · " + l.Label(lang), Checked: v == re.Level})
		}
		entries = append(entries, re)
	}
	type offerView struct {
		evcOffer
		WalletLink string
		// ValidUntil is the offer's end as a person reads it: "12
		// december 2026, 18:53".
		ValidUntil string
	}
	var ov []offerView
	for _, o := range offers {
		exp := o.Offer.ExpiresAt.Local()
		v := offerView{evcOffer: o, ValidUntil: ppp.FormatDate(exp, lang) + ", " + exp.Format("15:04")}
		if d.cfg.WalletURL != "" {
			v.WalletLink = d.cfg.WalletURL + "/receive?offer=" + url.QueryEscape(o.Offer.OfferURIByReference) + "&lang=" + lang
		}
		ov = append(ov, v)
	}
	data := map[string]any{"ID": tx.ID, "E": e, "P": p, "Entries": entries, "Offers": ov, "Assessor": assessor, "Problem": problem,
		"Prepared": ppp.FormatDate(p.PreparedOn.Time(), lang)}
	if v, ok := c.Get("fileCheck").(string); ok {
		data["FileCheck"], data["FileOK"] = v, c.Get("fileOK")
	}
	return d.render(c, code, "evc_review.html", data)
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return strings.TrimSpace(v[0])
}

// postReview turns the assessor's review into the certificate and skill
// credentials and has the issuer offer them, once per request.
func (d *Desk) postReview(c echo.Context) error {
	a, tx, p, err := d.reviewable(c)
	if a == nil {
		return err
	}
	lang := webguard.Lang(c)
	e := evcTexts[lang]
	d.mu.Lock()
	done := len(d.asked[tx.ID].offers) > 0
	d.mu.Unlock()
	if done {
		return c.Redirect(http.StatusSeeOther, "/requests/"+tx.ID+"/review?lang="+lang)
	}
	form, err := c.FormParams()
	if err != nil {
		return d.render(c, http.StatusBadRequest, "error.html", map[string]any{"Message": texts[lang]["unknown_request"]})
	}
	cfg := d.cfg.EVC
	now := time.Now
	if cfg.Now != nil {
		now = cfg.Now
	}
	rv := ppp.EVCReview{Provider: cfg.Provider, Assessor: first(form["assessor"]), AssessedOn: ppp.DateOf(now())}
	for i, en := range p.Entries {
		n := strconv.Itoa(i)
		level, _ := strconv.Atoi(first(form["level-"+n]))
		rv.Competences = append(rv.Competences, ppp.CompetenceReview{Skill: en.Skill, Result: first(form["result-"+n]),
			Proficiency: ppp.Proficiency(level), Remark: first(form["remark-"+n]), InterviewNote: first(form["note-"+n])})
	}
	cert, skills, err := ppp.Recognise(p, rv)
	if err != nil {
		return d.renderReview(c, http.StatusUnprocessableEntity, tx, p, form, rv.Assessor, fmt.Sprintf(e["review_bad"], reviewProblem(err, lang)))
	}
	offers, err := d.offerEVC(c.Request().Context(), tx.ID, cert, skills, lang)
	if err != nil {
		// Nothing is kept of a failed round: the assessor submits again
		// and every credential is offered afresh (an offer never redeemed
		// expires at the issuer).
		d.cfg.Logger.Warn("evc offer failed", "request", tx.ID, "offered", len(offers), "err", err)
		return d.renderReview(c, http.StatusBadGateway, tx, p, form, rv.Assessor, fmt.Sprintf(e["issue_failed"], d.cfg.EVC.Provider))
	}
	d.mu.Lock()
	if as, ok := d.asked[tx.ID]; ok {
		as.offers = offers
	}
	d.mu.Unlock()
	return c.Redirect(http.StatusSeeOther, "/requests/"+tx.ID+"/review?lang="+lang)
}

// reviewProblem says what an assessor must still fill in, in lang.
func reviewProblem(err error, lang string) string {
	switch {
	case errors.Is(err, ppp.ErrReviewLevel):
		return map[string]string{"nl": "kies bij elke aangetoonde competentie het niveau.", "en": "choose the level of every competence proven."}[lang]
	case errors.Is(err, ppp.ErrReviewNames):
		return map[string]string{"nl": "vul uw naam in.", "en": "fill in your name."}[lang]
	case errors.Is(err, ppp.ErrReviewNothing):
		return map[string]string{"nl": "er is geen competentie aangetoond; dan is er geen Ervaringscertificaat.", "en": "no competence is proven; then there is no Ervaringscertificaat."}[lang]
	case errors.Is(err, ppp.ErrReviewTooLong):
		return map[string]string{"nl": "een opmerking met notitie is te lang (hoogstens 1800 tekens).", "en": "a remark with its note is too long (at most 1800 characters)."}[lang]
	}
	return map[string]string{"nl": "controleer de uitkomsten.", "en": "check the results."}[lang]
}

// offerEVC has the issuer offer the certificate, then each skill
// credential, each as its own offer (an offer holds one credential per
// type).
func (d *Desk) offerEVC(ctx context.Context, txID string, cert *ppp.ErvaringscertificaatClaims, skills []ppp.SkillClaims, lang string) ([]evcOffer, error) {
	e := evcTexts[lang]
	type cred struct {
		name, typ string
		claims    any
	}
	creds := []cred{{e["certificate"] + ": " + cert.StandardLabel, ppp.TypeErvaringscertificaat, cert}}
	for _, s := range skills {
		l, _ := ppp.SkillLabel(s.Skill, lang)
		creds = append(creds, cred{e["skill"] + ": " + l, ppp.TypeSkill, s})
	}
	var out []evcOffer
	for _, cr := range creds {
		claims, err := json.Marshal(cr.claims)
		if err != nil {
			return out, err
		}
		body, err := json.Marshal(map[string]any{"type": cr.typ, "claims": json.RawMessage(claims), "tx_code": true,
			"subject_ref": "evc-" + txID[:min(12, len(txID))]})
		if err != nil {
			return out, err
		}
		o, err := d.postOffer(ctx, body)
		if err != nil {
			return out, err
		}
		out = append(out, evcOffer{Name: cr.name, Offer: *o})
	}
	return out, nil
}

// maxOfferResponse bounds the issuer's answer (a QR code PNG and links).
const maxOfferResponse = 1 << 20

func (d *Desk) postOffer(ctx context.Context, body []byte) (*issuerOffer, error) {
	cfg := d.cfg.EVC
	client := cfg.Client
	if client == nil {
		client = http.DefaultClient
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(cfg.IssuerAdminURL, "/")+"/offers", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+cfg.AdminToken)
	res, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, maxOfferResponse))
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusCreated && res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("issuer answered %d", res.StatusCode)
	}
	var o issuerOffer
	if err := json.Unmarshal(b, &o); err != nil || o.OfferURIByReference == "" {
		return nil, errors.New("issuer answered without an offer")
	}
	return &o, nil
}

// checkFile tells the assessor whether a file the holder shows is one the
// portfolio names, by its SHA-256.
func (d *Desk) checkFile(c echo.Context) error {
	a, tx, p, err := d.reviewable(c)
	if a == nil {
		return err
	}
	lang := webguard.Lang(c)
	e := evcTexts[lang]
	fh, err := c.FormFile("file")
	if err != nil {
		return d.renderReview(c, http.StatusBadRequest, tx, p, nil, "", "")
	}
	f, err := fh.Open()
	if err != nil {
		return d.renderReview(c, http.StatusBadRequest, tx, p, nil, "", "")
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, io.LimitReader(f, maxUpload)); err != nil {
		return d.renderReview(c, http.StatusBadRequest, tx, p, nil, "", "")
	}
	sum := base64.RawURLEncoding.EncodeToString(h.Sum(nil))
	c.Set("fileCheck", e["file_bad"])
	c.Set("fileOK", false)
	for i, en := range p.Entries {
		for _, ev := range en.Evidence {
			if ev.Kind == ppp.EvidenceAttachment && ev.SHA256 == sum {
				c.Set("fileCheck", fmt.Sprintf(e["file_ok"], ev.Name, i+1))
				c.Set("fileOK", true)
			}
		}
	}
	return d.renderReview(c, http.StatusOK, tx, p, nil, "", "")
}

// maxUpload bounds a file the assessor checks (the wallet keeps files of
// at most 8 MiB).
const maxUpload = 9 << 20

// offerQR serves the QR code of offer n of a request, to the desk session
// that made the request.
func (d *Desk) offerQR(c echo.Context) error {
	a, ok := d.mine(c, c.Param("id"))
	n, err := strconv.Atoi(c.Param("n"))
	if !ok || err != nil {
		return c.String(http.StatusNotFound, "unknown offer\n")
	}
	d.mu.Lock()
	var png []byte
	if n >= 0 && n < len(a.offers) {
		png = a.offers[n].Offer.QRCode
	}
	d.mu.Unlock()
	if len(png) == 0 {
		return c.String(http.StatusNotFound, "unknown offer\n")
	}
	return c.Blob(http.StatusOK, "image/png", png)
}
