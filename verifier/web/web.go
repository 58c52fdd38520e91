package web

import (
	"context"
	"embed"
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

	"github.com/loopbrug/paspoort/credentials/profile"
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
	// AllowedHosts are the host names (without port) requests may name.
	// Default: localhost, 127.0.0.1 and ::1.
	AllowedHosts []string
	// Logger receives request errors (ids only). Default: discard.
	Logger *slog.Logger
}

// Desk serves the front desk pages.
type Desk struct {
	cfg   Config
	tmpl  *template.Template
	mu    sync.Mutex
	links map[string]string // transaction id → openid4vp:// link
}

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
	return &Desk{cfg: cfg, tmpl: t, links: map[string]string{}}, nil
}

// Handler returns the pages (and GET /healthz):
//
//	GET  /                          choose a profile
//	POST /requests                  profile=ID → 303 to the request page
//	GET  /requests/{id}             QR code and link while pending (refreshes itself), then the decision
//	GET  /requests/{id}/qr.png      the QR code of the request link
//
// Every page takes ?lang=nl|en (default nl).
func (d *Desk) Handler() http.Handler {
	e := webguard.NewServer("16K", d.cfg.AllowedHosts, webguard.PageCSP)
	e.GET("/", d.home)
	e.POST("/requests", d.start)
	e.GET("/requests/:id", d.request)
	e.GET("/requests/:id/qr.png", d.qr)
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

func (d *Desk) start(c echo.Context) error {
	id := c.FormValue("profile")
	req, err := d.cfg.Verifier.CreateRequest(c.Request().Context(), id, verifier.RequestOptions{})
	if err != nil {
		return d.render(c, http.StatusBadRequest, "home.html", map[string]any{"Profiles": d.cfg.Profiles, "Error": texts[webguard.Lang(c)]["unknown_profile"]})
	}
	d.mu.Lock()
	d.links[req.TransactionID] = req.RequestURI
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

func (d *Desk) request(c echo.Context) error {
	id := c.Param("id")
	tx, err := d.cfg.Store.Transaction(c.Request().Context(), id)
	if err != nil {
		return d.render(c, http.StatusNotFound, "error.html", map[string]any{"Message": texts[webguard.Lang(c)]["unknown_request"]})
	}
	d.mu.Lock()
	link := d.links[id]
	d.mu.Unlock()
	data := map[string]any{"ID": id, "Link": link, "Profile": d.profile(tx.ProfileID), "Status": string(tx.Status),
		"Expires": tx.Expires.Format("15:04")}
	if link != "" && d.cfg.WalletURL != "" {
		data["WalletLink"] = d.cfg.WalletURL + "/share?request=" + url.QueryEscape(link) + "&lang=" + webguard.Lang(c)
	}
	if tx.Status != verifier.TxDecided || tx.Decision == nil {
		if time.Now().After(tx.Expires) {
			return d.render(c, http.StatusOK, "error.html", map[string]any{"Message": texts[webguard.Lang(c)]["expired"]})
		}
		return d.render(c, http.StatusOK, "waiting.html", data)
	}
	data["D"] = tx.Decision
	return d.render(c, http.StatusOK, "decision.html", data)
}

func (d *Desk) qr(c echo.Context) error {
	d.mu.Lock()
	link, ok := d.links[c.Param("id")]
	d.mu.Unlock()
	if !ok {
		return c.String(http.StatusNotFound, "unknown request\n")
	}
	png, err := verifier.QRCode(link, 320)
	if err != nil {
		return c.String(http.StatusInternalServerError, "qr error\n")
	}
	return c.Blob(http.StatusOK, "image/png", png)
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
	"claims": func(m map[string]any) string {
		var parts []string
		for _, k := range sortedKeys(m) {
			parts = append(parts, fmt.Sprintf("%s = %v", k, m[k]))
		}
		return strings.Join(parts, "; ")
	},
	"refresh": func(data map[string]any) map[string]any {
		out := make(map[string]any, len(data)+1)
		for k, v := range data {
			out[k] = v
		}
		out["Refresh"] = true
		return out
	},
}

func sortedKeys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
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
