package main

import (
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/loopbrug/paspoort/wallet"
)

// defaultWalletListen is where wallet serve listens by default.
const defaultWalletListen = "127.0.0.1:8480"

// loopbackListen reports whether the host of a listen address is a loopback
// address or "localhost".
func loopbackListen(listen string) (string, bool, error) {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return "", false, usagef("--listen %q: %v", listen, err)
	}
	if strings.EqualFold(host, "localhost") {
		return host, true, nil
	}
	ip := net.ParseIP(host)
	return host, ip != nil && ip.IsLoopback(), nil
}

func newWalletServeCommand(f *walletFlags) *cobra.Command {
	var listen string
	var public, secure bool
	var idle time.Duration
	var hosts []string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the wallet's HTTP API for the web wallet (localhost only by default)",
		Long: "Serve the wallet's JSON API on --listen (default " + defaultWalletListen + "). The wallet starts locked; a\n" +
			"browser unlocks it with the passphrase (POST /api/unlock) and gets an HttpOnly, SameSite=Strict\n" +
			"session cookie and a CSRF token for the X-CSRF-Token header; the wallet locks itself again\n" +
			"after --idle-timeout without a request. After 3 wrong passphrases every next try waits (1 s,\n" +
			"doubling up to 5 min); you, the owner, get in at once by sending the one-time owner code this\n" +
			"terminal shows (\"Eigenaarscode\", a new one after each use) as owner_code with the passphrase.\n" +
			"Only loopback addresses are accepted for --listen unless\n" +
			"--listen-public-unsafe is given: the API holds your credentials and keys. Logs (JSON, standard\n" +
			"error) name routes and ids only, never passphrases, tokens or claim values.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) (err error) {
			host, loopback, err := loopbackListen(listen)
			if err != nil {
				return err
			}
			if !loopback && !public {
				return usagef("--listen %q is not a loopback address: the wallet API is for this machine only (--listen-public-unsafe to override)", listen)
			}
			dir, err := f.folder()
			if err != nil {
				return err
			}
			opts, err := f.options()
			if err != nil {
				return err
			}
			log := slog.New(slog.NewJSONHandler(cmd.ErrOrStderr(), nil))
			st, err := wallet.OpenStore(dir, false, log)
			if err != nil {
				return err
			}
			defer func() { err = closeStore(err, st) }()
			out := cmd.OutOrStdout()
			cfg := wallet.ServerConfig{IdleTimeout: idle, SecureCookie: secure, Logger: log,
				WalletOptions: append(opts, wallet.WithLogger(log)),
				// The owner's way past the unlock backoff: a one-time code
				// on this terminal only, never in the log.
				OwnerCode: func(code string) {
					fmt.Fprintf(out, "Eigenaarscode (eenmalig): %s\n", code)
				}}
			if len(hosts) > 0 || !loopback {
				cfg.AllowedHosts = append([]string{"localhost", "127.0.0.1", "::1"}, hosts...)
				if ip := net.ParseIP(host); host != "" && (ip == nil || !ip.IsUnspecified()) {
					cfg.AllowedHosts = append(cfg.AllowedHosts, host)
				}
			}
			ctx, stop := signalContext(cmd.Context(), cmd.ErrOrStderr())
			defer stop()
			srv, err := wallet.NewServer(ctx, st, cfg)
			if err != nil {
				return err
			}
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return fmt.Errorf("listen: %w", err)
			}
			if !loopback {
				log.Warn("wallet API listening on a non-loopback address", "listen", ln.Addr().String())
			}
			log.Info("wallet API listening", "url", "http://"+ln.Addr().String())
			fmt.Fprintf(out, "http://%s\n", ln.Addr())
			return srv.Serve(ctx, ln)
		},
	}
	cmd.Flags().StringVar(&listen, "listen", defaultWalletListen, "listen address HOST:PORT (loopback only unless --listen-public-unsafe)")
	cmd.Flags().BoolVar(&public, "listen-public-unsafe", false, "allow a non-loopback --listen address (the API then answers anyone who can reach it and guesses the passphrase)")
	cmd.Flags().BoolVar(&secure, "secure-cookie", false, "mark the session cookie Secure (when a TLS proxy serves the API)")
	cmd.Flags().DurationVar(&idle, "idle-timeout", wallet.DefaultIdleTimeout, "lock the wallet after this long without a request")
	cmd.Flags().StringSliceVar(&hosts, "allowed-host", nil, "extra host names the Host header may name (DNS-rebinding protection; loopback names are always allowed)")
	f.addNetworkFlags(cmd)
	f.addVerifierFlags(cmd)
	return cmd
}
