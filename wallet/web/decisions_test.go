package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials/dcql"
	"github.com/loopbrug/paspoort/credentials/did"
	"github.com/loopbrug/paspoort/credentials/oid4vp"
	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/credentials/sdjwtvc"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/wallet"
	"github.com/loopbrug/paspoort/wallet/web"
)

// receiptVerifier is an OpenID4VP verifier written with credentials/oid4vp
// as a real one is (a did:jwk client, a signed request object fetched with
// a wallet_nonce, direct_post) whose response_uri answers with a decision
// receipt signed under its DID (docs/receipt.md), the payload of
// wallet/testdata/receipt-payload.json.
func receiptVerifier(t *testing.T) (link string) {
	t.Helper()
	key, _ := jose.GenerateKey(jose.ES256)
	d, err := did.JWKFromKey(key.Public())
	if err != nil {
		t.Fatal(err)
	}
	key = key.WithKeyID(d + "#0")
	q, err := dcql.Parse([]byte(`{"credentials":[{"id":"skill","format":"dc+sd-jwt","meta":{"vct_values":["https://paspoort.loopbrug.nl/vct/skill/v1"]},"claims":[{"path":["skill"]}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join("..", "testdata", "receipt-payload.json"))
	if err != nil {
		t.Fatal(err)
	}
	var payload map[string]any
	if err := json.Unmarshal(b, &payload); err != nil {
		t.Fatal(err)
	}
	payload["iss"], payload["iat"] = d, time.Now().Unix()
	pb, _ := json.Marshal(payload)
	receipt, err := jose.Sign(key, wallet.TypReceipt, nil, pb)
	if err != nil {
		t.Fatal(err)
	}
	pol := oid4vp.URLPolicy{AllowLoopback: true}
	var req oid4vp.AuthorizationRequest
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	req = oid4vp.AuthorizationRequest{ClientID: oid4vp.PrefixDecentralizedIdentifier + ":" + d, ResponseType: oid4vp.ResponseTypeVPToken,
		ResponseMode: oid4vp.ResponseModeDirectPost, ResponseURI: srv.URL + "/response", Nonce: oid4vp.NewNonce(), State: oid4vp.NewNonce(), DCQLQuery: q}
	mux.HandleFunc("POST /request", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		p, err := oid4vp.ParseRequestURIPost(r.PostForm)
		if err != nil {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		rr := req
		rr.WalletNonce = p.WalletNonce
		tok, err := oid4vp.SignRequestObject(key, rr, time.Now(), 5*time.Minute, pol)
		if err != nil {
			http.Error(w, "sign", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", oid4vp.MediaTypeRequestObject)
		_, _ = io.WriteString(w, tok)
	})
	mux.HandleFunc("POST /response", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		if resp, err := oid4vp.ParseResponse(r.PostForm, oid4vp.ResponseExpectation{Mode: req.ResponseMode}); err != nil || resp.State != req.State {
			http.Error(w, `{"error":"invalid_request"}`, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"receipt": receipt})
	})
	return oid4vp.InvocationRequest{ClientID: req.ClientID, RequestURI: srv.URL + "/request", RequestURIMethod: oid4vp.RequestURIMethodPost}.URI()
}

var detailsRE = regexp.MustCompile(`(?s)<details>.*</details>`)

// decisionDesk shares from a real wallet with receiptVerifier, so that
// the wallet holds one verified decision, and serves the web wallet over
// that wallet's store. It returns the desk's URL and the decision's id.
func decisionDesk(t *testing.T) (string, string) {
	t.Helper()
	ctx := context.Background()
	w, dir, opts, _ := skillWallet(t)
	pr, err := w.ReadRequest(ctx, receiptVerifier(t))
	if err != nil {
		t.Fatal(err)
	}
	res, err := w.Present(ctx, pr, nil)
	if err != nil {
		t.Fatalf("present: %v", err)
	}
	if res.Decision == nil {
		t.Fatalf("decision not kept: %v", res.DecisionNotKept)
	}
	id := res.Presentation.ID
	w.Close()
	return serveWallet(t, dir, opts).URL, id
}

// skillWallet makes a wallet in a new folder holding one skill credential
// of a test issuer it trusts; it returns the wallet, its folder, the
// options it was made with and the credential.
func skillWallet(t *testing.T) (*wallet.Wallet, string, []wallet.Option, *wallet.Credential) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	ik, _ := jose.GenerateKey(jose.ES256)
	const issuer = "https://assessor.example"
	opts := []wallet.Option{wallet.WithKDFParams(wallet.KDFParams{Time: 1, MemoryKiB: wallet.MinKDFMemoryKiB, Threads: 1}),
		wallet.WithIssuerKeys(sdjwtvc.StaticKeys{issuer: {ik.Public()}}), wallet.WithAllowLoopback()}
	w, err := wallet.Init(ctx, dir, []byte(pass), opts...)
	if err != nil {
		t.Fatal(err)
	}
	ty, _ := ppp.Lookup("skill")
	var claims map[string]any
	_ = json.Unmarshal(ty.Example(), &claims)
	hk, _ := w.NewHolderKey()
	s, err := sdjwtvc.Issue(ik, sdjwtvc.Credential{Issuer: issuer, VCT: ty.VCT, HolderKey: hk.Public(), Claims: claims,
		IssuedAt: time.Now().Add(-time.Hour), Expires: time.Now().Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	c, err := w.Add(ctx, []wallet.Copy{{SDJWT: s, Key: hk}}, wallet.Meta{})
	if err != nil {
		t.Fatal(err)
	}
	return w, dir, opts, c
}

// serveWallet serves the web wallet over the store in dir, whose wallet
// must be closed, until the test ends.
func serveWallet(t *testing.T, dir string, opts []wallet.Option) *httptest.Server {
	t.Helper()
	store, err := wallet.OpenStore(dir, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	d, err := web.New(web.Config{Store: store, WalletOptions: opts})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(d.Handler())
	t.Cleanup(srv.Close)
	t.Cleanup(d.Lock)
	return srv
}

// The "Besluiten" pages on a real wallet: the holder shares with a
// verifier that signs its decision; the list shows date, organisation
// name, title and outcome in Dutch; the decision page shows the outcome,
// each requirement, the gap (an English ESCO label marked "(Engels)"),
// the learning plan with modules, study load and next start, and the
// signature check; the DID, key and receipt only behind "Technische
// details"; English with ?lang=en; an unknown id is a 404 page.
func TestDecisionPages(t *testing.T) {
	base, id := decisionDesk(t)
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string) (int, string) {
		t.Helper()
		res, err := hc.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if res, err := hc.PostForm(base+"/unlock", url.Values{"passphrase": {pass}}); err != nil || res.StatusCode != http.StatusSeeOther {
		t.Fatalf("unlock: %v %v", res, err)
	}
	if _, body := get("/"); !strings.Contains(body, `<a href="/decisions?lang=nl">Besluiten</a>`) {
		t.Fatalf("no link to Besluiten in the menu: %s", body)
	}
	tests := []struct {
		name     string
		path     string
		wantCode int
		want     []string
	}{
		{"list", "/decisions", 200, []string{"<h1>Besluiten</h1>", "Hogeschool Domstad", "Zij-instroom tweedegraads lerarenopleiding Nederlands", "Toegelaten",
			`href="/decisions/` + id + `?lang=nl"`, `class="stack"`, `data-label="Organisatie"`}},
		{"decision", "/decisions/" + id[:12], 200, []string{`<p class="outcome ok">Toegelaten</p>`, "Besluit van Hogeschool Domstad, ", "Score: 75%",
			"Werk- en denkniveau NLQF 4 of hoger", `badge required">verplicht`, `<span class="met">voldaan</span>`, `<span class="not_proven">niet aangetoond</span>`,
			"U heeft hiervoor geen bewijs gedeeld.", "<li>lesinhoud voorbereiden</li>", `<span lang="en">assess students</span> (Engels)`,
			"Uw leerplan", "Lessen voorbereiden en ontwerpen", "5 EC", "9 EC", "1 februari 2026", "Controleer handtekening", "<summary>Technische details</summary>"}},
		{"check", "/decisions/" + id + "?check=1", 200, []string{`role="status" id="check-result">Handtekening klopt: dit besluit is ondertekend door Hogeschool Domstad op `}},
		{"english", "/decisions/" + id + "?lang=en", 200, []string{`<p class="outcome ok">Admitted</p>`, "Your learning plan", "1 February 2026", "Check signature", "<li>assess students</li>"}},
		{"unknown", "/decisions/ffffffff", http.StatusNotFound, []string{"Dit besluit staat niet in uw wallet."}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, body := get(tc.path)
			if code != tc.wantCode {
				t.Fatalf("%d, want %d: %s", code, tc.wantCode, body)
			}
			for _, want := range tc.want {
				if !strings.Contains(body, want) {
					t.Errorf("no %q in\n%s", want, body)
				}
			}
			// Nothing technical outside the collapsed details.
			visible := detailsRE.ReplaceAllString(body, "")
			for _, leak := range []string{"did:", "http://data.europa.eu", "paspoort-receipt", "not_proven<", "learning_plan", "predicate_"} {
				if strings.Contains(visible, leak) {
					t.Errorf("page shows %q outside the technical details", leak)
				}
			}
		})
	}
}
