package issuer_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/loopbrug/paspoort/credentials/oid4vci"
	"github.com/loopbrug/paspoort/credentials/sdjwtvc"
	"github.com/loopbrug/paspoort/credentials/statuslist"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/kv"
	"github.com/loopbrug/paspoort/issuer"
)

// issue runs the wallet flow for one offer and returns the credential and
// the holder key.
func (e *env) issue(t *testing.T, typ string) (string, *jose.PrivateKey) {
	t.Helper()
	offer := e.createOffer(t, map[string]any{"type": typ, "claims": example(t, typ)})
	_, tok, er := e.token(t, preAuthCode(t, offer.OfferURI), nil)
	if er != nil {
		t.Fatalf("token: %+v", er)
	}
	holder, _ := jose.GenerateKey(jose.ES256)
	p, _ := oid4vci.BuildProof(holder, oid4vci.ProofOptions{Audience: e.URL, Nonce: e.nonce(t)})
	_, cr, er := e.credential(t, tok.AccessToken, typ, p)
	if er != nil {
		t.Fatalf("credential: %+v", er)
	}
	return cr.Credentials[0].Credential, holder
}

// Key rotation: new credentials are signed with the new key, and what the
// old key signed still verifies.
func TestKeyRotation(t *testing.T) {
	e := startIssuer(t, nil)
	old, oldHolder := e.issue(t, "talent")
	status, body, _ := e.do(t, http.MethodPost, e.URL+"/admin/keys/rotate", "", adminToken, nil)
	if status != http.StatusOK {
		t.Fatalf("rotate: %d %s", status, body)
	}
	fresh, freshHolder := e.issue(t, "talent")
	if len(e.Issuer.PublicKeys()) != 2 {
		t.Fatalf("keys: %d", len(e.Issuer.PublicKeys()))
	}
	keys := &sdjwtvc.MetadataKeys{Fetcher: e.Fetcher}
	checker, _ := statuslist.NewChecker(e.Fetcher, keys)
	v, _ := sdjwtvc.NewVerifier(keys, sdjwtvc.WithStatusChecker(checker))
	r1, err := v.VerifyIssued(context.Background(), old, oldHolder.Public())
	if err != nil {
		t.Fatalf("credential of the retired key: %v", err)
	}
	r2, err := v.VerifyIssued(context.Background(), fresh, freshHolder.Public())
	if err != nil {
		t.Fatalf("credential of the new key: %v", err)
	}
	if r1.KeyID == r2.KeyID {
		t.Fatal("the rotated key still signs")
	}
}

// Suspend and reinstate show in the status list.
func TestSuspendReinstate(t *testing.T) {
	e := startIssuer(t, nil)
	cred, holder := e.issue(t, "drive")
	recs, _ := e.Issuer.ListCredentials(context.Background(), "", 0)
	id := recs[0].ID
	verify := func() error {
		keys := &sdjwtvc.MetadataKeys{Fetcher: e.Fetcher}
		checker, _ := statuslist.NewChecker(e.Fetcher, keys)
		v, _ := sdjwtvc.NewVerifier(keys, sdjwtvc.WithStatusChecker(checker))
		_, err := v.VerifyIssued(context.Background(), cred, holder.Public())
		return err
	}
	if _, err := e.Issuer.SetStatus(context.Background(), id, issuer.StatusSuspended); err != nil {
		t.Fatal(err)
	}
	if err := verify(); !errors.Is(err, statuslist.ErrSuspended) {
		t.Fatalf("suspended: %v", err)
	}
	if _, err := e.Issuer.SetStatus(context.Background(), id, issuer.StatusValid); err != nil {
		t.Fatal(err)
	}
	if err := verify(); err != nil {
		t.Fatalf("reinstated: %v", err)
	}
	if _, err := e.Issuer.SetStatus(context.Background(), "no-such-id", issuer.StatusRevoked); !errors.Is(err, issuer.ErrUnknownCredential) {
		t.Fatalf("unknown id: %v", err)
	}
	if status, _, _ := e.do(t, http.MethodGet, e.URL+"/status/99", "", "", nil); status != http.StatusNotFound {
		t.Fatalf("unknown list: %d", status)
	}
}

