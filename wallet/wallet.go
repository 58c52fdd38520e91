package wallet

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/loopbrug/paspoort/credentials/did"
	"github.com/loopbrug/paspoort/credentials/pki"
	"github.com/loopbrug/paspoort/credentials/registry"
	"github.com/loopbrug/paspoort/credentials/sdjwtvc"
	"github.com/loopbrug/paspoort/credentials/statuslist"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/kv"
	"github.com/loopbrug/paspoort/internal/safehttp"
)

// MinPassphraseLength is the shortest passphrase Create and
// ChangePassphrase accept, in bytes.
const MinPassphraseLength = 8

// DefaultDir returns the default data folder: paspoort/wallet under the
// user's configuration folder (os.UserConfigDir).
func DefaultDir() (string, error) {
	d, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("wallet: no default data folder: %w", err)
	}
	return filepath.Join(d, "paspoort", "wallet"), nil
}

// Wallet is an unlocked holder wallet: its data key in memory, an index of
// its credentials (summaries and processed claims, never the SD-JWTs or
// keys) for listing and matching, and the parts that talk to issuers and
// verifiers.
//
// A Wallet is safe for concurrent use.
type Wallet struct {
	store  Store
	cfg    config
	id     string
	master *kv.Sealer

	// mu guards dataKey, closed and the index; writers of the store hold
	// it for writing so that the index and the store agree.
	mu      sync.RWMutex
	dataKey []byte
	closed  bool
	index   map[string]*Credential
	cands   []candidate // sorted by id; rebuilt lazily
	dirty   bool

	fetch      *safehttp.Client
	noRedirect *safehttp.Client
	did        *did.Resolver
	keys       sdjwtvc.KeyResolver
	checker    *statuslist.Checker
	verifier   *sdjwtvc.Verifier

	// portfolioMu serialises changes to portfolio drafts (portfolio.go),
	// each a read, a change and a write.
	portfolioMu sync.Mutex

	// regMu guards the registers followed as last built (registers.go).
	regMu    sync.Mutex
	regSet   *registry.Set
	regList  []*registry.Register
	regBuilt time.Time
}

// Option configures a Wallet.
type Option func(*config) error

type config struct {
	logger        *slog.Logger
	now           func() time.Time
	kdf           KDFParams
	allowLoopback bool
	transport     http.RoundTripper
	keys          sdjwtvc.KeyResolver
	minEntries    int
	minEntriesSet bool
	keyAlg        jose.Alg
	rootCAs       *x509.CertPool
	redirectURI   bool
	freshOnly     bool
	// provider is the wallet provider's URL (WithWalletProvider).
	provider string
	// verifierAnchors are the trust anchors of X.509 verifiers
	// (WithVerifierAnchors, present.go).
	verifierAnchors *pki.Anchors
	// issuerAnchors are the X.509 anchors of issuers (WithIssuerAnchors).
	issuerAnchors *pki.Anchors
}

// WithLogger sets the logger. Default: slog.New(slog.DiscardHandler). The
// wallet logs ids and hosts, never claim values, tokens or keys.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return errors.New("wallet: nil logger")
		}
		c.logger = l
		return nil
	}
}

// WithClock sets the clock. Default: time.Now.
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return errors.New("wallet: nil clock")
		}
		c.now = now
		return nil
	}
}

// WithKDFParams sets the argon2id parameters used when a passphrase is set
// (Create, ChangePassphrase). Default: DefaultKDFParams. They must lie
// within the bounds of KDFParams.Check.
func WithKDFParams(p KDFParams) Option {
	return func(c *config) error {
		if err := p.Check(); err != nil {
			return err
		}
		c.kdf = p
		return nil
	}
}

// WithAllowLoopback lets the wallet fetch from loopback addresses (and
// plain http on them), and resolve did:web DIDs on localhost: for
// development and tests only. Default: refused (SECURITY.md E.40).
func WithAllowLoopback() Option {
	return func(c *config) error {
		c.allowLoopback = true
		return nil
	}
}

