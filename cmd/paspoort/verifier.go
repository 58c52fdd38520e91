package main

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/loopbrug/paspoort/credentials/oid4vp"
	"github.com/loopbrug/paspoort/credentials/pki"
	"github.com/loopbrug/paspoort/credentials/profile"
	"github.com/loopbrug/paspoort/credentials/registry"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/kv"
	"github.com/loopbrug/paspoort/internal/safehttp"
	"github.com/loopbrug/paspoort/verifier"
	"github.com/loopbrug/paspoort/verifier/pgstore"
	"github.com/loopbrug/paspoort/verifier/profiles"
)

// newVerifierCommand returns "paspoort verifier": serve, profile, request
// and result.
func newVerifierCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "verifier",
		Short: "Run an OpenID4VP verifier that decides on requirement profiles",
		Long: "The verifier asks a holder's wallet for exactly what a requirement profile needs (OpenID4VP 1.0\n" +
			"with DCQL), verifies the presentations and decides: per requirement met, not met or not\n" +
			"proven with evidence, an outcome, a score, the gap and a learning plan.",
	}
	cmd.AddCommand(newVerifierServeCommand(), newVerifierKeyCommand(), newVerifierProfileCommand(), newVerifierRequestCommand(), newVerifierResultCommand(), newVerifierBenchCommand(), newMigrateCommand("verifier"))
	return cmd
}

