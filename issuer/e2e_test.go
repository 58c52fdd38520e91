package issuer_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/did"
	"github.com/loopbrug/paspoort/credentials/oid4vci"
	"github.com/loopbrug/paspoort/credentials/sdjwtvc"
	"github.com/loopbrug/paspoort/credentials/statuslist"
	"github.com/loopbrug/paspoort/internal/jose"
)

// TestPreAuthorizedCodeFlow plays a wallet written against OpenID4VCI 1.0,
// with plain net/http and credentials/ only: offer → metadata → token with
// tx_code → nonce → credential with a proof → verify the SD-JWT VC (key
// from JWT VC Issuer Metadata, and the same key through did:web) → status
// VALID → revoke → status INVALID.
func TestPreAuthorizedCodeFlow(t *testing.T) {
	e := startIssuer(t, nil)
	ctx := context.Background()
	offer := e.createOffer(t, map[string]any{"type": "skill", "claims": example(t, "skill"), "tx_code": true, "subject_ref": "student-42"})
	if offer.TxCode == "" || len(offer.QRCode) < 100 || string(offer.QRCode[1:4]) != "PNG" {
		t.Fatalf("offer: tx_code %q, qr %d bytes", offer.TxCode, len(offer.QRCode))
	}

	// The wallet scans the offer (by reference) and fetches it.
	ref, err := oid4vci.ParseOfferURI(offer.OfferURIByReference)
	if err != nil || ref.URI == "" {
		t.Fatalf("offer by reference: %+v %v", ref, err)
	}
	status, body, h := e.do(t, http.MethodGet, ref.URI, "", "", nil)
	if status != http.StatusOK || h.Get("Content-Type") != "application/json" {
		t.Fatalf("fetch offer: %d %v", status, h)
	}
	o, err := oid4vci.ParseOffer(body)
	if err != nil {
		t.Fatal(err)
	}
	if o.CredentialIssuer != e.URL || !o.Offers("skill") || o.Grants.PreAuthorizedCode.TxCode == nil || o.Grants.PreAuthorizedCode.TxCode.Length != 6 {
		t.Fatalf("offer object: %+v", o)
	}

	// Metadata.
	mdURL, _ := oid4vci.MetadataURL(o.CredentialIssuer, oid4vci.WellKnownIssuer)
	_, body, _ = e.do(t, http.MethodGet, mdURL, "", "", nil)
	md, err := oid4vci.ParseIssuerMetadata(body, o.CredentialIssuer)
	if err != nil {
		t.Fatal(err)
	}
	conf, ok := md.Configuration("skill")
	if !ok || conf.VCT != "https://paspoort.loopbrug.nl/vct/skill/v1" || conf.CredentialMetadata == nil || len(conf.CredentialMetadata.Display) != 2 {
		t.Fatalf("configuration: %+v", conf)
	}
	asURL, _ := oid4vci.MetadataURL(o.CredentialIssuer, oid4vci.WellKnownAuthorizationServer)
	_, body, _ = e.do(t, http.MethodGet, asURL, "", "", nil)
	as, err := oid4vci.ParseAuthorizationServerMetadata(body, o.CredentialIssuer)
	if err != nil || as.TokenEndpoint != e.URL+"/token" || !as.PreAuthorizedGrantAnonymousAccessSupported {
		t.Fatalf("AS metadata: %+v %v", as, err)
	}

	// Token with the tx_code.
	_, tok, er := e.token(t, o.Grants.PreAuthorizedCode.PreAuthorizedCode, &offer.TxCode)
	if er != nil {
		t.Fatalf("token: %+v", er)
	}
	// Nonce and proof.
	holder, _ := jose.GenerateKey(jose.ES256)
	proof, err := oid4vci.BuildProof(holder, oid4vci.ProofOptions{Audience: md.CredentialIssuer, Nonce: e.nonce(t)})
	if err != nil {
		t.Fatal(err)
	}
	_, cr, er := e.credential(t, tok.AccessToken, "skill", proof)
	if er != nil {
		t.Fatalf("credential: %+v", er)
	}
	if len(cr.Credentials) != 1 {
		t.Fatalf("credentials: %d", len(cr.Credentials))
	}
	raw := cr.Credentials[0].Credential

	// Verify with credentials/ alone: the issuer key from JWT VC Issuer
	// Metadata, the status from the Token Status List.
	keys := &sdjwtvc.MetadataKeys{Fetcher: e.Fetcher}
	checker, err := statuslist.NewChecker(e.Fetcher, keys)
	if err != nil {
		t.Fatal(err)
	}
	v, err := sdjwtvc.NewVerifier(keys, sdjwtvc.WithStatusChecker(checker))
	if err != nil {
		t.Fatal(err)
	}
	res, err := v.VerifyIssued(ctx, raw, holder.Public())
	if err != nil {
		t.Fatal(err)
	}
	if res.Issuer != e.URL || res.VCT != conf.VCT || !res.StatusChecked || res.Claims["proficiency"] == nil || len(res.Disclosed) < 5 {
		t.Fatalf("result: %+v", res)
	}
	// The same key through did:web.
	web, err := did.NewWebResolver(e.Fetcher, did.WithAllowLoopback())
	if err != nil {
		t.Fatal(err)
	}
	dk, err := did.NewResolver(web).ResolveKey(ctx, res.KeyID, did.AssertionMethod)
	if err != nil {
		t.Fatalf("did:web key %s: %v", res.KeyID, err)
	}
	if !dk.Equal(res.IssuerKey) {
		t.Fatal("the did:web key is not the JWT VC Issuer Metadata key")
	}

	// The admin lists the credential: metadata only.
	_, body, _ = e.do(t, http.MethodGet, e.URL+"/admin/credentials", "", adminToken, nil)
	var list struct {
		Credentials []map[string]any `json:"credentials"`
	}
	if err := json.Unmarshal(body, &list); err != nil || len(list.Credentials) != 1 {
		t.Fatalf("list: %s", body)
	}
	rec := list.Credentials[0]
	if rec["subject_ref"] != "student-42" || rec["type"] != "skill" || rec["status"] != "valid" || rec["claims"] != nil {
		t.Fatalf("record: %v", rec)
	}
	if int(rec["status_index"].(float64)) != res.Status.Index {
		t.Fatalf("record index %v, credential index %d", rec["status_index"], res.Status.Index)
	}

	// Revoke, then a fresh verifier sees INVALID.
	status, body, _ = e.do(t, http.MethodPost, e.URL+"/admin/credentials/"+rec["id"].(string)+"/revoke", "", adminToken, nil)
	if status != http.StatusOK {
		t.Fatalf("revoke: %d %s", status, body)
	}
	checker2, _ := statuslist.NewChecker(e.Fetcher, keys)
	v2, _ := sdjwtvc.NewVerifier(keys, sdjwtvc.WithStatusChecker(checker2))
	if _, err := v2.VerifyIssued(ctx, raw, holder.Public()); !errors.Is(err, statuslist.ErrRevoked) || !errors.Is(err, credentials.ErrStatus) {
		t.Fatalf("revoked credential: %v", err)
	}
	// And the list itself, fetched and checked by hand.
	status, body, h = e.do(t, http.MethodGet, res.Status.URI, "", "", nil)
	if status != http.StatusOK || h.Get("Content-Type") != statuslist.MediaType {
		t.Fatalf("status list: %d %v", status, h)
	}
	lt, err := statuslist.VerifyToken(string(body), res.IssuerKey, statuslist.VerifyOptions{URI: res.Status.URI, Algs: jose.DefaultAlgs, MinEntries: statuslist.HerdPrivacyMinEntries})
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := statuslist.Check(statuslist.Reference{Idx: res.Status.Index, URI: res.Status.URI}, lt); s != statuslist.Invalid {
		t.Fatalf("status %v, want INVALID", s)
	}
	// Revocation is final.
	status, _, _ = e.do(t, http.MethodPost, e.URL+"/admin/credentials/"+rec["id"].(string)+"/reinstate", "", adminToken, nil)
	if status != http.StatusConflict {
		t.Fatalf("reinstate a revoked credential: %d", status)
	}
	// The offer object is gone once redeemed.
	if status, _, _ = e.do(t, http.MethodGet, ref.URI, "", "", nil); status != http.StatusNotFound {
		t.Fatalf("redeemed offer still served: %d", status)
	}
}
