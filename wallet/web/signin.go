package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/loopbrug/paspoort/internal/webguard"
	"github.com/loopbrug/paspoort/wallet"
)

// The Authorization Code Flow in the web wallet (OpenID4VCI §3.4): the
// holder accepts an offer, her browser goes to the issuer's page
// (POST /receive/{id} → 303), she signs in there, and the issuer sends
// the browser back to GET /receive/callback, which receives the
// credentials.
//
// The session cookie is SameSite=Strict, so a browser does not send it
// on the way back from another site. The way back is bound instead by
// signinCookie: SameSite=Lax (sent on a top-level GET from another site),
// limited to the callback's path, naming the pending sign-in, which is
// kept here with the session that started it (bounded and expiring as
// pending offers are). The wallet's check of state and iss
// (wallet.FinishAuthorization) binds the answer to the request; a
// request without the cookie, or for a pending sign-in that is gone,
// changes nothing. State-changing POSTs stay behind the CSRF token and
// webguard.Guard's Sec-Fetch-Site check; the callback is a GET, which
// Guard lets through from another site.

// callbackPath is where the issuer sends the browser back.
const callbackPath = "/receive/callback"

// signinCookie names the pending sign-in of this browser.
const signinCookie = "paspoort_web_signin"

// signin is an authorization waiting for the issuer's answer.
type signin struct {
	az   *wallet.Authorization
	org  string
	lang string
}

// signinTexts are the texts of signing in at the issuer, merged into
// texts by init.
var signinTexts = map[string]map[string]string{
	"nl": {
		"signin_intro":      "Hierna gaat u naar de website van %s. Daar logt u in. Heeft u een pincode gekregen? Die vult u daar in, niet hier. Daarna komt u vanzelf terug in uw paspoort.",
		"signin_accept":     "Verder naar %s",
		"signin_go":         "U logt in bij %s op de website van %s. Kies de knop hieronder om verder te gaan.",
		"signin_go_button":  "Ga naar %s",
		"signin_back":       "U bent terug van %s.",
		"signin_again":      "Plak de link van het aanbod opnieuw",
		"e_signin_denied":   "U heeft het aanbod geweigerd op de website van %s. Er is niets opgeslagen.",
		"n_signin_denied":   "Wilt u het bewijs toch? Plak de link van het aanbod opnieuw bij Ontvangen, of vraag %s om een nieuw aanbod.",
		"e_signin_mismatch": "Het antwoord dat terugkwam van %s hoort niet bij uw aanvraag. Er is niets opgeslagen.",
		"n_signin_mismatch": "Begin opnieuw: plak de link van het aanbod bij Ontvangen.",
		"e_signin_gone":     "Deze aanvraag is verlopen of al afgerond, of uw paspoort is intussen vergrendeld. Er is niets opgeslagen.",
		"n_signin_gone":     "Ontgrendel uw paspoort en plak de link van het aanbod opnieuw bij Ontvangen.",
		"e_no_provider":     "%s vraagt een verklaring van de aanbieder van uw wallet. Die is niet ingesteld. Er is niets opgeslagen.",
		"n_no_provider":     "Start de wallet met het adres van uw walletaanbieder (--wallet-provider) en probeer het opnieuw.",
	},
	"en": {
		"signin_intro":      "Next you go to the website of %s and sign in there. Were you given a PIN? You enter it there, not here. Afterwards you come back to your paspoort by yourself.",
		"signin_accept":     "Continue to %s",
		"signin_go":         "You sign in at %s on the website of %s. Choose the button below to continue.",
		"signin_go_button":  "Go to %s",
		"signin_back":       "You are back from %s.",
		"signin_again":      "Paste the offer's link again",
		"e_signin_denied":   "You declined the offer on the website of %s. Nothing was kept.",
		"n_signin_denied":   "Do you want the evidence after all? Paste the offer's link again under Receive, or ask %s for a new offer.",
		"e_signin_mismatch": "The answer that came back from %s does not belong to your request. Nothing was kept.",
		"n_signin_mismatch": "Start again: paste the offer's link under Receive.",
		"e_signin_gone":     "This request has expired or is already finished, or your paspoort was locked meanwhile. Nothing was kept.",
		"n_signin_gone":     "Unlock your paspoort and paste the offer's link again under Receive.",
		"e_no_provider":     "%s asks for a statement from your wallet's provider, and none is set. Nothing was kept.",
		"n_no_provider":     "Start the wallet with your wallet provider's URL (--wallet-provider) and try again.",
	},
}