func newVerifierServeCommand() *cobra.Command {
	var data, listen, baseURL, tokenFile, profDir, trustFile, mode, prefix, uriMethod, chainFile string
	var trustURL, trustKeyFile, trustIss, caFile, tlsCert, tlsKey, anchorsFile string
	var loopback, requireAnchored bool
	var registers, registerKeys []string
	var retention, trustRefresh time.Duration
	var sf storeFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the verifier",
		Long: "Serve the verifier on --listen with its public URL --url. State (badger, records sealed with a\n" +
			"key kept in DIR/verifier.key) and the signing key (DIR/signing.jwk) live in --data. Without\n" +
			"--profiles the built-in example profiles and catalogues are served; a profiles folder holds\n" +
			"<id>.yaml profiles and <id>.catalogue.yaml catalogues. --trust is a JSON trust list\n" +
			"{\"issuers\": [{\"id\": \"did:web:…\", \"types\": [\"skill\", …]}]}; instead of --trust, --trust-url is\n" +
			"where a consortium publishes the same document as a signed JWT (typ paspoort-trust-list+jwt),\n" +
			"verified with the consortium's public key --trust-issuer-key, refetched every --trust-refresh\n" +
			"and kept while a refresh fails until it expires; then the verifier fails closed.\n\n" +
			"HAIP: --trust-anchors (PEM) are the X.509 anchors of issuers that sign with an x5c chain. Such a\n" +
			"credential counts only for a trust list entry that names its anchor: {\"anchor\": \"<base64url\n" +
			"SHA-256 of the anchor certificate>\", \"id\": \"https://…\" (optional), \"types\": […], \"kind\": …};\n" +
			"an entry with only an id never trusts a certified credential, nor the other way round.\n" +
			"--require-anchored-issuers asks wallets for credentials chaining to these anchors only (DCQL\n" +
			"trusted_authorities, aki) and refuses any other.\n\n" +
			"With --tls-cert and --tls-key the verifier speaks https itself; without them it serves plain\n" +
			"HTTP for a TLS-terminating proxy in front. --ca-file trusts a private CA (instead of the\n" +
			"system's) for outbound fetches: the trust list, did:web documents and status lists.\n\n" +
			"In production the verifier is the OpenID4VP client \"decentralized_identifier:<did:web of --url>\"\n" +
			"and signs its request objects; --url must then be https. For development on plain\n" +
			"http://127.0.0.1 use --client-id-prefix redirect_uri --allow-loopback: request objects are\n" +
			"unsigned, and only wallets told to accept such requests will answer.\n\n" +
			"HAIP (X.509): --client-id-prefix x509_hash (or x509_san_dns) with --x5c-chain FILE.pem (leaf\n" +
			"first, without the anchor) makes the verifier the client \"x509_hash:<hash of the leaf>\" (or\n" +
			"\"x509_san_dns:<host of --url>\"); its request objects carry the chain in x5c and answers come only\n" +
			"as direct_post.jwt. The leaf must certify the verifier's signing key: write it with\n" +
			"\"paspoort verifier key --data DIR --out verifier-key.jwk\" and certify it with\n" +
			"\"paspoort pki issue --key verifier-key.jwk\". Wallets need the anchor (--verifier-anchors).\n\n" +
			"Several replicas share their transactions in a PostgreSQL (or CockroachDB) database given with\n" +
			"--store postgres://… (environment PASPOORT_VERIFIER_STORE); --data then holds only the keys, and\n" +
			"every replica needs a copy of the same verifier.key and signing.jwk. The tables are created or\n" +
			"upgraded at start (or by \"verifier migrate\"). /readyz answers 503 while the database does not.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) (err error) {
			if v := os.Getenv("PASPOORT_VERIFIER_STORE"); v != "" && !cmd.Flags().Changed("store") {
				sf.Store = v
			}
			if data == "" || listen == "" || baseURL == "" || tokenFile == "" {
				return usagef("--data, --listen, --url and --admin-token-file are required")
			}
			if trustFile != "" && trustURL != "" {
				return usagef("give one of --trust FILE and --trust-url URL, not both")
			}
			if trustFile == "" && trustURL == "" && len(registers) == 0 {
				return usagef("say whom to trust: --register URL --register-key FILE (a consortium register), --trust FILE or --trust-url URL")
			}
			if len(registers) != len(registerKeys) {
				return usagef("give one --register-key for each --register (in the same order)")
			}
			if trustURL == "" && (trustKeyFile != "" || trustIss != "") {
				return usagef("--trust-issuer-key and --trust-issuer go with --trust-url")
			}
			if trustURL != "" && trustKeyFile == "" {
				return usagef("--trust-url needs --trust-issuer-key: the consortium's public key, from your own configuration, verifies the list")
			}
			if (tlsCert == "") != (tlsKey == "") {
				return usagef("--tls-cert and --tls-key go together")
			}
			if requireAnchored && anchorsFile == "" {
				return usagef("--require-anchored-issuers needs --trust-anchors FILE.pem: the anchors issuers must chain to")
			}
			anchors, err := readAnchors("trust-anchors", anchorsFile)
			if err != nil {
				return err
			}
			chain, err := verifierChain(prefix, chainFile, mode, data)
			if err != nil {
				return err
			}
			tok, err := readSecret("admin-token-file", tokenFile)
			if err != nil {
				return err
			}
			fetcher, err := verifierFetcher(loopback, caFile)
			if err != nil {
				return err
			}
			var trust verifier.TrustSource
			if trustFile != "" || trustURL != "" {
				if trust, err = verifierTrust(cmd.Context(), fetcher, trustFile, trustURL, trustKeyFile, trustIss, trustRefresh); err != nil {
					return err
				}
			}
			regTrust, err := verifierRegisters(cmd.Context(), fetcher, registers, registerKeys, trustRefresh)
			if err != nil {
				return err
			}
			switch {
			case regTrust != nil && trust != nil:
				trust = verifier.Trusts{regTrust, trust}
			case regTrust != nil:
				trust = regTrust
			}
			var sc verifier.ServerConfig
			if tlsCert != "" {
				cert, err := tls.LoadX509KeyPair(tlsCert, tlsKey)
				if err != nil {
					return usagef("--tls-cert/--tls-key: %v", err)
				}
				sc.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
			}
			ps, cs, err := loadProfiles(profDir)
			if err != nil {
				return err
			}
			if err := os.MkdirAll(data, 0o700); err != nil {
				return fmt.Errorf("--data: %w", err)
			}
			sealKey, _, err := secretFile(filepath.Join(data, "verifier.key"), func() ([]byte, error) {
				b := make([]byte, 32)
				_, err := rand.Read(b)
				return b, err
			})
			if err != nil {
				return err
			}
			key, err := verifierSigningKey(data)
			if err != nil {
				return err
			}
			log := slog.New(slog.NewJSONHandler(cmd.ErrOrStderr(), nil))
			store, err := openVerifierStore(cmd.Context(), sf, data, sealKey, log)
			if err != nil {
				return err
			}
			defer func() { err = closeStore(err, store) }()
			opts := []verifier.Option{verifier.WithLogger(log), verifier.WithFetcher(fetcher)}
			if loopback {
				opts = append(opts, verifier.WithAllowLoopback())
			}
			v, err := verifier.New(store, verifier.Config{
				BaseURL: baseURL, SigningKey: key, Profiles: ps, Catalogues: cs,
				Trust: trust, Registrations: registrationsOf(regTrust), AdminToken: strings.TrimSpace(string(tok)),
				Retention: retention, ResponseMode: mode, ClientIDPrefix: prefix, RequestURIMethod: uriMethod,
				X5CChain:     chain,
				TrustAnchors: anchors, RequireAnchoredIssuers: requireAnchored,
			}, opts...)
			if err != nil {
				return verifierChainError(err, data, baseURL, prefix)
			}
			ctx, stop := signalContext(cmd.Context(), cmd.ErrOrStderr())
			defer stop()
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return fmt.Errorf("--listen: %w", err)
			}
			go func() { _ = store.Run(ctx) }()
			log.Info("verifier listening", "listen", ln.Addr().String(), "url", baseURL, "did", v.DID(), "client_id", v.ClientID(), "profiles", len(ps),
				"tls", sc.TLS != nil, "remote_trust", trustURL != "")
			if err := v.Serve(ctx, ln, sc); err != nil {
				return fmt.Errorf("serve: %w", err)
			}
			log.Info("verifier stopped")
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&data, "data", "", "data folder (badger store, keys)")
	f.StringVar(&listen, "listen", "", "listen address HOST:PORT")
	f.StringVar(&baseURL, "url", "", "public base URL (its did:web is the client_id)")
	f.StringVar(&tokenFile, "admin-token-file", "", "file holding the admin API bearer token (16+ characters)")
	f.StringVar(&profDir, "profiles", "", "folder of profiles (<id>.yaml) and catalogues (<id>.catalogue.yaml); default: the built-in examples")
	f.StringArrayVar(&registers, "register", nil, "https URL of a consortium register the verifier follows (…/register.jwt); its issuers are trusted and the verifier's own entry is named in every request; repeatable")
	f.StringArrayVar(&registerKeys, "register-key", nil, "public JWK file of the key pinned for the --register at the same position")
	f.StringVar(&trustFile, "trust", "", "JSON trust list file (or --trust-url)")
	f.StringVar(&trustURL, "trust-url", "", "https URL of a consortium's signed trust list JWT (instead of --trust)")
	f.StringVar(&trustKeyFile, "trust-issuer-key", "", "public JWK file of the consortium key that signs the --trust-url list")
	f.StringVar(&trustIss, "trust-issuer", "", "the \"iss\" the --trust-url list must carry (optional)")
	f.DurationVar(&trustRefresh, "trust-refresh", time.Hour, "how often the --trust-url list is refetched")
	f.StringVar(&anchorsFile, "trust-anchors", "", "PEM file of the X.509 trust anchors of issuers that sign with x5c (HAIP); trust list entries name them by \"anchor\"")
	f.BoolVar(&requireAnchored, "require-anchored-issuers", false, "ask only for credentials whose x5c chains to --trust-anchors (DCQL trusted_authorities aki) and refuse others")
	caFileFlag(f, &caFile, "PEM CA certificates trusted, instead of the system's, for outbound https (private or development CA)")
	f.StringVar(&tlsCert, "tls-cert", "", "TLS certificate chain (PEM) to serve https directly")
	f.StringVar(&tlsKey, "tls-key", "", "TLS private key (PEM)")
	f.BoolVar(&loopback, "allow-loopback", false, "allow did:web and fetches on 127.0.0.1/localhost (development)")
	f.DurationVar(&retention, "retention", 30*24*time.Hour, "how long decisions are kept")
	f.StringVar(&mode, "response-mode", oid4vp.ResponseModeDirectPostJWT, "default response mode: direct_post or direct_post.jwt")
	f.StringVar(&prefix, "client-id-prefix", oid4vp.PrefixDecentralizedIdentifier,
		"client_id prefix: decentralized_identifier (did:web of --url, signed requests), x509_hash or x509_san_dns (HAIP: requests signed with the key --x5c-chain certifies, direct_post.jwt only) or redirect_uri (development: unsigned requests, plain http on 127.0.0.1 with --allow-loopback)")
	f.StringVar(&chainFile, "x5c-chain", "", "PEM certificate chain of the signing key, leaf first, without the anchor, for --client-id-prefix x509_hash or x509_san_dns ('paspoort verifier key', then 'paspoort pki issue --key')")
	f.StringVar(&uriMethod, "request-uri-method", oid4vp.RequestURIMethodPost, "request_uri_method of the openid4vp:// links: post (wallet_nonce) or get")
	addStoreFlags(f, &sf, "verifier")
	return cmd
}

