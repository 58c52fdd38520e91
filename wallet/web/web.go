package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/credentials/profile"
	"github.com/loopbrug/paspoort/internal/page"
	"github.com/loopbrug/paspoort/internal/serve"
	"github.com/loopbrug/paspoort/internal/webguard"
	"github.com/loopbrug/paspoort/wallet"
)

//go:embed templates/*.html
var templateFS embed.FS

// cookieName is the session cookie.
const cookieName = "paspoort_web_session"

// Config configures the web wallet.
type Config struct {
	// Store is the wallet's store. Required. The desk never closes it.
	Store wallet.Store
	// WalletOptions are passed to wallet.Open on unlock.
	WalletOptions []wallet.Option
	// Verifiers are base URLs of verifiers whose published profiles the
	// opportunities page matches privately (GET <url>/profiles).
	Verifiers []string
	// IdleTimeout locks the wallet after this long without a request.
	// Default wallet.DefaultIdleTimeout.
	IdleTimeout time.Duration
	// AllowedHosts are the host names (without port) requests may name.
	// Default: localhost, 127.0.0.1 and ::1.
	AllowedHosts []string
	// Logger receives events (ids and error classes only). Default:
	// discard.
	Logger *slog.Logger
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Desk serves the web wallet.
type Desk struct {
	cfg  Config
	tmpl *template.Template

	mu       sync.Mutex
	w        *wallet.Wallet
	sessions map[string]*session
	offers   map[string]*wallet.Offer
	requests map[string]*wallet.PresentationRequest
}

type session struct {
	csrf string
	seen time.Time
}

// keepStore hands the store to wallet.Open without letting Close close
// it: the desk locks and unlocks the same store again and again.
type keepStore struct{ wallet.Store }

func (keepStore) Close() error { return nil }

// New returns the web wallet for cfg, locked.
func New(cfg Config) (*Desk, error) {
	if cfg.Store == nil {
		return nil, errors.New("wallet/web: Store is required")
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = wallet.DefaultIdleTimeout
	}
	if len(cfg.AllowedHosts) == 0 {
		cfg.AllowedHosts = []string{"localhost", "127.0.0.1", "::1"}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	t, err := page.Parse(page.Wallet, templateFS, funcs, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("wallet/web: templates: %w", err)
	}
	return &Desk{cfg: cfg, tmpl: t, sessions: map[string]*session{}, offers: map[string]*wallet.Offer{},
		requests: map[string]*wallet.PresentationRequest{}}, nil
}

// Handler returns the pages (and GET /healthz):
//
//	GET  /                        unlock, or "Mijn paspoort"
//	POST /unlock  POST /lock
//	GET  /receive[?offer=]        paste an offer link (or arrive with it filled in)
//	POST /receive                 → who offers what (and the tx_code field)
//	POST /receive/{id}            accept (tx_code) or decline
//	GET  /share[?request=]        paste a request link (or arrive with it filled in)
//	POST /share                   → the consent screen
//	POST /share/{id}              share the ticked claims, or decline
//	GET  /history                 what was shared with whom
//	GET  /decisions[/{id}]        "Besluiten": signed decisions; ?check=1 re-checks one offline
//	GET  /opportunities           published profiles matched privately
//
// Every page takes ?lang=nl|en (default nl).
func (d *Desk) Handler() http.Handler {
	e := webguard.NewServer("64K", d.cfg.AllowedHosts, webguard.NoImagesCSP)
	e.GET("/", d.home)
	e.POST("/unlock", d.unlock)
	e.POST("/lock", d.session(d.lock))
	e.GET("/receive", d.session(d.receiveForm))
	e.POST("/receive", d.session(d.resolveOffer))
	e.POST("/receive/:id", d.session(d.acceptOffer))
	e.GET("/share", d.session(d.shareForm))
	e.POST("/share", d.session(d.readRequest))
	e.POST("/share/:id", d.session(d.consent))
	e.GET("/history", d.session(d.history))
	e.GET("/decisions", d.session(d.decisions))
	e.GET("/decisions/:id", d.session(d.decision))
	e.GET("/opportunities", d.session(d.opportunities))
	return e
}

// current returns the live session of the request and the unlocked wallet,
// locking the wallet when the last session ran idle.
func (d *Desk) current(c echo.Context) (*session, *wallet.Wallet) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.expireLocked()
	ck, err := c.Cookie(cookieName)
	if err != nil || d.w == nil {
		return nil, nil
	}
	s, ok := d.sessions[ck.Value]
	if !ok {
		return nil, nil
	}
	s.seen = d.cfg.Now()
	return s, d.w
}

func (d *Desk) expireLocked() {
	now := d.cfg.Now()
	for k, s := range d.sessions {
		if now.Sub(s.seen) > d.cfg.IdleTimeout {
			delete(d.sessions, k)
		}
	}
	if len(d.sessions) == 0 && d.w != nil {
		_ = d.w.Close()
		d.w = nil
		clear(d.offers)
		clear(d.requests)
	}
}

type handler func(c echo.Context, s *session, w *wallet.Wallet) error

// session requires a live session and, on a POST, its CSRF token.
func (d *Desk) session(h handler) echo.HandlerFunc {
	return func(c echo.Context) error {
		s, w := d.current(c)
		if s == nil {
			return c.Redirect(http.StatusSeeOther, "/?lang="+webguard.Lang(c))
		}
		if c.Request().Method == http.MethodPost && subtle.ConstantTimeCompare([]byte(c.FormValue("csrf")), []byte(s.csrf)) != 1 {
			return c.String(http.StatusForbidden, "missing or wrong form token\n")
		}
		return h(c, s, w)
	}
}

func (d *Desk) render(c echo.Context, code int, name string, s *session, data map[string]any) error {
	l := webguard.Lang(c)
	data["Lang"], data["T"] = l, texts[l]
	if s != nil {
		data["CSRF"] = s.csrf
	}
	return webguard.Render(c, d.tmpl, d.cfg.Logger, code, name, data)
}

func (d *Desk) fail(c echo.Context, s *session, err error) error {
	d.cfg.Logger.Info("wallet web", "err", err)
	return d.render(c, http.StatusBadRequest, "message.html", s, map[string]any{"Error": texts[webguard.Lang(c)]["error"] + " " + publicError(err)})
}

// publicError is the message shown for err: the wallet's errors say what
// class of problem it was and never carry claim values or secrets.
func publicError(err error) string {
	s := err.Error()
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

func newToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func (d *Desk) home(c echo.Context) error {
	s, w := d.current(c)
	if s == nil {
		return d.render(c, http.StatusOK, "unlock.html", nil, map[string]any{})
	}
	var sums []wallet.Summary
	for _, cr := range w.Credentials() {
		sums = append(sums, w.Summarize(c.Request().Context(), cr, false))
	}
	var groups []wallet.Group
	for _, g := range wallet.Groups(sums) {
		if len(g.Credentials) > 0 {
			groups = append(groups, g)
		}
	}
	return d.render(c, http.StatusOK, "paspoort.html", s, map[string]any{"Groups": groups, "Flash": c.QueryParam("ok")})
}

func (d *Desk) unlock(c echo.Context) error {
	if err := d.open(c.Request().Context(), []byte(c.FormValue("passphrase"))); err != nil {
		d.cfg.Logger.Info("unlock refused")
		return d.render(c, http.StatusUnauthorized, "unlock.html", nil, map[string]any{"Error": texts[webguard.Lang(c)]["wrong"]})
	}
	tok := newToken()
	d.mu.Lock()
	d.sessions[tok] = &session{csrf: newToken(), seen: d.cfg.Now()}
	d.mu.Unlock()
	c.SetCookie(&http.Cookie{Name: cookieName, Value: tok, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
	return c.Redirect(http.StatusSeeOther, "/?lang="+webguard.Lang(c))
}

// open unlocks the wallet with pass, or checks pass when it is already
// unlocked for another session.
func (d *Desk) open(ctx context.Context, pass []byte) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.w != nil {
		return wallet.CheckPassphrase(ctx, keepStore{d.cfg.Store}, pass)
	}
	w, err := wallet.Open(ctx, keepStore{d.cfg.Store}, pass, d.cfg.WalletOptions...)
	if err != nil {
		return err
	}
	d.w = w
	return nil
}

func (d *Desk) lock(c echo.Context, _ *session, _ *wallet.Wallet) error {
	d.mu.Lock()
	clear(d.sessions)
	d.expireLocked()
	d.mu.Unlock()
	c.SetCookie(&http.Cookie{Name: cookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	return c.Redirect(http.StatusSeeOther, "/?lang="+webguard.Lang(c))
}

func (d *Desk) receiveForm(c echo.Context, s *session, _ *wallet.Wallet) error {
	return d.render(c, http.StatusOK, "receive.html", s, map[string]any{"Offer": c.QueryParam("offer")})
}

func (d *Desk) resolveOffer(c echo.Context, s *session, w *wallet.Wallet) error {
	o, err := w.ResolveOffer(c.Request().Context(), strings.TrimSpace(c.FormValue("offer")))
	if err != nil {
		return d.fail(c, s, err)
	}
	id := newToken()[:16]
	d.mu.Lock()
	d.offers[id] = o
	d.mu.Unlock()
	return d.render(c, http.StatusOK, "offer.html", s, map[string]any{"ID": id, "Offer": o})
}

func (d *Desk) acceptOffer(c echo.Context, s *session, w *wallet.Wallet) error {
	d.mu.Lock()
	o, ok := d.offers[c.Param("id")]
	delete(d.offers, c.Param("id"))
	d.mu.Unlock()
	if !ok {
		return d.fail(c, s, errors.New("unknown or expired offer"))
	}
	if c.FormValue("decline") != "" {
		return c.Redirect(http.StatusSeeOther, "/?lang="+webguard.Lang(c))
	}
	got, err := w.Receive(c.Request().Context(), o, wallet.ReceiveOptions{TxCode: strings.TrimSpace(c.FormValue("tx_code"))})
	if err != nil {
		return d.fail(c, s, err)
	}
	var names []string
	for _, cr := range got {
		names = append(names, cr.Type)
	}
	return c.Redirect(http.StatusSeeOther, "/?lang="+webguard.Lang(c)+"&ok="+url.QueryEscape(strings.Join(names, ", ")))
}

func (d *Desk) shareForm(c echo.Context, s *session, _ *wallet.Wallet) error {
	return d.render(c, http.StatusOK, "share.html", s, map[string]any{"Request": c.QueryParam("request")})
}

func (d *Desk) readRequest(c echo.Context, s *session, w *wallet.Wallet) error {
	pr, err := w.ReadRequest(c.Request().Context(), strings.TrimSpace(c.FormValue("request")))
	if err != nil {
		return d.fail(c, s, err)
	}
	id := newToken()[:16]
	d.mu.Lock()
	d.requests[id] = pr
	d.mu.Unlock()
	anyOption := false
	for _, q := range pr.Queries {
		anyOption = anyOption || len(q.Options) > 0
	}
	return d.render(c, http.StatusOK, "consent.html", s, map[string]any{"ID": id, "R": pr, "Any": anyOption})
}

func (d *Desk) consent(c echo.Context, s *session, w *wallet.Wallet) error {
	d.mu.Lock()
	pr, ok := d.requests[c.Param("id")]
	delete(d.requests, c.Param("id"))
	d.mu.Unlock()
	if !ok {
		return d.fail(c, s, errors.New("unknown or expired request"))
	}
	ctx := c.Request().Context()
	if c.FormValue("decline") != "" {
		if err := w.Decline(ctx, pr); err != nil {
			return d.fail(c, s, err)
		}
		return d.render(c, http.StatusOK, "message.html", s, map[string]any{"Message": texts[webguard.Lang(c)]["declined"]})
	}
	form, err := c.FormParams()
	if err != nil {
		return d.fail(c, s, err)
	}
	sel := &wallet.Selection{Credentials: map[string][]string{}}
	for _, q := range pr.Queries {
		for _, id := range form["q:"+q.QueryID] {
			if slices.ContainsFunc(q.Options, func(o wallet.CredentialOption) bool { return o.CredentialID == id }) {
				sel.Credentials[q.QueryID] = append(sel.Credentials[q.QueryID], id)
			}
		}
	}
	res, err := w.Present(ctx, pr, sel)
	if err != nil {
		return d.fail(c, s, err)
	}
	return d.render(c, http.StatusOK, "shared.html", s, map[string]any{"P": res.Presentation})
}

func (d *Desk) history(c echo.Context, s *session, w *wallet.Wallet) error {
	h, err := w.History(c.Request().Context())
	if err != nil {
		return d.fail(c, s, err)
	}
	slices.Reverse(h)
	return d.render(c, http.StatusOK, "history.html", s, map[string]any{"History": h})
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
			errs = append(errs, base)
			continue
		}
		var list []struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(res.Body, &list); err != nil {
			errs = append(errs, base)
			continue
		}
		for _, it := range list {
			pres, err := w.HTTPClient().Get(ctx, base+"/profiles/"+url.PathEscape(it.ID), "application/json")
			if err != nil {
				errs = append(errs, base)
				continue
			}
			p, err := profile.Parse(it.ID+".json", pres.Body)
			if err != nil {
				errs = append(errs, base)
				continue
			}
			ops = append(ops, opportunity{Verifier: base, Profile: p, Result: w.MatchProfile(p, time.Time{})})
		}
	}
	return d.render(c, http.StatusOK, "opportunities.html", s, map[string]any{"Ops": ops, "Unreachable": errs})
}

var funcs = template.FuncMap{
	"text": func(t profile.Text, l string) string { return t.Get(l) },
	"pct":  func(f float64) string { return fmt.Sprintf("%.0f%%", f*100) },
	"date": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Format("2006-01-02")
	},
	"str": func(v any) string { return fmt.Sprint(v) },
	// label names the claim at a JSON Pointer by its label in the type's
	// metadata ("NLQF-niveau"), or the pointer when none is known.
	"label": func(vct, pointer, l string) string {
		t, ok := ppp.LookupVCT(vct)
		if !ok {
			return pointer
		}
		var path ppp.ClaimPath
		for _, seg := range strings.Split(strings.TrimPrefix(pointer, "/"), "/") {
			path = append(path, strings.NewReplacer("~1", "/", "~0", "~").Replace(seg))
		}
		if lbl := t.ClaimLabel(path, l); lbl != "" && lbl != path.String() {
			return lbl
		}
		return pointer
	},
}

// Serve serves the pages on ln until ctx ends, locking the wallet of idle
// sessions meanwhile, and locks it when it returns.
func (d *Desk) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: d.Handler(), ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 15 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 60 * time.Second, MaxHeaderBytes: 32 << 10}
	defer d.Lock()
	err := serve.Run(ctx, srv, ln, serve.Options{Every: 30 * time.Second, Tick: func() {
		d.mu.Lock()
		d.expireLocked()
		d.mu.Unlock()
	}})
	if err != nil {
		return fmt.Errorf("wallet/web: %w", err)
	}
	return nil
}

// Lock ends every session and locks the wallet.
func (d *Desk) Lock() {
	d.mu.Lock()
	defer d.mu.Unlock()
	clear(d.sessions)
	d.expireLocked()
}