func init() {
	for l, m := range signinTexts {
		for k, v := range m {
			texts[l][k] = v
		}
	}
}

// originOf is the scheme and host of u ("" when u is not absolute).
func originOf(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.Scheme == "" || p.Host == "" {
		return ""
	}
	return strings.ToLower(p.Scheme) + "://" + strings.ToLower(p.Host)
}

// offerCSP is the page policy of an offer: an offer received by signing
// in lets its form lead to the issuer (browsers hold the redirect after
// a form to form-action, CSP3 §6.3.1).
func offerCSP(o *wallet.Offer) string {
	if o.Flow != wallet.FlowAuthorizationCode {
		return webguard.NoImagesCSP
	}
	if org := originOf(o.Issuer); org != "" {
		return strings.Replace(webguard.NoImagesCSP, "form-action 'self'", "form-action 'self' "+org, 1)
	}
	return webguard.NoImagesCSP
}

// callbackURL is the redirect URI of this web wallet: its own origin, as
// the browser names it (Guard allows only the configured hosts).
func callbackURL(c echo.Context) string {
	return c.Scheme() + "://" + c.Request().Host + callbackPath
}

// startSignIn sends the holder's browser to the issuer's page for an
// offer she accepted. The offer is used up either way.
func (d *Desk) startSignIn(c echo.Context, s *session, w *wallet.Wallet, id string, o *wallet.Offer) error {
	lang := webguard.Lang(c)
	sid := sessionID(c)
	take(d, d.offers, sid, id, true)
	org := orgName(o)
	az, err := w.StartAuthorization(c.Request().Context(), o, callbackURL(c))
	if err != nil {
		d.cfg.Logger.Info("sign-in not started", "class", className(err))
		data := map[string]any{"Again": "/receive?lang=" + lang}
		failData(data, err, lang, org)
		return d.render(c, http.StatusBadRequest, "message.html", s, data)
	}
	key := keep(d, d.signins, sid, &signin{az: az, org: org, lang: lang})
	c.SetCookie(&http.Cookie{Name: signinCookie, Value: key, Path: callbackPath, MaxAge: int(pendingTTL.Seconds()),
		HttpOnly: true, Secure: c.Scheme() == "https", SameSite: http.SameSiteLaxMode})
	d.cfg.Logger.Info("sign-in started", "issuer", o.Issuer)
	if originOf(az.URL) == originOf(o.Issuer) {
		return c.Redirect(http.StatusSeeOther, az.URL)
	}
	// The page is on another origin than the offer's issuer (its own
	// authorization server), which the offer page's form-action does not
	// name: the holder follows a link instead.
	return d.render(c, http.StatusOK, "message.html", s, map[string]any{"Message": fmt.Sprintf(texts[lang]["signin_go"], org, hostOf(az.URL)),
		"Link": az.URL, "LinkText": fmt.Sprintf(texts[lang]["signin_go_button"], hostOf(az.URL))})
}