// verifierSigningKey reads the verifier's signing key from
// DATA/signing.jwk, making a new ES256 key there when there is none.
func verifierSigningKey(data string) (*jose.PrivateKey, error) {
	keyJSON, _, err := secretFile(filepath.Join(data, "signing.jwk"), func() ([]byte, error) {
		k, err := jose.GenerateKey(jose.ES256)
		if err != nil {
			return nil, err
		}
		return json.Marshal(k)
	})
	if err != nil {
		return nil, err
	}
	key, err := jose.ParsePrivateKey(keyJSON)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	return key, nil
}

// verifierChain reads --x5c-chain and checks that it goes with
// --client-id-prefix and --response-mode (HAIP 1.0 §5: direct_post.jwt).
func verifierChain(prefix, chainFile, mode, data string) ([]*x509.Certificate, error) {
	x509Prefix := oid4vp.IsX509(prefix)
	switch {
	case x509Prefix && chainFile == "":
		return nil, usagef("%s", msg(
			fmt.Sprintf("--client-id-prefix %s heeft de certificaatketen nodig: geef --x5c-chain FILE.pem. Maak die met 'paspoort verifier key --data %s --out verifier-key.jwk' en 'paspoort pki issue --key verifier-key.jwk'.", prefix, data),
			fmt.Sprintf("--client-id-prefix %s needs the certificate chain: give --x5c-chain FILE.pem. Make it with 'paspoort verifier key --data %s --out verifier-key.jwk' and 'paspoort pki issue --key verifier-key.jwk'.", prefix, data)))
	case !x509Prefix && chainFile != "":
		return nil, usagef("%s", msg("--x5c-chain hoort bij --client-id-prefix x509_hash of x509_san_dns.",
			"--x5c-chain goes with --client-id-prefix x509_hash or x509_san_dns."))
	case x509Prefix && mode != oid4vp.ResponseModeDirectPostJWT:
		return nil, usagef("%s", msg(
			fmt.Sprintf("--client-id-prefix %s (HAIP) vraagt --response-mode direct_post.jwt, niet %s.", prefix, mode),
			fmt.Sprintf("--client-id-prefix %s (HAIP) needs --response-mode direct_post.jwt, not %s.", prefix, mode)))
	case !x509Prefix:
		return nil, nil
	}
	b, err := readFile("x5c-chain", chainFile)
	if err != nil {
		return nil, err
	}
	chain, err := pki.ParseChainPEM(b)
	if err != nil {
		return nil, tell(err, fmt.Sprintf("--x5c-chain %s is geen PEM-certificaatketen (blad eerst, zoals 'paspoort pki issue' schrijft).", chainFile),
			fmt.Sprintf("--x5c-chain %s is not a PEM certificate chain (leaf first, as 'paspoort pki issue' writes it).", chainFile))
	}
	return chain, nil
}

