package devstack

import (
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/loopbrug/paspoort/credentials/attest"
	"github.com/loopbrug/paspoort/credentials/pki"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/walletprovider"
)

// The profiles a stack runs on (Options.Profile).
const (
	// ProfileDID is the DID profile: issuers sign with did:web keys,
	// verifiers are identified by did:web client ids, offers are
	// pre-authorized.
	ProfileDID = "did"
	// ProfileHAIP is the OpenID4VC High Assurance Interoperability Profile
	// (HAIP 1.0) on X.509: a development trust anchor certifies every
	// issuer (x5c, also on status lists), verifier (x509_hash client id)
	// and the wallet provider; issuers take the authorization code flow
	// with PAR, PKCE and DPoP and require Wallet Attestations and Key
	// Attestations; verifiers trust the register's issuers when the anchor
	// certifies them and answer only direct_post.jwt.
	ProfileHAIP = "haip"
)

// Profiles lists the profiles, the default first.
var Profiles = []string{ProfileDID, ProfileHAIP}

// Port offsets from the base port of the two services that come after the
// desks: the consortium register and the wallet provider.
const (
	registerPort = 24
	providerPort = 25
)

// haipPKI is the HAIP profile's trust material: a development anchor kept
// in the data folder (DATA/pki/anchor.pem, its key readable by the owner
// alone), which certifies every party's key at each start.
type haipPKI struct {
	auth    *pki.Authority
	anchors *pki.Anchors
	// file is the anchor's PEM file, for the command-line flags
	// (--trust-anchors, --issuer-anchors, …) a developer gives.
	file string
	now  time.Time
}

// loadOrCreatePKI reads dir/anchor.pem and dir/anchor.key.pem, creating
// both when absent.
func loadOrCreatePKI(dir string, now time.Time) (*haipPKI, error) {
	certPath, keyPath := filepath.Join(dir, "anchor.pem"), filepath.Join(dir, "anchor.key.pem")
	var auth *pki.Authority
	certPEM, err := os.ReadFile(certPath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("devstack: %w", err)
		}
		if auth, err = pki.NewDevAuthority(pki.AuthorityConfig{CommonName: "Loopbrug Domstad HAIP development anchor", NotBefore: now.Add(-5 * time.Minute)}); err != nil {
			return nil, fmt.Errorf("devstack: HAIP anchor: %w", err)
		}
		keyPEM, err := pki.EncodeKeyPEM(auth.Key())
		if err != nil {
			return nil, fmt.Errorf("devstack: HAIP anchor: %w", err)
		}
		if err := writeSecret(keyPath, keyPEM); err != nil {
			return nil, err
		}
		if err := os.WriteFile(certPath, pki.EncodePEM(auth.Cert), 0o644); err != nil {
			return nil, fmt.Errorf("devstack: %w", err)
		}
	case err != nil:
		return nil, fmt.Errorf("devstack: read %s: %w", certPath, err)
	default:
		keyPEM, err := os.ReadFile(keyPath)
		if err != nil {
			return nil, fmt.Errorf("devstack: read %s: %w", keyPath, err)
		}
		certs, err := pki.ParseChainPEM(certPEM)
		if err != nil {
			return nil, fmt.Errorf("devstack: %s: %w", certPath, err)
		}
		key, err := pki.ParseKeyPEM(keyPEM)
		if err != nil {
			return nil, fmt.Errorf("devstack: %s: %w", keyPath, err)
		}
		if auth, err = pki.NewAuthority(certs[0], key); err != nil {
			return nil, fmt.Errorf("devstack: HAIP anchor: %w", err)
		}
	}
	anchors, err := pki.NewAnchors(auth.Cert)
	if err != nil {
		return nil, fmt.Errorf("devstack: HAIP anchor: %w", err)
	}
	return &haipPKI{auth: auth, anchors: anchors, file: certPath, now: now}, nil
}

