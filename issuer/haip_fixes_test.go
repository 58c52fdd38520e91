package issuer_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/loopbrug/paspoort/credentials/oid4vci"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/issuer"
)

// TestBatchPerConfiguration: an offer naming more configurations than
// batch_size is redeemed in full with its one access token (VCI §4.1.1;
// batch_size bounds the proofs of one request, §12.2.4): the token yields
// a batch per configuration it covers, and no more.
func TestBatchPerConfiguration(t *testing.T) {
	e := startIssuer(t, func(c *issuer.Config) { c.BatchSize = 1 })
	o := e.createOffer(t, map[string]any{"credentials": []map[string]any{
		{"type": "skill", "claims": example(t, "skill")}, {"type": "learning", "claims": example(t, "learning")},
	}})
	_, tok, er := e.token(t, preAuthCode(t, o.OfferURI), nil)
	if er != nil {
		t.Fatalf("token: %+v", er)
	}
	for _, tc := range []struct {
		typ    string
		status int
	}{{"skill", http.StatusOK}, {"learning", http.StatusOK}, {"skill", http.StatusBadRequest}} {
		holder := newKeyES256(t)
		proof, err := oid4vci.BuildProof(holder, oid4vci.ProofOptions{Audience: e.URL, Nonce: e.nonce(t)})
		if err != nil {
			t.Fatal(err)
		}
		status, _, er := e.credential(t, tok.AccessToken, tc.typ, proof)
		if status != tc.status || status != http.StatusOK && (er == nil || er.Error != oid4vci.CodeCredentialRequestDenied) {
			t.Fatalf("%s: %d %+v, want %d", tc.typ, status, er, tc.status)
		}
	}
}

// TestX5CIssuerNamesNoDID: with an x5c chain the credential and the status
// list token name the key by x5c alone, without a "kid" (a DID URL of the
// issuer's did:web, which a HAIP relying party without DIDs cannot use);
// without a chain the kid stays (DID profile).
func TestX5CIssuerNamesNoDID(t *testing.T) {
	for _, chain := range []bool{true, false} {
		var cfg *issuer.Config
		var e *env
		if chain {
			e = startIssuerWith(t, func(c *issuer.Config) { cfg = c }, certifyCurrentKey(t, devAuthority(t), &cfg))
		} else {
			e = startIssuer(t, nil)
		}
		o := e.createOffer(t, map[string]any{"type": "skill", "claims": example(t, "skill")})
		_, tok, er := e.token(t, preAuthCode(t, o.OfferURI), nil)
		if er != nil {
			t.Fatalf("token: %+v", er)
		}
		proof, _ := oid4vci.BuildProof(newKeyES256(t), oid4vci.ProofOptions{Audience: e.URL, Nonce: e.nonce(t)})
		_, cr, er := e.credential(t, tok.AccessToken, "skill", proof)
		if er != nil {
			t.Fatalf("credential: %+v", er)
		}
		j, err := jose.ParseCompact(strings.SplitN(cr.Credentials[0].Credential, "~", 2)[0])
		if err != nil {
			t.Fatal(err)
		}
		var c struct {
			Status struct {
				StatusList struct {
					URI string `json:"uri"`
				} `json:"status_list"`
			} `json:"status"`
		}
		_ = json.Unmarshal(j.Payload, &c)
		_, body, _ := e.do(t, http.MethodGet, c.Status.StatusList.URI, "", "", nil)
		l, err := jose.ParseCompact(strings.TrimSpace(string(body)))
		if err != nil {
			t.Fatal(err)
		}
		for what, h := range map[string]jose.Header{"credential": j.Header, "status list": l.Header} {
			_, hasX5C := h.Raw["x5c"]
			if chain && (h.Kid != "" || !hasX5C) || !chain && !strings.HasPrefix(h.Kid, "did:web:") {
				t.Fatalf("chain %v, %s header %v", chain, what, h.Raw)
			}
		}
	}
}