// verifierChainError explains an --x5c-chain the verifier refused to start
// with, and the commands that fix it; other errors pass unchanged.
func verifierChainError(err error, data, baseURL, prefix string) error {
	if !oid4vp.IsX509(prefix) {
		return err
	}
	host := baseURL
	if u, perr := url.Parse(baseURL); perr == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	fix := fmt.Sprintf("'paspoort verifier key --data %s --out verifier-key.jwk', then 'paspoort pki issue --dir PKI --dns %s --key verifier-key.jwk --out verifier' and --x5c-chain verifier.chain.pem", data, host)
	switch {
	case errors.Is(err, verifier.ErrChainKeyMismatch):
		return tell(err, "het blad van --x5c-chain certificeert een andere sleutel dan waarmee de verifier ondertekent; de verifier is niet gestart. Certificeer de huidige sleutel: "+fix+".",
			"the leaf of --x5c-chain certifies another key than the verifier signs with; the verifier did not start. Certify the current key: "+fix+".")
	case errors.Is(err, pki.ErrNameMismatch):
		return tell(err, fmt.Sprintf("het blad van --x5c-chain noemt %s niet als DNS-naam (nodig voor x509_san_dns); de verifier is niet gestart. Certificeer opnieuw: %s.", host, fix),
			fmt.Sprintf("the leaf of --x5c-chain does not name %s as a DNS name (needed for x509_san_dns); the verifier did not start. Certify again: %s.", host, fix))
	case errors.Is(err, pki.ErrKeyUsage):
		return tell(err, "het blad van --x5c-chain mag niet ondertekenen (keyUsage zonder digitalSignature); de verifier is niet gestart. Certificeer opnieuw: "+fix+".",
			"the leaf of --x5c-chain may not sign (keyUsage without digitalSignature); the verifier did not start. Certify again: "+fix+".")
	case errors.Is(err, pki.ErrExpired), errors.Is(err, pki.ErrNotYetValid), errors.Is(err, pki.ErrUntrusted), errors.Is(err, pki.ErrTooManyCertificates):
		return tell(err, "--x5c-chain is verlopen, nog niet geldig of geen keten (blad eerst, elk certificaat ondertekend door het volgende, zonder het anker); de verifier is niet gestart. Certificeer opnieuw: "+fix+".",
			"--x5c-chain is expired, not yet valid or not a chain (leaf first, each certificate signed by the next, without the anchor); the verifier did not start. Certify again: "+fix+".")
	}
	return err
}