// WithRootCAs trusts the certificates of pool as roots for https instead of
// the system's: the local development CA of "paspoort dev", or a private CA.
// Every other fetch rule still applies. Default: the system roots.
func WithRootCAs(pool *x509.CertPool) Option {
	return func(c *config) error {
		if pool == nil {
			return errors.New("wallet: nil certificate pool")
		}
		c.rootCAs = pool
		return nil
	}
}

// WithFreshCopiesOnly makes the wallet refuse to present a copy of a
// credential that was presented before (ErrUsedCopyRefused), so that no two
// presentations share an issuer signature a verifier could link. Default:
// a used copy is reused when no unused one is left, and the consent screen
// says so (CredentialOption.Unused).
func WithFreshCopiesOnly() Option {
	return func(c *config) error {
		c.freshOnly = true
		return nil
	}
}

// WithRedirectURIVerifiersUnsafe accepts verifiers identified with the
// "redirect_uri:" client_id prefix, whose request objects are unsigned
// (OpenID4VP 1.0): for "paspoort dev" on plain http://127.0.0.1 only. Such a
// verifier proves nothing about who it is. Default: refused (SECURITY.md
// C.32).
func WithRedirectURIVerifiersUnsafe() Option {
	return func(c *config) error {
		c.redirectURI = true
		return nil
	}
}

// WithTransportUnsafe replaces the HTTP transport of the wallet's safehttp
// clients: for tests against TLS test servers only. With it the dial-time
// address check does not apply (safehttp.WithTransport); the URL checks,
// limits and timeouts still do. Default: safehttp's own transport.
func WithTransportUnsafe(rt http.RoundTripper) Option {
	return func(c *config) error {
		if rt == nil {
			return errors.New("wallet: nil transport")
		}
		c.transport = rt
		return nil
	}
}

// WithIssuerKeys replaces how issuer keys are found (to pin issuers, or in
// tests). Default: a DID URL "kid" through did:jwk, did:key and did:web,
// else JWT VC Issuer Metadata of an https issuer.
func WithIssuerKeys(r sdjwtvc.KeyResolver) Option {
	return func(c *config) error {
		if r == nil {
			return errors.New("wallet: nil key resolver")
		}
		c.keys = r
		return nil
	}
}

// WithStatusListMinEntries sets the smallest status list accepted (herd
// privacy). Default: statuslist.HerdPrivacyMinEntries.
func WithStatusListMinEntries(n int) Option {
	return func(c *config) error {
		if n < 0 {
			return errors.New("wallet: negative status list size")
		}
		c.minEntries, c.minEntriesSet = n, true
		return nil
	}
}

// WithKeyAlg sets the algorithm of new holder keys: jose.ES256 (default,
// HAIP) or jose.EdDSA.
func WithKeyAlg(alg jose.Alg) Option {
	return func(c *config) error {
		if err := jose.CheckAlg(alg, jose.DefaultAlgs); err != nil {
			return err
		}
		c.keyAlg = alg
		return nil
	}
}

func newConfig(opts []Option) (config, error) {
	c := config{
		logger:     slog.New(slog.DiscardHandler),
		now:        time.Now,
		kdf:        DefaultKDFParams,
		minEntries: statuslist.HerdPrivacyMinEntries,
		keyAlg:     jose.ES256,
	}
	for _, o := range opts {
		if err := o(&c); err != nil {
			return c, err
		}
	}
	return c, nil
}

// Create initialises a new wallet in store, protected by passphrase. It
// refuses (ErrExists) a store that already holds a wallet.
func Create(ctx context.Context, store Store, passphrase []byte, opts ...Option) (*Wallet, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	if len(passphrase) < MinPassphraseLength {
		return nil, fmt.Errorf("%w: at least %d bytes", ErrPassphrase, MinPassphraseLength)
	}
	dk, err := newDataKey()
	if err != nil {
		return nil, err
	}
	h := &header{Version: headerVersion, WalletID: newID(), Created: cfg.now().UTC().Truncate(time.Second)}
	if err := h.wrap(passphrase, dk, cfg.kdf); err != nil {
		return nil, err
	}
	ref := Ref{KindHeader, headerID}
	if err := store.Apply(ctx, Batch{IfAbsent: []Ref{ref}, Put: []Record{{KindHeader, headerID, h.marshal()}}}); err != nil {
		return nil, fmt.Errorf("wallet: init: %w", err)
	}
	return newWallet(ctx, store, h.WalletID, dk, cfg)
}

