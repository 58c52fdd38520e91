package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/pki"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/issuer"
	issuerpg "github.com/loopbrug/paspoort/issuer/pgstore"
)

func newIssuerCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "issuer",
		Short: "Run a credential issuer (OpenID4VCI 1.0) and drive its admin API",
		Long: "An assessment provider, employer or school runs \"paspoort issuer serve\" to issue PPP\n" +
			"credentials (SD-JWT VC) to any OpenID4VCI 1.0 wallet, and uses \"offer\" and \"revoke\" to\n" +
			"create credential offers and revoke issued credentials through the issuer's admin API.",
	}
	cmd.AddCommand(newIssuerServeCommand(), newIssuerOfferCommand(),
		newIssuerStatusCommand("revoke", "Revoke an issued credential (final)"),
		newIssuerStatusCommand("suspend", "Suspend an issued credential"),
		newIssuerStatusCommand("reinstate", "Reinstate a suspended credential"),
		newIssuerListCommand(), newIssuerRotateKeyCommand(), newIssuerKeyCommand(), newIssuerBenchCommand(), newMigrateCommand("issuer"))
	return cmd
}

// issuerFileConfig is the --config file (YAML or JSON). Flags override it,
// the environment (PASPOORT_ISSUER_*) overrides nothing a flag sets.
type issuerFileConfig struct {
	URL               string            `yaml:"url"`
	Listen            string            `yaml:"listen"`
	Data              string            `yaml:"data"`
	AdminTokenFile    string            `yaml:"admin_token_file"`
	MasterKeyFile     string            `yaml:"master_key_file"`
	TLSCert           string            `yaml:"tls_cert"`
	TLSKey            string            `yaml:"tls_key"`
	Name              map[string]string `yaml:"name"`
	Types             []string          `yaml:"types"`
	SigningAlg        string            `yaml:"signing_alg"`
	TxCodeLength      int               `yaml:"tx_code_length"`
	MaxTxCodeAttempts int               `yaml:"max_tx_code_attempts"`
	BatchSize         int               `yaml:"batch_size"`
	OfferTTL          time.Duration     `yaml:"offer_ttl"`
	CredentialTTL     time.Duration     `yaml:"credential_ttl"`
	StatusListTTL     time.Duration     `yaml:"status_list_ttl"`
	AllowLoopback     bool              `yaml:"allow_loopback"`
	X5CChain          string            `yaml:"x5c_chain"`
	RequireDPoP       bool              `yaml:"require_dpop"`
	// ClientAttestationAnchors is a PEM file of wallet-provider anchors.
	ClientAttestationAnchors string `yaml:"client_attestation_anchors"`
	RequireClientAttestation bool   `yaml:"require_client_attestation"`
	RequireKeyAttestation    bool   `yaml:"require_key_attestation"`
	LogLevel                 string `yaml:"log_level"`
	// Store is a postgres:// URL: the database the replicas share.
	Store          string        `yaml:"store"`
	DBMaxConns     int           `yaml:"db_max_conns"`
	DBMinConns     int           `yaml:"db_min_conns"`
	DBConnLifetime time.Duration `yaml:"db_conn_lifetime"`

	db storeFlags // the --store and --db-* flags, merged with the above
}

