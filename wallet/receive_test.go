package wallet_test

import (
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/oid4vci"
	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/credentials/sdjwtvc"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/wallet"
)

// vciIssuer is an OpenID4VCI 1.0 issuer written with credentials/oid4vci as
// a real one is (Pre-Authorized Code Flow with tx_code, Nonce Endpoint,
// batch issuance, jwt proofs verified with VerifyProof), on TLS.
type vciIssuer struct {
	srv     *httptest.Server
	key     *jose.PrivateKey
	nonce   string
	token   string
	bindTo  func(proved []*jose.PublicKey) []*jose.PublicKey // which keys to issue to
	claims  map[string]any
	tokenOK bool
}

func newVCIIssuer(t *testing.T) *vciIssuer {
	i := &vciIssuer{nonce: "c-nonce-1", token: "access-1"}
	i.key, _ = jose.GenerateKey(jose.ES256)
	i.bindTo = func(p []*jose.PublicKey) []*jose.PublicKey { return p }
	mux := http.NewServeMux()
	writeJSON := func(w http.ResponseWriter, v any) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
	}
	mux.HandleFunc("GET "+oid4vci.WellKnownIssuer, func(w http.ResponseWriter, r *http.Request) {
		u := i.srv.URL
		writeJSON(w, oid4vci.IssuerMetadata{
			CredentialIssuer: u, CredentialEndpoint: u + "/credential", NonceEndpoint: u + "/nonce",
			BatchCredentialIssuance: &oid4vci.BatchCredentialIssuance{BatchSize: 2},
			Display:                 []oid4vci.IssuerDisplay{{Name: "Assessor BV", Locale: "nl"}},
			CredentialConfigurationsSupported: map[string]oid4vci.CredentialConfiguration{"skill": {
				Format: oid4vci.FormatSDJWTVC, VCT: ppp.VCTBase + "skill/v1", CryptographicBindingMethodsSupported: []string{"jwk"},
				ProofTypesSupported: map[string]oid4vci.ProofTypeMetadata{"jwt": {ProofSigningAlgValuesSupported: []string{"ES256"}}},
			}},
		})
	})
	mux.HandleFunc("GET "+oid4vci.WellKnownAuthorizationServer, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, oid4vci.AuthorizationServerMetadata{Issuer: i.srv.URL, TokenEndpoint: i.srv.URL + "/token",
			GrantTypesSupported: []string{oid4vci.GrantTypePreAuthorizedCode}, PreAuthorizedGrantAnonymousAccessSupported: true})
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		tr, err := oid4vci.ParseTokenRequest(r.PostForm)
		if err != nil || tr.PreAuthorizedCode != "pre-code" || tr.TxCode != "4711" || i.tokenOK {
			w.WriteHeader(http.StatusBadRequest)
			writeJSON(w, oid4vci.ErrorResponse{Error: oid4vci.CodeInvalidGrant})
			return
		}
		i.tokenOK = true // single use
		writeJSON(w, oid4vci.TokenResponse{AccessToken: i.token, TokenType: "Bearer", ExpiresIn: 300})
	})
	mux.HandleFunc("POST /nonce", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, oid4vci.NonceResponse{CNonce: i.nonce})
	})
	mux.HandleFunc("POST /credential", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+i.token {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		b, _ := io.ReadAll(r.Body)
		cr, err := oid4vci.ParseCredentialRequest(b)
		if err != nil || cr.Proofs == nil || len(cr.Proofs.JWT) > 2 {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		var keys []*jose.PublicKey
		for _, p := range cr.Proofs.JWT {
			pr, err := oid4vci.VerifyProof(p, oid4vci.ProofPolicy{Audience: i.srv.URL, Algs: []jose.Alg{jose.ES256}, NonceRequired: true, Nonce: i.nonce})
			if err != nil {
				w.WriteHeader(http.StatusBadRequest)
				writeJSON(w, oid4vci.NewErrorResponse(err))
				return
			}
			keys = append(keys, pr.Key)
		}
		var resp oid4vci.CredentialResponse
		for _, k := range i.bindTo(keys) {
			s, err := sdjwtvc.Issue(i.key, sdjwtvc.Credential{Issuer: i.srv.URL, VCT: ppp.VCTBase + "skill/v1", HolderKey: k, Claims: i.claims, Expires: time.Now().Add(time.Hour)})
			if err != nil {
				w.WriteHeader(http.StatusInternalServerError)
				return
			}
			resp.Credentials = append(resp.Credentials, oid4vci.IssuedCredential{Credential: s})
		}
		writeJSON(w, resp)
	})
	i.srv = httptest.NewTLSServer(mux)
	t.Cleanup(i.srv.Close)
	return i
}