// Open unlocks the wallet in store with passphrase. A wrong passphrase is
// ErrWrongPassphrase; a store without a wallet is ErrNotInitialised.
// Neither changes anything.
func Open(ctx context.Context, store Store, passphrase []byte, opts ...Option) (*Wallet, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	h, dk, err := unlock(ctx, store, passphrase)
	if err != nil {
		return nil, err
	}
	return newWallet(ctx, store, h.WalletID, dk, cfg)
}

// CheckPassphrase reports whether passphrase unlocks the wallet in store
// (ErrWrongPassphrase if not, ErrNotInitialised without a wallet) without
// opening it: for a second session of a wallet that is already open.
func CheckPassphrase(ctx context.Context, store Store, passphrase []byte) error {
	_, dk, err := unlock(ctx, store, passphrase)
	clear(dk)
	return err
}

// unlock reads the wallet header in store and unwraps the data key with
// passphrase.
func unlock(ctx context.Context, store Store, passphrase []byte) (*header, []byte, error) {
	b, err := store.Get(ctx, Ref{KindHeader, headerID})
	if errors.Is(err, ErrNotFound) {
		return nil, nil, ErrNotInitialised
	}
	if err != nil {
		return nil, nil, err
	}
	h, err := parseHeader(b)
	if err != nil {
		return nil, nil, err
	}
	dk, err := h.unwrap(passphrase)
	if err != nil {
		return nil, nil, err
	}
	return h, dk, nil
}

// Init creates the badger store in dir and a new wallet in it. A folder
// that already holds a wallet is refused with ErrExists. The options and
// the passphrase are checked before anything is created, and a folder Init
// created is removed again when the wallet cannot be made in it.
func Init(ctx context.Context, dir string, passphrase []byte, opts ...Option) (*Wallet, error) {
	if _, err := newConfig(opts); err != nil {
		return nil, err
	}
	if len(passphrase) < MinPassphraseLength {
		return nil, fmt.Errorf("%w: at least %d bytes", ErrPassphrase, MinPassphraseLength)
	}
	_, statErr := os.Lstat(dir)
	created := dir != "" && errors.Is(statErr, fs.ErrNotExist)
	st, err := OpenStore(dir, true, nil)
	if err != nil {
		if created {
			os.RemoveAll(dir)
		}
		return nil, err
	}
	w, err := Create(ctx, st, passphrase, opts...)
	if err != nil {
		st.Close()
		if created {
			os.RemoveAll(dir)
		}
		return nil, err
	}
	return w, nil
}

// OpenDir opens the badger store in dir and unlocks the wallet in it.
// Close closes both.
func OpenDir(ctx context.Context, dir string, passphrase []byte, opts ...Option) (*Wallet, error) {
	st, err := OpenStore(dir, false, nil)
	if err != nil {
		return nil, err
	}
	w, err := Open(ctx, st, passphrase, opts...)
	if err != nil {
		st.Close()
		return nil, err
	}
	return w, nil
}

func newWallet(ctx context.Context, store Store, id string, dk []byte, cfg config) (*Wallet, error) {
	master, err := kv.NewSealer(dk)
	if err != nil {
		return nil, err
	}
	w := &Wallet{store: store, cfg: cfg, id: id, master: master, dataKey: dk, index: map[string]*Credential{}}
	if err := w.initNetwork(); err != nil {
		return nil, err
	}
	if err := w.load(ctx); err != nil {
		return nil, err
	}
	return w, nil
}