func newIssuerServeCommand() *cobra.Command {
	var fc issuerFileConfig
	var configFile, name string
	cmd := &cobra.Command{
		Use:   "serve --data DIR --listen HOST:PORT --url BASE_URL --admin-token-file FILE [--config FILE] [--allow-loopback]",
		Short: "Serve the issuer until SIGTERM",
		Long: "Serve the issuer on --listen. --url is the public base URL and Credential Issuer Identifier\n" +
			"(https; its did:web DID is derived from it). State lives in a badger store in --data,\n" +
			"encrypted at rest with a key derived from the master key file (--master-key-file, default\n" +
			"DATA/master.key, created on first start; keep a copy apart from the data). The admin API\n" +
			"token is read from --admin-token-file, which is created with a random token (printed once\n" +
			"on standard error) when it does not exist.\n\n" +
			"With --tls-cert and --tls-key the server speaks TLS itself; without them it serves plain\n" +
			"HTTP for a TLS-terminating proxy in front. Settings come from --config (YAML), then the\n" +
			"environment (PASPOORT_ISSUER_URL, _LISTEN, _DATA, _ADMIN_TOKEN_FILE, _MASTER_KEY_FILE), then\n" +
			"flags. Logs are JSON on standard error and never carry tokens, codes, keys or claims.\n\n" +
			"Several replicas share state in a PostgreSQL (or CockroachDB) database given with --store\n" +
			"postgres://… (config: store; environment PASPOORT_ISSUER_STORE), each with the same master key\n" +
			"file and admin token; their tables are created or upgraded at start (or by \"issuer migrate\").\n" +
			"With --store and --master-key-file, --data is not needed. /readyz answers 503 while the\n" +
			"database does not.\n\n" +
			"Endpoints: /.well-known/openid-credential-issuer, /.well-known/oauth-authorization-server,\n" +
			"/.well-known/jwt-vc-issuer, /.well-known/did.json, /par, /authorize, /token, /nonce,\n" +
			"/credential, /offers/{id}, /status/{n}, /healthz, /readyz, /metrics, and the admin API under\n" +
			"/admin.\n\n" +
			"HAIP: offers made with \"issuer offer --grant authorization_code\" use the authorization code\n" +
			"flow with PKCE (S256) and pushed authorization requests (always required); the holder confirms\n" +
			"on the issuer's page, with the offer's transaction code when it has one. --require-dpop (config:\n" +
			"require_dpop) refuses token requests without a DPoP proof, in both flows, so that every access\n" +
			"token is DPoP-bound (HAIP 1.0 §4). Without it DPoP is honoured when a wallet sends it.\n" +
			"--client-attestation-anchors (PEM, the wallet providers' trust anchors) verifies wallet\n" +
			"attestations (OAuth-Client-Attestation and -PoP headers) at /par and /token;\n" +
			"--require-client-attestation refuses requests without one. --require-key-attestation refuses\n" +
			"credential requests whose keys a wallet provider under the same anchors has not attested.\n\n" +
			"HAIP: with --x5c-chain (PEM, leaf first, without the anchor) every credential is signed with an\n" +
			"x5c header carrying the chain. The leaf must certify the issuer's current signing key (get it with\n" +
			"\"paspoort issuer key\", certify it with \"paspoort pki issue --key\") and name --url as a URI or\n" +
			"its host as a DNS name; otherwise the issuer does not start. While a chain is set, rotate-key is\n" +
			"refused: the chain certifies the current key only.",
		Example: "  paspoort issuer serve --data ./issuer-data --listen :8443 --url https://assess.example.nl \\\n" +
			"    --admin-token-file ./admin.token --tls-cert cert.pem --tls-key key.pem --name \"Assessment BV\"",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if configFile != "" {
				b, err := readFile("config", configFile)
				if err != nil {
					return err
				}
				var file issuerFileConfig
				dec := yaml.NewDecoder(bytes.NewReader(b))
				dec.KnownFields(true)
				if err := dec.Decode(&file); err != nil {
					return usagef("--config %s: %v", configFile, err)
				}
				mergeIssuerConfig(&fc, file, cmd)
			}
			for flag, env := range map[string]*string{"url": &fc.URL, "listen": &fc.Listen, "data": &fc.Data, "admin-token-file": &fc.AdminTokenFile, "master-key-file": &fc.MasterKeyFile, "store": &fc.db.Store} {
				if v := os.Getenv("PASPOORT_ISSUER_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))); v != "" && !cmd.Flags().Changed(flag) && *env == "" {
					*env = v
				}
			}
			if name != "" {
				fc.Name = map[string]string{"nl": name, "en": name}
			}
			return serveIssuer(cmd, fc)
		},
	}
	f := cmd.Flags()
	f.StringVar(&configFile, "config", "", "YAML configuration file (url, listen, data, name: {nl, en}, types, …)")
	f.StringVar(&fc.Data, "data", "", "data folder (badger store)")
	f.StringVar(&fc.Listen, "listen", "", "listen address HOST:PORT")
	f.StringVar(&fc.URL, "url", "", "public base URL: the Credential Issuer Identifier")
	f.StringVar(&fc.AdminTokenFile, "admin-token-file", "", "file holding the admin API bearer token (created when missing)")
	f.StringVar(&fc.MasterKeyFile, "master-key-file", "", "file holding the 32-byte master key (default DATA/master.key, created when missing)")
	f.StringVar(&fc.TLSCert, "tls-cert", "", "TLS certificate (PEM) to serve https directly")
	f.StringVar(&fc.TLSKey, "tls-key", "", "TLS private key (PEM)")
	f.StringVar(&name, "name", "", "issuer display name (nl and en); default: the URL's host")
	f.StringSliceVar(&fc.Types, "types", nil, "PPP types to offer (default: all)")
	f.BoolVar(&fc.AllowLoopback, "allow-loopback", false, "allow a loopback --url such as https://127.0.0.1:8443 (development)")
	f.StringVar(&fc.X5CChain, "x5c-chain", "", "PEM certificate chain of the signing key, leaf first (HAIP x5c; paspoort pki issue --key)")
	f.BoolVar(&fc.RequireDPoP, "require-dpop", false, "refuse token requests without a DPoP proof: every access token DPoP-bound (HAIP)")
	f.StringVar(&fc.ClientAttestationAnchors, "client-attestation-anchors", "", "PEM file of the wallet providers' trust anchors (client attestation, HAIP)")
	f.BoolVar(&fc.RequireClientAttestation, "require-client-attestation", false, "refuse PAR and token requests without a wallet attestation (needs --client-attestation-anchors)")
	f.BoolVar(&fc.RequireKeyAttestation, "require-key-attestation", false, "refuse credential requests without a key attestation (needs --client-attestation-anchors)")
	f.StringVar(&fc.LogLevel, "log-level", "info", "debug, info, warn or error")
	addStoreFlags(f, &fc.db, "issuer")
	return cmd
}

