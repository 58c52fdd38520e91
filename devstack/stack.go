package devstack

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/loopbrug/paspoort/credentials/oid4vp"
	"github.com/loopbrug/paspoort/credentials/profile"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/kv"
	"github.com/loopbrug/paspoort/internal/safehttp"
	"github.com/loopbrug/paspoort/issuer"
	issuerweb "github.com/loopbrug/paspoort/issuer/web"
	"github.com/loopbrug/paspoort/verifier"
	verifierweb "github.com/loopbrug/paspoort/verifier/web"
	"github.com/loopbrug/paspoort/wallet"
	walletweb "github.com/loopbrug/paspoort/wallet/web"
)

// DefaultBasePort is the first port of `paspoort dev`: the wallet API gets
// it, then the issuers (assessment, NS, hogeschool) and the verifiers
// (toelating, school) the next ones (https), then the web pages (http):
// the web wallet, the issuers' desks and the verifiers' desks, in that
// order.
const DefaultBasePort = 8440

// Ports is the number of ports the stack uses from its base port.
const Ports = 26

// Options configure a Stack. Every default is written out in New.
type Options struct {
	// Dir is the data folder: one sub-folder per organisation (badger
	// store, keys, admin token), the wallet, and the dev CA. Required.
	Dir string
	// BasePort is the wallet's port; the issuers and verifiers follow
	// (DefaultBasePort for `paspoort dev`). 0 picks random free ports.
	BasePort int
	// ServeWallet serves the holder's wallet API (wallet.Server) on the
	// base port, and the web pages: the web wallet and every issuer's and
	// verifier's desk. Without it the wallet folder is only created, the
	// caller opens the wallet itself (paspoort demo), and no page is
	// served.
	ServeWallet bool
	// Logger receives the services' logs. Default: discard.
	Logger *slog.Logger
	// Now is the clock. Default: time.Now.
	Now func() time.Time
	// Profile is ProfileDID (the default) or ProfileHAIP.
	Profile string
}

// Issuer is one demo issuer.
type Issuer struct {
	// Key is the organisation's short name (IssuerAssessment, …).
	Key string
	// Name is the display name per language.
	Name map[string]string
	// Types are the PPP types it issues.
	Types []string
	// URL is its Credential Issuer Identifier (https on 127.0.0.1).
	URL string
	// AdminToken is the bearer token of its admin API.
	AdminToken string
	// Issuer is the running issuer.
	Issuer *issuer.Issuer
	// DeskURL is the issuer's desk (web pages, http), when served.
	DeskURL string

	desk   *issuerweb.Desk
	deskLn net.Listener

	store *issuer.BadgerStore
	ln    net.Listener
}

// Verifier is one demo verifier.
type Verifier struct {
	// Key is the organisation's short name (VerifierAdmission, …).
	Key string
	// Name is the display name.
	Name string
	// Profiles are the ids of the requirement profiles it serves.
	Profiles []string
	// URL is its base URL (https on 127.0.0.1); its client_id is the
	// did:web of this URL.
	URL string
	// AdminToken is the bearer token of its admin API.
	AdminToken string
	// Verifier is the running verifier.
	Verifier *verifier.Verifier
	// DeskURL is the verifier's desk (web pages, http), when served.
	DeskURL string

	// Trust follows the consortium register.
	Trust *verifier.RegisterTrust

	store  verifier.Store
	desk   *verifierweb.Desk
	deskLn net.Listener

	db  *kv.DB
	srv *http.Server
	ln  net.Listener
}

// Wallet is the holder's wallet of the stack.
type Wallet struct {
	// Dir is the wallet's data folder.
	Dir string
	// Passphrase unlocks it (a development passphrase kept in the data
	// folder, mode 0600).
	Passphrase string
	// URL is the wallet API's URL when it is served, else empty.
	URL string
	// WebURL is the web wallet's URL when it is served, else empty.
	WebURL string

	web   *walletweb.Desk
	webLn net.Listener

	store  *wallet.BadgerStore
	server *wallet.Server
	ln     net.Listener
}