// signinCallback takes the browser back from the issuer's page: it finds
// the pending sign-in by signinCookie (the session cookie does not come
// along from another site), finishes it, and shows the outcome. The
// pending sign-in is used up by any answer. The log gets the error class
// only, never the code or the query.
func (d *Desk) signinCallback(c echo.Context) error {
	key := ""
	if ck, err := c.Cookie(signinCookie); err == nil {
		key = ck.Value
	}
	c.SetCookie(&http.Cookie{Name: signinCookie, Value: "", Path: callbackPath, MaxAge: -1, HttpOnly: true,
		Secure: c.Scheme() == "https", SameSite: http.SameSiteLaxMode})
	d.mu.Lock()
	d.expireLocked()
	p, ok := d.signins[key]
	delete(d.signins, key)
	var s *session
	if ok {
		s = d.sessions[p.session]
	}
	w := d.w
	d.mu.Unlock()
	lang := webguard.Lang(c)
	if ok {
		lang = p.v.lang
	}
	// Fixed: the page of an answer shows no language switch, which
	// would send the same answer again.
	data := map[string]any{"Lang": lang, "Again": "/receive?lang=" + lang, "Fixed": true}
	sid := sessionID(c)
	if !ok || s == nil || w == nil || sid != "" && sid != p.session {
		d.cfg.Logger.Info("sign-in answer without a pending sign-in")
		data["Error"], data["Next"] = texts[lang]["e_signin_gone"], texts[lang]["n_signin_gone"]
		return d.render(c, http.StatusNotFound, "message.html", nil, data)
	}
	// Only a browser that carries the session cookie gets the menu.
	var shown *session
	if sid == p.session {
		shown = s
	}
	org := p.v.org
	back := *c.Request().URL
	back.Path, back.Fragment = "", ""
	got, err := w.FinishAuthorization(c.Request().Context(), p.v.az, callbackURL(c)+"?"+back.RawQuery, wallet.ReceiveOptions{})
	if err != nil {
		d.cfg.Logger.Info("sign-in answer refused", "class", className(err))
		failData(data, err, lang, org)
		return d.render(c, http.StatusBadRequest, "message.html", shown, data)
	}
	d.cfg.Logger.Info("received after sign-in", "count", len(got))
	var parts []string
	for _, cr := range got {
		parts = append(parts, fmt.Sprintf(texts[lang]["received_n"], typeName(cr.VCT, lang, cr.Type), org, cr.Copies))
	}
	flash := strings.Join(parts, "; ")
	d.mu.Lock()
	s.flash = flash
	d.mu.Unlock()
	home := "/?lang=" + lang
	if shown != nil {
		return c.Redirect(http.StatusSeeOther, home)
	}
	// Back from another site: the browser left the session cookie
	// behind. The page says what was received, and moves on to "Mijn
	// paspoort" by itself (a refresh the page starts itself is same-site,
	// so the cookie comes along), with a link for when it does not.
	c.Response().Header().Set("Refresh", "0; url="+home)
	data["Message"], data["Flash"], data["Again"] = fmt.Sprintf(texts[lang]["signin_back"], org), flash, ""
	return d.render(c, http.StatusOK, "message.html", nil, data)
}

// signinParts says what happened in a failed sign-in and what to do
// next; "" for other errors.
func signinParts(err error, t map[string]string, org string) (what, next string) {
	switch {
	case errors.Is(err, wallet.ErrAuthorizationDenied):
		return fmt.Sprintf(t["e_signin_denied"], org), fmt.Sprintf(t["n_signin_denied"], org)
	case errors.Is(err, wallet.ErrAuthorizationResponse):
		return fmt.Sprintf(t["e_signin_mismatch"], org), t["n_signin_mismatch"]
	case errors.Is(err, wallet.ErrNoWalletProvider):
		return fmt.Sprintf(t["e_no_provider"], org), t["n_no_provider"]
	}
	return "", ""
}

// signinMessage is signinParts in one message.
func signinMessage(err error, t map[string]string, org string) string {
	if what, next := signinParts(err, t, org); what != "" {
		return what + " " + next
	}
	return ""
}

// failData fills the message page of a failed receive: what happened,
// what to do next, and the error's text behind "Technische details".
func failData(data map[string]any, err error, lang, org string) {
	data["Error"], data["Detail"] = receiveMessage(err, lang, org), err.Error()
	if what, next := signinParts(err, texts[lang], org); what != "" {
		data["Error"], data["Next"] = what, next
	}
}
