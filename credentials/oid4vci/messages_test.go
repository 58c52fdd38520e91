package oid4vci_test

import (
	"errors"
	"net/url"
	"testing"

	"github.com/loopbrug/paspoort/credentials/oid4vci"
)

func TestParseIssuerMetadataSpecExample(t *testing.T) {
	data := testdata(t, "vci-1.0-credential-issuer-metadata-sd-jwt-long.json")
	md, err := oid4vci.ParseIssuerMetadata(data, "https://credential-issuer.example.com")
	if err != nil {
		t.Fatal(err)
	}
	c, ok := md.Configuration("SD_JWT_VC_example_in_OpenID4VCI")
	if !ok || c.Format != oid4vci.FormatSDJWTVC || c.VCT == "" || c.CredentialMetadata == nil ||
		len(c.CredentialMetadata.Claims) != 13 || c.ProofTypesSupported["jwt"].ProofSigningAlgValuesSupported[0] != "ES256" ||
		md.BatchCredentialIssuance.BatchSize != 10 {
		t.Fatalf("metadata: %+v", c)
	}
	if p := c.CredentialMetadata.Claims[5].Path; len(p) != 2 || p[1] != "street_address" {
		t.Fatalf("claims path %v", p)
	}
	if _, err := oid4vci.ParseIssuerMetadata(data, "https://credential-issuer.example.com/other"); !errors.Is(err, oid4vci.ErrInvalidMetadata) {
		t.Fatalf("another issuer's metadata: %v", err)
	}
}

func TestMetadataURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://issuer.example.com/tenant":  "https://issuer.example.com/.well-known/openid-credential-issuer/tenant",
		"https://tenant.issuer.example.com":  "https://tenant.issuer.example.com/.well-known/openid-credential-issuer",
		"https://issuer.example.com:8443/a/": "https://issuer.example.com:8443/.well-known/openid-credential-issuer/a",
	} {
		got, err := oid4vci.MetadataURL(in, oid4vci.WellKnownIssuer)
		if err != nil || got != want {
			t.Errorf("MetadataURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := oid4vci.MetadataURL("http://issuer.example", oid4vci.WellKnownIssuer); !errors.Is(err, oid4vci.ErrInvalidMetadata) {
		t.Fatalf("http issuer: %v", err)
	}
}

func TestParseCredentialRequest(t *testing.T) {
	r, err := oid4vci.ParseCredentialRequest([]byte(`{"credential_configuration_id":"skill","proofs":{"jwt":["a.b.c","d.e.f"]},"x":1}`))
	if err != nil || r.CredentialConfigurationID != "skill" || len(r.Proofs.JWT) != 2 {
		t.Fatalf("%+v %v", r, err)
	}
	r, err = oid4vci.ParseCredentialRequest([]byte(`{"credential_configuration_id":"skill","proofs":{"attestation":["a.b.c"]}}`))
	if err != nil || len(r.Proofs.Attestation) != 1 || r.Proofs.JWT != nil {
		t.Fatalf("attestation proof: %+v %v", r, err)
	}
	for _, tc := range []struct {
		name, body string
		want       error
	}{
		{"both ids", `{"credential_configuration_id":"a","credential_identifier":"b"}`, oid4vci.ErrInvalidCredentialRequest},
		{"no id", `{"proofs":{"jwt":["a.b.c"]}}`, oid4vci.ErrInvalidCredentialRequest},
		{"id not a string", `{"credential_configuration_id":7}`, oid4vci.ErrInvalidCredentialRequest},
		{"duplicate member", `{"credential_configuration_id":"a","credential_configuration_id":"b"}`, oid4vci.ErrInvalidCredentialRequest},
		{"case variant", `{"credential_configuration_id":"a","Credential_Configuration_ID":"b"}`, oid4vci.ErrInvalidCredentialRequest},
		{"not an object", `[]`, oid4vci.ErrInvalidCredentialRequest},
		{"proofs empty", `{"credential_configuration_id":"a","proofs":{"jwt":[]}}`, oid4vci.ErrInvalidProof},
		{"two proof types", `{"credential_configuration_id":"a","proofs":{"jwt":["a"],"di_vp":[{}]}}`, oid4vci.ErrInvalidProof},
		{"unsupported proof type", `{"credential_configuration_id":"a","proofs":{"di_vp":[{}]}}`, oid4vci.ErrInvalidProof},
		{"two key attestations", `{"credential_configuration_id":"a","proofs":{"attestation":["a.b.c","d.e.f"]}}`, oid4vci.ErrInvalidProof},
		{"no key attestation", `{"credential_configuration_id":"a","proofs":{"attestation":[]}}`, oid4vci.ErrInvalidProof},
		{"key attestation not a string", `{"credential_configuration_id":"a","proofs":{"attestation":[{}]}}`, oid4vci.ErrInvalidProof},
		{"proof not a string", `{"credential_configuration_id":"a","proofs":{"jwt":[{}]}}`, oid4vci.ErrInvalidProof},
		{"draft proof member", `{"credential_configuration_id":"a","proof":{"proof_type":"jwt","jwt":"a.b.c"}}`, oid4vci.ErrInvalidProof},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := oid4vci.ParseCredentialRequest([]byte(tc.body)); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestParseTokenRequest(t *testing.T) {
	r, err := oid4vci.ParseTokenRequest(url.Values{"grant_type": {oid4vci.GrantTypePreAuthorizedCode}, "pre-authorized_code": {"c"}, "tx_code": {""}})
	if err != nil || !r.HasTxCode || r.PreAuthorizedCode != "c" {
		t.Fatalf("%+v %v", r, err)
	}
	if f := r.Form(); f.Get("pre-authorized_code") != "c" || !f.Has("tx_code") {
		t.Fatalf("form %v", f)
	}
	for name, tc := range map[string]struct {
		form url.Values
		code oid4vci.ErrorCode
	}{
		"repeated code":   {url.Values{"grant_type": {oid4vci.GrantTypePreAuthorizedCode}, "pre-authorized_code": {"a", "b"}}, oid4vci.CodeInvalidRequest},
		"no grant_type":   {url.Values{"pre-authorized_code": {"a"}}, oid4vci.CodeInvalidRequest},
		"other grant":     {url.Values{"grant_type": {"password"}}, oid4vci.CodeUnsupportedGrantType},
		"no code":         {url.Values{"grant_type": {oid4vci.GrantTypePreAuthorizedCode}}, oid4vci.CodeInvalidRequest},
		"repeated txcode": {url.Values{"grant_type": {oid4vci.GrantTypePreAuthorizedCode}, "pre-authorized_code": {"a"}, "tx_code": {"1", "2"}}, oid4vci.CodeInvalidRequest},
	} {
		if _, err := oid4vci.ParseTokenRequest(tc.form); err == nil || oid4vci.CodeOf(err) != tc.code {
			t.Errorf("%s: %v, want %s", name, err, tc.code)
		}
	}
}

func TestErrorResponseDescription(t *testing.T) {
	r := oid4vci.NewErrorResponse(errors.Join(oid4vci.ErrInvalidNonce, errors.New("bad \"nonce\" é\n")))
	if r.Error != oid4vci.CodeInvalidNonce {
		t.Fatalf("code %s", r.Error)
	}
	for _, c := range r.Description {
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			t.Fatalf("description %q has %q", r.Description, c)
		}
	}
}

func TestParseResponses(t *testing.T) {
	for _, tt := range []string{"DPoP", "dpop", "Bearer", "bearer"} {
		if _, err := oid4vci.ParseTokenResponse([]byte(`{"access_token":"t","token_type":"` + tt + `"}`)); err != nil {
			t.Fatalf("token_type %s refused: %v", tt, err)
		}
	}
	for _, tt := range []string{"MAC", "", "Bearer "} {
		if _, err := oid4vci.ParseTokenResponse([]byte(`{"access_token":"t","token_type":"` + tt + `"}`)); !errors.Is(err, oid4vci.ErrInvalidRequest) {
			t.Fatalf("token_type %q: %v", tt, err)
		}
	}
	if r, err := oid4vci.ParsePARResponse([]byte(`{"request_uri":"urn:ietf:params:oauth:request_uri:x","expires_in":60}`)); err != nil || r.ExpiresIn != 60 {
		t.Fatalf("PAR response: %+v %v", r, err)
	}
	for _, bad := range []string{`{"request_uri":"urn:x"}`, `{"expires_in":60}`, `{"request_uri":"u","expires_in":0}`, `{"request_uri":"u","request_uri":"v","expires_in":1}`} {
		if _, err := oid4vci.ParsePARResponse([]byte(bad)); !errors.Is(err, oid4vci.ErrInvalidRequest) {
			t.Fatalf("PAR response %s: %v", bad, err)
		}
	}
	if r, err := oid4vci.ParseTokenResponse([]byte(`{"access_token":"t","token_type":"Bearer","expires_in":300}`)); err != nil || r.ExpiresIn != 300 {
		t.Fatalf("%+v %v", r, err)
	}
	if _, err := oid4vci.ParseCredentialResponse([]byte(`{"credentials":[{"credential":{"a":1}}]}`)); err == nil {
		t.Fatal("an object credential was accepted for dc+sd-jwt")
	}
	if r, err := oid4vci.ParseCredentialResponse([]byte(`{"credentials":[{"credential":"x~"}],"notification_id":"n"}`)); err != nil || r.Credentials[0].Credential != "x~" {
		t.Fatalf("%+v %v", r, err)
	}
	if _, err := oid4vci.ParseNonceResponse([]byte(`{"c_nonce":""}`)); err == nil {
		t.Fatal("an empty c_nonce was accepted")
	}
}