// Stack is the whole Loopbrug on one machine: the demo issuers, verifiers
// and the holder's wallet, each with its own embedded store in one data
// folder, on 127.0.0.1. Issuers and verifiers speak https with
// certificates of a development CA kept in the data folder; loopback
// addresses are explicitly allowed everywhere, and the in-process clients
// connect to loopback only. It is safe for concurrent use once New returns.
type Stack struct {
	// Issuers are the demo issuers, in port order.
	Issuers []*Issuer
	// Verifiers are the demo verifiers, in port order.
	Verifiers []*Verifier
	// Wallet is the holder's wallet.
	Wallet *Wallet
	// Profiles and Catalogues are the documents the verifiers serve.
	Profiles   map[string]*profile.Profile
	Catalogues map[string]*profile.Catalogue
	// CAFile is the development CA certificate (PEM) that the https
	// services' certificates chain to.
	CAFile string
	// Register is the consortium register every verifier and the wallet
	// follow.
	Register *Register
	// Provider is the wallet provider (HAIP profile only; else nil).
	Provider *WalletProvider

	pki    *haipPKI
	opts   Options
	ca     *devCA
	tr     *http.Transport
	client *http.Client
}

// New opens every store, creates what a first start needs (keys, admin
// tokens, the wallet, the CA) and binds every listener, so that the URLs
// are known; it serves nothing until Run. On error everything opened is
// closed again.
func New(ctx context.Context, opts Options) (_ *Stack, err error) {
	if opts.Dir == "" {
		return nil, errors.New("devstack: Options.Dir is required")
	}
	if opts.BasePort < 0 || opts.BasePort+Ports-1 > 65535 {
		return nil, fmt.Errorf("devstack: base port %d out of range", opts.BasePort)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	switch opts.Profile {
	case "":
		opts.Profile = ProfileDID
	case ProfileDID, ProfileHAIP:
	default:
		return nil, fmt.Errorf("devstack: profile %q: want %s or %s", opts.Profile, ProfileDID, ProfileHAIP)
	}
	if opts.BasePort, err = claimDir(opts.Dir, opts.BasePort); err != nil {
		return nil, err
	}
	s := &Stack{opts: opts, CAFile: filepath.Join(opts.Dir, "tls", "ca.pem")}
	defer func() {
		if err != nil {
			_ = s.Close()
		}
	}()
	if s.Profiles, s.Catalogues, err = loadDocuments(); err != nil {
		return nil, err
	}
	if s.ca, err = loadOrCreateCA(filepath.Join(opts.Dir, "tls"), opts.Now()); err != nil {
		return nil, err
	}
	if opts.Profile == ProfileHAIP {
		if s.pki, err = loadOrCreatePKI(filepath.Join(opts.Dir, "pki"), opts.Now()); err != nil {
			return nil, err
		}
	}
	s.tr = s.ca.transport()
	s.client = &http.Client{Transport: s.tr, Timeout: 60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	serverTLS, err := s.ca.serverTLS(opts.Now())
	if err != nil {
		return nil, err
	}
	port := 0
	next := func() (net.Listener, error) {
		addr := "127.0.0.1:0"
		if opts.BasePort != 0 {
			addr = "127.0.0.1:" + strconv.Itoa(opts.BasePort+port)
		}
		port++
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("devstack: listen on %s: %w", addr, err)
		}
		return ln, nil
	}
	walletLn, err := next()
	if err != nil {
		return nil, err
	}
	// The register's port and the wallet provider's come after the desks.
	regAddr := "127.0.0.1:0"
	if opts.BasePort != 0 {
		regAddr = "127.0.0.1:" + strconv.Itoa(opts.BasePort+registerPort)
	}
	regLn, err := net.Listen("tcp", regAddr)
	if err != nil {
		return nil, fmt.Errorf("devstack: listen on %s: %w", regAddr, err)
	}
	if err := s.openRegister(regLn); err != nil {
		regLn.Close()
		return nil, err
	}
	s.Wallet = &Wallet{Dir: filepath.Join(opts.Dir, "wallet"), ln: walletLn}
	for _, spec := range issuerSpecs {
		ln, err := next()
		if err != nil {
			return nil, err
		}
		is := &Issuer{Key: spec.key, Name: spec.name, Types: spec.types, ln: ln, URL: "https://" + ln.Addr().String()}
		s.Issuers = append(s.Issuers, is)
		if err := s.openIssuer(ctx, is, serverTLS); err != nil {
			return nil, err
		}
	}
	for _, spec := range verifierSpecs {
		ln, err := next()
		if err != nil {
			return nil, err
		}
		v := &Verifier{Key: spec.key, Name: spec.name, Profiles: spec.profiles, ln: ln, URL: "https://" + ln.Addr().String()}
		s.Verifiers = append(s.Verifiers, v)
		if err := s.openVerifier(v, serverTLS); err != nil {
			return nil, err
		}
	}
	if err := s.signRegister(ctx); err != nil {
		return nil, err
	}
	if s.pki != nil {
		addr := "127.0.0.1:0"
		if opts.BasePort != 0 {
			addr = "127.0.0.1:" + strconv.Itoa(opts.BasePort+providerPort)
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("devstack: listen on %s: %w", addr, err)
		}
		if err := s.openProvider(ln, serverTLS); err != nil {
			ln.Close()
			return nil, err
		}
	}
	if err := s.serveRegister(serverTLS); err != nil {
		return nil, err
	}
	if err := s.openWallet(ctx); err != nil {
		return nil, err
	}
	if opts.ServeWallet {
		if err := s.openDesks(next); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// orgDir returns (and creates) the data folder of an organisation.
func (s *Stack) orgDir(key string) (string, error) {
	dir := filepath.Join(s.opts.Dir, key)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("devstack: %w", err)
	}
	return dir, nil
}

func (s *Stack) openIssuer(ctx context.Context, is *Issuer, serverTLS *tls.Config) error {
	dir, err := s.orgDir(is.Key)
	if err != nil {
		return err
	}
	if is.AdminToken, err = tokenFile(filepath.Join(dir, "admin.token")); err != nil {
		return err
	}
	mk, err := secretFile(filepath.Join(dir, "master.key"), 32)
	if err != nil {
		return err
	}
	log := s.opts.Logger.With("service", "issuer", "org", is.Key)
	if is.store, err = issuer.OpenBadgerStore(filepath.Join(dir, "db"), mk, log); err != nil {
		return fmt.Errorf("devstack: issuer %s: %w", is.Key, err)
	}
	cfg := issuer.Config{
		URL: is.URL, Name: is.Name, Types: is.Types, AdminToken: is.AdminToken,
		TLS: serverTLS.Clone(), AllowLoopback: true,
	}
	if s.pki != nil {
		// HAIP: the issuer's current key certified under the anchor
		// (x5c on every credential and status list), DPoP-bound tokens,
		// Wallet Attestations and Key Attestations required.
		key, err := issuer.CurrentKey(ctx, is.store, jose.ES256)
		if err != nil {
			return fmt.Errorf("devstack: issuer %s: %w", is.Key, err)
		}
		if cfg.X5CChain, err = s.pki.certifyKept(filepath.Join(dir, "x5c.pem"), key.Crypto(), is.URL); err != nil {
			return err
		}
		cfg.RequireDPoP, cfg.ClientAttestationAnchors = true, s.pki.anchors
		cfg.RequireClientAttestation, cfg.RequireKeyAttestation = true, true
	}
	is.Issuer, err = issuer.New(ctx, is.store, cfg, issuer.WithLogger(log), issuer.WithClock(s.opts.Now))
	if err != nil {
		return fmt.Errorf("devstack: issuer %s: %w", is.Key, err)
	}
	return nil
}

func (s *Stack) openVerifier(v *Verifier, serverTLS *tls.Config) error {
	dir, err := s.orgDir(v.Key)
	if err != nil {
		return err
	}
	if v.AdminToken, err = tokenFile(filepath.Join(dir, "admin.token")); err != nil {
		return err
	}
	sealKey, err := secretFile(filepath.Join(dir, "seal.key"), 32)
	if err != nil {
		return err
	}
	key, err := signingKey(filepath.Join(dir, "signing.jwk"))
	if err != nil {
		return err
	}
	var ps []*profile.Profile
	var cs []*profile.Catalogue
	for _, id := range v.Profiles {
		p, ok := s.Profiles[id]
		if !ok {
			return fmt.Errorf("devstack: verifier %s: no profile %q", v.Key, id)
		}
		ps = append(ps, p)
		if c, ok := s.Catalogues[p.Catalogue]; ok && p.Catalogue != "" {
			cs = append(cs, c)
		}
	}
	log := s.opts.Logger.With("service", "verifier", "org", v.Key)
	if v.db, err = kv.Open(kv.Options{Dir: filepath.Join(dir, "db"), Logger: log}); err != nil {
		return fmt.Errorf("devstack: verifier %s: %w", v.Key, err)
	}
	store, err := verifier.NewBadgerStore(v.db, sealKey)
	if err != nil {
		return fmt.Errorf("devstack: verifier %s: %w", v.Key, err)
	}
	v.store = store
	fetcher, err := safehttp.New(safehttp.WithAllowLoopback(), safehttp.WithTransport(s.tr))
	if err != nil {
		return fmt.Errorf("devstack: verifier %s: %w", v.Key, err)
	}
	// Every verifier takes its issuers from the consortium register, and
	// a member names its entry in its requests.
	v.Trust = &verifier.RegisterTrust{Fetcher: fetcher, Now: s.opts.Now,
		Sources: []verifier.RegisterSource{{URL: s.Register.URL, Keys: []*jose.PublicKey{s.Register.Key}}}}
	cfg := verifier.Config{
		BaseURL: v.URL, SigningKey: key, Profiles: ps, Catalogues: cs,
		Trust: v.Trust, Registrations: v.Trust, AdminToken: v.AdminToken,
	}
	if s.pki != nil {
		// HAIP: identified by x509_hash of its certified key; issuers
		// trusted as the register lists them when the anchor certifies
		// them.
		if cfg.X5CChain, err = s.pki.certifyKept(filepath.Join(dir, "x5c.pem"), key.Public().Crypto(), v.URL); err != nil {
			return err
		}
		cfg.ClientIDPrefix, cfg.TrustAnchors = oid4vp.PrefixX509Hash, s.pki.anchors
		cfg.Trust = &verifier.CertifiedAsListed{Source: v.Trust, Anchors: []string{s.pki.anchorID()}}
	}
	v.Verifier, err = verifier.New(store, cfg, verifier.WithAllowLoopback(), verifier.WithFetcher(fetcher), verifier.WithLogger(log), verifier.WithClock(s.opts.Now))
	if err != nil {
		return fmt.Errorf("devstack: verifier %s: %w", v.Key, err)
	}
	v.srv = &http.Server{Handler: v.Verifier.Handler(), TLSConfig: serverTLS.Clone(), ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout: 30 * time.Second, WriteTimeout: 90 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10}
	return nil
}

func (s *Stack) openWallet(ctx context.Context) error {
	w := s.Wallet
	pass, err := tokenFile(filepath.Join(s.opts.Dir, "wallet.passphrase"))
	if err != nil {
		return err
	}
	w.Passphrase = pass
	if _, err := os.Stat(w.Dir); errors.Is(err, fs.ErrNotExist) {
		wl, err := wallet.Init(ctx, w.Dir, []byte(pass), s.WalletOptions()...)
		if err != nil {
			return fmt.Errorf("devstack: create wallet: %w", err)
		}
		if err := wl.Close(); err != nil {
			return fmt.Errorf("devstack: create wallet: %w", err)
		}
	}
	if err := s.followRegister(ctx); err != nil {
		return err
	}
	if !s.opts.ServeWallet {
		err := w.ln.Close()
		w.ln = nil
		return err
	}
	if w.store, err = wallet.OpenStore(w.Dir, false, s.opts.Logger.With("service", "wallet")); err != nil {
		return fmt.Errorf("devstack: wallet: %w", err)
	}
	if w.server, err = wallet.NewServer(ctx, w.store, wallet.ServerConfig{
		WalletOptions: s.WalletOptions(), Logger: s.opts.Logger.With("service", "wallet"), Now: s.opts.Now,
	}); err != nil {
		return fmt.Errorf("devstack: wallet: %w", err)
	}
	w.URL = "http://" + w.ln.Addr().String()
	return nil
}

// WalletOptions are the options a wallet of the stack opens with:
// loopback allowed, the transport that trusts the dev CA, the stack's
// clock and logger.
func (s *Stack) WalletOptions() []wallet.Option {
	o := []wallet.Option{wallet.WithAllowLoopback(), wallet.WithTransportUnsafe(s.tr),
		wallet.WithClock(s.opts.Now), wallet.WithLogger(s.opts.Logger.With("service", "wallet"))}
	if s.pki != nil {
		o = append(o, wallet.WithIssuerAnchors(s.pki.anchors), wallet.WithVerifierAnchors(s.pki.anchors), wallet.WithWalletProvider(s.Provider.URL))
	}
	return o
}

// HTTPClient returns a client that trusts the dev CA, connects to loopback
// only and follows no redirect: for the admin APIs and health checks.
func (s *Stack) HTTPClient() *http.Client { return s.client }

// Issuer returns the demo issuer with key.
func (s *Stack) Issuer(key string) *Issuer {
	for _, is := range s.Issuers {
		if is.Key == key {
			return is
		}
	}
	return nil
}

// Verifier returns the demo verifier with key.
func (s *Stack) Verifier(key string) *Verifier {
	for _, v := range s.Verifiers {
		if v.Key == key {
			return v
		}
	}
	return nil
}

// HealthURLs returns the health endpoint of every service.
func (s *Stack) HealthURLs() []string {
	var out []string
	if s.Wallet.URL != "" {
		out = append(out, s.Wallet.URL+"/healthz")
	}
	if s.Wallet.WebURL != "" {
		out = append(out, s.Wallet.WebURL+"/healthz")
	}
	for _, is := range s.Issuers {
		if is.DeskURL != "" {
			out = append(out, is.DeskURL+"/healthz")
		}
	}
	for _, v := range s.Verifiers {
		if v.DeskURL != "" {
			out = append(out, v.DeskURL+"/healthz")
		}
	}
	for _, is := range s.Issuers {
		out = append(out, is.URL+"/healthz")
	}
	for _, v := range s.Verifiers {
		out = append(out, v.URL+"/health")
	}
	if s.Register != nil {
		out = append(out, strings.TrimSuffix(s.Register.URL, "register.jwt")+"healthz")
	}
	if s.Provider != nil {
		out = append(out, s.Provider.URL+"/healthz")
	}
	return out
}

// Run serves every service until ctx ends, then shuts them down
// gracefully and closes the stores. If one service fails, the others are
// stopped too and its error is returned.
func (s *Stack) Run(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	for _, is := range s.Issuers {
		g.Go(func() error {
			if err := is.Issuer.Serve(ctx, is.ln); err != nil {
				return fmt.Errorf("issuer %s: %w", is.Key, err)
			}
			return nil
		})
		g.Go(func() error { _ = is.store.Run(ctx); return nil })
	}
	for _, v := range s.Verifiers {
		g.Go(func() error {
			err := v.srv.ServeTLS(v.ln, "", "")
			if errors.Is(err, http.ErrServerClosed) {
				return nil
			}
			return fmt.Errorf("verifier %s: %w", v.Key, err)
		})
		g.Go(func() error {
			<-ctx.Done()
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			return v.srv.Shutdown(sctx)
		})
		g.Go(func() error { _ = v.db.Run(ctx); return nil })
	}
	for _, is := range s.Issuers {
		if is.desk != nil {
			g.Go(func() error { return is.desk.Serve(ctx, is.deskLn) })
		}
	}
	for _, v := range s.Verifiers {
		if v.desk != nil {
			g.Go(func() error { return v.desk.Serve(ctx, v.deskLn) })
		}
	}
	if w := s.Wallet; w.web != nil {
		g.Go(func() error { return w.web.Serve(ctx, w.webLn) })
	}
	if wp := s.Provider; wp != nil {
		g.Go(func() error { return wp.run(ctx) })
	}
	if w := s.Wallet; w.server != nil {
		g.Go(func() error {
			if err := w.server.Serve(ctx, w.ln); err != nil {
				return fmt.Errorf("wallet: %w", err)
			}
			return nil
		})
	}
	err := g.Wait()
	return errors.Join(err, s.Close())
}

// Close closes every store and listener. Run calls it when it returns; call
// it yourself only when Run was never called. The stores are closed at the
// same time, so that the whole close is bounded by one store's close
// timeout (kv.DefaultCloseTimeout) even when the data folder is gone.
func (s *Stack) Close() error {
	s.closeRegister()
	if r := s.Register; r != nil && r.ln != nil {
		_ = r.ln.Close()
	}
	for _, ln := range s.deskListeners() {
		_ = ln.Close()
	}
	if wp := s.Provider; wp != nil && wp.ln != nil {
		_ = wp.ln.Close()
	}
	var closers []interface{ Close() error }
	for _, is := range s.Issuers {
		if is.ln != nil {
			_ = is.ln.Close()
		}
		if is.store != nil {
			closers = append(closers, is.store)
			is.store = nil
		}
	}
	for _, v := range s.Verifiers {
		if v.ln != nil {
			_ = v.ln.Close()
		}
		if v.db != nil {
			closers = append(closers, v.db)
			v.db = nil
		}
	}
	if w := s.Wallet; w != nil {
		if w.ln != nil {
			_ = w.ln.Close()
		}
		if w.store != nil {
			closers = append(closers, w.store)
			w.store = nil
		}
	}
	errs := make([]error, len(closers))
	var wg sync.WaitGroup
	for i, c := range closers {
		wg.Go(func() { errs[i] = c.Close() })
	}
	wg.Wait()
	if s.tr != nil {
		s.tr.CloseIdleConnections()
	}
	return errors.Join(errs...)
}
