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
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/credentials/profile"
	"github.com/loopbrug/paspoort/internal/bounded"
	"github.com/loopbrug/paspoort/internal/page"
	"github.com/loopbrug/paspoort/internal/serve"
	"github.com/loopbrug/paspoort/internal/webguard"
	"github.com/loopbrug/paspoort/verifier"
)

//go:embed templates/*.html
var templateFS embed.FS

// Config configures the desk.
type Config struct {
	// Verifier creates the requests. Required.
	Verifier *verifier.Verifier
	// Store is the verifier's store, where decisions are read. Required.
	Store verifier.Store
	// Profiles are the profiles to choose from (the verifier's). At least
	// one.
	Profiles []*profile.Profile
	// Name is the organisation's name shown in the header.
	Name string
	// WalletURL, when set, is a web wallet (wallet/web) the request page
	// links to, with the request filled in: for a holder whose wallet runs
	// on the same machine (paspoort dev). Default: no such link.
	WalletURL string
	// IssuerNames are the names of the issuers the verifier trusts, by
	// issuer identifier (its "iss"), to name the evidence on the decision
	// page. An issuer without a name is shown by its host.
	IssuerNames map[string]string
	// AllowedHosts are the host names (without port) requests may name.
	// Default: localhost, 127.0.0.1 and ::1.
	AllowedHosts []string
	// Logger receives request errors (ids only). Default: discard.
	Logger *slog.Logger
	// EVC, when set, makes this an EVC provider's desk: decisions under a
	// recognition profile open the portfolio review (evc.go).
	EVC *EVCConfig
}

// Desk serves the front desk pages.
type Desk struct {
	cfg  Config
	tmpl *template.Template
	mu   sync.Mutex
	// asked holds each request this desk made: its link and the desk
	// session (browser) that asked, the only one that may see the answer.
	asked map[string]*asked
}

// asked is one request of the desk.
type asked struct {
	link    string
	session string
	created time.Time
	// offers are the credentials an EVC review had offered (evc.go).
	offers []evcOffer
}

// Bounds of the desk's memory.
const (
	maxAsked = 256
	askedTTL = 24 * time.Hour
	// deskCookie binds a browser to the requests it made.
	deskCookie = "paspoort_desk"
)

