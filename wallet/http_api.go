package wallet

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/loopbrug/paspoort/credentials/profile"
)

// Keys of the values requireSession puts into the echo context.
const (
	ctxWallet  = "paspoort.wallet"
	ctxSession = "paspoort.session"
	ctxCSRF    = "paspoort.csrf"
)

// requireSession finds the session of the cookie (ErrLocked: 401), and on a
// state-changing request checks the CSRF header against the session's
// token in constant time (errCSRF: 403).
func (s *Server) requireSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		token := ""
		if ck, err := c.Cookie(SessionCookie); err == nil {
			token = ck.Value
		}
		w, key, se, err := s.sessionFor(token)
		if err != nil {
			return err
		}
		if stateChanging(c.Request().Method) {
			got := c.Request().Header.Get(CSRFHeader)
			if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(se.csrf)) != 1 {
				return errCSRF
			}
		}
		c.Set(ctxWallet, w)
		c.Set(ctxSession, key)
		c.Set(ctxCSRF, se.csrf)
		return next(c)
	}
}

// walletOf returns the wallet and session key requireSession found.
func walletOf(c echo.Context) (*Wallet, string, error) {
	w, ok1 := c.Get(ctxWallet).(*Wallet)
	key, ok2 := c.Get(ctxSession).(string)
	if !ok1 || !ok2 {
		return nil, "", ErrLocked
	}
	return w, key, nil
}

// sessionInfo is the answer of unlock and GET /api/session.
type sessionInfo struct {
	WalletID string `json:"wallet_id"`
	// CSRFToken goes into the X-CSRF-Token header of every
	// state-changing request.
	CSRFToken string `json:"csrf_token"`
	// IdleTimeout is the idle timeout in seconds.
	IdleTimeout int64     `json:"idle_timeout"`
	ExpiresAt   time.Time `json:"expires_at"`
	Credentials int       `json:"credentials"`
}

func (s *Server) info(w *Wallet, csrf string) sessionInfo {
	return sessionInfo{WalletID: w.ID(), CSRFToken: csrf, IdleTimeout: int64(s.cfg.IdleTimeout / time.Second),
		ExpiresAt: s.cfg.Now().Add(s.cfg.IdleTimeout).UTC().Truncate(time.Second), Credentials: len(w.Credentials())}
}

func (s *Server) cookie(c echo.Context, value string, maxAge int) {
	c.SetCookie(&http.Cookie{Name: SessionCookie, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: s.cfg.SecureCookie})
}

func (s *Server) postUnlock(c echo.Context) error {
	var req struct {
		Passphrase string `json:"passphrase"`
		// OwnerCode is the one-time code of ServerConfig.OwnerCode.
		OwnerCode string `json:"owner_code"`
	}
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	if req.Passphrase == "" {
		return errors.Join(errBadRequest, errors.New("passphrase is required"))
	}
	pass := []byte(req.Passphrase)
	defer clear(pass)
	ctx := c.Request().Context()
	token, csrf, err := s.unlock(ctx, pass, req.OwnerCode)
	if err != nil {
		return err
	}
	w, _, _, err := s.sessionFor(token)
	if err != nil {
		return err
	}
	s.cookie(c, token, 0)
	return c.JSON(http.StatusOK, s.info(w, csrf))
}

func (s *Server) getSession(c echo.Context) error {
	w, _, err := walletOf(c)
	if err != nil {
		return err
	}
	csrf, _ := c.Get(ctxCSRF).(string)
	return c.JSON(http.StatusOK, s.info(w, csrf))
}

func (s *Server) postLock(c echo.Context) error {
	s.Lock()
	s.cookie(c, "", -1)
	return c.NoContent(http.StatusNoContent)
}

func offline(c echo.Context) bool {
	v := c.QueryParam("offline")
	return v == "true" || v == "1"
}

func (s *Server) getCredentials(c echo.Context) error {
	w, _, err := walletOf(c)
	if err != nil {
		return err
	}
	ctx, off := c.Request().Context(), offline(c)
	var sums []Summary
	for _, cr := range w.Credentials() {
		sums = append(sums, w.Summarize(ctx, cr, off))
	}
	return c.JSON(http.StatusOK, struct {
		Groups []Group `json:"groups"`
		Count  int     `json:"count"`
	}{Groups(sums), len(sums)})
}

// credentialView is one credential with its claims, as "wallet show --json"
// prints it.
type credentialView struct {
	Summary
	Claims map[string]any `json:"claims"`
}

func (s *Server) getCredential(c echo.Context) error {
	w, _, err := walletOf(c)
	if err != nil {
		return err
	}
	cr, err := w.Credential(c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, credentialView{w.Summarize(c.Request().Context(), cr, offline(c)), cr.Claims})
}

