package web_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestPortfolioPages builds an EVC portfolio in the web wallet as a holder
// does: an occupation found by its Dutch name, the skills the standard
// asks, an entry in her own words, a file kept (and a too-large one
// refused without change), the portfolio signed and then final.
func TestPortfolioPages(t *testing.T) {
	do, _, raw := startDeskRaw(t)
	if code, _, _ := do("POST", "/unlock", url.Values{"passphrase": {pass}}, nil); code != http.StatusSeeOther {
		t.Fatalf("unlock: %d", code)
	}
	_, body, _ := do("GET", "/portfolio", nil, nil)
	csrf := csrfRE.FindStringSubmatch(body)[1]
	if !strings.Contains(body, "U heeft nog geen portfolio") {
		t.Fatalf("empty list: %s", body)
	}
	form := func(v url.Values) url.Values { v.Set("csrf", csrf); return v }

	if code, body, _ := do("POST", "/portfolio", form(url.Values{"occupation": {"astronaut"}}), nil); code != http.StatusUnprocessableEntity || !strings.Contains(body, "Dat beroep kennen we niet") {
		t.Errorf("unknown occupation: %d", code)
	}
	if code, body, _ := do("POST", "/portfolio", form(url.Values{"occupation": {"teacher"}}), nil); code != http.StatusOK || !strings.Contains(body, "Meer beroepen passen") {
		t.Errorf("several occupations: %d", code)
	}
	code, _, loc := do("POST", "/portfolio", form(url.Values{"occupation": {"sportcoach"}}), nil)
	if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/portfolio/") {
		t.Fatalf("start: %d %q", code, loc)
	}
	page := strings.Split(loc, "?")[0]
	_, body, _ = do("GET", page, nil, nil)
	for _, want := range []string{"Standaard: sportcoach", "nog niet ondertekend", "instruct in sport", "Wat de standaard vraagt"} {
		if !strings.Contains(body, want) {
			t.Errorf("portfolio page lacks %q", want)
		}
	}
	entry := url.Values{"skill": {"http://data.europa.eu/esco/skill/dbadb531-2fb9-4361-b80b-9be8c3c54229"}, "statement": {"Ik train al tien jaar de jeugd."},
		"context": {"Jeugdtrainer bij SV Domstad"}, "from": {"2014-08-01"}, "until": {"2013-01-01"}}
	if code, body, _ := do("POST", page+"/entries", form(entry), nil); code != http.StatusUnprocessableEntity || !strings.Contains(body, "ligt voor de begindatum") {
		t.Errorf("end before start: %d", code)
	}
	entry.Set("until", "")
	if code, _, _ := do("POST", page+"/entries", form(entry), nil); code != http.StatusSeeOther {
		t.Fatalf("add entry: %d", code)
	}
	upload := func(name string, data []byte) (int, string) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField("csrf", csrf)
		fw, _ := mw.CreateFormFile("file", name)
		fw.Write(data)
		mw.Close()
		req, _ := http.NewRequest("POST", page+"/entries/1/files", &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		code, body, _ := raw(req)
		return code, body
	}
	if code, _ := upload("trainingsplan.pdf", []byte("%PDF-1.4 plan")); code != http.StatusSeeOther {
		t.Fatalf("upload: %d", code)
	}
	if code, body := upload("te-groot.pdf", make([]byte, 8<<20+1)); code != http.StatusRequestEntityTooLarge || !strings.Contains(body, "te groot") {
		t.Errorf("too large a file: %d", code)
	}
	// Every other form takes 64 KiB.
	if code, _, _ := do("POST", page+"/entries", form(url.Values{"statement": {strings.Repeat("x", 70<<10)}}), nil); code != http.StatusRequestEntityTooLarge {
		t.Errorf("a 70 KiB form: %d", code)
	}
	_, body, _ = do("GET", page, nil, nil)
	if !strings.Contains(body, "Bestand: trainingsplan.pdf") || !strings.Contains(body, "sinds 1 augustus 2014") || strings.Contains(body, "te-groot.pdf") {
		t.Errorf("after upload: %s", body)
	}
	if code, _, loc := do("POST", page+"/issue", form(url.Values{}), nil); code != http.StatusSeeOther || !strings.HasPrefix(loc, "/") {
		t.Fatalf("issue: %d", code)
	}
	if _, body, _ := do("GET", "/", nil, nil); !strings.Contains(body, "Uw portfolio is ondertekend") || !strings.Contains(body, "EVC-portfolio") ||
		!strings.Contains(body, "Vastgesteld door de houder zelf") {
		t.Errorf("home after issue: %s", body)
	}
	if code, body, _ := do("POST", page+"/entries", form(entry), nil); code != http.StatusUnprocessableEntity || !strings.Contains(body, "al ondertekend") {
		t.Errorf("change after signing: %d", code)
	}
	if code, _, _ := do("POST", page+"/issue", url.Values{"csrf": {"wrong"}}, nil); code != http.StatusForbidden {
		t.Errorf("wrong csrf: %d", code)
	}
}
