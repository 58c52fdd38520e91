package issuer_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials/attest"
	"github.com/loopbrug/paspoort/credentials/oid4vci"
	"github.com/loopbrug/paspoort/credentials/sdjwt"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/issuer"
)

// TestKeyAttestations: an issuer that requires key attestations (VCI
// Appendix D; HAIP §4.5.1) says so in its metadata, refuses a jwt proof
// without one, with one of an untrusted provider, one of other keys, or
// one without its c_nonce (invalid_proof), and issues for a jwt proof with
// an attestation of its key and for the "attestation" proof type, one
// credential per attested key; the c_nonce of an attestation proof is
// single use.
func TestKeyAttestations(t *testing.T) {
	trusted, untrusted := newWalletProvider(t), newWalletProvider(t)
	e := startIssuer(t, func(c *issuer.Config) {
		c.ClientAttestationAnchors, c.RequireKeyAttestation, c.BatchSize = trusted.anchors, true, 3
	})
	_, body, _ := e.do(t, http.MethodGet, e.URL+oid4vci.WellKnownIssuer, "", "", nil)
	var md oid4vci.IssuerMetadata
	if err := json.Unmarshal(body, &md); err != nil {
		t.Fatal(err)
	}
	cfg := md.CredentialConfigurationsSupported["skill"]
	if cfg.ProofTypesSupported["jwt"].KeyAttestationsRequired == nil || cfg.ProofTypesSupported["attestation"].KeyAttestationsRequired == nil {
		t.Fatalf("metadata: %s", body)
	}

	ka := func(p *walletProvider, nonce string, keys ...*jose.PrivateKey) string {
		a := attest.KeyAttestation{IssuedAt: e.Clock.Now(), Expires: e.Clock.Now().Add(time.Hour), Nonce: nonce}
		for _, k := range keys {
			a.Keys = append(a.Keys, k.Public())
		}
		tok, err := attest.SignKeyAttestation(attest.Signer{Key: p.key, Chain: p.chain}, a)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	access := func(t *testing.T) string {
		o := e.createOffer(t, map[string]any{"type": "skill", "claims": example(t, "skill")})
		_, tr, er := e.token(t, preAuthCode(t, o.OfferURI), nil)
		if er != nil {
			t.Fatalf("token: %+v", er)
		}
		return tr.AccessToken
	}
	jwtProof := func(k *jose.PrivateKey, nonce, keyAtt string) string {
		p, err := oid4vci.BuildProof(k, oid4vci.ProofOptions{Audience: e.URL, Nonce: nonce, IssuedAt: e.Clock.Now(), KeyAttestation: keyAtt})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	holder, other := newKeyES256(t), newKeyES256(t)
	for _, tc := range []struct {
		name  string
		proof func(nonce string) string
	}{
		{"no key attestation", func(n string) string { return jwtProof(holder, n, "") }},
		{"untrusted wallet provider", func(n string) string { return jwtProof(holder, n, ka(untrusted, n, holder)) }},
		{"attestation of another key", func(n string) string { return jwtProof(holder, n, ka(trusted, n, other)) }},
		{"attestation without the c_nonce", func(n string) string { return jwtProof(holder, n, ka(trusted, "", holder)) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, _, er := e.credential(t, access(t), "skill", tc.proof(e.nonce(t)))
			if status != http.StatusBadRequest || er == nil || er.Error != oid4vci.CodeInvalidProof {
				t.Fatalf("%d %+v", status, er)
			}
		})
	}
	t.Run("jwt proof with an attestation of its key", func(t *testing.T) {
		n := e.nonce(t)
		status, r, er := e.credential(t, access(t), "skill", jwtProof(holder, n, ka(trusted, n, holder, other)))
		if status != http.StatusOK || len(r.Credentials) != 1 {
			t.Fatalf("%d %+v", status, er)
		}
	})
	t.Run("attestation proof type", func(t *testing.T) {
		n := e.nonce(t)
		att := ka(trusted, n, holder, other)
		send := func(tok string) (int, *oid4vci.CredentialResponse, *oid4vci.ErrorResponse) {
			b, _ := json.Marshal(oid4vci.CredentialRequest{CredentialConfigurationID: "skill", Proofs: &oid4vci.Proofs{Attestation: []string{att}}})
			status, body, _ := e.do(t, http.MethodPost, e.URL+"/credential", "application/json", tok, b)
			if status != http.StatusOK {
				er, _ := oid4vci.ParseErrorResponse(body)
				return status, nil, er
			}
			r, err := oid4vci.ParseCredentialResponse(body)
			if err != nil {
				t.Fatal(err)
			}
			return status, r, nil
		}
		status, r, er := send(access(t))
		if status != http.StatusOK || len(r.Credentials) != 2 {
			t.Fatalf("%d %+v", status, er)
		}
		bound := map[string]bool{}
		for _, c := range r.Credentials {
			tok, err := sdjwt.Parse(c.Credential)
			if err != nil {
				t.Fatal(err)
			}
			k, err := sdjwt.HolderKey(tok.Payload)
			if err != nil {
				t.Fatal(err)
			}
			bound[k.Thumbprint()] = true
		}
		if !bound[holder.Public().Thumbprint()] || !bound[other.Public().Thumbprint()] {
			t.Fatal("the credentials are not bound to the attested keys")
		}
		if status, _, er := send(access(t)); status != http.StatusBadRequest || er == nil || er.Error != oid4vci.CodeInvalidNonce {
			t.Fatalf("the attestation's c_nonce used twice: %d %+v", status, er)
		}
	})
}

func newKeyES256(t *testing.T) *jose.PrivateKey {
	t.Helper()
	k, err := jose.GenerateKey(jose.ES256)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
