package issuer_test

import (
	"crypto/x509"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials/attest"
	"github.com/loopbrug/paspoort/credentials/oid4vci"
	"github.com/loopbrug/paspoort/credentials/pki"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/issuer"
)

// walletProvider is a wallet provider with a development anchor and a
// leaf certificate for its attestation key.
type walletProvider struct {
	anchors *pki.Anchors
	key     *jose.PrivateKey
	chain   []*x509.Certificate
}

func newWalletProvider(t *testing.T) *walletProvider {
	t.Helper()
	a, err := pki.NewDevAuthority(pki.AuthorityConfig{CommonName: "test wallet provider anchor"})
	if err != nil {
		t.Fatal(err)
	}
	k, _ := jose.GenerateKey(jose.ES256)
	leaf, err := a.Issue(k.Public().Crypto(), pki.LeafConfig{DNSNames: []string{"wallet-provider.example"}})
	if err != nil {
		t.Fatal(err)
	}
	anchors, _ := pki.NewAnchors(a.Cert)
	return &walletProvider{anchors: anchors, key: k, chain: []*x509.Certificate{leaf}}
}

// attest gives w a client attestation for clientID by p, and a fresh PoP
// for the issuer on every request (draft §4, §5.1).
func (p *walletProvider) attest(t *testing.T, w *hapWallet, clientID string) {
	t.Helper()
	inst, _ := jose.GenerateKey(jose.ES256)
	att, err := attest.SignWalletAttestation(attest.Signer{Key: p.key, Chain: p.chain}, attest.WalletAttestation{
		Provider: "https://wallet-provider.example", ClientID: clientID, Key: inst.Public(),
		IssuedAt: w.e.Clock.Now(), Expires: w.e.Clock.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	w.clientHeaders = func() map[string]string {
		pop, err := attest.SignPoP(inst, attest.PoPOptions{ClientID: clientID, Audience: w.e.URL, IssuedAt: w.e.Clock.Now()})
		if err != nil {
			t.Fatal(err)
		}
		return map[string]string{attest.HeaderAttestation: att, attest.HeaderPoP: pop}
	}
}

// TestClientAttestation: with the wallet providers' anchors configured and
// client attestation required (HAIP 1.0 §4.3, §4.4), PAR and token
// requests without an attestation, with one of an untrusted provider or
// for another client_id are refused with invalid_client (401); an attested
// wallet gets its credential; the AS metadata names the method.
func TestClientAttestation(t *testing.T) {
	trusted, untrusted := newWalletProvider(t), newWalletProvider(t)
	e := startIssuer(t, func(c *issuer.Config) {
		c.RequireDPoP, c.ClientAttestationAnchors, c.RequireClientAttestation = true, trusted.anchors, true
	})
	_, body, _ := e.do(t, http.MethodGet, e.URL+oid4vci.WellKnownAuthorizationServer, "", "", nil)
	var as oid4vci.AuthorizationServerMetadata
	if err := json.Unmarshal(body, &as); err != nil || len(as.TokenEndpointAuthMethodsSupported) != 1 || as.TokenEndpointAuthMethodsSupported[0] != "attest_jwt_client_auth" || len(as.ClientAttestationPoPSigningAlgValuesSupported) == 0 {
		t.Fatalf("AS metadata: %s", body)
	}

	rows := []struct {
		name  string
		setup func(w *hapWallet)
	}{
		{"no attestation", func(w *hapWallet) {}},
		{"untrusted wallet provider", func(w *hapWallet) { untrusted.attest(t, w, w.clientID) }},
		{"attestation for another client_id", func(w *hapWallet) { trusted.attest(t, w, "https://other.example/client") }},
		{"replayed PoP", nil},
	}
	for _, r := range rows {
		t.Run("PAR: "+r.name, func(t *testing.T) {
			state, _ := acOffer(t, e, false)
			w := newHAPWallet(t, e)
			if r.name == "replayed PoP" {
				trusted.attest(t, w, w.clientID)
				h := w.clientHeaders()
				w.clientHeaders = func() map[string]string { return h }
				if res := w.form(e.URL+"/par", w.parForm(state, "skill"), ""); res.Status != http.StatusCreated {
					t.Fatalf("first use: %d %s", res.Status, res.Body)
				}
			} else {
				r.setup(w)
			}
			wantOAuth(t, w.form(e.URL+"/par", w.parForm(state, "skill"), ""), 401, "invalid_client")
		})
	}
	t.Run("token without attestation", func(t *testing.T) {
		state, _ := acOffer(t, e, false)
		w := newHAPWallet(t, e)
		trusted.attest(t, w, w.clientID)
		code := w.authorize(state, "skill", "")
		w.clientHeaders = nil
		wantOAuth(t, w.token(w.tokenForm(code)), 401, "invalid_client")
	})
	t.Run("attested wallet gets its credential", func(t *testing.T) {
		state, _ := acOffer(t, e, false)
		w := newHAPWallet(t, e)
		trusted.attest(t, w, w.clientID)
		f := w.tokenForm(w.authorize(state, "skill", ""))
		f.Del("client_id") // the attestation authenticates the client (RFC 6749 §4.1.3)
		tok := tokenOf(t, w.token(f))
		holder, _ := jose.GenerateKey(jose.ES256)
		proof, _ := oid4vci.BuildProof(holder, oid4vci.ProofOptions{Audience: e.URL, Nonce: e.nonce(t), ClientID: w.clientID})
		if r := w.credentialReq(tok, "skill", proof, nil); r.Status != http.StatusOK {
			t.Fatalf("credential: %d %s", r.Status, r.Body)
		}
	})
}

// TestClientAttestationSurvivesDPoPNonceRetry: a token request refused
// with use_dpop_nonce has not used up its client attestation PoP, so the
// wallet may send the same one again with the nonce.
func TestClientAttestationSurvivesDPoPNonceRetry(t *testing.T) {
	p := newWalletProvider(t)
	e := startIssuer(t, func(c *issuer.Config) {
		c.RequireDPoP, c.ClientAttestationAnchors, c.RequireClientAttestation = true, p.anchors, true
	})
	state, _ := acOffer(t, e, false)
	w := newHAPWallet(t, e)
	p.attest(t, w, w.clientID)
	code := w.authorize(state, "skill", "")
	h := w.clientHeaders()
	w.clientHeaders = func() map[string]string { return h }
	w.nonce = ""
	first := w.form(e.URL+"/token", w.tokenForm(code), w.dpopProof("POST", e.URL+"/token", "", nil))
	wantOAuth(t, first, 400, "use_dpop_nonce")
	if r := w.form(e.URL+"/token", w.tokenForm(code), w.dpopProof("POST", e.URL+"/token", "", nil)); r.Status != http.StatusOK {
		t.Fatalf("retry with the nonce and the same attestation PoP: %d %s", r.Status, r.Body)
	}
}
