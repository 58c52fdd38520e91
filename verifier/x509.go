package verifier

import (
	"crypto/x509"
	"fmt"
	"net/url"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/oid4vp"
	"github.com/loopbrug/paspoort/credentials/pki"
	"github.com/loopbrug/paspoort/internal/jose"
)

// ErrChainKeyMismatch (TRUST): the leaf of Config.X5CChain does not
// certify Config.SigningKey. New returns a *ChainKeyError wrapping it.
var ErrChainKeyMismatch = credentials.NewError(credentials.ErrTrust, "the x5c chain does not certify the verifier's signing key")

// ChainKeyError reports that the leaf of Config.X5CChain certifies another
// key than the verifier signs with. It carries the JWK thumbprints (RFC
// 7638) of both public keys, never a key. It unwraps to
// ErrChainKeyMismatch.
type ChainKeyError struct {
	// Certified is the thumbprint of the leaf's public key.
	Certified string
	// Signing is the thumbprint of the verifier's signing key.
	Signing string
}

func (e *ChainKeyError) Error() string {
	return fmt.Sprintf("verifier: x5c chain: the leaf certifies key %s, the verifier signs with key %s", e.Certified, e.Signing)
}

// Unwrap returns ErrChainKeyMismatch.
func (e *ChainKeyError) Unwrap() error { return ErrChainKeyMismatch }

// x509ClientID checks Config.X5CChain for an x509_hash or x509_san_dns
// verifier at start and returns its client_id (OpenID4VP 1.0 §5.9.3). In
// order: 1 to pki.MaxChainLength certificates (LIMIT); the leaf certifies
// the signing key (ChainKeyError); the leaf's keyUsage has
// digitalSignature (pki.ErrKeyUsage); every certificate within its
// validity period at now (pki.ErrExpired, pki.ErrNotYetValid); each
// certificate signed by the next, leaf first, the anchor left out
// (pki.ErrUntrusted); for x509_san_dns the response_uri's host is a
// dNSName SAN of the leaf (pki.ErrNameMismatch), since a wallet holds the
// response_uri's FQDN to that name. The client_id is "x509_hash:" + the
// leaf's hash, or "x509_san_dns:" + the response_uri's host. Whether the
// top chains to an anchor is the wallet's business: the verifier holds
// none.
func x509ClientID(prefix string, chain []*x509.Certificate, key *jose.PublicKey, responseURI string, now time.Time) (string, error) {
	switch {
	case len(chain) == 0:
		return "", fmt.Errorf("%w: %s needs the certificate chain (X5CChain)", pki.ErrNoCertificates, prefix)
	case len(chain) > pki.MaxChainLength:
		return "", fmt.Errorf("%w: %d certificates, at most %d", pki.ErrTooManyCertificates, len(chain), pki.MaxChainLength)
	}
	leaf := chain[0]
	lk, err := jose.NewPublicKey(leaf.PublicKey)
	if err != nil {
		return "", fmt.Errorf("x5c chain leaf key: %w", err)
	}
	if !lk.Equal(key) {
		return "", &ChainKeyError{Certified: lk.Thumbprint(), Signing: key.Thumbprint()}
	}
	if leaf.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
		return "", fmt.Errorf("%w: the leaf may not sign", pki.ErrKeyUsage)
	}
	for i, c := range chain {
		switch {
		case now.Before(c.NotBefore):
			return "", fmt.Errorf("x5c chain certificate %d: %w: valid from %s", i, pki.ErrNotYetValid, c.NotBefore.UTC().Format(time.RFC3339))
		case now.After(c.NotAfter):
			return "", fmt.Errorf("x5c chain certificate %d: %w: valid until %s", i, pki.ErrExpired, c.NotAfter.UTC().Format(time.RFC3339))
		}
		if i+1 < len(chain) {
			if err := c.CheckSignatureFrom(chain[i+1]); err != nil {
				return "", fmt.Errorf("x5c chain: %w: certificate %d is not signed by certificate %d (leaf first, anchor left out)", pki.ErrUntrusted, i, i+1)
			}
		}
	}
	if len(chain) > 1 {
		top := chain[len(chain)-1]
		if top.CheckSignatureFrom(top) == nil {
			return "", fmt.Errorf("x5c chain: %w: the chain ends with a self-signed certificate: leave the trust anchor out", pki.ErrUntrusted)
		}
	}
	switch prefix {
	case oid4vp.PrefixX509Hash:
		return oid4vp.PrefixX509Hash + ":" + pki.X509Hash(leaf), nil
	case oid4vp.PrefixX509SANDNS:
		u, err := url.Parse(responseURI)
		if err != nil {
			return "", fmt.Errorf("response_uri: %w", err)
		}
		if err := pki.MatchSANDNS(leaf, u.Hostname()); err != nil {
			return "", fmt.Errorf("the leaf does not name the verifier's host %s: %w", u.Hostname(), err)
		}
		return oid4vp.PrefixX509SANDNS + ":" + u.Hostname(), nil
	}
	return "", fmt.Errorf("%w: %s is not an X.509 prefix", oid4vp.ErrClientID, prefix)
}
