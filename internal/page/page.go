package page

import (
	_ "embed"
	"fmt"
	"html/template"
	"io/fs"
	"regexp"
	"slices"
)

//go:embed style.css
var styleCSS string

//go:embed skeleton.html
var skeleton string

// Role is the party a set of pages belongs to; it picks the colour and
// the width of the pages.
type Role int

// The roles.
const (
	// Wallet is the holder's web wallet.
	Wallet Role = iota
	// Issuer is an issuer's desk.
	Issuer
	// Verifier is a verifier's desk.
	Verifier
	// Register is a consortium's public register page.
	Register
)

// role colours: white text on each has a contrast of at least 7:1
// (WCAG 2.1 AAA for normal text).
var roles = map[Role]struct{ colour, background, width string }{
	Wallet:   {"#6b2a14", "#f4f1ea", "40rem"},
	Issuer:   {"#14406b", "#f6f7f9", "46rem"},
	Verifier: {"#1d4f35", "#f3f6f4", "46rem"},
	Register: {"#4a2d6b", "#f6f4f8", "52rem"},
}

// Style returns the stylesheet of role's pages: the shared rules with the
// role's colour, background and page width.
func Style(r Role) template.CSS {
	c, ok := roles[r]
	if !ok {
		c = roles[Wallet]
	}
	return template.CSS(fmt.Sprintf(":root{--role:%s;--bg:%s;--width:%s}\n", c.colour, c.background, c.width) + styleCSS)
}

// Parse returns the templates matched by patterns in fsys, parsed after
// the shared skeleton ("page-open", "page-close", an empty "page-meta")
// with funcs and a "pageStyle" function giving Style(r). A package's
// layout must define "page-title" and may redefine "page-meta".
func Parse(r Role, fsys fs.FS, funcs template.FuncMap, patterns ...string) (*template.Template, error) {
	style := Style(r)
	t := template.New("").Funcs(template.FuncMap{"pageStyle": func() template.CSS { return style }})
	if funcs != nil {
		t = t.Funcs(funcs)
	}
	t, err := t.Parse(skeleton)
	if err != nil {
		return nil, fmt.Errorf("page: skeleton: %w", err)
	}
	if t, err = t.ParseFS(fsys, patterns...); err != nil {
		return nil, fmt.Errorf("page: templates: %w", err)
	}
	return t, nil
}

// textRef finds the fixed texts a template reads: .T.key and $.T.key.
var textRef = regexp.MustCompile(`\$?\.T\.([A-Za-z_][A-Za-z0-9_]*)`)

// MissingTexts returns, for the templates matched by patterns in fsys,
// every "lang: key" a template reads (.T.key) that texts lacks in one of
// its languages: a page would show an empty label there.
func MissingTexts(fsys fs.FS, texts map[string]map[string]string, patterns ...string) ([]string, error) {
	var missing []string
	for _, pat := range patterns {
		names, err := fs.Glob(fsys, pat)
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			b, err := fs.ReadFile(fsys, n)
			if err != nil {
				return nil, err
			}
			for _, m := range textRef.FindAllSubmatch(b, -1) {
				for lang, t := range texts {
					if _, ok := t[string(m[1])]; !ok {
						missing = append(missing, fmt.Sprintf("%s: %s (%s)", lang, m[1], n))
					}
				}
			}
		}
	}
	slices.Sort(missing)
	return slices.Compact(missing), nil
}
