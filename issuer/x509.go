package issuer

import (
	"context"
	"fmt"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/pki"
	"github.com/loopbrug/paspoort/internal/jose"
)

// Errors of the issuer's X.509 chain (Config.X5CChain).
var (
	// ErrChainKeyMismatch (TRUST): the leaf of Config.X5CChain does not
	// certify the issuer's current signing key. New returns a
	// *ChainKeyError wrapping it.
	ErrChainKeyMismatch = credentials.NewError(credentials.ErrTrust, "the x5c chain does not certify the issuer's signing key")
	// ErrRotateWithChain (TRUST): RotateKey was asked while an x5c chain
	// is configured. The new key would not be certified by the chain, and
	// the issuer does not sign with a key its chain does not certify, nor
	// fall back silently to credentials without x5c.
	ErrRotateWithChain = credentials.NewError(credentials.ErrTrust, "key rotation refused: the configured x5c chain certifies the current key only")
)

// ChainKeyError reports that the leaf of Config.X5CChain certifies another
// key than the issuer signs with. It carries the JWK thumbprints (RFC
// 7638) of both public keys, never a key. It unwraps to
// ErrChainKeyMismatch.
type ChainKeyError struct {
	// Certified is the thumbprint of the leaf's public key.
	Certified string
	// Signing is the thumbprint of the issuer's current signing key.
	Signing string
}

func (e *ChainKeyError) Error() string {
	return fmt.Sprintf("issuer: x5c chain: the leaf certifies key %s, the issuer signs with key %s", e.Certified, e.Signing)
}

// Unwrap returns ErrChainKeyMismatch.
func (e *ChainKeyError) Unwrap() error { return ErrChainKeyMismatch }

// checkChain checks Config.X5CChain against the current signing key at
// start: the leaf's public key is the signing key (ChainKeyError), the
// leaf names the issuer URL as pki.MatchIssuer asks (so that verifiers
// accept "iss"; pki.ErrNameMismatch), every certificate is within its
// validity period at now (pki.ErrExpired, pki.ErrNotYetValid), and each
// certificate is signed by the next (pki.ErrUntrusted). Whether the top
// chains to an anchor is the verifier's business: the issuer holds none.
func (is *Issuer) checkChain(now time.Time) error {
	chain := is.cfg.X5CChain
	if len(chain) == 0 {
		return nil
	}
	if len(chain) > pki.MaxChainLength {
		return fmt.Errorf("issuer: x5c chain: %w: %d certificates, at most %d", pki.ErrTooManyCertificates, len(chain), pki.MaxChainLength)
	}
	leaf, err := jose.NewPublicKey(chain[0].PublicKey)
	if err != nil {
		return fmt.Errorf("issuer: x5c chain leaf key: %w", err)
	}
	signing := is.signingKey().Public()
	if !leaf.Equal(signing) {
		return &ChainKeyError{Certified: leaf.Thumbprint(), Signing: signing.Thumbprint()}
	}
	if err := pki.MatchIssuer(chain[0], is.cfg.URL); err != nil {
		return fmt.Errorf("issuer: x5c chain leaf does not name the issuer URL: %w", err)
	}
	for i, c := range chain {
		switch {
		case now.Before(c.NotBefore):
			return fmt.Errorf("issuer: x5c chain certificate %d: %w: valid from %s", i, pki.ErrNotYetValid, c.NotBefore.UTC().Format(time.RFC3339))
		case now.After(c.NotAfter):
			return fmt.Errorf("issuer: x5c chain certificate %d: %w: valid until %s", i, pki.ErrExpired, c.NotAfter.UTC().Format(time.RFC3339))
		}
		if i+1 < len(chain) {
			if err := c.CheckSignatureFrom(chain[i+1]); err != nil {
				return fmt.Errorf("issuer: x5c chain: %w: certificate %d is not signed by certificate %d (leaf first, anchor left out)", pki.ErrUntrusted, i, i+1)
			}
		}
	}
	is.x5c = pki.X5C(chain)
	return nil
}

// CurrentKey returns the public key the issuer over store signs with (the
// newest unretired key), creating the first signing key with alg (ES256
// when empty) if the store has none, as New would. It is how an operator
// gets the key to certify (paspoort issuer key, then paspoort pki issue
// --key) before starting the issuer with its chain.
func CurrentKey(ctx context.Context, store Store, alg jose.Alg) (*jose.PublicKey, error) {
	if alg == "" {
		alg = jose.ES256
	}
	is := &Issuer{cfg: Config{SigningAlg: alg}, store: store, now: time.Now}
	if err := is.loadKeys(ctx); err != nil {
		return nil, err
	}
	return is.signingKey().Public().WithKeyID(""), nil
}

// certificateChain returns the chain in x5c form, or nil.
func (is *Issuer) certificateChain() []string { return is.x5c }

// headerKey is the key that signs credentials and status list tokens. With
// Config.X5CChain it has no "kid": the x5c header names the key (HAIP 1.0
// §7.1), and the kid, a DID URL of the issuer's did:web, would put a DID
// into a HAIP credential that relying parties without DIDs must read.
// Without a chain it is the signing key with its DID URL.
func (is *Issuer) headerKey() *jose.PrivateKey {
	k := is.signingKey()
	if len(is.x5c) > 0 {
		return k.WithKeyID("")
	}
	return k
}
