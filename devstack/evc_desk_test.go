package devstack_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/devstack"
	"github.com/loopbrug/paspoort/wallet"
)

// TestEVCDesk runs the EVC provider's desk over HTTP as its assessor
// does: she asks for a portfolio, a holder who built one in her wallet
// shares it, the desk shows it per competence in words, tells a file the
// holder shows apart from one she did not declare, refuses an incomplete
// review without issuing anything, and on a complete one has the
// provider's issuer offer the Ervaringscertificaat and the skill proven,
// which the holder's wallet receives and verifies.
func TestEVCDesk(t *testing.T) {
	ctx := context.Background()
	s := startStack(t, t.TempDir(), true)
	desk := s.Verifier(devstack.VerifierEVC).DeskURL
	jar, _ := cookiejar.New(nil)
	officer := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(u string) (int, string, string) {
		t.Helper()
		res, err := officer.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, res.Header.Get("Location"), string(b)
	}
	post := func(u, contentType string, body io.Reader) (int, string, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, u, body)
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Origin", desk)
		res, err := officer.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, res.Header.Get("Location"), string(b)
	}
	form := func(u string, v url.Values) (int, string, string) {
		return post(u, "application/x-www-form-urlencoded", strings.NewReader(v.Encode()))
	}

	// The holder builds and signs her portfolio.
	w := newHolder(t, s)
	p, err := w.NewPortfolio(ctx, "http://data.europa.eu/esco/occupation/3e9c1262-4fe2-4eb1-bf94-4fe64498393a", "")
	if err != nil {
		t.Fatal(err)
	}
	instruct, motivate := "http://data.europa.eu/esco/skill/dbadb531-2fb9-4361-b80b-9be8c3c54229", "http://data.europa.eu/esco/skill/ece81686-331c-4381-bf3f-5ea610d47a7f"
	for _, sk := range []string{instruct, motivate} {
		if _, err := w.AddPortfolioEntry(ctx, p.ID, wallet.PortfolioEntry{Skill: sk, Statement: "Twee trainingen per week voor de jeugd.", Context: "Jeugdtrainer bij SV Domstad", From: "2016-08-01"}); err != nil {
			t.Fatal(err)
		}
	}
	plan := []byte("Trainingsplan seizoen 2025-2026\n")
	if _, err := w.Attach(ctx, p.ID, 0, "trainingsplan.txt", "", plan); err != nil {
		t.Fatal(err)
	}
	if _, err := w.IssuePortfolio(ctx, p.ID, 1); err != nil {
		t.Fatal(err)
	}

	// The assessor asks; the holder shares the portfolio.
	code, loc, _ := form(desk+"/requests", url.Values{"profile": {devstack.ProfileEVC}})
	if code != http.StatusSeeOther {
		t.Fatalf("start: %d", code)
	}
	reqPage := desk + strings.Split(loc, "?")[0]
	_, _, body := get(reqPage)
	link := regexp.MustCompile(`openid4vp://[^"<\s]+`).FindString(body)
	if link == "" {
		t.Fatalf("no request link on the page:\n%s", body)
	}
	shareType(t, w, strings.ReplaceAll(link, "&amp;", "&"), ppp.TypePortfolio)

	// The decision opens the review: the portfolio in words.
	code, loc, _ = get(reqPage + "?wait=1")
	if code != http.StatusSeeOther || !strings.Contains(loc, "/review") {
		t.Fatalf("decided request: %d → %q", code, loc)
	}
	review := desk + strings.Split(loc, "?")[0]
	_, _, body = get(review)
	for _, want := range []string{"Portfolio ontvangen: sportcoach", "instruct in sport", "Jeugdtrainer bij SV Domstad", "sinds 1 augustus 2016", "Bestand: trainingsplan.txt", "Maak het Ervaringscertificaat"} {
		if !strings.Contains(body, want) {
			t.Errorf("review page lacks %q", want)
		}
	}

	// A file the holder shows is checked against the portfolio.
	checkFile := func(data []byte) string {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("file", "x.txt")
		fw.Write(data)
		mw.Close()
		_, _, b := post(review[:len(review)-len("/review")]+"/check-file", mw.FormDataContentType(), &buf)
		return b
	}
	if b := checkFile(plan); !strings.Contains(b, "Dit is het bestand &#34;trainingsplan.txt&#34; uit het portfolio (onderdeel 1)") {
		t.Errorf("the right file is not recognised:\n%s", b)
	}
	if b := checkFile([]byte("een ander plan")); !strings.Contains(b, "Dit bestand staat niet in het portfolio") {
		t.Errorf("another file is not refused")
	}

	// An incomplete review (proven without a level) issues nothing.
	code, _, body = form(review, url.Values{"assessor": {"Karin Bos"}, "result-0": {"proven"}, "result-1": {"not"}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "kies bij elke aangetoonde competentie het niveau") {
		t.Fatalf("incomplete review: %d", code)
	}
	code, _, _ = form(review, url.Values{"assessor": {"Karin Bos"}, "result-0": {"proven"}, "level-0": {"4"}, "remark-0": {"Sterk plan."},
		"note-0": {"Legt helder uit."}, "result-1": {"partly"}, "level-1": {"2"}})
	if code != http.StatusSeeOther {
		t.Fatalf("review: %d", code)
	}
	_, _, body = get(review)
	if !strings.Contains(body, "Klaar: de kandidaat kan het bewijs ophalen") || strings.Count(body, `class="pin"`) != 2 {
		t.Fatalf("offers not shown:\n%s", body)
	}
	pins := regexp.MustCompile(`class="pin">(\d+)<`).FindAllStringSubmatch(body, -1)
	offers := regexp.MustCompile(`offer=(openid-credential-offer[^&"]+)`).FindAllStringSubmatch(body, -1)
	if len(pins) != 2 || len(offers) != 2 {
		t.Fatalf("pins %v, offers %v", pins, offers)
	}
	for i, o := range offers {
		uri, _ := url.QueryUnescape(strings.ReplaceAll(o[1], "&amp;", "&"))
		off, err := w.ResolveOffer(ctx, uri)
		if err != nil {
			t.Fatal(err)
		}
		got, err := w.Receive(ctx, off, wallet.ReceiveOptions{TxCode: pins[i][1]})
		if err != nil || len(got) != 1 {
			t.Fatalf("receive offer %d: %v", i, err)
		}
		switch got[0].Type {
		case ppp.TypeErvaringscertificaat:
			comps, _ := got[0].Claims["competences"].([]any)
			if len(comps) != 2 || got[0].Claims["assessor"] != "Karin Bos" || got[0].Claims["provider"] != "EVC Centrum Domstad" {
				t.Errorf("certificate claims %v", got[0].Claims)
			}
		case ppp.TypeSkill:
			if got[0].Claims["skill"] != instruct || got[0].Claims["evidence"] != "Sterk plan. — Legt helder uit." {
				t.Errorf("skill claims %v", got[0].Claims)
			}
		default:
			t.Errorf("offer %d is a %s", i, got[0].Type)
		}
	}
	// A second submit offers nothing more.
	form(review, url.Values{"assessor": {"Karin Bos"}, "result-0": {"proven"}, "level-0": {"5"}})
	if _, _, body = get(review); strings.Count(body, `class="pin"`) != 2 {
		t.Error("a second review offered again")
	}
	// Another browser cannot see the portfolio.
	if res, err := http.Get(review); err != nil || res.StatusCode != http.StatusNotFound {
		t.Errorf("review without the desk session: %v %v", res.StatusCode, err)
	}
}
