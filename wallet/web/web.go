package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/internal/bounded"
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

	// unlockMu lets one passphrase check run at a time (each costs the
	// argon2id memory), outside mu.
	unlockMu sync.Mutex

	mu       sync.Mutex
	w        *wallet.Wallet
	sessions map[string]*session
	offers   map[string]*pending[*wallet.Offer]
	requests map[string]*pending[*wallet.PresentationRequest]
	signins  map[string]*pending[*signin]
	backoff  wallet.UnlockBackoff
}

type session struct {
	csrf string
	seen time.Time
	// flash is a message for the next page of this session only: it is
	// never taken from the URL.
	flash string
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
	return &Desk{cfg: cfg, tmpl: t, sessions: map[string]*session{}, offers: map[string]*pending[*wallet.Offer]{},
		requests: map[string]*pending[*wallet.PresentationRequest]{}, signins: map[string]*pending[*signin]{}}, nil
}

// Handler returns the pages (and GET /healthz):
//
//	GET  /                        unlock, or "Mijn paspoort"
//	POST /unlock  POST /lock
//	GET  /receive[?offer=]        paste an offer link (or arrive with it filled in)
//	POST /receive                 → who offers what (and the PIN field)
//	POST /receive/{id}            accept (PIN) or decline; a wrong PIN asks again; an offer
//	                              received by signing in goes on to the issuer's page (303)
//	GET  /receive/callback        back from the issuer's page: receive, and show the outcome
//	GET  /share[?request=]        paste a request link (or arrive with it filled in)
//	POST /share                   → the consent screen
//	POST /share/{id}              share what was chosen, or decline
//	GET  /history                 what was shared with whom, and the outcome
//	GET  /decisions[/{id}]        "Besluiten": signed decisions; ?check=1 re-checks one offline
//	GET  /opportunities           published profiles matched privately
//	GET  /portfolio               the EVC portfolios; POST starts one for an occupation
//	GET  /portfolio/{id}          a portfolio: the standard's skills, the entries
//	POST /portfolio/{id}/entries  add what she did for one competence
//	POST /portfolio/{id}/entries/{n}/files        keep a file (multipart, up to 8 MiB)
//	POST /portfolio/{id}/entries/{n}/credentials  name a credential she holds
//	POST /portfolio/{id}/issue    sign the portfolio herself
//
// Every page takes ?lang=nl|en (default nl).
func (d *Desk) Handler() http.Handler {
	// The body limit is the largest file a portfolio keeps; every route
	// but the file upload takes 64 KiB.
	e := webguard.NewServer("9M", d.cfg.AllowedHosts, webguard.NoImagesCSP)
	small := middleware.BodyLimit("64K")
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		h := small(next)
		return func(c echo.Context) error {
			if c.Path() == "/portfolio/:id/entries/:n/files" {
				return next(c)
			}
			return h(c)
		}
	})
	e.GET("/", d.home)
	e.POST("/unlock", d.unlock)
	e.POST("/lock", d.session(d.lock))
	e.GET("/receive", d.session(d.receiveForm))
	e.POST("/receive", d.session(d.resolveOffer))
	e.POST("/receive/:id", d.session(d.acceptOffer))
	e.GET(callbackPath, d.signinCallback)
	e.GET("/share", d.session(d.shareForm))
	e.POST("/share", d.session(d.readRequest))
	e.POST("/share/:id", d.session(d.consent))
	e.GET("/history", d.session(d.history))
	e.GET("/decisions", d.session(d.decisions))
	e.GET("/decisions/:id", d.session(d.decision))
	e.GET("/opportunities", d.session(d.opportunities))
	e.GET("/portfolio", d.session(d.portfolios))
	e.POST("/portfolio", d.session(d.newPortfolio))
	e.GET("/portfolio/:id", d.session(d.portfolio))
	e.POST("/portfolio/:id/entries", d.session(d.addEntry))
	e.POST("/portfolio/:id/entries/:n/files", d.session(d.attachFile))
	e.POST("/portfolio/:id/entries/:n/credentials", d.session(d.linkCredential))
	e.POST("/portfolio/:id/issue", d.session(d.issuePortfolio))
	return e
}

// Bounds of the desk's memory: sessions, and offers and requests waiting
// for the holder's answer (each bound to the session that opened it).
const (
	maxSessions = 8
	maxPending  = 32
	pendingTTL  = 15 * time.Minute
)

// current returns the live session of the request and the unlocked
// wallet, locking the wallet when the last session ran idle.
func (d *Desk) current(c echo.Context) (*session, *wallet.Wallet) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.expireLocked()
	s, ok := d.sessions[sessionID(c)]
	if !ok || d.w == nil {
		return nil, nil
	}
	s.seen = d.cfg.Now()
	return s, d.w
}

