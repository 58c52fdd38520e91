package consortium

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/credentials/registry"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/page"
	"github.com/loopbrug/paspoort/internal/webguard"
)

//go:embed templates/*.html
var templateFS embed.FS

// Source is what the register server serves: a Folder, or any store of the
// signed versions.
type Source interface {
	// Latest returns the newest version and its token (ErrNotSigned when
	// there is none).
	Latest(ctx context.Context) (uint64, []byte, error)
	// Version returns the token of version n (ErrNotFound when there is
	// none).
	Version(ctx context.Context, n uint64) ([]byte, error)
	// PublicKey returns the key that signed the latest version.
	PublicKey(ctx context.Context) (*jose.PublicKey, error)
}

// HandlerOption configures NewHandler.
type HandlerOption func(*handler)

// WithLogger logs failures to read the source (default: discard).
func WithLogger(l *slog.Logger) HandlerOption { return func(h *handler) { h.log = l } }

// WithClock sets the clock that says whether the latest version has
// expired (default time.Now).
func WithClock(now func() time.Time) HandlerOption { return func(h *handler) { h.now = now } }

type handler struct {
	src  Source
	tmpl *template.Template
	log  *slog.Logger
	now  func() time.Time
}

// NewHandler returns the echo server of a consortium's register:
//
//	GET /register.jwt       the latest version (application/jwt)
//	GET /register/N.jwt     version N, every one since 1
//	GET /register-key.json  the public JWK that signed the latest version
//	GET /                   a public page listing the members (?lang=en)
//	GET /healthz            "ok"
//
// Everything is public; the JWTs and the key may be fetched from any
// origin. The server is safe for concurrent use.
func NewHandler(src Source, opts ...HandlerOption) (*echo.Echo, error) {
	if src == nil {
		return nil, errors.New("consortium: NewHandler needs a Source")
	}
	h := &handler{src: src, log: slog.New(slog.DiscardHandler), now: time.Now}
	for _, o := range opts {
		o(h)
	}
	t, err := page.Parse(page.Register, templateFS, template.FuncMap{"join": strings.Join}, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("consortium: %w", err)
	}
	h.tmpl = t
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			hd := c.Response().Header()
			hd.Set("X-Content-Type-Options", "nosniff")
			hd.Set("Referrer-Policy", "same-origin")
			hd.Set("Content-Security-Policy", webguard.NoImagesCSP)
			return next(c)
		}
	})
	e.GET("/healthz", func(c echo.Context) error { return c.String(http.StatusOK, "ok\n") })
	e.GET("/register.jwt", h.latest)
	e.GET("/register/:file", h.version)
	e.GET("/register-key.json", h.key)
	e.GET("/", h.page)
	return e, nil
}

func (h *handler) fail(c echo.Context, what string, err error) error {
	h.log.Error("register source", "what", what, "err", err)
	return c.String(http.StatusInternalServerError, "register unavailable\n")
}

func public(c echo.Context) {
	hd := c.Response().Header()
	hd.Set("Access-Control-Allow-Origin", "*")
	hd.Set("Cache-Control", "no-cache")
}

func (h *handler) latest(c echo.Context) error {
	_, tok, err := h.src.Latest(c.Request().Context())
	if errors.Is(err, ErrNotSigned) {
		return c.String(http.StatusNotFound, "no signed register yet\n")
	}
	if err != nil {
		return h.fail(c, "latest", err)
	}
	public(c)
	return c.Blob(http.StatusOK, "application/jwt", tok)
}

func (h *handler) version(c echo.Context) error {
	s, ok := strings.CutSuffix(c.Param("file"), ".jwt")
	n, err := strconv.ParseUint(s, 10, 64)
	if !ok || err != nil || n == 0 || strconv.FormatUint(n, 10) != s {
		return c.String(http.StatusNotFound, "no such version\n")
	}
	tok, err := h.src.Version(c.Request().Context(), n)
	if errors.Is(err, ErrNotFound) {
		return c.String(http.StatusNotFound, "no such version\n")
	}
	if err != nil {
		return h.fail(c, "version", err)
	}
	public(c)
	c.Response().Header().Set("Cache-Control", "public, max-age=86400, immutable")
	return c.Blob(http.StatusOK, "application/jwt", tok)
}