// initNetwork builds the fetcher, the issuer key resolver, the status
// checker and the SD-JWT VC verifier. Nothing is fetched here.
func (w *Wallet) initNetwork() error {
	var fo []safehttp.Option
	if w.cfg.allowLoopback {
		fo = append(fo, safehttp.WithAllowLoopback())
	}
	if w.cfg.transport != nil {
		fo = append(fo, safehttp.WithTransport(w.cfg.transport))
	}
	if w.cfg.rootCAs != nil {
		fo = append(fo, safehttp.WithRootCAs(w.cfg.rootCAs))
	}
	f, err := safehttp.New(fo...)
	if err != nil {
		return err
	}
	w.fetch = f
	// request_uri fetches and response posts follow no redirect
	// (SECURITY.md C.32).
	if w.noRedirect, err = safehttp.New(append(fo, safehttp.WithMaxRedirects(0))...); err != nil {
		return err
	}
	var do []did.Option
	if w.cfg.allowLoopback {
		do = append(do, did.WithAllowLoopback())
	}
	web, err := did.NewWebResolver(w.fetch, do...)
	if err != nil {
		return err
	}
	w.did = did.NewResolver(web)
	w.keys = w.cfg.keys
	if w.keys == nil {
		w.keys = sdjwtvc.Chain{sdjwtvc.DIDKeys{Resolver: w.did}, &sdjwtvc.MetadataKeys{Fetcher: w.fetch}}
	}
	w.keys = issuerKeys(w.keys, w.cfg.issuerAnchors)
	checker := func() (*statuslist.Checker, error) {
		return statuslist.NewChecker(w.fetch, w.keys, statuslist.WithMinEntries(w.cfg.minEntries), statuslist.WithClock(w.cfg.now))
	}
	if w.checker, err = checker(); err != nil {
		return err
	}
	// Receipt checks the status of a new credential with a checker of its
	// own: a list fetched then is not what the holder's later checks
	// ("my paspoort", before presenting) answer from, so that a revocation
	// right after receipt is seen by the next of them rather than hidden
	// for the list's ttl.
	receipt, err := checker()
	if err != nil {
		return err
	}
	v, err := sdjwtvc.NewVerifier(w.keys, sdjwtvc.WithStatusChecker(receipt), sdjwtvc.WithClock(w.cfg.now))
	if err != nil {
		return err
	}
	w.verifier = v
	return nil
}

// ID returns the wallet's random identifier.
func (w *Wallet) ID() string { return w.id }

// Store returns the wallet's store.
func (w *Wallet) Store() Store { return w.store }

// HTTPClient returns the wallet's outbound fetcher.
func (w *Wallet) HTTPClient() *safehttp.Client { return w.fetch }

// ChangePassphrase re-wraps the data key under a key derived from newPass
// with fresh parameters and salt, after checking oldPass. The credentials are
// not re-encrypted (their keys do not change); from then on oldPass no longer
// opens the wallet.
func (w *Wallet) ChangePassphrase(ctx context.Context, oldPass, newPass []byte) error {
	if len(newPass) < MinPassphraseLength {
		return fmt.Errorf("%w: at least %d bytes", ErrPassphrase, MinPassphraseLength)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return ErrClosed
	}
	b, err := w.store.Get(ctx, Ref{KindHeader, headerID})
	if err != nil {
		return err
	}
	h, err := parseHeader(b)
	if err != nil {
		return err
	}
	if _, err := h.unwrap(oldPass); err != nil {
		return err
	}
	if err := h.wrap(newPass, w.dataKey, w.cfg.kdf); err != nil {
		return err
	}
	return w.store.Apply(ctx, Batch{Put: []Record{{KindHeader, headerID, h.marshal()}}})
}

// Close forgets the data key and closes the store.
func (w *Wallet) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	w.closed = true
	clear(w.dataKey)
	w.index = nil
	w.cands = nil
	return w.store.Close()
}

// newID returns a random 128-bit id in lower-case base32.
func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return idEncoding.EncodeToString(b)
}

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// validCredentialID reports whether id has the form newID makes.
func validCredentialID(id string) bool {
	b, err := idEncoding.DecodeString(id)
	return err == nil && len(b) == 16 && idEncoding.EncodeToString(b) == id
}

// validHistoryID reports whether id has the form historyID makes.
func validHistoryID(id string) bool {
	b, err := hex.DecodeString(id)
	return err == nil && len(b) == 12 && hex.EncodeToString(b) == id
}
