package walletprovider_test

import (
	"crypto/x509"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials/attest"
	"github.com/loopbrug/paspoort/credentials/oid4vci"
	"github.com/loopbrug/paspoort/credentials/pki"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/walletprovider"
)

const providerURL = "https://wallet-provider.example"

func newKey(t *testing.T) *jose.PrivateKey {
	t.Helper()
	k, err := jose.GenerateKey(jose.ES256)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newProvider(t *testing.T) (*walletprovider.Provider, *pki.Anchors) {
	t.Helper()
	auth, err := pki.NewDevAuthority(pki.AuthorityConfig{})
	if err != nil {
		t.Fatal(err)
	}
	k := newKey(t)
	leaf, err := auth.Issue(k.Signer().Public(), pki.LeafConfig{DNSNames: []string{"wallet-provider.example"}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := walletprovider.New(walletprovider.Config{URL: providerURL, ClientID: "paspoort-wallet", WalletName: "paspoort",
		Signer: attest.Signer{Key: k, Chain: []*x509.Certificate{leaf}}})
	if err != nil {
		t.Fatal(err)
	}
	anchors, err := pki.NewAnchors(auth.Cert)
	if err != nil {
		t.Fatal(err)
	}
	return p, anchors
}

func proof(t *testing.T, k *jose.PrivateKey, aud string) string {
	t.Helper()
	tok, err := oid4vci.BuildProof(k, oid4vci.ProofOptions{Audience: aud})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestWalletAttestationOverHTTP: a wallet instance proves its key and gets
// a Wallet Attestation an issuer trusting the provider's anchor accepts
// with a PoP by that key; refusals change nothing and name no input.
func TestWalletAttestationOverHTTP(t *testing.T) {
	p, anchors := newProvider(t)
	srv := httptest.NewServer(p.Handler(nil))
	defer srv.Close()
	instance := newKey(t)

	post := func(path, body string) (int, map[string]string) {
		res, err := http.Post(srv.URL+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var m map[string]string
		if err := json.NewDecoder(res.Body).Decode(&m); err != nil {
			t.Fatal(err)
		}
		return res.StatusCode, m
	}
	body, _ := json.Marshal(walletprovider.WalletAttestationRequest{Proof: proof(t, instance, providerURL)})
	code, m := post(walletprovider.PathWalletAttestation, string(body))
	if code != http.StatusOK || m["wallet_attestation"] == "" {
		t.Fatalf("%d %v", code, m)
	}
	pop, err := attest.SignPoP(instance, attest.PoPOptions{ClientID: "paspoort-wallet", Audience: "https://issuer.example"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := attest.VerifyClient(m["wallet_attestation"], pop, attest.ClientPolicy{Anchors: anchors, Algs: []jose.Alg{jose.ES256}, Audience: "https://issuer.example"})
	if err != nil {
		t.Fatalf("issuer refuses the provider's attestation: %v", err)
	}
	if c.ClientID != "paspoort-wallet" || c.Provider != providerURL || c.WalletName != "paspoort" || c.Key.Thumbprint() != instance.Public().Thumbprint() {
		t.Fatalf("client %+v", c)
	}
	if !c.Expires.After(time.Now()) || c.Expires.After(time.Now().Add(walletprovider.DefaultAttestationTTL+time.Minute)) {
		t.Fatalf("expires %v", c.Expires)
	}

	for name, tc := range map[string]struct {
		path, body, want string
	}{
		"proof for another audience": {walletprovider.PathWalletAttestation, `{"proof":"` + proof(t, instance, "https://evil.example") + `"}`, "invalid_proof"},
		"no proof":                   {walletprovider.PathWalletAttestation, `{}`, "invalid_proof"},
		"not JSON":                   {walletprovider.PathWalletAttestation, `proof=x`, "invalid_request"},
		"duplicate member":           {walletprovider.PathWalletAttestation, `{"proof":"a","proof":"b"}`, "invalid_request"},
		"key attestation of nothing": {walletprovider.PathKeyAttestation, `{"proofs":[]}`, "invalid_proof"},
	} {
		t.Run(name, func(t *testing.T) {
			code, m := post(tc.path, tc.body)
			if code != http.StatusBadRequest || m["error"] != tc.want {
				t.Fatalf("%d %v", code, m)
			}
			if strings.Contains(m["error_description"], "eyJ") {
				t.Fatalf("the error echoes the input: %q", m["error_description"])
			}
		})
	}
}

// TestKeyAttestation: the keys a wallet proves are attested together with
// the issuer's c_nonce, and an issuer accepts a key proof carrying it.
func TestKeyAttestation(t *testing.T) {
	p, anchors := newProvider(t)
	k1, k2 := newKey(t), newKey(t)
	ka, err := p.KeyAttestation([]string{proof(t, k1, providerURL), proof(t, k2, providerURL)}, "c-nonce-1")
	if err != nil {
		t.Fatal(err)
	}
	jwtProof, err := oid4vci.BuildProof(k2, oid4vci.ProofOptions{Audience: "https://issuer.example", Nonce: "c-nonce-1", KeyAttestation: ka})
	if err != nil {
		t.Fatal(err)
	}
	pr, err := oid4vci.VerifyProof(jwtProof, oid4vci.ProofPolicy{Audience: "https://issuer.example", Algs: []jose.Alg{jose.ES256}, NonceRequired: true,
		KeyAttestations: &attest.KeyPolicy{Anchors: anchors, Algs: []jose.Alg{jose.ES256}}, RequireKeyAttestation: true})
	if err != nil {
		t.Fatalf("issuer refuses the proof: %v", err)
	}
	if !pr.Attested.Attests(k1.Public()) || !pr.Attested.Attests(k2.Public()) || pr.Attested.KeyStorage != nil {
		t.Fatalf("attested %+v", pr.Attested)
	}
	if _, err := p.KeyAttestation([]string{proof(t, k1, providerURL), proof(t, k1, providerURL)}, ""); !errors.Is(err, oid4vci.ErrInvalidProof) {
		t.Fatalf("the same key twice: %v", err)
	}
}

func TestNewRefuses(t *testing.T) {
	auth, err := pki.NewDevAuthority(pki.AuthorityConfig{})
	if err != nil {
		t.Fatal(err)
	}
	k := newKey(t)
	leaf, err := auth.Issue(k.Signer().Public(), pki.LeafConfig{DNSNames: []string{"wallet-provider.example"}})
	if err != nil {
		t.Fatal(err)
	}
	for name, cfg := range map[string]walletprovider.Config{
		"no URL":            {Signer: attest.Signer{Key: k, Chain: []*x509.Certificate{leaf}}},
		"no chain":          {URL: providerURL, Signer: attest.Signer{Key: k}},
		"another key":       {URL: providerURL, Signer: attest.Signer{Key: newKey(t), Chain: []*x509.Certificate{leaf}}},
		"expired":           {URL: providerURL, Signer: attest.Signer{Key: k, Chain: []*x509.Certificate{leaf}}, Now: func() time.Time { return time.Now().AddDate(2, 0, 0) }},
		"URL with fragment": {URL: providerURL + "#x", Signer: attest.Signer{Key: k, Chain: []*x509.Certificate{leaf}}},
	} {
		if _, err := walletprovider.New(cfg); !errors.Is(err, walletprovider.ErrBadConfig) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
