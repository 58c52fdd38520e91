package web

import (
	"context"
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/credentials/profile"
	"github.com/loopbrug/paspoort/wallet"
)

var funcs = template.FuncMap{
	"text": func(t profile.Text, l string) string { return t.Get(l) },
	// english reports that t in l is the English text standing in for a
	// missing one (ESCO labels without a Dutch one).
	"english": func(t profile.Text, l string) bool { return l != "en" && t[l] == "" && t["en"] != "" },
	"pct":     func(f float64) string { return fmt.Sprintf("%.0f%%", f*100) },
	"date":    ppp.FormatDate,
	"pdate": func(d *ppp.Date, l string) string {
		if d == nil || d.IsZero() {
			return ""
		}
		return ppp.FormatDate(time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC), l)
	},
	"str":      func(v any) string { return fmt.Sprint(v) },
	"typename": typeName,
	"sprintf":  fmt.Sprintf,
}

// typeName is the name of a credential type as a person reads it in lang
// ("Werk- en denkniveau"), or fallback outside the PPP.
func typeName(vct, lang, fallback string) string {
	if t, ok := ppp.LookupVCT(vct); ok {
		if d, ok := t.Display[lang]; ok && d.Name != "" {
			return d.Name
		}
	}
	if fallback != "" {
		return fallback
	}
	return vct
}

// registered are the claims of an SD-JWT VC that are about the
// credential, not the person.
var registered = map[string]bool{"iss": true, "iat": true, "exp": true, "nbf": true, "vct": true, "cnf": true, "status": true, "sub": true, "vct#integrity": true}

// credentialValues returns a credential's claims as a person reads them:
// in the order of its type's metadata for a PPP type, one line each.
func credentialValues(c *wallet.Credential, lang string) []ppp.Value {
	var out []ppp.Value
	t, ok := ppp.LookupVCT(c.VCT)
	if !ok {
		return nil
	}
	seen := map[string]bool{}
	for _, cl := range t.Claims {
		if len(cl.Path) != 1 || seen[cl.Path[0]] || registered[cl.Path[0]] {
			continue
		}
		name := cl.Path[0]
		seen[name] = true
		if name == "assurance" {
			continue // said by the provenance line
		}
		v, ok := c.Claims[name]
		if !ok {
			continue
		}
		// A label next to its ESCO URI says the same: show the URI's
		// label once.
		if strings.HasSuffix(name, "_label") {
			if _, has := c.Claims[strings.TrimSuffix(name, "_label")]; has {
				continue
			}
		}
		out = append(out, ppp.Describe(c.VCT, "/"+name, v, lang))
	}
	return out
}

// credView is one credential on "Mijn paspoort".
type credView struct {
	wallet.Summary
	Values []ppp.Value
	// Provenance says who established it and when: "Vastgesteld door een
	// assessor, maart 2026"; empty for a type that carries no evidence.
	Provenance string
}

// provenance says who established a credential's claims and when, as a
// verifier would weigh it, with a capital letter to start a line.
func provenance(ctx context.Context, w *wallet.Wallet, c *wallet.Credential, lang string) string {
	p, ok := w.Provenance(ctx, c)
	if !ok {
		return ""
	}
	s := p.Describe(lang)
	return strings.ToUpper(s[:1]) + s[1:]
}

// groupView is one section of "Mijn paspoort".
type groupView struct {
	ID, Name    string
	Credentials []credView
}

// paspoortView arranges the wallet's credentials in the PPP's building
// blocks, each with its values in words; empty blocks are left out.
func paspoortView(ctx context.Context, w *wallet.Wallet, lang string) []groupView {
	var sums []wallet.Summary
	byID := map[string]*wallet.Credential{}
	for _, c := range w.Credentials() {
		sums = append(sums, w.Summarize(ctx, c, false))
		byID[c.ID] = c
	}
	var out []groupView
	for _, g := range wallet.Groups(sums) {
		if len(g.Credentials) == 0 {
			continue
		}
		gv := groupView{ID: g.ID, Name: g.Name[lang]}
		for _, s := range g.Credentials {
			gv.Credentials = append(gv.Credentials, credView{Summary: s, Values: credentialValues(byID[s.ID], lang), Provenance: provenance(ctx, w, byID[s.ID], lang)})
		}
		out = append(out, gv)
	}
	return out
}
