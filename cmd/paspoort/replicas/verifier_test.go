package replicas_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loopbrug/paspoort/bench"
	"github.com/loopbrug/paspoort/credentials/oid4vp"
	"github.com/loopbrug/paspoort/internal/jose"
)

const skillProfile = `id: skill-check
version: "1"
kind: admission
title: {nl: Vaardigheid, en: Skill}
purpose: {nl: Toelating op een vaardigheid, en: Admission on a skill}
requirements:
  - id: vaardigheid
    title: {nl: Vaardigheid, en: Skill}
    required: true
    type: skill
    claims: [proficiency]
    predicate: proficiency >= 1
`

// verifiers starts two verifier replicas on the database, trusting the
// the issuer (its "iss") for skills; the second gets a copy of the first's keys,
// as an operator would give every replica.
func (e *env) verifiers(issuerID string) (*replica, *replica) {
	e.t.Helper()
	profiles := filepath.Join(e.dir, "profiles")
	must := func(err error) {
		if err != nil {
			e.t.Fatal(err)
		}
	}
	must(os.MkdirAll(profiles, 0o700))
	must(os.WriteFile(filepath.Join(profiles, "skill-check.yaml"), []byte(skillProfile), 0o600))
	trust, _ := json.Marshal(map[string]any{"issuers": []any{map[string]any{"id": issuerID, "types": []string{"skill"}}}})
	trustFile := filepath.Join(e.dir, "trust.json")
	must(os.WriteFile(trustFile, trust, 0o600))
	a1, a2 := freeAddr(e.t), freeAddr(e.t)
	start := func(addr, data string) *replica {
		return e.start(addr, "verifier", "serve", "--store", e.dsn, "--db-max-conns", "8", "--data", data, "--url", "https://"+a1,
			"--admin-token-file", e.token, "--trust", trustFile, "--profiles", profiles, "--allow-loopback",
			"--tls-cert", e.cert, "--tls-key", e.key, "--ca-file", e.cert)
	}
	d1, d2 := filepath.Join(e.dir, "v1"), filepath.Join(e.dir, "v2")
	v1 := start(a1, d1)
	must(os.MkdirAll(d2, 0o700))
	for _, f := range []string{"verifier.key", "signing.jwk"} {
		b, err := os.ReadFile(filepath.Join(d1, f))
		must(err)
		must(os.WriteFile(filepath.Join(d2, f), b, 0o600))
	}
	return v1, start(a2, d2)
}

// answered creates a transaction at v and returns its id and the
// wallet's answer, ready to post.
func (e *env) answered(v *replica, cred string, holder *jose.PrivateKey) (string, url.Values) {
	e.t.Helper()
	var req struct {
		ID  string `json:"transaction_id"`
		URI string `json:"request_object_uri"`
	}
	if st := e.adminCall(http.MethodPost, v.base+"/admin/transactions", map[string]string{"profile": "skill-check"}, &req); st/100 != 2 {
		e.t.Fatalf("create transaction: HTTP %d", st)
	}
	resp, err := e.client().Get(req.URI)
	if err != nil {
		e.t.Fatal(err)
	}
	ro, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	jws, err := jose.ParseCompact(string(ro))
	if err != nil {
		e.t.Fatalf("request object: %v: %.200s", err, ro)
	}
	r, err := oid4vp.ParseAuthorizationRequest(jws.Payload)
	if err != nil {
		e.t.Fatal(err)
	}
	form, err := bench.Respond(r, cred, holder)
	if err != nil {
		e.t.Fatal(err)
	}
	return req.ID, form
}

// postResponse posts a wallet's answer to a replica's response_uri and
// returns the HTTP status and body; 0 when the replica did not answer.
func (e *env) postResponse(hc *http.Client, v *replica, form url.Values) (int, string) {
	resp, err := hc.PostForm(v.base+"/response", form)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// status returns a transaction's status and outcome from the admin API.
func (e *env) status(v *replica, id string) (string, string) {
	e.t.Helper()
	var st struct {
		Status   string `json:"status"`
		Decision *struct {
			Outcome  string          `json:"outcome"`
			Rejected json.RawMessage `json:"rejected"`
		} `json:"decision"`
	}
	if code := e.adminCall(http.MethodGet, v.base+"/admin/transactions/"+id, nil, &st); code != http.StatusOK {
		e.t.Fatalf("transaction %s: HTTP %d", id, code)
	}
	if st.Decision == nil {
		return st.Status, ""
	}
	if st.Decision.Outcome != "accepted" {
		e.t.Logf("transaction %s: %s, rejected %s", id, st.Decision.Outcome, st.Decision.Rejected)
	}
	return st.Status, st.Decision.Outcome
}

// issueForWallet issues one skill credential through the issuer replicas.
func (e *env) issueForWallet(i1, i2 *replica, issuerURL string) (string, *jose.PrivateKey) {
	e.t.Helper()
	holder := holderKeys(e.t)
	hc := e.client()
	creds, err := bench.IssueCredentials(context.Background(), bench.Endpoint{Client: hc, URL: i1.base}, bench.Endpoint{Client: hc, URL: i2.base}, issuerURL, e.offer(i1), holder)
	if err != nil {
		e.t.Fatal(err)
	}
	return creds[0], holder[0]
}

// TestVerifierReplicas: a presentation answered at one verifier replica
// is refused at the other, and the decision is the same at both.
func TestVerifierReplicas(t *testing.T) {
	e := newEnv(t)
	i1, i2, issuerURL := e.issuers()
	v1, v2 := e.verifiers(issuerURL)
	cred, holder := e.issueForWallet(i1, i2, issuerURL)
	hc := e.client()

	id, form := e.answered(v1, cred, holder)
	if st, body := e.postResponse(hc, v1, form); st != http.StatusOK {
		t.Fatalf("answer at replica 1: %d %s", st, body)
	}
	st, body := e.postResponse(hc, v2, form)
	if st != http.StatusBadRequest || !strings.Contains(body, "error") {
		t.Fatalf("the same answer at replica 2: %d %s", st, body)
	}
	for _, v := range []*replica{v1, v2} {
		if status, outcome := e.status(v, id); status != "decided" || outcome != "accepted" {
			t.Fatalf("%s: %s %s", v.base, status, outcome)
		}
	}
	// A transaction made at replica 2 is answered at replica 1.
	id, form = e.answered(v2, cred, holder)
	if st, body := e.postResponse(hc, v1, form); st != http.StatusOK {
		t.Fatalf("answer at replica 1 of a transaction of replica 2: %d %s", st, body)
	}
	if status, _ := e.status(v2, id); status != "decided" {
		t.Fatalf("replica 2 sees %s", status)
	}
}
