package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/loopbrug/paspoort/internal/webguard"
	"github.com/loopbrug/paspoort/wallet"
)

func (d *Desk) receiveForm(c echo.Context, s *session, _ *wallet.Wallet) error {
	return d.render(c, http.StatusOK, "receive.html", s, map[string]any{"Offer": c.QueryParam("offer")})
}

// orgName is the organisation of an offer as a person knows it.
func orgName(o *wallet.Offer) string {
	if o.IssuerName != "" {
		return o.IssuerName
	}
	return hostOf(o.Issuer)
}

func (d *Desk) resolveOffer(c echo.Context, s *session, w *wallet.Wallet) error {
	lang := webguard.Lang(c)
	link := strings.TrimSpace(c.FormValue("offer"))
	o, err := w.ResolveOffer(c.Request().Context(), link)
	if err != nil {
		d.cfg.Logger.Info("offer refused", "class", className(err))
		return d.render(c, http.StatusBadRequest, "receive.html", s, map[string]any{"Offer": link, "Error": receiveMessage(err, lang, "")})
	}
	id := keep(d, d.offers, sessionID(c), o)
	return d.renderOffer(c, s, http.StatusOK, id, o, "")
}

func (d *Desk) renderOffer(c echo.Context, s *session, code int, id string, o *wallet.Offer, msg string) error {
	c.Response().Header().Set("Content-Security-Policy", offerCSP(o))
	return d.render(c, code, "offer.html", s, map[string]any{"ID": id, "Offer": o, "Org": orgName(o), "Error": msg})
}

// acceptOffer receives what the holder accepted. A wrong PIN keeps the
// offer and asks again, with the attempts left; any other failure ends it
// with what to do next.
func (d *Desk) acceptOffer(c echo.Context, s *session, w *wallet.Wallet) error {
	lang := webguard.Lang(c)
	id := c.Param("id")
	o, ok := take(d, d.offers, sessionID(c), id, false)
	if !ok {
		return d.fail(c, s, http.StatusNotFound, texts[lang]["e_gone"], nil)
	}
	if c.FormValue("decline") != "" {
		take(d, d.offers, sessionID(c), id, true)
		return c.Redirect(http.StatusSeeOther, "/?lang="+lang)
	}
	if o.Flow == wallet.FlowAuthorizationCode {
		return d.startSignIn(c, s, w, id, o)
	}
	got, err := w.Receive(c.Request().Context(), o, wallet.ReceiveOptions{TxCode: strings.TrimSpace(c.FormValue("tx_code"))})
	var te *wallet.TxCodeError
	if err != nil && (errors.As(err, &te) && te.AttemptsLeft != 0 || errors.Is(err, wallet.ErrTxCodeRequired)) {
		d.cfg.Logger.Info("offer: wrong PIN", "class", className(err))
		return d.renderOffer(c, s, http.StatusBadRequest, id, o, messageFor(err, lang, orgName(o)))
	}
	take(d, d.offers, sessionID(c), id, true)
	if err != nil {
		d.cfg.Logger.Info("offer not received", "class", className(err))
		return d.fail(c, s, http.StatusBadRequest, receiveMessage(err, lang, orgName(o)), nil)
	}
	var parts []string
	for _, cr := range got {
		parts = append(parts, fmt.Sprintf(texts[lang]["received_n"], typeName(cr.VCT, lang, cr.Type), orgName(o), cr.Copies))
	}
	d.mu.Lock()
	s.flash = strings.Join(parts, "; ")
	d.mu.Unlock()
	return c.Redirect(http.StatusSeeOther, "/?lang="+lang)
}