// mergeIssuerConfig fills what flags did not set from the config file.
func mergeIssuerConfig(fc *issuerFileConfig, file issuerFileConfig, cmd *cobra.Command) {
	set := func(flag string, dst *string, v string) {
		if !cmd.Flags().Changed(flag) && v != "" {
			*dst = v
		}
	}
	set("url", &fc.URL, file.URL)
	set("listen", &fc.Listen, file.Listen)
	set("data", &fc.Data, file.Data)
	set("admin-token-file", &fc.AdminTokenFile, file.AdminTokenFile)
	set("master-key-file", &fc.MasterKeyFile, file.MasterKeyFile)
	set("tls-cert", &fc.TLSCert, file.TLSCert)
	set("tls-key", &fc.TLSKey, file.TLSKey)
	set("log-level", &fc.LogLevel, file.LogLevel)
	set("x5c-chain", &fc.X5CChain, file.X5CChain)
	if !cmd.Flags().Changed("types") && len(file.Types) > 0 {
		fc.Types = file.Types
	}
	set("store", &fc.db.Store, file.Store)
	if !cmd.Flags().Changed("db-max-conns") && file.DBMaxConns != 0 {
		fc.db.MaxConns = file.DBMaxConns
	}
	if !cmd.Flags().Changed("db-min-conns") && file.DBMinConns != 0 {
		fc.db.MinConns = file.DBMinConns
	}
	if !cmd.Flags().Changed("db-conn-lifetime") && file.DBConnLifetime != 0 {
		fc.db.ConnLifetime = file.DBConnLifetime
	}
	if !cmd.Flags().Changed("require-dpop") && file.RequireDPoP {
		fc.RequireDPoP = true
	}
	if !cmd.Flags().Changed("require-client-attestation") && file.RequireClientAttestation {
		fc.RequireClientAttestation = true
	}
	if !cmd.Flags().Changed("require-key-attestation") && file.RequireKeyAttestation {
		fc.RequireKeyAttestation = true
	}
	set("client-attestation-anchors", &fc.ClientAttestationAnchors, file.ClientAttestationAnchors)
	if !cmd.Flags().Changed("allow-loopback") && file.AllowLoopback {
		fc.AllowLoopback = true
	}
	fc.Name = file.Name
	fc.SigningAlg, fc.TxCodeLength, fc.MaxTxCodeAttempts, fc.BatchSize = file.SigningAlg, file.TxCodeLength, file.MaxTxCodeAttempts, file.BatchSize
	fc.OfferTTL, fc.CredentialTTL, fc.StatusListTTL = file.OfferTTL, file.CredentialTTL, file.StatusListTTL
}