func (h *handler) key(c echo.Context) error {
	k, err := h.src.PublicKey(c.Request().Context())
	if err != nil {
		return h.fail(c, "key", err)
	}
	b, err := k.MarshalJSON()
	if err != nil {
		return h.fail(c, "key", err)
	}
	public(c)
	return c.Blob(http.StatusOK, "application/jwk+json", append(b, '\n'))
}

// pageData is the register page.
type pageData struct {
	Lang, Name      string
	T               map[string]string
	Signed, Expired bool
	Version         uint64
	Expires         string
	Issuers         []issuerRow
	Verifiers       []verifierRow
}

type issuerRow struct {
	ID, Name, Kind string
	Types          []string
}
type verifierRow struct {
	ClientID, Name, Kind string
	// Asks names the credentials its profiles may ask for, once each.
	Asks     []string
	Profiles []profileRow
}
type profileRow struct {
	ID, Versions string
}

func (h *handler) page(c echo.Context) error {
	lang := webguard.Lang(c)
	d := pageData{Lang: lang, T: texts[lang]}
	c.Response().Header().Set("Cache-Control", "no-cache")
	_, tok, err := h.src.Latest(c.Request().Context())
	if errors.Is(err, ErrNotSigned) {
		d.Name = d.T["title"]
		return webguard.Render(c, h.tmpl, h.log, http.StatusOK, "register", d)
	}
	if err != nil {
		return h.fail(c, "latest", err)
	}
	doc, err := h.verified(c.Request().Context(), tok)
	if err != nil {
		return h.fail(c, "latest", err)
	}
	d.Signed, d.Name, d.Version = true, doc.Consortium.Name.Get(lang), doc.Version
	d.Expires = ppp.FormatDate(doc.ExpiresTime(), lang)
	d.Expired = !h.now().Before(doc.ExpiresTime())
	for _, is := range doc.Issuers {
		r := issuerRow{ID: is.ID, Name: is.Name.Get(lang), Kind: KindLabel(string(is.Kind), lang)}
		for _, t := range is.Types {
			r.Types = append(r.Types, typeName(t, lang))
		}
		d.Issuers = append(d.Issuers, r)
	}
	for _, v := range doc.Verifiers {
		r := verifierRow{ClientID: v.ClientID, Name: v.Name.Get(lang), Kind: KindLabel(string(v.Kind), lang)}
		for _, p := range v.Profiles {
			r.Profiles = append(r.Profiles, profileRow{ID: p.ID, Versions: p.Versions})
			for _, cl := range p.Claims {
				if n := typeName(cl.Type, lang); !slices.Contains(r.Asks, n) {
					r.Asks = append(r.Asks, n)
				}
			}
		}
		d.Verifiers = append(d.Verifiers, r)
	}
	return webguard.Render(c, h.tmpl, h.log, http.StatusOK, "register", d)
}

// verified checks the latest token against the source's key before it is
// shown: a folder edited by hand shows an error, not a forged page.
func (h *handler) verified(ctx context.Context, tok []byte) (*registry.Document, error) {
	k, err := h.src.PublicKey(ctx)
	if err != nil {
		return nil, err
	}
	j, err := jose.ParseCompact(string(tok))
	if err != nil {
		return nil, err
	}
	if err := j.CheckType(registry.Type); err != nil {
		return nil, err
	}
	if err := j.Verify(k, []jose.Alg{registry.Alg}); err != nil {
		return nil, err
	}
	return registry.Parse(j.Payload)
}

// typeName is a PPP type's display name in lang, or the vct as it is.
func typeName(t, lang string) string {
	if pt, ok := ppp.Lookup(t); ok {
		if d, ok := pt.Display[lang]; ok && d.Name != "" {
			return d.Name
		}
	}
	return t
}
