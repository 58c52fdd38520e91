package oid4vci_test

import (
	"crypto/x509"
	"errors"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/attest"
	"github.com/loopbrug/paspoort/credentials/oid4vci"
	"github.com/loopbrug/paspoort/credentials/pki"
	"github.com/loopbrug/paspoort/internal/jose"
)

// walletProvider is a wallet provider whose key attestations an issuer
// trusts (anchors) and one it does not (stranger).
type walletProvider struct {
	anchors          *pki.Anchors
	signer, stranger attest.Signer
}

func newWalletProvider(t *testing.T) walletProvider {
	t.Helper()
	mk := func() (*pki.Authority, attest.Signer) {
		auth, err := pki.NewDevAuthority(pki.AuthorityConfig{})
		if err != nil {
			t.Fatal(err)
		}
		k := newKey(t, jose.ES256)
		leaf, err := auth.Issue(k.Signer().Public(), pki.LeafConfig{DNSNames: []string{"wallet-provider.example"}})
		if err != nil {
			t.Fatal(err)
		}
		return auth, attest.Signer{Key: k, Chain: []*x509.Certificate{leaf}}
	}
	auth, s := mk()
	_, other := mk()
	a, err := pki.NewAnchors(auth.Cert)
	if err != nil {
		t.Fatal(err)
	}
	return walletProvider{anchors: a, signer: s, stranger: other}
}

// TestProofKeyAttestation: a "jwt" proof with a key_attestation header
// (VCI Appendix F.1, HAIP §4.5) and the "attestation" proof type (F.3).
func TestProofKeyAttestation(t *testing.T) {
	wp := newWalletProvider(t)
	now := time.Now()
	holder, other := newKey(t, jose.ES256), newKey(t, jose.ES256)
	ka := func(s attest.Signer, nonce string, keys ...*jose.PrivateKey) string {
		a := attest.KeyAttestation{IssuedAt: now, Expires: now.Add(time.Hour), Nonce: nonce, KeyStorage: []string{attest.ISO18045Moderate}}
		for _, k := range keys {
			a.Keys = append(a.Keys, k.Public())
		}
		tok, err := attest.SignKeyAttestation(s, a)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	proof := func(keyAtt string) string {
		tok, err := oid4vci.BuildProof(holder, oid4vci.ProofOptions{Audience: "https://issuer.example", Nonce: "n-1", KeyAttestation: keyAtt})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	policy := func(require bool) oid4vci.ProofPolicy {
		return oid4vci.ProofPolicy{Audience: "https://issuer.example", Algs: []jose.Alg{jose.ES256}, NonceRequired: true,
			KeyAttestations:       &attest.KeyPolicy{Anchors: wp.anchors, Algs: []jose.Alg{jose.ES256}, KeyStorage: []string{attest.ISO18045Moderate, attest.ISO18045High}},
			RequireKeyAttestation: require}
	}
	tests := []struct {
		name      string
		proof     string
		policy    oid4vci.ProofPolicy
		want      error
		wantClass error
		attested  bool
	}{
		{name: "attested key", proof: proof(ka(wp.signer, "n-1", holder, other)), policy: policy(true), attested: true},
		{name: "no attestation, not required", proof: proof(""), policy: policy(false)},
		{name: "no attestation, required", proof: proof(""), policy: policy(true), want: attest.ErrMissing, wantClass: credentials.ErrFormat},
		{name: "attestation of other keys", proof: proof(ka(wp.signer, "n-1", other)), policy: policy(false), want: attest.ErrNotAttested, wantClass: credentials.ErrKeyBinding},
		{name: "attestation with another nonce", proof: proof(ka(wp.signer, "n-2", holder)), policy: policy(false), want: attest.ErrNonce, wantClass: credentials.ErrClaim},
		{name: "attestation by an untrusted provider", proof: proof(ka(wp.stranger, "n-1", holder)), policy: policy(false), want: pki.ErrUntrusted, wantClass: credentials.ErrTrust},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := oid4vci.VerifyProof(tt.proof, tt.policy)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("VerifyProof: %v", err)
				}
				if (p.Attested != nil) != tt.attested {
					t.Fatalf("Attested = %v, want %v", p.Attested, tt.attested)
				}
				return
			}
			if !errors.Is(err, oid4vci.ErrInvalidProof) || !errors.Is(err, tt.want) || !errors.Is(err, tt.wantClass) {
				t.Fatalf("err = %v, want %v (class %v)", err, tt.want, tt.wantClass)
			}
		})
	}

	t.Run("attestation proof type", func(t *testing.T) {
		p := policy(false)
		p.Nonce = "n-1"
		a, err := oid4vci.VerifyAttestationProof(ka(wp.signer, "n-1", holder, other), p)
		if err != nil || len(a.Keys) != 2 {
			t.Fatalf("VerifyAttestationProof: %v", err)
		}
		if _, err := oid4vci.VerifyAttestationProof(ka(wp.signer, "", holder), policy(false)); !errors.Is(err, attest.ErrNonce) {
			t.Fatalf("without c_nonce: %v", err)
		}
		if _, err := oid4vci.VerifyAttestationProof(ka(wp.signer, "n-2", holder), p); !errors.Is(err, attest.ErrNonce) {
			t.Fatalf("another c_nonce: %v", err)
		}
		noAnchors := policy(false)
		noAnchors.KeyAttestations = nil
		if _, err := oid4vci.VerifyAttestationProof(ka(wp.signer, "n-1", holder), noAnchors); !errors.Is(err, credentials.ErrTrust) {
			t.Fatalf("no anchors: %v", err)
		}
	})
}