// newVerifierKeyCommand prints the verifier's public signing key, for
// "paspoort pki issue --key".
func newVerifierKeyCommand() *cobra.Command {
	var data, out string
	cmd := &cobra.Command{
		Use:   "key --data DIR [--out FILE]",
		Short: "Write the verifier's public signing key (JWK), to certify it with 'paspoort pki issue --key'",
		Long: "Write the public JWK of the key the verifier with --data signs its request objects with\n" +
			"(DIR/signing.jwk) to --out (default: standard output). A new data folder gets its signing key\n" +
			"now, as \"verifier serve\" would make it. Only the public key is written. Certify it with\n" +
			"'paspoort pki issue --key FILE' and start the verifier with --client-id-prefix x509_hash\n" +
			"--x5c-chain PREFIX.chain.pem.",
		Example: "  paspoort verifier key --data ./verifier-data --out verifier-key.jwk\n" +
			"  paspoort pki issue --dir dev-pki --dns toelating.example.nl --key verifier-key.jwk --out toelating",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if data == "" {
				return usagef("--data is required")
			}
			if err := os.MkdirAll(data, 0o700); err != nil {
				return fmt.Errorf("--data: %w", err)
			}
			key, err := verifierSigningKey(data)
			if err != nil {
				return err
			}
			return writePublicJWK(cmd, key.Public().WithKeyID(""), out)
		},
	}
	f := cmd.Flags()
	f.StringVar(&data, "data", "", "the verifier's data folder (holds signing.jwk)")
	f.StringVar(&out, "out", "", "write the JWK to this new file instead of standard output")
	return cmd
}

