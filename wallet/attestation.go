package wallet

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/attest"
	"github.com/loopbrug/paspoort/credentials/oid4vci"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/strictjson"
)

// ErrNoWalletProvider (FMT): an issuer asks for client or key attestations
// (HAIP) and the wallet was opened without a wallet provider.
var ErrNoWalletProvider = credentials.NewError(credentials.ErrFormat, "wallet: this issuer needs a wallet attestation and no wallet provider is configured")

// ErrWalletProvider (TRUST): the wallet provider's answer is not an
// attestation of what the wallet asked (another key, another type).
var ErrWalletProvider = credentials.NewError(credentials.ErrTrust, "wallet: the wallet provider's attestation does not fit the request")

// WithWalletProvider names the wallet provider (its URL, https; loopback
// http with WithAllowLoopback) that vouches for this wallet towards
// issuers that require Wallet Attestations and Key Attestations (HAIP 1.0
// §4.4.1, §4.5.1; paspoort's provider is `paspoort wallet-provider serve`).
// Default: none, and such issuers are refused with ErrNoWalletProvider.
func WithWalletProvider(u string) Option {
	return func(c *config) error {
		pu, err := url.Parse(u)
		if err != nil || pu.Host == "" || (pu.Scheme != "https" && pu.Scheme != "http") {
			return fmt.Errorf("wallet: wallet provider %q is not an https URL", u)
		}
		c.provider = u
		return nil
	}
}

// clientAttestation is a Wallet Attestation for one flow with one issuer:
// a fresh instance key, never stored and never shown to another issuer, so
// that two issuers cannot link the holder by it (HAIP §4.4.1).
type clientAttestation struct {
	clientID    string
	attestation string
	key         *jose.PrivateKey
}

// walletAttestation asks the wallet provider to attest a fresh instance
// key, and checks that the answer is a Wallet Attestation of that key.
func (w *Wallet) walletAttestation(ctx context.Context) (*clientAttestation, error) {
	if w.cfg.provider == "" {
		return nil, ErrNoWalletProvider
	}
	key, err := jose.GenerateKey(jose.ES256)
	if err != nil {
		return nil, err
	}
	proof, err := oid4vci.BuildProof(key, oid4vci.ProofOptions{Audience: w.cfg.provider, IssuedAt: w.cfg.now()})
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(map[string]string{"proof": proof})
	if err != nil {
		return nil, err
	}
	res, err := w.post(ctx, w.cfg.provider+"/wallet-attestation", nil, body)
	if err != nil {
		return nil, fmt.Errorf("wallet provider: %w", err)
	}
	var r struct {
		WalletAttestation string `json:"wallet_attestation"`
	}
	if err := strictjson.Unmarshal(res.Body, &r); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrWalletProvider, err)
	}
	// The provider is trusted to sign; the wallet checks only that it was
	// given what it asked for: its type, and its own key in cnf.
	j, err := jose.ParseCompact(r.WalletAttestation)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrWalletProvider, err)
	}
	if err := j.CheckType(attest.TypClientAttestation); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrWalletProvider, err)
	}
	var c struct {
		Sub string `json:"sub"`
		Cnf struct {
			JWK map[string]any `json:"jwk"`
		} `json:"cnf"`
	}
	if err := j.DecodePayload(&c); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrWalletProvider, err)
	}
	k, err := jose.PublicKeyFromMap(c.Cnf.JWK)
	if err != nil || !k.Equal(key.Public()) || c.Sub == "" {
		return nil, fmt.Errorf("%w: it attests another key or no client_id", ErrWalletProvider)
	}
	return &clientAttestation{clientID: c.Sub, attestation: r.WalletAttestation, key: key}, nil
}

// setHeaders adds the OAuth-Client-Attestation and -PoP headers for a
// request to the authorization server aud, with the server's challenge
// when it gave one.
func (ca *clientAttestation) setHeaders(h http.Header, aud, challenge string, now time.Time) error {
	pop, err := attest.SignPoP(ca.key, attest.PoPOptions{ClientID: ca.clientID, Audience: aud, Challenge: challenge, IssuedAt: now})
	if err != nil {
		return err
	}
	attest.SetHeader(h, ca.attestation, pop)
	return nil
}

// keyAttestation asks the wallet provider for a Key Attestation of keys,
// carrying the issuer's c_nonce.
func (w *Wallet) keyAttestation(ctx context.Context, keys []*jose.PrivateKey, nonce string) (string, error) {
	if w.cfg.provider == "" {
		return "", ErrNoWalletProvider
	}
	proofs := make([]string, len(keys))
	for i, k := range keys {
		p, err := oid4vci.BuildProof(k, oid4vci.ProofOptions{Audience: w.cfg.provider, IssuedAt: w.cfg.now()})
		if err != nil {
			return "", err
		}
		proofs[i] = p
	}
	body, err := json.Marshal(map[string]any{"proofs": proofs, "nonce": nonce})
	if err != nil {
		return "", err
	}
	res, err := w.post(ctx, w.cfg.provider+"/key-attestation", nil, body)
	if err != nil {
		return "", fmt.Errorf("wallet provider: %w", err)
	}
	var r struct {
		KeyAttestation string `json:"key_attestation"`
	}
	if err := strictjson.Unmarshal(res.Body, &r); err != nil {
		return "", fmt.Errorf("%w: %w", ErrWalletProvider, err)
	}
	j, err := jose.ParseCompact(r.KeyAttestation)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrWalletProvider, err)
	}
	if err := j.CheckType(attest.TypKeyAttestation); err != nil {
		return "", fmt.Errorf("%w: %w", ErrWalletProvider, err)
	}
	return r.KeyAttestation, nil
}
