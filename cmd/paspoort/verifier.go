package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/loopbrug/paspoort/credentials/oid4vp"
	"github.com/loopbrug/paspoort/credentials/profile"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/kv"
	"github.com/loopbrug/paspoort/verifier"
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
	cmd.AddCommand(newVerifierServeCommand(), newVerifierProfileCommand(), newVerifierRequestCommand(), newVerifierResultCommand())
	return cmd
}

func newVerifierServeCommand() *cobra.Command {
	var data, listen, baseURL, tokenFile, profDir, trustFile, mode, prefix, uriMethod string
	var loopback bool
	var retention time.Duration
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the verifier",
		Long: "Serve the verifier on --listen with its public URL --url. State (badger, records sealed with a\n" +
			"key kept in DIR/verifier.key) and the signing key (DIR/signing.jwk) live in --data. Without\n" +
			"--profiles the built-in example profiles and catalogues are served; a profiles folder holds\n" +
			"<id>.yaml profiles and <id>.catalogue.yaml catalogues. --trust is a JSON trust list\n" +
			"{\"issuers\": [{\"id\": \"did:web:…\", \"types\": [\"skill\", …]}]}.\n\n" +
			"In production the verifier is the OpenID4VP client \"decentralized_identifier:<did:web of --url>\"\n" +
			"and signs its request objects; --url must then be https. For development on plain\n" +
			"http://127.0.0.1 use --client-id-prefix redirect_uri --allow-loopback: request objects are\n" +
			"unsigned, and only wallets told to accept such requests will answer.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if data == "" || listen == "" || baseURL == "" || tokenFile == "" || trustFile == "" {
				return usagef("--data, --listen, --url, --admin-token-file and --trust are required")
			}
			tok, err := readFile("admin-token-file", tokenFile)
			if err != nil {
				return err
			}
			tb, err := readFile("trust", trustFile)
			if err != nil {
				return err
			}
			tl, err := verifier.ParseTrustList(tb)
			if err != nil {
				return fmt.Errorf("--trust %s: %w", trustFile, err)
			}
			ps, cs, err := loadProfiles(profDir)
			if err != nil {
				return err
			}
			if err := os.MkdirAll(data, 0o700); err != nil {
				return fmt.Errorf("--data: %w", err)
			}
			sealKey, err := secretFile(filepath.Join(data, "verifier.key"), func() ([]byte, error) {
				b := make([]byte, 32)
				_, err := rand.Read(b)
				return b, err
			})
			if err != nil {
				return err
			}
			keyJSON, err := secretFile(filepath.Join(data, "signing.jwk"), func() ([]byte, error) {
				k, err := jose.GenerateKey(jose.ES256)
				if err != nil {
					return nil, err
				}
				return json.Marshal(k)
			})
			if err != nil {
				return err
			}
			key, err := jose.ParsePrivateKey(keyJSON)
			if err != nil {
				return fmt.Errorf("signing key: %w", err)
			}
			log := slog.New(slog.NewJSONHandler(cmd.ErrOrStderr(), nil))
			db, err := kv.Open(kv.Options{Dir: filepath.Join(data, "db"), Logger: log})
			if err != nil {
				return fmt.Errorf("open store: %w", err)
			}
			defer db.Close()
			store, err := verifier.NewBadgerStore(db, sealKey)
			if err != nil {
				return err
			}
			opts := []verifier.Option{verifier.WithLogger(log)}
			if loopback {
				opts = append(opts, verifier.WithAllowLoopback())
			}
			v, err := verifier.New(store, verifier.Config{
				BaseURL: baseURL, SigningKey: key, Profiles: ps, Catalogues: cs,
				Trust: verifier.StaticTrust{List: tl}, AdminToken: strings.TrimSpace(string(tok)),
				Retention: retention, ResponseMode: mode, ClientIDPrefix: prefix, RequestURIMethod: uriMethod,
			}, opts...)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			go func() { _ = db.Run(ctx) }()
			srv := &http.Server{Addr: listen, Handler: v.Handler(), ReadHeaderTimeout: 5 * time.Second,
				ReadTimeout: 30 * time.Second, WriteTimeout: 90 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10}
			errc := make(chan error, 1)
			go func() { errc <- srv.ListenAndServe() }()
			log.Info("verifier listening", "listen", listen, "url", baseURL, "did", v.DID(), "profiles", len(ps))
			select {
			case err := <-errc:
				return fmt.Errorf("serve: %w", err)
			case <-ctx.Done():
			}
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			return srv.Shutdown(sctx)
		},
	}
	f := cmd.Flags()
	f.StringVar(&data, "data", "", "data folder (badger store, keys)")
	f.StringVar(&listen, "listen", "", "listen address HOST:PORT")
	f.StringVar(&baseURL, "url", "", "public base URL (its did:web is the client_id)")
	f.StringVar(&tokenFile, "admin-token-file", "", "file holding the admin API bearer token (16+ characters)")
	f.StringVar(&profDir, "profiles", "", "folder of profiles (<id>.yaml) and catalogues (<id>.catalogue.yaml); default: the built-in examples")
	f.StringVar(&trustFile, "trust", "", "JSON trust list file")
	f.BoolVar(&loopback, "allow-loopback", false, "allow did:web and fetches on 127.0.0.1/localhost (development)")
	f.DurationVar(&retention, "retention", 30*24*time.Hour, "how long decisions are kept")
	f.StringVar(&mode, "response-mode", oid4vp.ResponseModeDirectPostJWT, "default response mode: direct_post or direct_post.jwt")
	f.StringVar(&prefix, "client-id-prefix", oid4vp.PrefixDecentralizedIdentifier,
		"client_id prefix: decentralized_identifier (did:web of --url, signed requests) or redirect_uri (development: unsigned requests, plain http on 127.0.0.1 with --allow-loopback)")
	f.StringVar(&uriMethod, "request-uri-method", oid4vp.RequestURIMethodPost, "request_uri_method of the openid4vp:// links: post (wallet_nonce) or get")
	return cmd
}

