package wallet_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/dcql"
	"github.com/loopbrug/paspoort/credentials/oid4vp"
	"github.com/loopbrug/paspoort/credentials/registry"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/wallet"
)

// registerServer publishes a consortium's signed registers over TLS, as
// `paspoort trust serve` does.
type registerServer struct {
	srv *httptest.Server
	mu  sync.Mutex
	cur string
	all map[string]string
}

func newRegisterServer(t *testing.T) *registerServer {
	rs := &registerServer{all: map[string]string{}}
	rs.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rs.mu.Lock()
		defer rs.mu.Unlock()
		tok := rs.all[r.URL.Path]
		if r.URL.Path == "/register.jwt" {
			tok = rs.cur
		}
		if tok == "" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/jwt")
		_, _ = w.Write([]byte(tok))
	}))
	t.Cleanup(rs.srv.Close)
	return rs
}

func (rs *registerServer) publish(t *testing.T, d *registry.Document, k *jose.PrivateKey) string {
	t.Helper()
	tok, err := registry.Sign(d, k)
	if err != nil {
		t.Fatal(err)
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rs.cur = tok
	rs.all["/register/"+strconv.FormatUint(d.Version, 10)+".jwt"] = tok
	return tok
}

func (rs *registerServer) url() string { return rs.srv.URL + "/register.jwt" }

// TestRegistersAtConsent: a wallet that follows a register shows a
// registered verifier by its registered name, refuses one that asks beyond
// its registered profile or presents another member's registration, marks
// an unregistered one, and counts for private matching only credentials of
// admitted issuers.
func TestRegistersAtConsent(t *testing.T) {
	iss := newTestIssuer(t, "https://assessor.example")
	q, err := dcql.Parse([]byte(`{"credentials":[{"id":"skill","format":"dc+sd-jwt","meta":{"vct_values":["https://paspoort.loopbrug.nl/vct/skill/v1"]},"claims":[{"path":["skill"]},{"path":["proficiency"]}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	rs := newRegisterServer(t)
	w := initWallet(t, t.TempDir(), wallet.WithIssuerKeys(iss.keys()), wallet.WithAllowLoopback(), wallet.WithTransportUnsafe(rs.srv.Client().Transport))
	defer w.Close()
	if _, err := w.Add(ctx, iss.issue(t, w, "skill", example(t, "skill", nil), 1), wallet.Meta{}); err != nil {
		t.Fatal(err)
	}
	registered := newTestVerifier(t, iss.keys(), oid4vp.ResponseModeDirectPost, q)
	stranger := newTestVerifier(t, iss.keys(), oid4vp.ResponseModeDirectPost, q)

	key, _ := jose.GenerateKey(jose.ES256)
	now := time.Now()
	doc := &registry.Document{
		Consortium: registry.Consortium{ID: "https://register.domstad.example", Name: registry.Text{NL: "Loopbrug Domstad", EN: "Loopbrug Domstad"}},
		Version:    1, IssuedAt: now.Add(-time.Minute).Unix(), Expires: now.Add(24 * time.Hour).Unix(),
		NextKeys: []registry.Key{{PublicKey: key.Public()}},
		Issuers: []registry.Issuer{{ID: "https://assessor.example", Name: registry.Text{NL: "Assessment Centrum", EN: "Assessment Centre"},
			Kind: registry.KindAssessor, Types: []string{"skill"}}},
		Verifiers: []registry.Verifier{{ClientID: registered.clientID, Name: registry.Text{NL: "Hogeschool Domstad", EN: "Domstad University"},
			Kind: registry.KindAdmission, Profiles: []registry.ProfileEntry{{ID: "p", Versions: "*",
				Claims: []registry.Claim{{Type: "skill", Paths: [][]string{{"skill"}, {"proficiency"}}}}}}}},
	}
	rs.publish(t, doc, key)

	// The pinned key must be the consortium's: another key is refused and
	// nothing is stored.
	other, _ := jose.GenerateKey(jose.ES256)
	if _, err := w.FollowRegister(ctx, rs.url(), other.Public()); !errors.Is(err, registry.ErrUnknownKey) {
		t.Fatalf("register under another key: %v", err)
	}
	if regs, _ := w.Registers(ctx); len(regs) != 0 {
		t.Fatalf("a refused register is followed: %d", len(regs))
	}
	if _, err := w.FollowRegister(ctx, rs.url(), key.Public()); err != nil {
		t.Fatal(err)
	}
	if _, err := w.FollowRegister(ctx, rs.url(), key.Public()); !errors.Is(err, wallet.ErrRegisterFollowed) {
		t.Fatalf("followed twice: %v", err)
	}

	pr, err := w.ReadRequest(ctx, registered.link("/request"))
	if err != nil {
		t.Fatal(err)
	}
	if r := pr.Registration; r == nil || !r.Following || !r.Registered || r.Name.NL != "Hogeschool Domstad" || r.Kind != registry.KindAdmission ||
		r.Consortium.Name.NL != "Loopbrug Domstad" || pr.VerifierName != "Hogeschool Domstad" {
		t.Fatalf("registered verifier: %+v (%q)", pr.Registration, pr.VerifierName)
	}

	pr, err = w.ReadRequest(ctx, stranger.link("/request"))
	if err != nil {
		t.Fatal(err)
	}
	if r := pr.Registration; r == nil || !r.Following || r.Registered {
		t.Fatalf("unregistered verifier: %+v", pr.Registration)
	}

	// Over-asking: the registered verifier now asks for the evidence too.
	wide, _ := dcql.Parse([]byte(`{"credentials":[{"id":"skill","format":"dc+sd-jwt","meta":{"vct_values":["https://paspoort.loopbrug.nl/vct/skill/v1"]},"claims":[{"path":["skill"]},{"path":["evidence"]}]}]}`))
	registered.req.DCQLQuery = wide
	_, err = w.ReadRequest(ctx, registered.link("/request"))
	var oa *wallet.OverAskingError
	if !errors.As(err, &oa) || !errors.Is(err, credentials.ErrTrust) || len(oa.Claims) != 1 || oa.Claims[0].Path[0] != "evidence" || oa.Verifier != "Hogeschool Domstad" {
		t.Fatalf("over-asking: %v", err)
	}
	registered.req.DCQLQuery = q

	// The stranger presents the registered verifier's entry as its own.
	data, _ := json.Marshal(registry.Registration{Consortium: doc.Consortium.ID, Register: rs.url(), ClientID: registered.clientID})
	stranger.req.VerifierInfo = []oid4vp.VerifierInfo{{Format: registry.VerifierInfoFormat, Data: data}}
	if _, err := w.ReadRequest(ctx, stranger.link("/request")); !errors.Is(err, registry.ErrForeignRegistration) {
		t.Fatalf("another member's registration: %v", err)
	}
	// … or claims an entry the register does not hold.
	data, _ = json.Marshal(registry.Registration{Consortium: doc.Consortium.ID, Register: rs.url(), ClientID: stranger.clientID})
	stranger.req.VerifierInfo = []oid4vp.VerifierInfo{{Format: registry.VerifierInfoFormat, Data: data}}
	if _, err := w.ReadRequest(ctx, stranger.link("/request")); !errors.Is(err, registry.ErrNotRegistered) {
		t.Fatalf("a registration the register does not hold: %v", err)
	}
	// An unknown verifier_info format is ignored (OpenID4VP §5.11).
	stranger.req.VerifierInfo = []oid4vp.VerifierInfo{{Format: "https://elsewhere.example/cert", Data: json.RawMessage(`"x"`)}}
	if _, err := w.ReadRequest(ctx, stranger.link("/request")); err != nil {
		t.Fatalf("unknown verifier_info format: %v", err)
	}

	// Unfollowing: the registered verifier is then just unknown.
	if err := w.UnfollowRegister(ctx, doc.Consortium.ID); err != nil {
		t.Fatal(err)
	}
	pr, err = w.ReadRequest(ctx, registered.link("/request"))
	if err != nil || pr.Registration == nil || pr.Registration.Following {
		t.Fatalf("after unfollowing: %+v, %v", pr.Registration, err)
	}
}

// TestProtectedClaimsFlagged: a request for identity claims of another
// issuer's credential (the EU PID's birthdate and nationalities) is
// flagged claim by claim with its category; a plain name is not.
func TestProtectedClaimsFlagged(t *testing.T) {
	q, err := dcql.Parse([]byte(`{"credentials":[{"id":"pid","format":"dc+sd-jwt","meta":{"vct_values":["urn:eudi:pid:1"]},` +
		`"claims":[{"path":["birthdate"]},{"path":["nationalities",null]},{"path":["family_name"]}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	iss := newTestIssuer(t, "https://assessor.example")
	w := initWallet(t, t.TempDir(), wallet.WithIssuerKeys(iss.keys()), wallet.WithAllowLoopback())
	defer w.Close()
	v := newTestVerifier(t, iss.keys(), oid4vp.ResponseModeDirectPost, q)
	pr, err := w.ReadRequest(ctx, v.link("/request"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, pc := range pr.Protected {
		got = append(got, pc.Path[0]+"="+string(pc.Category))
		if pc.Ground != nil {
			t.Errorf("a ground without a profile: %+v", pc)
		}
	}
	if strings.Join(got, " ") != "birthdate=age nationalities=nationality" {
		t.Fatalf("protected: %v", got)
	}
}