func (i *vciIssuer) offer(t *testing.T) string {
	u, err := oid4vci.OfferURI(&oid4vci.CredentialOffer{CredentialIssuer: i.srv.URL, CredentialConfigurationIDs: []string{"skill"},
		Grants: &oid4vci.Grants{PreAuthorizedCode: &oid4vci.PreAuthorizedCodeGrant{PreAuthorizedCode: "pre-code",
			TxCode: &oid4vci.TxCode{Length: 4, InputMode: oid4vci.InputModeNumeric, Description: "zie uw e-mail"}}}})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// Receive end to end over HTTPS: offer, issuer metadata, token with
// tx_code, nonce, a batch of two proofs with two fresh keys, verification
// and storage; an issuer that binds a credential to a key the wallet never
// proved gets nothing stored (SECURITY.md B.21).
func TestReceiveEndToEnd(t *testing.T) {
	iss := newVCIIssuer(t)
	iss.claims = example(t, "skill", nil)
	opts := []wallet.Option{wallet.WithAllowLoopback(), wallet.WithTransportUnsafe(iss.srv.Client().Transport),
		wallet.WithIssuerKeys(sdjwtvc.StaticKeys{iss.srv.URL: {iss.key.Public()}})}
	w := initWallet(t, t.TempDir(), opts...)
	defer w.Close()

	o, err := w.ResolveOffer(ctx, iss.offer(t))
	if err != nil {
		t.Fatal(err)
	}
	if o.IssuerName != "Assessor BV" || len(o.Credentials) != 1 || o.TxCode == nil || o.Credentials[0].VCT != ppp.VCTBase+"skill/v1" {
		t.Fatalf("offer %+v", o)
	}
	if _, err := w.Receive(ctx, o, wallet.ReceiveOptions{}); !errors.Is(err, wallet.ErrTxCodeRequired) {
		t.Fatalf("without tx_code: %v", err)
	}
	got, err := w.Receive(ctx, o, wallet.ReceiveOptions{TxCode: "4711"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Copies != 2 || got[0].IssuerName != "Assessor BV" || got[0].ConfigurationID != "skill" {
		t.Fatalf("received %+v", got)
	}

	// a credential bound to a key the wallet did not prove
	iss2 := newVCIIssuer(t)
	iss2.claims = iss.claims
	stranger, _ := jose.GenerateKey(jose.ES256)
	iss2.bindTo = func([]*jose.PublicKey) []*jose.PublicKey { return []*jose.PublicKey{stranger.Public()} }
	w2 := initWallet(t, t.TempDir(), wallet.WithAllowLoopback(), wallet.WithTransportUnsafe(iss2.srv.Client().Transport),
		wallet.WithIssuerKeys(sdjwtvc.StaticKeys{iss2.srv.URL: {iss2.key.Public()}}))
	defer w2.Close()
	o2, err := w2.ResolveOffer(ctx, iss2.offer(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w2.Receive(ctx, o2, wallet.ReceiveOptions{TxCode: "4711"}); !errors.Is(err, wallet.ErrIssuance) {
		t.Fatalf("foreign cnf: %v", err)
	}
	if len(w2.Credentials()) != 0 {
		t.Fatal("stored a credential bound to a foreign key")
	}

	// an offer by reference whose credential_issuer is another origin (F.48)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /offer", func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(rw, `{"credential_issuer":"`+iss.srv.URL+`","credential_configuration_ids":["skill"],"grants":{"urn:ietf:params:oauth:grant-type:pre-authorized_code":{"pre-authorized_code":"x"}}}`)
	})
	evil := httptest.NewTLSServer(mux)
	defer evil.Close()
	w3 := initWallet(t, t.TempDir(), wallet.WithAllowLoopback(), wallet.WithTransportUnsafe(evil.Client().Transport))
	defer w3.Close()
	ref, _ := oid4vci.OfferURIByReference(evil.URL + "/offer")
	if _, err := w3.ResolveOffer(ctx, ref); !errors.Is(err, wallet.ErrOfferIssuerMismatch) || !errors.Is(err, credentials.ErrTrust) {
		t.Fatalf("offer issuer mismatch: %v", err)
	}
	if _, err := w3.ResolveOffer(ctx, strings.Replace(iss.offer(t), "openid-credential-offer", "ftp", 1)); !errors.Is(err, credentials.ErrFormat) {
		t.Fatalf("bad scheme: %v", err)
	}
}

// WithRootCAs: a wallet that trusts the issuer's CA receives through the
// real dial path (no transport override); one that does not refuses the
// issuer's certificate.
func TestReceiveWithRootCAs(t *testing.T) {
	iss := newVCIIssuer(t)
	iss.claims = example(t, "skill", nil)
	pool := x509.NewCertPool()
	pool.AddCert(iss.srv.Certificate())
	keys := wallet.WithIssuerKeys(sdjwtvc.StaticKeys{iss.srv.URL: {iss.key.Public()}})
	w := initWallet(t, t.TempDir(), wallet.WithAllowLoopback(), wallet.WithRootCAs(pool), keys)
	defer w.Close()
	o, err := w.ResolveOffer(ctx, iss.offer(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Receive(ctx, o, wallet.ReceiveOptions{TxCode: "4711"}); err != nil {
		t.Fatal(err)
	}
	untrusting := initWallet(t, t.TempDir(), wallet.WithAllowLoopback(), keys)
	defer untrusting.Close()
	if _, err := untrusting.ResolveOffer(ctx, iss.offer(t)); !errors.Is(err, credentials.ErrFetch) {
		t.Fatalf("untrusted CA: %v", err)
	}
	if _, err := wallet.Init(ctx, t.TempDir(), []byte(testPass), wallet.WithKDFParams(testKDF), wallet.WithRootCAs(nil)); err == nil {
		t.Fatal("nil pool accepted")
	}
}