// expireLocked drops idle sessions and stale offers and requests, and
// locks the wallet when no session is left.
func (d *Desk) expireLocked() {
	now := d.cfg.Now()
	for k, s := range d.sessions {
		if now.Sub(s.seen) > d.cfg.IdleTimeout {
			delete(d.sessions, k)
		}
	}
	expirePending(d.offers, d.sessions, now)
	expirePending(d.requests, d.sessions, now)
	expirePending(d.signins, d.sessions, now)
	if len(d.sessions) == 0 && d.w != nil {
		_ = d.w.Close()
		d.w = nil
		clear(d.offers)
		clear(d.requests)
		clear(d.signins)
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
	l, _ := data["Lang"].(string)
	if texts[l] == nil {
		l = webguard.Lang(c)
	}
	data["Lang"], data["T"] = l, texts[l]
	if s != nil {
		data["CSRF"] = s.csrf
	}
	return webguard.Render(c, d.tmpl, d.cfg.Logger, code, name, data)
}

// fail shows msg, a sentence a person can act on; the log gets the
// error class only.
func (d *Desk) fail(c echo.Context, s *session, code int, msg string, err error) error {
	if err != nil {
		d.cfg.Logger.Info("wallet web", "class", credentials.ClassName(err))
	}
	return d.render(c, code, "message.html", s, map[string]any{"Error": msg})
}

func newToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// sessionID returns the request's session cookie value.
func sessionID(c echo.Context) string {
	ck, err := c.Cookie(cookieName)
	if err != nil {
		return ""
	}
	return ck.Value
}

func (d *Desk) home(c echo.Context) error {
	s, w := d.current(c)
	if s == nil {
		return d.render(c, http.StatusOK, "unlock.html", nil, map[string]any{})
	}
	d.mu.Lock()
	flash := s.flash
	s.flash = ""
	d.mu.Unlock()
	return d.render(c, http.StatusOK, "paspoort.html", s, map[string]any{
		"Groups": paspoortView(c.Request().Context(), w, webguard.Lang(c)), "Flash": flash})
}

// unlock checks the passphrase. Wrong ones are slowed down as in the
// wallet API (wallet.UnlockBackoff), and the key derivation runs outside
// the lock that pages take, one at a time: wrong tries cannot stall the
// pages of an open session.
func (d *Desk) unlock(c echo.Context) error {
	lang := webguard.Lang(c)
	d.unlockMu.Lock()
	defer d.unlockMu.Unlock()
	now := d.cfg.Now()
	d.mu.Lock()
	wait, open := d.backoff.Wait(now), d.w != nil
	d.mu.Unlock()
	if wait > 0 {
		secs := int((wait + time.Second - 1) / time.Second)
		c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
		return d.render(c, http.StatusTooManyRequests, "unlock.html", nil, map[string]any{"Error": fmt.Sprintf(texts[lang]["wait"], secs)})
	}
	ctx := c.Request().Context()
	pass := []byte(c.FormValue("passphrase"))
	var opened *wallet.Wallet
	var err error
	if open {
		err = wallet.CheckPassphrase(ctx, keepStore{d.cfg.Store}, pass)
	} else {
		opened, err = wallet.Open(ctx, keepStore{d.cfg.Store}, pass, d.cfg.WalletOptions...)
	}
	clear(pass)
	d.mu.Lock()
	defer d.mu.Unlock()
	if err != nil {
		if errors.Is(err, wallet.ErrWrongPassphrase) {
			d.backoff.Failed(now)
		}
		d.cfg.Logger.Info("unlock refused", "class", credentials.ClassName(err))
		return d.render(c, http.StatusUnauthorized, "unlock.html", nil, map[string]any{"Error": texts[lang]["wrong"]})
	}
	d.backoff.Succeeded()
	switch {
	case opened != nil && d.w != nil: // another unlock won meanwhile
		opened.Close()
	case opened != nil:
		d.w = opened
	}
	bounded.MakeRoom(d.sessions, maxSessions, func(s *session) time.Time { return s.seen })
	tok := newToken()
	d.sessions[tok] = &session{csrf: newToken(), seen: d.cfg.Now()}
	c.SetCookie(&http.Cookie{Name: cookieName, Value: tok, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
	return c.Redirect(http.StatusSeeOther, "/?lang="+lang)
}

func (d *Desk) lock(c echo.Context, _ *session, _ *wallet.Wallet) error {
	d.mu.Lock()
	clear(d.sessions)
	d.expireLocked()
	d.mu.Unlock()
	c.SetCookie(&http.Cookie{Name: cookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	return c.Redirect(http.StatusSeeOther, "/?lang="+webguard.Lang(c))
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