func serveIssuer(cmd *cobra.Command, fc issuerFileConfig) (err error) {
	if fc.Listen == "" || fc.URL == "" || fc.AdminTokenFile == "" || fc.Data == "" && !(fc.db.postgres() && fc.MasterKeyFile != "") {
		return usagef("--data, --listen, --url and --admin-token-file are required (with --store and --master-key-file, --data is not)")
	}
	if (fc.TLSCert == "") != (fc.TLSKey == "") {
		return usagef("--tls-cert and --tls-key go together")
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(fc.LogLevel)); err != nil {
		return usagef("--log-level: %v", err)
	}
	log := slog.New(slog.NewJSONHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: level}))
	if fc.Data != "" {
		if err := os.MkdirAll(fc.Data, 0o700); err != nil {
			return fmt.Errorf("--data: %w", err)
		}
	}
	token, created, err := secretFile(fc.AdminTokenFile, func() ([]byte, error) { return []byte(randomText(32) + "\n"), nil })
	if err != nil {
		return err
	}
	if created {
		fmt.Fprintf(cmd.ErrOrStderr(), "paspoort: created admin token in %s: %s\n", fc.AdminTokenFile, strings.TrimSpace(string(token)))
	}
	if fc.MasterKeyFile == "" {
		fc.MasterKeyFile = filepath.Join(fc.Data, "master.key")
	}
	masterKey, err := issuerMasterKey(fc.MasterKeyFile)
	if err != nil {
		return err
	}
	cfg := issuer.Config{
		URL: fc.URL, Name: fc.Name, Types: fc.Types, AdminToken: strings.TrimSpace(string(token)),
		TxCodeLength: fc.TxCodeLength, MaxTxCodeAttempts: fc.MaxTxCodeAttempts, BatchSize: fc.BatchSize,
		OfferTTL: fc.OfferTTL, CredentialTTL: fc.CredentialTTL, StatusListTTL: fc.StatusListTTL, AllowLoopback: fc.AllowLoopback,
		RequireDPoP: fc.RequireDPoP, RequireClientAttestation: fc.RequireClientAttestation, RequireKeyAttestation: fc.RequireKeyAttestation,
	}
	if fc.RequireKeyAttestation && fc.ClientAttestationAnchors == "" {
		return usagef("--require-key-attestation needs --client-attestation-anchors (PEM, the wallet providers' trust anchors)")
	}
	if fc.RequireClientAttestation && fc.ClientAttestationAnchors == "" {
		return usagef("--require-client-attestation needs --client-attestation-anchors (PEM, the wallet providers' trust anchors)")
	}
	if fc.ClientAttestationAnchors != "" {
		b, err := readFile("client-attestation-anchors", fc.ClientAttestationAnchors)
		if err != nil {
			return err
		}
		if cfg.ClientAttestationAnchors, err = pki.ParseAnchorsPEM(b); err != nil {
			return tell(err, fmt.Sprintf("--client-attestation-anchors %s bevat geen PEM-certificaten van vertrouwensankers.", fc.ClientAttestationAnchors),
				fmt.Sprintf("--client-attestation-anchors %s holds no PEM trust anchor certificates.", fc.ClientAttestationAnchors))
		}
	}
	if fc.SigningAlg != "" {
		if cfg.SigningAlg, err = jose.ParseAlg(fc.SigningAlg); err != nil {
			return usagef("signing_alg: %v", err)
		}
	}
	if len(cfg.Name) == 0 {
		host := strings.TrimPrefix(fc.URL, "https://")
		cfg.Name = map[string]string{"nl": host, "en": host}
	}
	if fc.X5CChain != "" {
		b, err := readFile("x5c-chain", fc.X5CChain)
		if err != nil {
			return err
		}
		if cfg.X5CChain, err = pki.ParseChainPEM(b); err != nil {
			return tell(err, fmt.Sprintf("--x5c-chain %s is geen PEM-certificaatketen (blad eerst, zoals 'paspoort pki issue' schrijft).", fc.X5CChain),
				fmt.Sprintf("--x5c-chain %s is not a PEM certificate chain (leaf first, as 'paspoort pki issue' writes it).", fc.X5CChain))
		}
	}
	if fc.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(fc.TLSCert, fc.TLSKey)
		if err != nil {
			return fmt.Errorf("--tls-cert/--tls-key: %w", err)
		}
		cfg.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	ctx, stop := signalContext(cmd.Context(), cmd.ErrOrStderr())
	defer stop()
	store, err := openIssuerStore(ctx, fc, masterKey, log)
	if err != nil {
		return err
	}
	defer func() { err = closeStore(err, store) }()
	is, err := issuer.New(ctx, store, cfg, issuer.WithLogger(log))
	if err != nil {
		return chainError(err, fc)
	}
	ln, err := net.Listen("tcp", fc.Listen)
	if err != nil {
		return fmt.Errorf("--listen: %w", err)
	}
	go func() { _ = store.Run(ctx) }()
	log.Info("issuer listening", "listen", ln.Addr().String(), "url", fc.URL, "did", is.DID(), "tls", cfg.TLS != nil, "require_dpop", cfg.RequireDPoP)
	if err := is.Serve(ctx, ln); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	log.Info("issuer stopped")
	return nil
}

