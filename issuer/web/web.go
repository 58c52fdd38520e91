package web

import (
	"context"
	"embed"
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

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/internal/bounded"
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
	qrs  map[string]qrCode // offer id → QR code PNG, for the offer page
}

// qrCode is an offer's QR code, kept for the offer page a while.
type qrCode struct {
	png     []byte
	created time.Time
}

// Bounds of the desk's memory: offer QR codes kept for their page.
const (
	maxQRCodes = 64
	qrTTL      = time.Hour
)

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
	return &Desk{cfg: cfg, tmpl: t, qrs: map[string]qrCode{}}, nil
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

// form is one credential type's form: its fields from the type's JSON
// Schema, and all claims as JSON for the advanced way.
type form struct {
	Type    string
	Name    string
	Fields  []field
	JSON    string
	UseJSON bool
	Errors  []string
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
		var values map[string]any
		_ = json.Unmarshal(ex, &values)
		fields, err := formFields(t, l, values)
		if err != nil {
			d.cfg.Logger.Error("form", "type", name, "err", err)
			continue
		}
		out = append(out, form{Type: name, Name: t.Display[l].Name, Fields: fields, JSON: string(ex)})
	}
	return out
}

// pageData is what the home page needs: the forms, and the ESCO lists
// when a form has an ESCO field.
func pageData(forms []form) map[string]any {
	data := map[string]any{"Forms": forms}
	for _, f := range forms {
		for _, fl := range f.Fields {
			switch fl.Kind {
			case kindSkill:
				data["Skills"] = escoSkills()
			case kindOccupation:
				data["Occupations"] = ppp.ESCOOccupations()
			}
		}
	}
	return data
}

