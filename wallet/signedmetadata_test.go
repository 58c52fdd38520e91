package wallet_test

import (
	"context"
	"crypto/x509"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/oid4vci"
	"github.com/loopbrug/paspoort/credentials/pki"
	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/wallet"
)

// TestSignedIssuerMetadata: a wallet with issuer anchors asks for signed
// metadata (VCI §12.2.3, HAIP 1.0 §4.1) and reads it when its x5c chain
// validates to its anchors; an issuer answering with signed metadata
// under another anchor is refused (TRUST), never read unsigned.
func TestSignedIssuerMetadata(t *testing.T) {
	trusted, err := pki.NewDevAuthority(pki.AuthorityConfig{})
	if err != nil {
		t.Fatal(err)
	}
	stranger, err := pki.NewDevAuthority(pki.AuthorityConfig{})
	if err != nil {
		t.Fatal(err)
	}
	anchors, err := pki.NewAnchors(trusted.Cert)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		by   *pki.Authority
		want error
	}{
		{"signed under a trusted anchor", trusted, nil},
		{"signed under another anchor", stranger, pki.ErrUntrusted},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key, _ := jose.GenerateKey(jose.ES256)
			var srv *httptest.Server
			var accept string
			mux := http.NewServeMux()
			mux.HandleFunc("GET "+oid4vci.WellKnownIssuer, func(w http.ResponseWriter, r *http.Request) {
				accept = r.Header.Get("Accept")
				leaf, err := tc.by.Issue(key.Signer().Public(), pki.LeafConfig{URIs: []string{srv.URL}})
				if err != nil {
					t.Error(err)
					return
				}
				md := &oid4vci.IssuerMetadata{CredentialIssuer: srv.URL, CredentialEndpoint: srv.URL + "/credential",
					Display: []oid4vci.IssuerDisplay{{Name: "Ondertekend Bureau", Locale: "nl"}},
					CredentialConfigurationsSupported: map[string]oid4vci.CredentialConfiguration{"skill": {
						Format: oid4vci.FormatSDJWTVC, VCT: ppp.VCTBase + "skill/v1",
						ProofTypesSupported: map[string]oid4vci.ProofTypeMetadata{"jwt": {ProofSigningAlgValuesSupported: []string{"ES256"}}},
					}}}
				tok, err := oid4vci.SignMetadata(key, pki.X5C([]*x509.Certificate{leaf}), md, time.Now(), time.Hour)
				if err != nil {
					t.Error(err)
					return
				}
				w.Header().Set("Content-Type", oid4vci.MediaTypeJWT)
				_, _ = w.Write([]byte(tok))
			})
			mux.HandleFunc("GET "+oid4vci.WellKnownAuthorizationServer, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{"issuer":"` + srv.URL + `","token_endpoint":"` + srv.URL + `/token"}`))
			})
			srv = httptest.NewTLSServer(mux)
			defer srv.Close()
			w := initWallet(t, t.TempDir(), wallet.WithAllowLoopback(), wallet.WithTransportUnsafe(srv.Client().Transport), wallet.WithIssuerAnchors(anchors))
			offer, err := oid4vci.OfferURI(&oid4vci.CredentialOffer{CredentialIssuer: srv.URL, CredentialConfigurationIDs: []string{"skill"},
				Grants: &oid4vci.Grants{PreAuthorizedCode: &oid4vci.PreAuthorizedCodeGrant{PreAuthorizedCode: "c"}}})
			if err != nil {
				t.Fatal(err)
			}
			o, err := w.ResolveOffer(context.Background(), offer)
			if accept == "" || accept[:len(oid4vci.MediaTypeJWT)] != oid4vci.MediaTypeJWT {
				t.Errorf("the wallet asked for %q, not signed metadata first", accept)
			}
			if tc.want == nil {
				if err != nil || o.IssuerName != "Ondertekend Bureau" {
					t.Fatalf("offer %+v, %v", o, err)
				}
				return
			}
			if !errors.Is(err, tc.want) || !errors.Is(err, credentials.ErrTrust) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}
