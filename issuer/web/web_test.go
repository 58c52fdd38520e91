package web_test

import (
	"context"
	"crypto/rand"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/loopbrug/paspoort/issuer"
	"github.com/loopbrug/paspoort/issuer/web"
)

func newDesk(t *testing.T) http.Handler {
	t.Helper()
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	store, err := issuer.OpenBadgerStore(t.TempDir(), key, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	is, err := issuer.New(context.Background(), store, issuer.Config{URL: "https://127.0.0.1:8441", Name: map[string]string{"nl": "Assessment BV"},
		Types: []string{"level", "skill"}, AdminToken: strings.Repeat("a", 40), AllowLoopback: true})
	if err != nil {
		t.Fatal(err)
	}
	d, err := web.New(web.Config{Issuer: is, Name: "Assessment BV"})
	if err != nil {
		t.Fatal(err)
	}
	return d.Handler()
}

// The desk's pages over real HTTP: a form per type, an offer with its QR
// code and PIN, schema errors field by field, the issued list, and the
// host and origin guards.
func TestDesk(t *testing.T) {
	srv := httptest.NewServer(newDesk(t))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	post := func(path string, form url.Values, hdr map[string]string) (int, string) {
		req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		res, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	get := func(path, host string) (int, string) {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		if host != "" {
			req.Host = host
		}
		res, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	level := `{"nlqf_level": 4, "eqf_level": 4, "assessed_on": "2025-09-16", "method": "evc"}`
	tests := []struct {
		name     string
		do       func() (int, string)
		wantCode int
		want     []string
	}{
		{"forms", func() (int, string) { return get("/", "") }, 200, []string{`id="create-level"`, `id="create-skill"`, `<label for="claims-level"`}},
		{"english", func() (int, string) { return get("/?lang=en", "") }, 200, []string{"Create offer", `lang="en"`}},
		{"offer", func() (int, string) {
			return post("/offers", url.Values{"type": {"level"}, "claims": {level}, "use_json": {"1"}, "tx_code": {"1"}}, nil)
		}, 200, []string{`id="offer-link">openid-credential-offer://`, `id="tx-code"`, `/qr.png"`}},
		{"schema error", func() (int, string) {
			return post("/offers", url.Values{"type": {"level"}, "claims": {`{"nlqf_level": 9}`}, "use_json": {"1"}}, nil)
		}, 400, []string{`role="alert"`, "/nlqf_level"}},
		{"not JSON", func() (int, string) {
			return post("/offers", url.Values{"type": {"level"}, "claims": {`{`}, "use_json": {"1"}}, nil)
		}, 400, []string{`role="alert"`}},
		{"foreign host", func() (int, string) { return get("/", "evil.example:80") }, 403, nil},
		{"cross-origin post", func() (int, string) {
			return post("/offers", url.Values{"type": {"level"}, "claims": {level}}, map[string]string{"Origin": "http://evil.example"})
		}, 403, nil},
		{"cross-site post", func() (int, string) {
			return post("/offers", url.Values{"type": {"level"}, "claims": {level}}, map[string]string{"Sec-Fetch-Site": "cross-site"})
		}, 403, nil},
		{"same-origin post", func() (int, string) {
			return post("/offers", url.Values{"type": {"level"}, "claims": {level}, "use_json": {"1"}}, map[string]string{"Origin": "http://" + u.Host, "Sec-Fetch-Site": "same-origin"})
		}, 200, []string{"openid-credential-offer://"}},
		{"issued list", func() (int, string) { return get("/credentials", "") }, 200, []string{"Nog niets uitgegeven"}},
		{"unknown action", func() (int, string) { return post("/credentials/x/destroy", nil, nil) }, 404, nil},
		{"unknown credential", func() (int, string) { return post("/credentials/nope/revoke", nil, nil) }, 404, []string{`role="alert"`}},
		// The form built from the type's schema: NLQF as a choice, the
		// method by its Dutch name, dates as dates, raw JSON folded away.
		{"form fields", func() (int, string) { return get("/", "") }, 200, []string{`<select id="c-level-nlqf_level" name="c_nlqf_level"`, ">NLQF 4</option>",
			"erkenning van verworven competenties (EVC)", `type="date" id="c-level-assessed_on"`, `list="esco-skills"`, "<details>", "Geavanceerd"}},
		{"offer from the form", func() (int, string) {
			return post("/offers", url.Values{"type": {"level"}, "c_nlqf_level": {"4"}, "c_eqf_level": {"4"}, "c_assessed_on": {"2025-09-16"}, "c_method": {"evc"}}, nil)
		}, 200, []string{`id="offer-link">openid-credential-offer://`}},
		{"skill by its Dutch ESCO label", func() (int, string) {
			return post("/offers", url.Values{"type": {"skill"}, "c_skill": {"initiatief aan de dag leggen"}, "c_proficiency": {"3"}, "c_assessed_on": {"2025-09-16"}, "c_method": {"observation"}}, nil)
		}, 200, []string{"openid-credential-offer://"}},
		{"unknown ESCO label", func() (int, string) {
			return post("/offers", url.Values{"type": {"skill"}, "c_skill": {"vliegen"}, "c_proficiency": {"3"}, "c_assessed_on": {"2025-09-16"}, "c_method": {"observation"}}, nil)
		}, 400, []string{"Kies een naam uit de lijst", `aria-invalid="true"`}},
		{"required field empty", func() (int, string) {
			return post("/offers", url.Values{"type": {"level"}, "c_nlqf_level": {"4"}, "c_eqf_level": {"4"}, "c_method": {"evc"}}, nil)
		}, 400, []string{"Vul dit in.", `role="alert"`}},
		{"schema refuses a field's value", func() (int, string) {
			return post("/offers", url.Values{"type": {"level"}, "c_nlqf_level": {"4"}, "c_eqf_level": {"4"}, "c_assessed_on": {"2025-09-16"}, "c_method": {"evc"}, "c_evidence": {strings.Repeat("x", 2001)}}, nil)
		}, 400, []string{"Dit klopt niet. Kijk het na.", `id="c-level-evidence-err"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := tt.do()
			if code != tt.wantCode {
				t.Fatalf("status %d, want %d: %s", code, tt.wantCode, body)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q:\n%s", w, body)
				}
			}
		})
	}
}