// New returns the desk for cfg.
func New(cfg Config) (*Desk, error) {
	if cfg.Verifier == nil || cfg.Store == nil || len(cfg.Profiles) == 0 {
		return nil, errors.New("verifier/web: Verifier, Store and at least one profile are required")
	}
	if len(cfg.AllowedHosts) == 0 {
		cfg.AllowedHosts = []string{"localhost", "127.0.0.1", "::1"}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	t, err := page.Parse(page.Verifier, templateFS, funcs, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("verifier/web: templates: %w", err)
	}
	return &Desk{cfg: cfg, tmpl: t, asked: map[string]*asked{}}, nil
}

// Handler returns the pages (and GET /healthz):
//
//	GET  /                          choose a profile
//	POST /requests                  profile=ID → 303 to the request page
//	GET  /requests/{id}[?wait=1]    QR code and link while pending (wait=1 holds the page up to 20 s for the answer), then the decision
//	GET  /requests/{id}/qr.png      the QR code of the request link
//
// and, for an EVC provider's desk (Config.EVC), under a recognition
// profile:
//
//	GET  /requests/{id}/review      the portfolio, to review per competence
//	POST /requests/{id}/review      the review → the issuer offers the certificate and skills
//	POST /requests/{id}/check-file  is this file one the portfolio names?
//
// Every page takes ?lang=nl|en (default nl).
func (d *Desk) Handler() http.Handler {
	limit := "16K"
	if d.cfg.EVC != nil {
		limit = "9M" // a file the holder shows the assessor
	}
	e := webguard.NewServer(limit, d.cfg.AllowedHosts, webguard.PageCSP)
	e.GET("/", d.home)
	e.POST("/requests", d.start)
	e.GET("/requests/:id", d.request)
	e.GET("/requests/:id/qr.png", d.qr)
	if d.cfg.EVC != nil {
		e.GET("/requests/:id/review", d.review)
		e.POST("/requests/:id/review", d.postReview)
		e.POST("/requests/:id/check-file", d.checkFile)
		e.GET("/requests/:id/offers/:n/qr.png", d.offerQR)
	}
	return e
}

func (d *Desk) render(c echo.Context, code int, name string, data map[string]any) error {
	l := webguard.Lang(c)
	data["Lang"], data["Org"], data["T"] = l, d.cfg.Name, texts[l]
	return webguard.Render(c, d.tmpl, d.cfg.Logger, code, name, data)
}

func (d *Desk) home(c echo.Context) error {
	return d.render(c, http.StatusOK, "home.html", map[string]any{"Profiles": d.cfg.Profiles})
}

// deskSession returns the browser's desk session, setting a new one when
// it has none.
func deskSession(c echo.Context) string {
	if ck, err := c.Cookie(deskCookie); err == nil && len(ck.Value) >= 32 {
		return ck.Value
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	v := base64.RawURLEncoding.EncodeToString(b)
	c.SetCookie(&http.Cookie{Name: deskCookie, Value: v, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
	return v
}

func (d *Desk) start(c echo.Context) error {
	id := c.FormValue("profile")
	sid := deskSession(c)
	req, err := d.cfg.Verifier.CreateRequest(c.Request().Context(), id, verifier.RequestOptions{})
	if err != nil {
		return d.render(c, http.StatusBadRequest, "home.html", map[string]any{"Profiles": d.cfg.Profiles, "Error": texts[webguard.Lang(c)]["unknown_profile"]})
	}
	now := time.Now()
	d.mu.Lock()
	for k, a := range d.asked {
		if now.Sub(a.created) > askedTTL {
			delete(d.asked, k)
		}
	}
	bounded.MakeRoom(d.asked, maxAsked, func(a *asked) time.Time { return a.created })
	d.asked[req.TransactionID] = &asked{link: req.RequestURI, session: sid, created: now}
	d.mu.Unlock()
	return c.Redirect(http.StatusSeeOther, "/requests/"+url.PathEscape(req.TransactionID)+"?lang="+webguard.Lang(c))
}

func (d *Desk) profile(id string) *profile.Profile {
	for _, p := range d.cfg.Profiles {
		if p.ID == id {
			return p
		}
	}
	return nil
}

// mine returns the request id if this browser's desk session made it.
func (d *Desk) mine(c echo.Context, id string) (*asked, bool) {
	ck, err := c.Cookie(deskCookie)
	if err != nil {
		return nil, false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	a, ok := d.asked[id]
	if !ok || subtle.ConstantTimeCompare([]byte(a.session), []byte(ck.Value)) != 1 {
		return nil, false
	}
	return a, true
}

// walletLink is the openid4vp:// link as a URL the page may link to:
// html/template refuses schemes it does not know, so the desk checks the
// one it made itself.
func walletLink(link string) template.URL {
	if u, err := url.Parse(link); err == nil && u.Scheme == "openid4vp" && !strings.ContainsAny(link, "\"<> ") {
		return template.URL(link)
	}
	return ""
}

// request shows a request to the desk session that made it: the QR code
// and links while pending, the decision, or that the holder declined.
// Anyone else gets "unknown request": the transaction id is in the QR
// code, and the decision holds the disclosed values.
func (d *Desk) request(c echo.Context) error {
	id := c.Param("id")
	lang := webguard.Lang(c)
	a, ok := d.mine(c, id)
	if !ok {
		return d.render(c, http.StatusNotFound, "error.html", map[string]any{"Message": texts[lang]["unknown_request"]})
	}
	tx, err := d.cfg.Store.Transaction(c.Request().Context(), id)
	if err != nil {
		return d.render(c, http.StatusNotFound, "error.html", map[string]any{"Message": texts[lang]["unknown_request"]})
	}
	if c.QueryParam("wait") != "" {
		// The officer asked to wait for the answer: hold the page until
		// the transaction is answered, or up to waitFor. (A page that
		// refreshes itself is an accessibility failure, WCAG 2.2.1.)
		tx = d.waitAnswer(c.Request().Context(), tx)
	}
	p := d.profile(tx.ProfileID)
	data := map[string]any{"ID": id, "Link": a.link, "LinkURL": walletLink(a.link), "Profile": p, "Status": string(tx.Status),
		"Expires": tx.Expires.Format("15:04")}
	if d.cfg.WalletURL != "" {
		data["WalletLink"] = d.cfg.WalletURL + "/share?request=" + url.QueryEscape(a.link) + "&lang=" + lang
	}
	switch {
	case tx.Status == verifier.TxDeclined:
		return d.render(c, http.StatusOK, "error.html", map[string]any{"Message": texts[lang]["declined"], "Declined": true})
	case tx.Status != verifier.TxDecided || tx.Decision == nil:
		if time.Now().After(tx.Expires) {
			return d.render(c, http.StatusOK, "error.html", map[string]any{"Message": texts[lang]["expired"]})
		}
		return d.render(c, http.StatusOK, "waiting.html", data)
	}
	if d.isRecognition(p) {
		return c.Redirect(http.StatusSeeOther, "/requests/"+url.PathEscape(id)+"/review?lang="+lang)
	}
	data["D"] = decisionView(tx.Decision, p, d.cfg.IssuerNames, lang)
	return d.render(c, http.StatusOK, "decision.html", data)
}

// waitFor is how long a page waits for the wallet's answer.
const waitFor = 20 * time.Second

// waitAnswer polls a pending transaction until it is answered, expires,
// waitFor has passed or ctx ends, and returns it as last read.
func (d *Desk) waitAnswer(ctx context.Context, tx *verifier.Transaction) *verifier.Transaction {
	deadline := time.Now().Add(waitFor)
	for tx.Status == verifier.TxPending && time.Now().Before(deadline) && time.Now().Before(tx.Expires) {
		select {
		case <-ctx.Done():
			return tx
		case <-time.After(200 * time.Millisecond):
		}
		next, err := d.cfg.Store.Transaction(ctx, tx.ID)
		if err != nil {
			return tx
		}
		tx = next
	}
	return tx
}

func (d *Desk) qr(c echo.Context) error {
	a, ok := d.mine(c, c.Param("id"))
	if !ok {
		return c.String(http.StatusNotFound, "unknown request\n")
	}
	png, err := verifier.QRCode(a.link, 320)
	if err != nil {
		return c.String(http.StatusInternalServerError, "qr error\n")
	}
	return c.Blob(http.StatusOK, "image/png", png)
}

var funcs = template.FuncMap{
	"text":    func(t profile.Text, l string) string { return t.Get(l) },
	"english": func(t profile.Text, l string) bool { return l != "en" && t[l] == "" && t["en"] != "" },
	"pct":     func(f float64) string { return fmt.Sprintf("%.0f%%", f*100) },
	"pdate": func(dt *ppp.Date, l string) string {
		if dt == nil || dt.IsZero() {
			return ""
		}
		return ppp.FormatDate(time.Date(dt.Year, dt.Month, dt.Day, 0, 0, 0, 0, time.UTC), l)
	},
}

// Serve serves the desk on ln until ctx ends.
func (d *Desk) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: d.Handler(), ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 15 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 60 * time.Second, MaxHeaderBytes: 32 << 10}
	if err := serve.Run(ctx, srv, ln, serve.Options{}); err != nil {
		return fmt.Errorf("verifier/web: %w", err)
	}
	return nil
}