// certify issues a leaf for pub naming the party's https URL.
func (p *haipPKI) certify(pub crypto.PublicKey, partyURL string) ([]*x509.Certificate, error) {
	leaf, err := p.auth.Issue(pub, pki.LeafConfig{URIs: []string{partyURL}, NotBefore: p.now.Add(-5 * time.Minute), Validity: 30 * 24 * time.Hour})
	if err != nil {
		return nil, fmt.Errorf("devstack: certify %s: %w", partyURL, err)
	}
	return []*x509.Certificate{leaf}, nil
}

// certifyKept is certify with the chain kept in path: a chain there that
// still validates to the anchor for another day, certifies pub and names
// partyURL is used again, so that a verifier's x509_hash client id (and
// its register entry) stays the same across restarts.
func (p *haipPKI) certifyKept(path string, pub crypto.PublicKey, partyURL string) ([]*x509.Certificate, error) {
	want, err := jose.NewPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("devstack: certify %s: %w", partyURL, err)
	}
	if b, err := os.ReadFile(path); err == nil {
		if chain, err := pki.ParseChainPEM(b); err == nil {
			v, err := p.anchors.Verify(chain, p.now.Add(24*time.Hour))
			if err == nil && v.Key.Thumbprint() == want.Thumbprint() && pki.HasURI(v.Leaf, partyURL) {
				return chain, nil
			}
		}
	}
	chain, err := p.certify(pub, partyURL)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, pki.EncodePEM(chain...), 0o644); err != nil {
		return nil, fmt.Errorf("devstack: %w", err)
	}
	return chain, nil
}

// anchorID is the anchor's ID in trust lists (TrustedIssuer.Anchor).
func (p *haipPKI) anchorID() string { return pki.X509Hash(p.auth.Cert) }

// WalletProvider is the wallet provider of a HAIP stack: it vouches for
// the stack's wallets towards its issuers.
type WalletProvider struct {
	// URL is its https URL.
	URL string

	srv *http.Server
	ln  net.Listener
}

// openProvider starts the wallet provider's service on ln (https, the dev
// CA) with a fresh key certified by the HAIP anchor.
func (s *Stack) openProvider(ln net.Listener, serverTLS *tls.Config) error {
	wp := &WalletProvider{URL: "https://" + ln.Addr().String(), ln: ln}
	s.Provider = wp
	key, err := jose.GenerateKey(jose.ES256)
	if err != nil {
		return fmt.Errorf("devstack: wallet provider: %w", err)
	}
	chain, err := s.pki.certify(key.Signer().Public(), wp.URL)
	if err != nil {
		return err
	}
	p, err := walletprovider.New(walletprovider.Config{
		URL: wp.URL, ClientID: wp.URL + "/paspoort", WalletName: "paspoort",
		Signer: attest.Signer{Key: key, Chain: chain}, Now: s.opts.Now,
	})
	if err != nil {
		return fmt.Errorf("devstack: wallet provider: %w", err)
	}
	wp.srv = &http.Server{Handler: p.Handler(s.opts.Logger.With("service", "wallet-provider")), TLSConfig: serverTLS.Clone(),
		ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second}
	return nil
}

// runProvider serves the wallet provider until ctx ends.
func (wp *WalletProvider) run(ctx context.Context) error {
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = wp.srv.Shutdown(sctx)
	}()
	if err := wp.srv.ServeTLS(wp.ln, "", ""); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("wallet provider: %w", err)
	}
	return nil
}

// HAIP reports whether the stack runs on the HAIP profile.
func (s *Stack) HAIP() bool { return s.opts.Profile == ProfileHAIP }

// AnchorFile is the HAIP development anchor's PEM file, empty on the DID
// profile: what a developer gives the command line as --trust-anchors,
// --issuer-anchors, --verifier-anchors and --client-attestation-anchors.
func (s *Stack) AnchorFile() string {
	if s.pki == nil {
		return ""
	}
	return s.pki.file
}