func (s *Server) deleteCredential(c echo.Context) error {
	w, _, err := walletOf(c)
	if err != nil {
		return err
	}
	if err := w.Delete(c.Request().Context(), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// offerView is a resolved offer awaiting the holder's decision.
type offerView struct {
	ID string `json:"id"`
	*Offer
}

func (s *Server) postOffer(c echo.Context) error {
	w, key, err := walletOf(c)
	if err != nil {
		return err
	}
	var req struct {
		OfferURI string `json:"offer_uri"`
	}
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	if req.OfferURI == "" {
		return errors.Join(errBadRequest, errors.New("offer_uri is required"))
	}
	o, err := w.ResolveOffer(c.Request().Context(), req.OfferURI)
	if err != nil {
		return err
	}
	id := s.addPending(key, &pending{offer: o})
	return c.JSON(http.StatusOK, offerView{id, o})
}

func (s *Server) postOfferAccept(c echo.Context) error {
	w, key, err := walletOf(c)
	if err != nil {
		return err
	}
	var req struct {
		TxCode string `json:"tx_code"`
		Copies int    `json:"copies"`
	}
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	p, err := s.takePending(key, c.Param("id"), false)
	if err != nil || p.offer == nil {
		return errors.Join(ErrNotFound, err)
	}
	ctx := c.Request().Context()
	got, err := w.Receive(ctx, p.offer, ReceiveOptions{TxCode: req.TxCode, Copies: req.Copies})
	if err != nil && len(got) == 0 {
		return err
	}
	_, _ = s.takePending(key, c.Param("id"), true)
	out := struct {
		Credentials []Summary `json:"credentials"`
		Error       *apiError `json:"error,omitempty"`
	}{Credentials: []Summary{}}
	for _, cr := range got {
		out.Credentials = append(out.Credentials, w.Summarize(ctx, cr, false))
	}
	if err != nil { // some configurations stored, then one failed
		_, name := errorStatus(err)
		out.Error = &apiError{Error: name, Description: err.Error()}
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) postOfferDecline(c echo.Context) error {
	_, key, err := walletOf(c)
	if err != nil {
		return err
	}
	if p, err := s.takePending(key, c.Param("id"), true); err != nil || p.offer == nil {
		return errors.Join(ErrNotFound, err)
	}
	return c.NoContent(http.StatusNoContent)
}

// requestView is a verified presentation request awaiting consent.
type requestView struct {
	ID string `json:"id"`
	*PresentationRequest
}

func (s *Server) postPresentation(c echo.Context) error {
	w, key, err := walletOf(c)
	if err != nil {
		return err
	}
	var req struct {
		RequestURI string `json:"request_uri"`
	}
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	if req.RequestURI == "" {
		return errors.Join(errBadRequest, errors.New("request_uri is required"))
	}
	pr, err := w.ReadRequest(c.Request().Context(), req.RequestURI)
	if err != nil {
		return err
	}
	id := s.addPending(key, &pending{request: pr})
	return c.JSON(http.StatusOK, requestView{id, pr})
}

func (s *Server) postConsent(c echo.Context) error {
	w, key, err := walletOf(c)
	if err != nil {
		return err
	}
	var req struct {
		Selection       map[string][]string `json:"selection"`
		Include         []string            `json:"include"`
		IncludeOptional bool                `json:"include_optional"`
	}
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	p, err := s.takePending(key, c.Param("id"), false)
	if err != nil || p.request == nil {
		return errors.Join(ErrNotFound, err)
	}
	var sel *Selection
	if req.Selection != nil || req.Include != nil || req.IncludeOptional {
		sel = &Selection{Credentials: req.Selection, Include: req.Include, IncludeOptional: req.IncludeOptional}
	}
	res, err := w.Present(c.Request().Context(), p.request, sel)
	if errors.Is(err, ErrSelection) || errors.Is(err, ErrNotSatisfiable) {
		return err // nothing was sent: the holder may choose again
	}
	// the request's nonce is spent once a response was sent (or tried)
	_, _ = s.takePending(key, c.Param("id"), true)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}

func (s *Server) postPresentationDecline(c echo.Context) error {
	w, key, err := walletOf(c)
	if err != nil {
		return err
	}
	p, err := s.takePending(key, c.Param("id"), true)
	if err != nil || p.request == nil {
		return errors.Join(ErrNotFound, err)
	}
	if err := w.Decline(c.Request().Context(), p.request); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]bool{"declined": true})
}

func (s *Server) getHistory(c echo.Context) error {
	w, _, err := walletOf(c)
	if err != nil {
		return err
	}
	h, err := w.History(c.Request().Context())
	if err != nil {
		return err
	}
	if h == nil {
		h = []Presentation{}
	}
	return c.JSON(http.StatusOK, h)
}

func (s *Server) getDecisions(c echo.Context) error {
	w, _, err := walletOf(c)
	if err != nil {
		return err
	}
	ds, err := w.Decisions(c.Request().Context())
	if err != nil {
		return err
	}
	if ds == nil {
		ds = []Presentation{}
	}
	return c.JSON(http.StatusOK, ds)
}

func (s *Server) getDecision(c echo.Context) error {
	w, _, err := walletOf(c)
	if err != nil {
		return err
	}
	p, err := w.Decision(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

// decisionCheck is the answer of POST /api/decisions/{id}/verify.
type decisionCheck struct {
	Valid        bool      `json:"valid"`
	ID           string    `json:"id"`
	Verifier     string    `json:"verifier"`
	VerifierName string    `json:"verifier_name,omitempty"`
	KeyID        string    `json:"kid"`
	SignedAt     time.Time `json:"signed_at"`
}

func (s *Server) postDecisionVerify(c echo.Context) error {
	w, _, err := walletOf(c)
	if err != nil {
		return err
	}
	p, err := w.VerifyDecision(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	d := p.Decision
	return c.JSON(http.StatusOK, decisionCheck{Valid: true, ID: p.ID, Verifier: d.Verifier, VerifierName: d.Payload.VerifierName,
		KeyID: d.KeyID, SignedAt: d.SignedAt()})
}

func (s *Server) postMatch(c echo.Context) error {
	w, _, err := walletOf(c)
	if err != nil {
		return err
	}
	b, err := readBody(c, matchBodyLimit, echo.MIMEApplicationJSON, "application/yaml", "application/x-yaml", "text/yaml")
	if err != nil {
		return err
	}
	if b == nil {
		return errors.Join(errBadRequest, errors.New("a requirement profile is required"))
	}
	p, err := profile.Parse("profile", b)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, w.MatchProfile(c.Request().Context(), p, time.Time{}))
}