// Operations endpoints, the DID document and JSON Lines bulk offers.
func TestOperations(t *testing.T) {
	e := startIssuer(t, nil)
	e.issue(t, "skill")
	for path, want := range map[string]string{
		"/healthz": "ok", "/readyz": "ready",
		"/metrics":                   "paspoort_issuer_credentials_issued_total{type=\"skill\"} 1",
		"/.well-known/did.json":      e.Issuer.DID(),
		"/.well-known/jwt-vc-issuer": `"issuer":"` + e.URL + `"`,
		"/jwks.json":                 `"use":"sig"`,
		oid4vci.WellKnownIssuer:      `"credential_metadata"`,
		"/.well-known/no-such-thing": "not_found",
	} {
		_, body, _ := e.do(t, http.MethodGet, e.URL+path, "", "", nil)
		if !strings.Contains(string(body), want) {
			t.Errorf("%s: %.300s does not contain %s", path, body, want)
		}
	}
	jsonl := string(mustJSON(t, map[string]any{"type": "skill", "claims": example(t, "skill"), "tx_code": true})) + "\n\n" +
		`{"type":"skill","claims":{}}` + "\n" + `not json` + "\n"
	status, body, h := e.do(t, http.MethodPost, e.URL+"/admin/offers/bulk", "application/jsonl", adminToken, []byte(jsonl))
	if status != http.StatusOK || h.Get("X-Bulk-Total") != "3" {
		t.Fatalf("bulk: %d %s", status, body)
	}
	lines := strings.Split(strings.TrimSpace(string(body)), "\n")
	var r0, r1, r2 issuer.BulkResult
	_ = json.Unmarshal([]byte(lines[0]), &r0)
	_ = json.Unmarshal([]byte(lines[1]), &r1)
	_ = json.Unmarshal([]byte(lines[2]), &r2)
	if r0.Offer == nil || r0.Offer.TxCode == "" || r1.Error == nil || r1.Error.Error != "invalid_claims" || r1.Line != 3 || r2.Error == nil || r2.Line != 4 {
		t.Fatalf("bulk results:\n%s", body)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The store keeps keys across restarts and refuses a wrong master key.
func TestStoreRestart(t *testing.T) {
	dir := t.TempDir()
	key := bytes.Repeat([]byte{3}, 32)
	cfg := issuer.Config{URL: "https://issuer.example", Name: map[string]string{"en": "x"}, AdminToken: adminToken}
	s, err := issuer.OpenBadgerStore(dir, key, nil)
	if err != nil {
		t.Fatal(err)
	}
	is, err := issuer.New(context.Background(), s, cfg)
	if err != nil {
		t.Fatal(err)
	}
	kid := is.PublicKeys()[0].KeyID()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := issuer.OpenBadgerStore(dir, bytes.Repeat([]byte{4}, 32), nil); !errors.Is(err, kv.ErrKeyMismatch) {
		t.Fatalf("wrong master key: %v", err)
	}
	s, err = issuer.OpenBadgerStore(dir, key, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	is, err = issuer.New(context.Background(), s, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got := is.PublicKeys()[0].KeyID(); got != kid || is.DID() != "did:web:issuer.example" {
		t.Fatalf("after restart: %s %s", got, is.DID())
	}
}

// Configuration errors are reported together.
func TestConfigValidate(t *testing.T) {
	s, err := issuer.OpenBadgerStore("", bytes.Repeat([]byte{3}, 32), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = issuer.New(context.Background(), s, issuer.Config{URL: "http://x.example/", AdminToken: "short", Types: []string{"nope"}, StatusListSize: 1000})
	for _, want := range []string{"url", "name", "admin token", `type "nope"`, "status list size"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("config error %v does not mention %s", err, want)
		}
	}
}