// chainError explains an --x5c-chain the issuer refused to start with, and
// the commands that fix it; other errors pass unchanged.
func chainError(err error, fc issuerFileConfig) error {
	data := "--data " + fc.Data
	if fc.db.postgres() {
		data = "--store … --master-key-file " + fc.MasterKeyFile
	}
	fix := fmt.Sprintf("'paspoort issuer key %s --out issuer-key.jwk', then 'paspoort pki issue --dir PKI --uri %s --key issuer-key.jwk --out issuer' and --x5c-chain issuer.chain.pem", data, fc.URL)
	switch {
	case errors.Is(err, issuer.ErrChainKeyMismatch):
		return tell(err, "het blad van --x5c-chain certificeert een andere sleutel dan waarmee de issuer ondertekent; de issuer is niet gestart. Certificeer de huidige sleutel: "+fix+".",
			"the leaf of --x5c-chain certifies another key than the issuer signs with; the issuer did not start. Certify the current key: "+fix+".")
	case errors.Is(err, pki.ErrNameMismatch):
		return tell(err, "het blad van --x5c-chain noemt --url niet (als URI, of de host als DNS-naam); de issuer is niet gestart. Certificeer opnieuw: "+fix+".",
			"the leaf of --x5c-chain does not name --url (as a URI, or its host as a DNS name); the issuer did not start. Certify again: "+fix+".")
	case errors.Is(err, pki.ErrExpired), errors.Is(err, pki.ErrNotYetValid), errors.Is(err, pki.ErrUntrusted), errors.Is(err, pki.ErrTooManyCertificates):
		return tell(err, "--x5c-chain is verlopen, nog niet geldig of geen keten (blad eerst, elk certificaat ondertekend door het volgende); de issuer is niet gestart.",
			"--x5c-chain is expired, not yet valid or not a chain (leaf first, each certificate signed by the next); the issuer did not start.")
	}
	return err
}

