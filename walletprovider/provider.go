// Package walletprovider is the backend of paspoort's wallet provider: the
// party that vouches for paspoort wallet instances towards credential
// issuers, as HAIP 1.0 requires of every wallet (§4.4.1 Wallet Attestation,
// §4.5.1 Key Attestation).
//
// It serves two endpoints over HTTP, and meets wallets only there:
//
//	POST /wallet-attestation  {"proof": P}            → {"wallet_attestation": JWT}
//	POST /key-attestation     {"proofs": [P…], "nonce": N} → {"key_attestation": JWT}
//
// Each P is an OpenID4VCI key proof ("openid4vci-proof+jwt", Appendix F.1)
// with the key in its "jwk" header and "aud" the provider's URL, so the
// provider attests only keys the wallet holds. A Wallet Attestation binds
// one instance key and names the wallet's shared client_id (OpenID4VCI
// §14.4.4: the same for every instance, so it identifies no one); the
// wallet asks for a new one, with a new key, per issuer (HAIP §4.4.1:
// unlinkable). A Key Attestation lists the proven keys and carries the
// issuer's c_nonce; its key_storage and user_authentication say only what
// the provider is configured to assert.
//
// What it cannot do: a provider of a phone wallet checks the app's
// integrity with the platform (Play Integrity, App Attest) before it
// attests. paspoort's wallet runs on a computer, where no such check
// exists; a deployment decides who may reach these endpoints (a network
// boundary, an account). The default key_storage claim is therefore
// absent, never a level the wallet's software keys do not reach.
package walletprovider

import (
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/loopbrug/paspoort/credentials/attest"
	"github.com/loopbrug/paspoort/credentials/oid4vci"
	"github.com/loopbrug/paspoort/internal/jose"
)

// Defaults of Config.
const (
	// DefaultAttestationTTL is how long a Wallet Attestation is valid: short,
	// since a wallet asks for a fresh one per issuer anyway.
	DefaultAttestationTTL = time.Hour
	// DefaultKeyAttestationTTL is how long a Key Attestation is valid.
	DefaultKeyAttestationTTL = time.Hour
)

// ErrBadConfig reports a Config that cannot serve.
var ErrBadConfig = errors.New("walletprovider: bad configuration")

// Config configures a Provider.
type Config struct {
	// URL is the provider's identifier: the "iss" of its attestations and
	// the "aud" of the wallets' key proofs. An https URL (http on
	// loopback for development).
	URL string
	// ClientID is the client_id of paspoort wallets, the "sub" of every
	// Wallet Attestation. Default: URL.
	ClientID string
	// WalletName and WalletLink are the Annex E claims (optional).
	WalletName, WalletLink string
	// Signer is the provider's key and the certificate chain that
	// certifies it, under an anchor the issuers trust for wallet
	// providers.
	Signer attest.Signer
	// AttestationTTL and KeyAttestationTTL: defaults above.
	AttestationTTL, KeyAttestationTTL time.Duration
	// KeyStorage and UserAuthentication are the Annex D.2 levels asserted
	// in Key Attestations; empty leaves the claims out.
	KeyStorage, UserAuthentication []string
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Provider issues attestations. It is safe for concurrent use.
type Provider struct {
	cfg Config
}

// New checks cfg and returns a Provider.
func New(cfg Config) (*Provider, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") || u.Fragment != "" {
		return nil, fmt.Errorf("%w: URL %q is not an absolute https URL", ErrBadConfig, cfg.URL)
	}
	if cfg.Signer.Key == nil || len(cfg.Signer.Chain) == 0 {
		return nil, fmt.Errorf("%w: a signing key and its certificate chain are needed", ErrBadConfig)
	}
	leaf, err := jose.NewPublicKey(cfg.Signer.Chain[0].PublicKey)
	if err != nil || leaf.Thumbprint() != cfg.Signer.Key.Public().Thumbprint() {
		return nil, fmt.Errorf("%w: the certificate does not certify the signing key", ErrBadConfig)
	}
	if cfg.ClientID == "" {
		cfg.ClientID = cfg.URL
	}
	if cfg.AttestationTTL <= 0 {
		cfg.AttestationTTL = DefaultAttestationTTL
	}
	if cfg.KeyAttestationTTL <= 0 {
		cfg.KeyAttestationTTL = DefaultKeyAttestationTTL
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if now := cfg.Now(); now.After(cfg.Signer.Chain[0].NotAfter) {
		return nil, fmt.Errorf("%w: the provider's certificate expired on %s", ErrBadConfig, cfg.Signer.Chain[0].NotAfter.Format(time.DateOnly))
	}
	return &Provider{cfg: cfg}, nil
}

// ClientID returns the client_id the provider's attestations name.
func (p *Provider) ClientID() string { return p.cfg.ClientID }

// proofPolicy is how the provider checks a wallet's key proof.
func (p *Provider) proofPolicy() oid4vci.ProofPolicy {
	return oid4vci.ProofPolicy{Audience: p.cfg.URL, Algs: []jose.Alg{jose.ES256}, Now: p.cfg.Now()}
}

// WalletAttestation returns a Wallet Attestation for the key a key proof
// proves. Errors wrap oid4vci.ErrInvalidProof.
func (p *Provider) WalletAttestation(proof string) (string, error) {
	pr, err := oid4vci.VerifyProof(proof, p.proofPolicy())
	if err != nil {
		return "", err
	}
	if pr.DID != "" {
		return "", fmt.Errorf("%w: the key must be sent in the jwk header", oid4vci.ErrInvalidProof)
	}
	now := p.cfg.Now()
	return attest.SignWalletAttestation(p.cfg.Signer, attest.WalletAttestation{
		Provider: p.cfg.URL, ClientID: p.cfg.ClientID, Key: pr.Key.WithKeyID(""),
		IssuedAt: now, Expires: now.Add(p.cfg.AttestationTTL),
		WalletName: p.cfg.WalletName, WalletLink: p.cfg.WalletLink,
	})
}

// KeyAttestation returns a Key Attestation listing the keys the proofs
// prove (1 to attest.MaxAttestedKeys, each once) with nonce, the issuer's
// c_nonce.
func (p *Provider) KeyAttestation(proofs []string, nonce string) (string, error) {
	if len(proofs) == 0 || len(proofs) > attest.MaxAttestedKeys {
		return "", fmt.Errorf("%w: 1 to %d proofs", oid4vci.ErrInvalidProof, attest.MaxAttestedKeys)
	}
	keys := make([]*jose.PublicKey, 0, len(proofs))
	seen := map[string]bool{}
	for i, raw := range proofs {
		pr, err := oid4vci.VerifyProof(raw, p.proofPolicy())
		if err != nil {
			return "", fmt.Errorf("proof %d: %w", i, err)
		}
		if pr.DID != "" {
			return "", fmt.Errorf("%w: proof %d: the key must be sent in the jwk header", oid4vci.ErrInvalidProof, i)
		}
		if seen[pr.Key.Thumbprint()] {
			return "", fmt.Errorf("%w: proof %d proves a key already proven", oid4vci.ErrInvalidProof, i)
		}
		seen[pr.Key.Thumbprint()] = true
		keys = append(keys, pr.Key.WithKeyID(""))
	}
	now := p.cfg.Now()
	return attest.SignKeyAttestation(p.cfg.Signer, attest.KeyAttestation{
		Issuer: p.cfg.URL, IssuedAt: now, Expires: now.Add(p.cfg.KeyAttestationTTL), Keys: keys,
		KeyStorage: p.cfg.KeyStorage, UserAuthentication: p.cfg.UserAuthentication, Nonce: nonce,
	})
}
