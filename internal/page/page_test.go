package page_test

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/loopbrug/paspoort/internal/page"
)

func TestParseRendersSkeleton(t *testing.T) {
	fsys := fstest.MapFS{"t/layout.html": {Data: []byte(
		`{{define "page-title"}}Titel {{.Name}}{{end}}{{define "p"}}{{template "page-open" .}}<main>{{shout .Name}}{{template "page-close" .}}{{end}}`)}}
	funcs := map[string]any{"shout": strings.ToUpper}
	tests := []struct {
		role   page.Role
		colour string
	}{
		{page.Wallet, "#6b2a14"},
		{page.Issuer, "#14406b"},
		{page.Verifier, "#1d4f35"},
		{page.Register, "#4a2d6b"},
	}
	for _, tt := range tests {
		tmpl, err := page.Parse(tt.role, fsys, funcs, "t/*.html")
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := tmpl.ExecuteTemplate(&b, "p", map[string]string{"Lang": "nl", "Name": "<x>"}); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		for _, want := range []string{`<html lang="nl">`, "<title>Titel &lt;x&gt;</title>", "--role:" + tt.colour, "table.stack", "<main>&lt;X&gt;", "</body></html>", `name="viewport"`} {
			if !strings.Contains(out, want) {
				t.Errorf("role %d: page lacks %q:\n%s", tt.role, want, out)
			}
		}
	}
}

func TestParseRefusesBrokenTemplates(t *testing.T) {
	fsys := fstest.MapFS{"t/x.html": {Data: []byte(`{{define "x"}}{{.A`)}}
	if _, err := page.Parse(page.Wallet, fsys, nil, "t/*.html"); err == nil {
		t.Fatal("a broken template parsed")
	}
	if _, err := page.Parse(page.Wallet, fsys, nil, "none/*.html"); err == nil {
		t.Fatal("a pattern matching nothing parsed")
	}
}

// TestOneStylesheet: no page template of the module carries a stylesheet
// of its own; the look lives in this package only.
func TestOneStylesheet(t *testing.T) {
	root := filepath.Join("..", "..")
	n := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || filepath.Ext(p) != ".html" || strings.Contains(p, filepath.Join("internal", "page")) {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		n++
		if bytes.Contains(b, []byte("<style")) || bytes.Contains(b, []byte("style=")) {
			t.Errorf("%s has a style of its own; put it in internal/page/style.css", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 10 {
		t.Fatalf("found only %d page templates; is the walk in the right place?", n)
	}
}

func TestMissingTexts(t *testing.T) {
	fsys := fstest.MapFS{"t/a.html": {Data: []byte(`{{.T.title}} {{$.T.only_nl}} {{.T.both}} {{.Other.T}}`)}}
	texts := map[string]map[string]string{
		"nl": {"title": "Titel", "only_nl": "x", "both": "b"},
		"en": {"title": "Title", "both": "b"},
	}
	got, err := page.MissingTexts(fsys, texts, "t/*.html")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != "en: only_nl (t/a.html)" {
		t.Fatalf("missing %q", got)
	}
}