// issuerMasterKey reads the master key file, creating it with a random
// key when it does not exist.
func issuerMasterKey(path string) ([]byte, error) {
	mk, _, err := secretFile(path, func() ([]byte, error) {
		return []byte(base64.StdEncoding.EncodeToString(randomBytes(32)) + "\n"), nil
	})
	if err != nil {
		return nil, err
	}
	masterKey, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(mk)))
	if err != nil || len(masterKey) != 32 {
		return nil, fmt.Errorf("%s: want 32 bytes in base64: %w", path, credentials.ErrFormat)
	}
	return masterKey, nil
}

// newIssuerKeyCommand prints the issuer's current public signing key, for
// "paspoort pki issue --key".
func newIssuerKeyCommand() *cobra.Command {
	var fc issuerFileConfig
	var out, alg string
	cmd := &cobra.Command{
		Use:   "key --data DIR [--out FILE]",
		Short: "Write the issuer's current public signing key (JWK), to certify it with 'paspoort pki issue --key'",
		Long: "Read the store of a stopped issuer (--data, or --store with --master-key-file) and write the\n" +
			"public JWK of the key it signs with to --out (default: standard output). A new store gets its\n" +
			"first signing key now, as \"issuer serve\" would make it. Only the public key is written.\n" +
			"Certify it with 'paspoort pki issue --key FILE' and start the issuer with --x5c-chain.",
		Example: "  paspoort issuer key --data ./issuer-data --out issuer-key.jwk\n" +
			"  paspoort pki issue --dir dev-pki --uri https://assess.example.nl --key issuer-key.jwk --out assess",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) (err error) {
			if fc.Data == "" && !(fc.db.postgres() && fc.MasterKeyFile != "") {
				return usagef("--data is required (with --store, --master-key-file is)")
			}
			a := jose.ES256
			if alg != "" {
				if a, err = jose.ParseAlg(alg); err != nil {
					return usagef("--alg: %v", err)
				}
			}
			if fc.Data != "" {
				if err := os.MkdirAll(fc.Data, 0o700); err != nil {
					return fmt.Errorf("--data: %w", err)
				}
			}
			if fc.MasterKeyFile == "" {
				fc.MasterKeyFile = filepath.Join(fc.Data, "master.key")
			}
			masterKey, err := issuerMasterKey(fc.MasterKeyFile)
			if err != nil {
				return err
			}
			log := slog.New(slog.DiscardHandler)
			store, err := openIssuerStore(cmd.Context(), fc, masterKey, log)
			if err != nil {
				return err
			}
			defer func() { err = closeStore(err, store) }()
			k, err := issuer.CurrentKey(cmd.Context(), store, a)
			if err != nil {
				return err
			}
			return writePublicJWK(cmd, k, out)
		},
	}
	f := cmd.Flags()
	f.StringVar(&fc.Data, "data", "", "the issuer's data folder (badger store)")
	f.StringVar(&fc.MasterKeyFile, "master-key-file", "", "file holding the master key (default DATA/master.key)")
	f.StringVar(&out, "out", "", "write the JWK to this new file instead of standard output")
	f.StringVar(&alg, "alg", "", "algorithm of a first key, when the store has none (default ES256, as serve)")
	addStoreFlags(f, &fc.db, "issuer")
	return cmd
}

