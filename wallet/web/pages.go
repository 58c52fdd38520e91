package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/loopbrug/paspoort/credentials/profile"
	"github.com/loopbrug/paspoort/internal/webguard"
	"github.com/loopbrug/paspoort/wallet"
)

func (d *Desk) history(c echo.Context, s *session, w *wallet.Wallet) error {
	lang := webguard.Lang(c)
	h, err := w.History(c.Request().Context())
	if err != nil {
		return d.fail(c, s, http.StatusInternalServerError, texts[lang]["e_other"], err)
	}
	rows := make([]presentationRow, 0, len(h))
	for _, p := range slices.Backward(h) {
		rows = append(rows, presentationView(p, lang))
	}
	return d.render(c, http.StatusOK, "history.html", s, map[string]any{"History": rows})
}

// opportunity is one published profile matched privately.
type opportunity struct {
	Verifier string
	Profile  *profile.Profile
	Result   *profile.Result
}

func (d *Desk) opportunities(c echo.Context, s *session, w *wallet.Wallet) error {
	ctx := c.Request().Context()
	var ops []opportunity
	var errs []string
	for _, base := range d.cfg.Verifiers {
		res, err := w.HTTPClient().Get(ctx, base+"/profiles", "application/json")
		if err != nil {
			errs = append(errs, hostOf(base))
			continue
		}
		var list []struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(res.Body, &list); err != nil {
			errs = append(errs, hostOf(base))
			continue
		}
		for _, it := range list {
			pres, err := w.HTTPClient().Get(ctx, base+"/profiles/"+url.PathEscape(it.ID), "application/json")
			if err != nil {
				errs = append(errs, hostOf(base))
				continue
			}
			p, err := profile.Parse(it.ID+".json", pres.Body)
			if err != nil {
				errs = append(errs, hostOf(base))
				continue
			}
			ops = append(ops, opportunity{Verifier: base, Profile: p, Result: w.MatchProfile(ctx, p, time.Time{})})
		}
	}
	return d.render(c, http.StatusOK, "opportunities.html", s, map[string]any{"Ops": ops, "Unreachable": slices.Compact(errs)})
}