// secretFile reads a secret file, creating it with gen (mode 0600) when
// it does not exist.
func secretFile(path string, gen func() ([]byte, error)) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		return b, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if b, err = gen(); err != nil {
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return b, nil
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

// adminCall calls the verifier's admin API.
func adminCall(cmd *cobra.Command, method, baseURL, tokenFile, path string, body io.Reader) ([]byte, error) {
	if baseURL == "" || tokenFile == "" {
		return nil, usagef("--url and --admin-token-file are required")
	}
	tok, err := readFile("admin-token-file", tokenFile)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(cmd.Context(), method, strings.TrimSuffix(baseURL, "/")+path, body)
	if err != nil {
		return nil, usagef("--url: %v", err)
	}
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(tok)))
	req.Header.Set("Content-Type", "application/json")
	client := &http.Client{Timeout: 70 * time.Second}
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
	var baseURL, tokenFile, prof, mode, redirect string
	cmd := &cobra.Command{
		Use:   "request",
		Short: "Create an authorization request for a profile; prints transaction_id and the openid4vp:// request_uri",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if prof == "" {
				return usagef("--profile is required")
			}
			in, _ := json.Marshal(map[string]string{"profile": prof, "response_mode": mode, "redirect_uri": redirect})
			b, err := adminCall(cmd, "POST", baseURL, tokenFile, "/admin/transactions", strings.NewReader(string(in)))
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
	f.StringVar(&prof, "profile", "", "profile id")
	f.StringVar(&mode, "response-mode", "", "direct_post or direct_post.jwt (default: the verifier's)")
	f.StringVar(&redirect, "redirect-uri", "", "front-end URL the wallet redirects to with #response_code=…")
	return cmd
}

func newVerifierResultCommand() *cobra.Command {
	var baseURL, tokenFile, id string
	var wait time.Duration
	cmd := &cobra.Command{
		Use:   "result",
		Short: "Print a transaction's decision as JSON (outcome, requirements, score, gap, learning_plan)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if id == "" {
				return usagef("--transaction is required")
			}
			b, err := adminCall(cmd, "GET", baseURL, tokenFile, "/admin/transactions/"+id+"?wait="+wait.String(), nil)
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
	f.StringVar(&id, "transaction", "", "transaction id")
	f.DurationVar(&wait, "wait", 0, "wait up to this long for the decision (at most 55s)")
	return cmd
}