// verifierStore is the verifier's Store with its chores (garbage
// collection, purges) and its closing.
type verifierStore interface {
	verifier.Store
	Run(ctx context.Context) error
	Close() error
}

// badgerVerifierStore is the badger store with its database.
type badgerVerifierStore struct {
	verifier.Store
	db *kv.DB
}

func (s badgerVerifierStore) Run(ctx context.Context) error { return s.db.Run(ctx) }
func (s badgerVerifierStore) Close() error                  { return s.db.Close() }

// Ping lets /readyz ask the badger store too.
func (s badgerVerifierStore) Ping(ctx context.Context) error {
	if p, ok := s.Store.(verifier.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

// openVerifierStore opens the database of --store, its tables migrated,
// or else the badger store in DATA/db.
func openVerifierStore(ctx context.Context, sf storeFlags, data string, sealKey []byte, log *slog.Logger) (verifierStore, error) {
	if sf.postgres() {
		db, err := sf.open(ctx)
		if err != nil {
			return nil, err
		}
		s, err := pgstore.Open(ctx, db, sealKey, pgstore.WithLogger(log))
		if err != nil {
			db.Close()
			return nil, schemaError(err, "verifier")
		}
		log.Info("verifier store", "database", db.String())
		return s, nil
	}
	db, err := kv.Open(kv.Options{Dir: filepath.Join(data, "db"), Logger: log})
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	s, err := verifier.NewBadgerStore(db, sealKey)
	if err != nil {
		db.Close()
		return nil, err
	}
	return badgerVerifierStore{Store: s, db: db}, nil
}

// verifierFetcher is the outbound fetcher of the verifier and its trust
// list: safehttp, loopback allowed only with --allow-loopback, and the CA
// certificates of caFile instead of the system's when given.
func verifierFetcher(loopback bool, caFile string) (*safehttp.Client, error) {
	var fo []safehttp.Option
	if loopback {
		fo = append(fo, safehttp.WithAllowLoopback())
	}
	if caFile != "" {
		pool, err := readCAPool("ca-file", caFile)
		if err != nil {
			return nil, err
		}
		fo = append(fo, safehttp.WithRootCAs(pool))
	}
	f, err := safehttp.New(fo...)
	if err != nil {
		return nil, fmt.Errorf("fetcher: %w", err)
	}
	return f, nil
}

// verifierTrust returns the trust source: the local file, or the
// consortium's signed list at trustURL, fetched once now so that a wrong
// URL or key stops the start instead of every decision.
func verifierTrust(ctx context.Context, fetcher *safehttp.Client, file, trustURL, keyFile, iss string, refresh time.Duration) (verifier.TrustSource, error) {
	if file != "" {
		b, err := readFile("trust", file)
		if err != nil {
			return nil, err
		}
		tl, err := verifier.ParseTrustList(b)
		if err != nil {
			return nil, fmt.Errorf("--trust %s: %w", file, err)
		}
		return verifier.StaticTrust{List: tl}, nil
	}
	key, err := readPublicKey("trust-issuer-key", keyFile)
	if err != nil {
		return nil, err
	}
	if refresh <= 0 {
		return nil, usagef("--trust-refresh must be positive")
	}
	rt := &verifier.RemoteTrust{URL: trustURL, Key: key, Issuer: iss, Fetcher: fetcher, RefreshAfter: refresh}
	if _, err := rt.TrustList(ctx); err != nil {
		return nil, fmt.Errorf("--trust-url: %w", err)
	}
	return rt, nil
}

// verifierRegisters follows the consortium registers given, read once now
// so that a wrong URL or key stops the start. Nil without registers.
func verifierRegisters(ctx context.Context, fetcher *safehttp.Client, urls, keyFiles []string, refresh time.Duration) (*verifier.RegisterTrust, error) {
	if len(urls) == 0 {
		return nil, nil
	}
	rt := &verifier.RegisterTrust{Fetcher: fetcher, RefreshAfter: refresh}
	for i, u := range urls {
		if !strings.HasPrefix(u, "https://") {
			return nil, usagef("--register %s: an https URL is required", u)
		}
		key, err := readPublicKey("register-key", keyFiles[i])
		if err != nil {
			return nil, err
		}
		rt.Sources = append(rt.Sources, verifier.RegisterSource{URL: u, Keys: []*jose.PublicKey{key}})
	}
	if _, err := rt.TrustList(ctx); err != nil {
		return nil, fmt.Errorf("--register: %w", err)
	}
	return rt, nil
}

// registrationsOf returns rt as the verifier's registrations, or nil.
func registrationsOf(rt *verifier.RegisterTrust) interface {
	Registrations(string) []registry.Registration
} {
	if rt == nil {
		return nil
	}
	return rt
}

// loadProfiles reads profiles and catalogues from dir, or the built-in
// examples when dir is empty.
func loadProfiles(dir string) ([]*profile.Profile, []*profile.Catalogue, error) {
	var fsys fs.FS = profiles.FS
	if dir != "" {
		fsys = os.DirFS(dir)
	}
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, nil, usagef("--profiles: %v", err)
	}
	var ps []*profile.Profile
	var cs []*profile.Catalogue
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !(strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml") || strings.HasSuffix(name, ".json")) {
			continue
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, nil, fmt.Errorf("read %s: %w", name, err)
		}
		if strings.Contains(name, ".catalogue.") {
			c, err := profile.ParseCatalogue(name, b)
			if err != nil {
				return nil, nil, err
			}
			cs = append(cs, c)
			continue
		}
		p, err := profile.Parse(name, b)
		if err != nil {
			return nil, nil, err
		}
		ps = append(ps, p)
	}
	return ps, cs, nil
}

func newVerifierProfileCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "profile", Short: "Validate and show requirement profiles"}
	validate := &cobra.Command{
		Use:   "validate FILE...",
		Short: "Validate profile (or, named *.catalogue.*, catalogue) files; errors name the line",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, a := range args {
				b, err := readFile("file", a)
				if err != nil {
					return err
				}
				if strings.Contains(filepath.Base(a), ".catalogue.") {
					if _, err := profile.ParseCatalogue(a, b); err != nil {
						return err
					}
				} else if _, err := profile.Parse(a, b); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s: ok\n", a)
			}
			return nil
		},
	}
	show := &cobra.Command{
		Use:   "show ID|FILE",
		Short: "Show a profile (built-in id or file) with the claims it asks for and its DCQL query",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var p *profile.Profile
			if b, err := fs.ReadFile(profiles.FS, args[0]+".yaml"); err == nil {
				p, err = profile.Parse(args[0]+".yaml", b)
				if err != nil {
					return err
				}
			} else {
				b, err := readFile("file", args[0])
				if err != nil {
					return err
				}
				if p, err = profile.Parse(args[0], b); err != nil {
					return err
				}
			}
			q, _ := verifier.Query(p)
			return writeJSON(cmd, map[string]any{"profile": p, "needs": p.Needs(), "dcql_query": q})
		},
	}
	schema := &cobra.Command{
		Use: "schema", Short: "Print the requirement profile JSON Schema", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := cmd.OutOrStdout().Write(profile.Schema())
			return err
		},
	}
	cmd.AddCommand(validate, show, schema)
	return cmd
}