// issuerStore is a Store that also has chores to run (garbage
// collection, purges) until the server stops.
type issuerStore interface {
	issuer.Store
	Run(ctx context.Context) error
}

// openIssuerStore opens the database of --store, its tables migrated, or
// else the badger store in --data.
func openIssuerStore(ctx context.Context, fc issuerFileConfig, masterKey []byte, log *slog.Logger) (issuerStore, error) {
	if !fc.db.postgres() {
		return issuer.OpenBadgerStore(filepath.Join(fc.Data, "db"), masterKey, log)
	}
	db, err := fc.db.open(ctx)
	if err != nil {
		return nil, err
	}
	s, err := issuerpg.Open(ctx, db, masterKey, issuerpg.WithLogger(log))
	if err != nil {
		db.Close()
		return nil, schemaError(err, "issuer")
	}
	log.Info("issuer store", "database", db.String())
	return s, nil
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

func randomText(n int) string { return base64.RawURLEncoding.EncodeToString(randomBytes(n)) }

// adminClient calls an issuer's admin API.
type adminClient struct {
	base, token string
	hc          *http.Client
}

// addAdminFlags adds --url, --admin-token-file and --ca-file.
func addAdminFlags(cmd *cobra.Command, base, tokenFile, caFile *string) {
	f := cmd.Flags()
	f.StringVar(base, "url", "", "the issuer's base URL")
	f.StringVar(tokenFile, "admin-token-file", "", "file holding the admin API bearer token")
	caFileFlag(f, caFile, "PEM CA certificate to trust for the issuer (a self-signed development issuer, DATA/tls/ca.pem of paspoort dev)")
}

func newAdminClient(base, tokenFile, caFile string) (*adminClient, error) {
	if base == "" || tokenFile == "" {
		return nil, usagef("--url and --admin-token-file are required")
	}
	tok, err := readSecret("admin-token-file", tokenFile)
	if err != nil {
		return nil, err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if caFile != "" {
		pool, err := readCAPool("ca-file", caFile)
		if err != nil {
			return nil, err
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &adminClient{base: strings.TrimSuffix(base, "/"), token: strings.TrimSpace(string(tok)), hc: &http.Client{Transport: tr, Timeout: 10 * time.Minute}}, nil
}

// call sends a request to the admin API; a non-2xx status becomes an error
// carrying the API's message and field errors.
func (a *adminClient) call(ctx context.Context, method, path, contentType string, body io.Reader) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, a.base+"/admin"+path, body)
	if err != nil {
		return nil, usagef("--url: %v", err)
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := a.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %s %s: %v", credentials.ErrFetch, method, path, err)
	}
	if resp.StatusCode/100 == 2 {
		return resp, nil
	}
	defer resp.Body.Close()
	var ae issuer.AdminError
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if json.Unmarshal(b, &ae) != nil || ae.Error == "" {
		return nil, fmt.Errorf("%s %s: HTTP %d", method, path, resp.StatusCode)
	}
	msg := ae.Error
	if ae.Message != "" {
		msg += ": " + ae.Message
	}
	for _, f := range ae.Fields {
		msg += fmt.Sprintf("; %s %q: %s", f.Type, f.Pointer, f.Reason)
	}
	if resp.StatusCode == http.StatusBadRequest {
		return nil, fmt.Errorf("%w: %s", credentials.ErrFormat, msg)
	}
	return nil, fmt.Errorf("%s %s: HTTP %d: %s", method, path, resp.StatusCode, msg)
}

func (a *adminClient) callJSON(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	ct := ""
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body, ct = bytes.NewReader(b), "application/json"
	}
	resp, err := a.call(ctx, method, path, ct, body)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(io.LimitReader(resp.Body, 16<<20)).Decode(out); err != nil {
		return fmt.Errorf("%s %s: decode response: %w", method, path, err)
	}
	return nil
}
