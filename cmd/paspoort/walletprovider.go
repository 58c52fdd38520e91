package main

import (
	"crypto/x509"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/loopbrug/paspoort/credentials/attest"
	"github.com/loopbrug/paspoort/credentials/pki"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/serve"
	"github.com/loopbrug/paspoort/walletprovider"
)

func newWalletProviderCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "wallet-provider",
		Short: "Run the wallet provider that vouches for paspoort wallets towards HAIP issuers",
	}
	cmd.AddCommand(newWalletProviderServeCommand())
	return cmd
}

func newWalletProviderServeCommand() *cobra.Command {
	var addr, url, clientID, name, chainFile, keyFile string
	var keyStorage []string
	cmd := &cobra.Command{
		Use:   "serve --url URL --addr HOST:PORT --chain FILE.pem --key FILE.pem",
		Short: "Issue Wallet Attestations and Key Attestations to paspoort wallets (HAIP 1.0 §4.4.1, §4.5.1)",
		Long: "Serve POST /wallet-attestation and POST /key-attestation until SIGTERM. A wallet proves a key\n" +
			"with an OpenID4VCI key proof (aud = --url) and receives a Wallet Attestation for it, or a Key\n" +
			"Attestation for several keys with an issuer's c_nonce. Both are signed with --key and carry\n" +
			"--chain in x5c: make them with 'paspoort pki issue --dir PKI --dns HOST --out provider'. Issuers\n" +
			"trust the provider through that anchor. --key-storage asserts an attack-potential level of the\n" +
			"wallet's key store (iso_18045_basic …); give it only when the keys really reach it.\n" +
			"It serves plain HTTP for a TLS-terminating proxy in front.",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch {
			case url == "":
				return usagef("%s", msg("--url is verplicht: het https-adres van de wallet provider", "--url is required: the wallet provider's https URL"))
			case addr == "":
				return usagef("%s", msg("--addr is verplicht: het adres om op te luisteren, zoals :8080", "--addr is required: the address to listen on, such as :8080"))
			case chainFile == "" || keyFile == "":
				return usagef("%s", msg("--chain en --key zijn verplicht: maak ze met 'paspoort pki issue --dir PKI --dns HOST --out provider'",
					"--chain and --key are required: make them with 'paspoort pki issue --dir PKI --dns HOST --out provider'"))
			}
			signer, err := readSigner(chainFile, keyFile)
			if err != nil {
				return err
			}
			p, err := walletprovider.New(walletprovider.Config{URL: url, ClientID: clientID, WalletName: name, Signer: signer, KeyStorage: keyStorage})
			if err != nil {
				return tell(err, "de wallet provider is niet gestart: controleer --url (een https-adres) en of --chain de sleutel in --key certificeert en nog geldig is.",
					"the wallet provider did not start: check --url (an https URL) and that --chain certifies the key in --key and is still valid.")
			}
			log := slog.New(slog.NewJSONHandler(cmd.ErrOrStderr(), nil))
			ctx, stop := signalContext(cmd.Context(), cmd.ErrOrStderr())
			defer stop()
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return usagef("--addr: %v", err)
			}
			log.Info("wallet provider listening", "listen", ln.Addr().String(), "url", url, "client_id", p.ClientID())
			srv := &http.Server{Handler: p.Handler(log), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second}
			if err := serve.Run(ctx, srv, ln, serve.Options{}); err != nil {
				return fmt.Errorf("serve: %w", err)
			}
			log.Info("wallet provider stopped")
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&url, "url", "", "the provider's https URL: iss of its attestations, aud of the wallets' proofs")
	f.StringVar(&addr, "addr", "", "listen address HOST:PORT")
	f.StringVar(&clientID, "client-id", "", "the client_id every paspoort wallet uses (default: --url)")
	f.StringVar(&name, "wallet-name", "paspoort", "wallet_name in Wallet Attestations")
	f.StringVar(&chainFile, "chain", "", "PEM certificate chain of --key, leaf first (paspoort pki issue)")
	f.StringVar(&keyFile, "key", "", "PEM private key of the provider (paspoort pki issue), readable by you alone")
	f.StringArrayVar(&keyStorage, "key-storage", nil, "key_storage level to assert in Key Attestations (repeatable)")
	return cmd
}

// readSigner reads a certified signing key: a PEM chain (leaf first) and
// the PEM private key it certifies, the key readable by its owner alone.
func readSigner(chainFile, keyFile string) (attest.Signer, error) {
	b, err := readFile("chain", chainFile)
	if err != nil {
		return attest.Signer{}, err
	}
	chain, err := pki.ParseChainPEM(b)
	if err != nil {
		return attest.Signer{}, tell(err, fmt.Sprintf("--chain %s is geen PEM-certificaatketen (blad eerst, zoals 'paspoort pki issue' schrijft).", chainFile),
			fmt.Sprintf("--chain %s is not a PEM certificate chain (leaf first, as 'paspoort pki issue' writes it).", chainFile))
	}
	kb, err := readSecret("key", keyFile)
	if err != nil {
		return attest.Signer{}, err
	}
	s, err := pki.ParseKeyPEM(kb)
	if err != nil {
		return attest.Signer{}, tell(err, fmt.Sprintf("--key %s is geen PEM-sleutel (PKCS #8, zoals 'paspoort pki issue' schrijft).", keyFile),
			fmt.Sprintf("--key %s is not a PEM key (PKCS #8, as 'paspoort pki issue' writes it).", keyFile))
	}
	k, err := jose.NewPrivateKey(s)
	if err != nil {
		return attest.Signer{}, err
	}
	return attest.Signer{Key: k, Chain: append([]*x509.Certificate(nil), chain...)}, nil
}