// adminCall calls the verifier's admin API, trusting the CA certificates
// of caFile (a verifier serving https with a private or self-signed
// certificate) when given.
func adminCall(cmd *cobra.Command, method, baseURL, tokenFile, caFile, path string, body io.Reader) ([]byte, error) {
	if baseURL == "" || tokenFile == "" {
		return nil, usagef("--url and --admin-token-file are required")
	}
	tok, err := readSecret("admin-token-file", tokenFile)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(cmd.Context(), method, strings.TrimSuffix(baseURL, "/")+path, body)
	if err != nil {
		return nil, usagef("--url: %v", err)
	}
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(tok)))
	req.Header.Set("Content-Type", "application/json")
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if caFile != "" {
		pool, err := readCAPool("ca-file", caFile)
		if err != nil {
			return nil, err
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	client := &http.Client{Transport: tr, Timeout: 70 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("%s %s: HTTP %d: %s", method, path, resp.StatusCode, oneLine(string(b)))
	}
	return b, nil
}

func newVerifierRequestCommand() *cobra.Command {
	var baseURL, tokenFile, caFile, prof, mode, redirect string
	cmd := &cobra.Command{
		Use:   "request",
		Short: "Create an authorization request for a profile; prints transaction_id and the openid4vp:// request_uri",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if prof == "" {
				return usagef("--profile is required")
			}
			in, _ := json.Marshal(map[string]string{"profile": prof, "response_mode": mode, "redirect_uri": redirect})
			b, err := adminCall(cmd, "POST", baseURL, tokenFile, caFile, "/admin/transactions", strings.NewReader(string(in)))
			if err != nil {
				return err
			}
			var r verifier.Request
			if err := json.Unmarshal(b, &r); err != nil {
				return fmt.Errorf("decode answer: %w", err)
			}
			return writeJSON(cmd, map[string]string{"transaction_id": r.TransactionID, "request_uri": r.RequestURI})
		},
	}
	f := cmd.Flags()
	f.StringVar(&baseURL, "url", "", "the verifier's base URL")
	f.StringVar(&tokenFile, "admin-token-file", "", "file holding the admin API bearer token")
	caFileFlag(f, &caFile, "PEM CA certificate to trust for the verifier (a self-signed or private-CA https verifier)")
	f.StringVar(&prof, "profile", "", "profile id")
	f.StringVar(&mode, "response-mode", "", "direct_post or direct_post.jwt (default: the verifier's)")
	f.StringVar(&redirect, "redirect-uri", "", "front-end URL the wallet redirects to with #response_code=…")
	return cmd
}

func newVerifierResultCommand() *cobra.Command {
	var baseURL, tokenFile, caFile, id string
	var wait time.Duration
	cmd := &cobra.Command{
		Use:   "result",
		Short: "Print a transaction's decision as JSON (outcome, requirements, score, gap, learning_plan)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if id == "" {
				return usagef("--transaction is required")
			}
			b, err := adminCall(cmd, "GET", baseURL, tokenFile, caFile, "/admin/transactions/"+id+"?wait="+wait.String(), nil)
			if err != nil {
				return err
			}
			var s verifier.Status
			if err := json.Unmarshal(b, &s); err != nil {
				return fmt.Errorf("decode answer: %w", err)
			}
			if s.Decision == nil {
				return fmt.Errorf("transaction %s is %s: %w", id, s.Status, verifier.ErrPending)
			}
			return writeJSON(cmd, s.Decision)
		},
	}
	f := cmd.Flags()
	f.StringVar(&baseURL, "url", "", "the verifier's base URL")
	f.StringVar(&tokenFile, "admin-token-file", "", "file holding the admin API bearer token")
	caFileFlag(f, &caFile, "PEM CA certificate to trust for the verifier (a self-signed or private-CA https verifier)")
	f.StringVar(&id, "transaction", "", "transaction id")
	f.DurationVar(&wait, "wait", 0, "wait up to this long for the decision (at most 55s)")
	return cmd
}