// escoSkills lists the ESCO skills by the label the desk shows.
func escoSkills() []string {
	var out []string
	for _, sk := range ppp.ESCOSkills() {
		out = append(out, escoLabel(sk.URI))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func (d *Desk) home(c echo.Context) error {
	return d.render(c, http.StatusOK, "home.html", pageData(d.forms(webguard.Lang(c))))
}

// offer makes an offer from a form: the fields, or with "use_json" the
// claims as JSON. Anything wrong is shown at its field, in words.
func (d *Desk) offer(c echo.Context) error {
	lang := webguard.Lang(c)
	typ := c.FormValue("type")
	forms := d.forms(lang)
	fi := slices.IndexFunc(forms, func(f form) bool { return f.Type == typ })
	if fi < 0 {
		return d.render(c, http.StatusBadRequest, "home.html", pageData(forms))
	}
	f := &forms[fi]
	form, err := c.FormParams()
	if err != nil {
		return d.render(c, http.StatusBadRequest, "home.html", pageData(forms))
	}
	var claims []byte
	if f.UseJSON = c.FormValue("use_json") != ""; f.UseJSON {
		f.JSON = c.FormValue("claims")
		claims = []byte(f.JSON)
	} else {
		m, ok := claimsFrom(f.Fields, form, lang)
		if !ok {
			f.Errors = []string{texts[lang]["invalid"]}
			return d.render(c, http.StatusBadRequest, "home.html", pageData(forms))
		}
		claims, _ = json.Marshal(m)
	}
	o, err := d.cfg.Issuer.CreateOffer(c.Request().Context(), issuer.OfferRequest{
		Type: typ, Claims: claims, TxCode: c.FormValue("tx_code") != "", SubjectRef: c.FormValue("subject_ref"),
	})
	if err != nil {
		f.Errors = []string{texts[lang]["invalid"]}
		var ve *ppp.ValidationError
		if errors.As(err, &ve) {
			for _, fe := range ve.Fields {
				top, _, _ := strings.Cut(strings.TrimPrefix(fe.Pointer, "/"), "/")
				if k := slices.IndexFunc(f.Fields, func(x field) bool { return x.Name == top || x.Name+"_label" == top }); k >= 0 && !f.UseJSON {
					f.Fields[k].Error = texts[lang]["f_invalid"]
				} else {
					f.Errors = append(f.Errors, fieldText(fe))
				}
			}
		} else {
			d.cfg.Logger.Info("offer refused", "class", credentials.ClassName(err))
			f.Errors = []string{texts[lang]["error"]}
		}
		return d.render(c, http.StatusBadRequest, "home.html", pageData(forms))
	}
	d.keepQR(o.ID, o.QRCode)
	t, _ := ppp.Lookup(typ)
	walletLink := ""
	if d.cfg.WalletURL != "" {
		walletLink = d.cfg.WalletURL + "/receive?offer=" + url.QueryEscape(o.OfferURIByReference) + "&lang=" + lang
	}
	return d.render(c, http.StatusOK, "offer.html", map[string]any{"Offer": o, "TypeName": t.Display[lang].Name, "WalletLink": walletLink,
		"Expires": ppp.FormatDate(o.ExpiresAt, lang) + " " + o.ExpiresAt.Format("15:04")})
}

// keepQR keeps an offer's QR code for its page, within the desk's bounds.
func (d *Desk) keepQR(id string, png []byte) {
	now := time.Now()
	d.mu.Lock()
	defer d.mu.Unlock()
	for k, q := range d.qrs {
		if now.Sub(q.created) > qrTTL {
			delete(d.qrs, k)
		}
	}
	bounded.MakeRoom(d.qrs, maxQRCodes, func(q qrCode) time.Time { return q.created })
	d.qrs[id] = qrCode{png: png, created: now}
}

// fieldText shows a field error of the advanced JSON: the claim and the
// reason, never the value.
func fieldText(f ppp.FieldError) string {
	p := f.Pointer
	if p == "" {
		p = "/"
	}
	return p + ": " + f.Reason
}

func (d *Desk) qr(c echo.Context) error {
	d.mu.Lock()
	q, ok := d.qrs[c.Param("id")]
	d.mu.Unlock()
	if !ok || len(q.png) == 0 {
		return c.String(http.StatusNotFound, "unknown offer\n")
	}
	return c.Blob(http.StatusOK, "image/png", q.png)
}

// issued is one credential as the desk lists it: its batch copies (the
// records of one offer and configuration) together.
type issued struct {
	ID         string // the first copy's record id
	Type       string
	SubjectRef string
	IssuedAt   time.Time
	Status     string
	Copies     int
}

// group puts the copies of each credential together, newest first; a
// credential's status is its first copy's (the desk changes all at once).
func group(recs []issuer.CredentialRecord, lang string) []issued {
	var out []issued
	idx := map[string]int{}
	for _, r := range recs {
		k := r.OfferID + "\x00" + r.ConfigurationID
		if i, ok := idx[k]; ok && r.OfferID != "" {
			out[i].Copies++
			continue
		}
		idx[k] = len(out)
		out = append(out, issued{ID: r.ID, Type: typeName(r.VCT, r.Type, lang), SubjectRef: r.SubjectRef, IssuedAt: r.IssuedAt, Status: r.Status, Copies: 1})
	}
	slices.Reverse(out)
	return out
}

func typeName(vct, name, lang string) string {
	if t, ok := ppp.LookupVCT(vct); ok {
		if d, ok := t.Display[lang]; ok && d.Name != "" {
			return d.Name
		}
	}
	return name
}

func (d *Desk) list(c echo.Context) error {
	lang := webguard.Lang(c)
	recs, err := d.cfg.Issuer.ListCredentials(c.Request().Context(), "", 1000)
	if err != nil {
		return d.render(c, http.StatusInternalServerError, "credentials.html", map[string]any{"Error": texts[lang]["error"]})
	}
	return d.render(c, http.StatusOK, "credentials.html", map[string]any{"Credentials": group(recs, lang)})
}

// status revokes, suspends or reinstates a credential: every copy of it.
func (d *Desk) status(c echo.Context) error {
	lang := webguard.Lang(c)
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
	ctx := c.Request().Context()
	recs, err := d.cfg.Issuer.ListCredentials(ctx, "", 1000)
	if err != nil {
		return d.render(c, http.StatusInternalServerError, "credentials.html", map[string]any{"Error": texts[lang]["error"]})
	}
	id := c.Param("id")
	i := slices.IndexFunc(recs, func(r issuer.CredentialRecord) bool { return r.ID == id })
	if i < 0 {
		return d.render(c, http.StatusNotFound, "credentials.html", map[string]any{"Error": texts[lang]["unknown_credential"], "Credentials": group(recs, lang)})
	}
	for _, r := range recs {
		if r.ID != id && (r.OfferID == "" || r.OfferID != recs[i].OfferID || r.ConfigurationID != recs[i].ConfigurationID) {
			continue
		}
		if _, err := d.cfg.Issuer.SetStatus(ctx, r.ID, st); err != nil {
			d.cfg.Logger.Info("status not changed", "class", credentials.ClassName(err))
			return d.render(c, http.StatusBadRequest, "credentials.html", map[string]any{"Error": texts[lang]["status_error"], "Credentials": group(recs, lang)})
		}
	}
	return c.Redirect(http.StatusSeeOther, "/credentials?lang="+lang)
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
