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

	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/internal/page"
	"github.com/loopbrug/paspoort/internal/serve"
	"github.com/loopbrug/paspoort/internal/webguard"
	"github.com/loopbrug/paspoort/issuer"
)

//go:embed templates/*.html
var templateFS embed.FS

// Config configures the desk.
type Config struct {
	// Issuer issues. Required.
	Issuer *issuer.Issuer
	// Name is the organisation's name shown in the header.
	Name string
	// Examples are the claims each type's form starts with; default the
	// PPP example of the type (ppp.Type.Example).
	Examples map[string][]byte
	// WalletURL, when set, is a web wallet (wallet/web) the offer page
	// links to, with the offer filled in: for a holder whose wallet runs on
	// the same machine (paspoort dev). Default: no such link.
	WalletURL string
	// AllowedHosts are the host names (without port) requests may name.
	// Default: localhost, 127.0.0.1 and ::1.
	AllowedHosts []string
	// Logger receives errors (ids only). Default: discard.
	Logger *slog.Logger
}

// Desk serves the issuer's desk pages.
type Desk struct {
	cfg  Config
	tmpl *template.Template
	mu   sync.Mutex
	qrs  map[string][]byte // offer id → QR code PNG, for the offer page
}

// New returns the desk for cfg.
func New(cfg Config) (*Desk, error) {
	if cfg.Issuer == nil {
		return nil, errors.New("issuer/web: Issuer is required")
	}
	if len(cfg.AllowedHosts) == 0 {
		cfg.AllowedHosts = []string{"localhost", "127.0.0.1", "::1"}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	t, err := page.Parse(page.Issuer, templateFS, nil, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("issuer/web: templates: %w", err)
	}
	return &Desk{cfg: cfg, tmpl: t, qrs: map[string][]byte{}}, nil
}

// Handler returns the pages (and GET /healthz):
//
//	GET  /                               a form per credential type the issuer offers
//	POST /offers                         type, claims, subject_ref, tx_code → the offer page (QR, link, tx_code)
//	GET  /offers/{id}/qr.png             the offer's QR code
//	GET  /credentials                    issued credentials (metadata only)
//	POST /credentials/{id}/{action}      revoke | suspend | reinstate
//
// Every page takes ?lang=nl|en (default nl).
func (d *Desk) Handler() http.Handler {
	e := webguard.NewServer("256K", d.cfg.AllowedHosts, webguard.PageCSP)
	e.GET("/", d.home)
	e.POST("/offers", d.offer)
	e.GET("/offers/:id/qr.png", d.qr)
	e.GET("/credentials", d.list)
	e.POST("/credentials/:id/:action", d.status)
	return e
}

func (d *Desk) render(c echo.Context, code int, name string, data map[string]any) error {
	l := webguard.Lang(c)
	data["Lang"], data["Org"], data["T"] = l, d.cfg.Name, texts[l]
	return webguard.Render(c, d.tmpl, d.cfg.Logger, code, name, data)
}

// form is one credential type's form.
type form struct {
	Type   string
	Name   string
	Claims string
	Errors []string
}

func (d *Desk) forms(l string) []form {
	var out []form
	for _, name := range d.cfg.Issuer.Config().Types {
		t, ok := ppp.Lookup(name)
		if !ok {
			continue
		}
		ex := d.cfg.Examples[name]
		if ex == nil {
			ex = t.Example()
		}
		out = append(out, form{Type: name, Name: t.Display[l].Name, Claims: string(ex)})
	}
	return out
}

func (d *Desk) home(c echo.Context) error {
	return d.render(c, http.StatusOK, "home.html", map[string]any{"Forms": d.forms(webguard.Lang(c))})
}

func (d *Desk) offer(c echo.Context) error {
	typ, claims := c.FormValue("type"), c.FormValue("claims")
	o, err := d.cfg.Issuer.CreateOffer(c.Request().Context(), issuer.OfferRequest{
		Type: typ, Claims: []byte(claims), TxCode: c.FormValue("tx_code") != "", SubjectRef: c.FormValue("subject_ref"),
	})
	if err != nil {
		forms := d.forms(webguard.Lang(c))
		for i := range forms {
			if forms[i].Type != typ {
				continue
			}
			forms[i].Claims = claims
			var ve *ppp.ValidationError
			if errors.As(err, &ve) {
				for _, f := range ve.Fields {
					forms[i].Errors = append(forms[i].Errors, fieldText(f))
				}
			} else {
				forms[i].Errors = []string{texts[webguard.Lang(c)]["error"] + " " + errorClass(err)}
			}
		}
		return d.render(c, http.StatusBadRequest, "home.html", map[string]any{"Forms": forms, "Invalid": typ})
	}
	d.mu.Lock()
	d.qrs[o.ID] = o.QRCode
	d.mu.Unlock()
	t, _ := ppp.Lookup(typ)
	walletLink := ""
	if d.cfg.WalletURL != "" {
		walletLink = d.cfg.WalletURL + "/receive?offer=" + url.QueryEscape(o.OfferURIByReference) + "&lang=" + webguard.Lang(c)
	}
	return d.render(c, http.StatusOK, "offer.html", map[string]any{"Offer": o, "TypeName": t.Display[webguard.Lang(c)].Name, "WalletLink": walletLink,
		"Expires": o.ExpiresAt.Format("2006-01-02 15:04")})
}

// fieldText shows a field error: the pointer and the reason, never the
// value.
func fieldText(f ppp.FieldError) string {
	p := f.Pointer
	if p == "" {
		p = "/"
	}
	return p + ": " + f.Reason
}

// errorClass names the error class of err without its details.
func errorClass(err error) string {
	s := err.Error()
	if i := strings.Index(s, ":"); i > 0 {
		return s[:i]
	}
	return ""
}

func (d *Desk) qr(c echo.Context) error {
	d.mu.Lock()
	png, ok := d.qrs[c.Param("id")]
	d.mu.Unlock()
	if !ok || len(png) == 0 {
		return c.String(http.StatusNotFound, "unknown offer\n")
	}
	return c.Blob(http.StatusOK, "image/png", png)
}

func (d *Desk) list(c echo.Context) error {
	recs, err := d.cfg.Issuer.ListCredentials(c.Request().Context(), "", 500)
	if err != nil {
		return d.render(c, http.StatusInternalServerError, "credentials.html", map[string]any{"Error": texts[webguard.Lang(c)]["error"]})
	}
	slices.Reverse(recs)
	return d.render(c, http.StatusOK, "credentials.html", map[string]any{"Credentials": recs})
}

func (d *Desk) status(c echo.Context) error {
	var st string
	switch c.Param("action") {
	case "revoke":
		st = issuer.StatusRevoked
	case "suspend":
		st = issuer.StatusSuspended
	case "reinstate":
		st = issuer.StatusValid
	default:
		return c.String(http.StatusNotFound, "unknown action\n")
	}
	if _, err := d.cfg.Issuer.SetStatus(c.Request().Context(), c.Param("id"), st); err != nil {
		return d.render(c, http.StatusBadRequest, "credentials.html", map[string]any{"Error": texts[webguard.Lang(c)]["error"] + " " + errorClass(err)})
	}
	return c.Redirect(http.StatusSeeOther, "/credentials?lang="+webguard.Lang(c))
}

// Serve serves the desk on ln until ctx ends.
func (d *Desk) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: d.Handler(), ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 15 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 60 * time.Second, MaxHeaderBytes: 32 << 10}
	if err := serve.Run(ctx, srv, ln, serve.Options{}); err != nil {
		return fmt.Errorf("issuer/web: %w", err)
	}
	return nil
}
