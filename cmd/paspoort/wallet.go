package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/loopbrug/paspoort/credentials/pki"
	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/credentials/profile"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/wallet"
)

// passphraseEnv holds the wallet passphrase for scripts.
const passphraseEnv = "PASPOORT_PASSPHRASE"

// walletFlags are the flags every wallet command takes.
type walletFlags struct {
	dir            string
	passphraseFile string
	allowLoopback  bool
	// caFile and redirectURI are set by the commands that talk to issuers
	// and verifiers (addNetworkFlags).
	caFile      string
	redirectURI bool
	// provider is the wallet provider's URL (--wallet-provider).
	provider string
	// verifierAnchors is the PEM file of the anchors of X.509 verifiers
	// (addVerifierFlags).
	verifierAnchors string
	// issuerAnchors is the PEM file of the X.509 anchors of issuers
	// (--issuer-anchors), set by the same commands.
	issuerAnchors string
}

// addNetworkFlags adds the flags of the commands that talk to issuers and
// verifiers: the roots to trust for https, and the development-only
// acceptance of redirect_uri: verifiers.
func (f *walletFlags) addNetworkFlags(cmd *cobra.Command) {
	caFileFlag(cmd.Flags(), &f.caFile, "PEM file of one or more CA certificates to trust for https instead of the system's (the DATA/tls/ca.pem of paspoort dev, a private CA)")
	cmd.Flags().StringVar(&f.issuerAnchors, "issuer-anchors", "", "PEM file of the X.509 trust anchors of issuers that sign with a certificate chain (HAIP x5c); not for verifiers")
	cmd.Flags().BoolVar(&f.redirectURI, "allow-redirect-uri-verifiers", false, "accept verifiers with the redirect_uri: client_id prefix and unsigned requests (paspoort dev only: they prove nothing about who they are)")
	cmd.Flags().StringVar(&f.provider, "wallet-provider", "", "URL of the wallet provider that vouches for this wallet towards HAIP issuers (paspoort wallet-provider serve)")
}

func newWalletCommand() *cobra.Command {
	f := &walletFlags{}
	cmd := &cobra.Command{
		Use:   "wallet",
		Short: "The holder wallet: your encrypted paspoort",
		Long: "The holder wallet keeps your credentials and keys encrypted in a data folder (default under your\n" +
			"configuration folder). The passphrase comes from --passphrase-file, the environment variable\n" +
			passphraseEnv + ", or a prompt on the terminal.",
	}
	cmd.PersistentFlags().StringVar(&f.dir, "dir", "", "wallet data folder (default: paspoort/wallet under the user configuration folder)")
	cmd.PersistentFlags().StringVar(&f.passphraseFile, "passphrase-file", "", "file holding the wallet passphrase")
	cmd.PersistentFlags().BoolVar(&f.allowLoopback, "allow-loopback", false, "allow fetching from 127.0.0.1 / localhost (development and tests only)")
	cmd.AddCommand(
		newWalletInitCommand(f), newWalletUnlockCommand(f), newWalletChangePassphraseCommand(f),
		newWalletListCommand(f), newWalletShowCommand(f), newWalletDeleteCommand(f),
		newWalletReceiveCommand(f), newWalletPresentCommand(f), newWalletHistoryCommand(f),
		newWalletExportCommand(f), newWalletImportCommand(f), newWalletMatchCommand(f),
		newWalletServeCommand(f),
		newWalletDecisionsCommand(f), newWalletDecisionCommand(f), newWalletTrustCommand(f), newWalletPortfolioCommand(f),
	)
	return cmd
}

func (f *walletFlags) folder() (string, error) {
	if f.dir != "" {
		return f.dir, nil
	}
	return wallet.DefaultDir()
}

// options returns the wallet options the flags ask for; a --ca-file that is
// not a PEM file of certificates is a usage error.
// addVerifierFlags adds the flags of the commands that present to
// verifiers: the anchors of verifiers identified by X.509 (HAIP).
func (f *walletFlags) addVerifierFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.verifierAnchors, "verifier-anchors", "", "PEM file of the trust anchors of verifiers identified by an X.509 certificate (x509_hash, x509_san_dns; HAIP), such as the anchor.pem of 'paspoort pki init'")
}

func (f *walletFlags) options() ([]wallet.Option, error) {
	var o []wallet.Option
	if f.allowLoopback {
		o = append(o, wallet.WithAllowLoopback(), wallet.WithStatusListMinEntries(0))
	}
	if f.caFile != "" {
		b, err := readFile("ca-file", f.caFile)
		if err != nil {
			return nil, err
		}
		pool, err := wallet.ParseRootCAs(b)
		if err != nil {
			return nil, usagef("--ca-file %s: %w", f.caFile, err)
		}
		o = append(o, wallet.WithRootCAs(pool))
	}
	if f.redirectURI {
		o = append(o, wallet.WithRedirectURIVerifiersUnsafe())
	}
	if f.provider != "" {
		o = append(o, wallet.WithWalletProvider(f.provider))
	}
	if f.verifierAnchors != "" {
		b, err := readFile("verifier-anchors", f.verifierAnchors)
		if err != nil {
			return nil, err
		}
		anchors, err := pki.ParseAnchorsPEM(b)
		if err != nil {
			return nil, tell(err, fmt.Sprintf("--verifier-anchors %s bevat geen CA-certificaten in PEM (zoals de anchor.pem van 'paspoort pki init').", f.verifierAnchors),
				fmt.Sprintf("--verifier-anchors %s holds no PEM CA certificates (such as the anchor.pem of 'paspoort pki init').", f.verifierAnchors))
		}
		o = append(o, wallet.WithVerifierAnchors(anchors))
	}
	anchors, err := readAnchors("issuer-anchors", f.issuerAnchors)
	if err != nil {
		return nil, err
	}
	if anchors != nil {
		o = append(o, wallet.WithIssuerAnchors(anchors))
	}
	return o, nil
}

// passphrase reads the passphrase: the file, else the environment, else a
// prompt on the terminal.
func (f *walletFlags) passphrase(cmd *cobra.Command, prompt string) ([]byte, error) {
	return readPassphrase(cmd, "passphrase-file", f.passphraseFile, passphraseEnv, prompt)
}

func readPassphrase(cmd *cobra.Command, flag, file, env, prompt string) ([]byte, error) {
	if file != "" {
		b, err := readSecret(flag, file)
		if err != nil {
			return nil, err
		}
		return []byte(strings.TrimRight(string(b), "\r\n")), nil
	}
	if env != "" {
		if v, ok := os.LookupEnv(env); ok {
			return []byte(v), nil
		}
	}
	in, ok := cmd.InOrStdin().(*os.File)
	if !ok || !term.IsTerminal(int(in.Fd())) {
		return nil, usagef("no passphrase: give --%s or set %s", flag, env)
	}
	fmt.Fprint(cmd.ErrOrStderr(), prompt)
	b, err := term.ReadPassword(int(in.Fd()))
	fmt.Fprintln(cmd.ErrOrStderr())
	if err != nil {
		return nil, fmt.Errorf("read passphrase: %w", err)
	}
	return b, nil
}

// unlockWith reads the folder, the options and the passphrase (asked with
// prompt) and hands them to do, which opens or creates the wallet. The
// passphrase is wiped afterwards.
func (f *walletFlags) unlockWith(cmd *cobra.Command, prompt string,
	do func(ctx context.Context, dir string, pass []byte, opts ...wallet.Option) (*wallet.Wallet, error)) (*wallet.Wallet, string, error) {
	dir, err := f.folder()
	if err != nil {
		return nil, "", err
	}
	opts, err := f.options()
	if err != nil {
		return nil, "", err
	}
	pass, err := f.passphrase(cmd, prompt)
	if err != nil {
		return nil, "", err
	}
	defer clear(pass)
	w, err := do(cmd.Context(), dir, pass, opts...)
	return w, dir, err
}

// open unlocks the wallet.
func (f *walletFlags) open(cmd *cobra.Command) (*wallet.Wallet, error) {
	w, _, err := f.unlockWith(cmd, "Wallet passphrase: ", wallet.OpenDir)
	return w, openError(err)
}

func newWalletInitCommand(f *walletFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Create a new, empty wallet protected by a passphrase",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w, dir, err := f.unlockWith(cmd, "New wallet passphrase: ", wallet.Init)
			if err != nil {
				return err
			}
			defer w.Close()
			fmt.Fprintf(cmd.OutOrStdout(), "wallet %s created in %s\n", w.ID(), dir)
			return nil
		},
	}
	return cmd
}

func newWalletUnlockCommand(f *walletFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "unlock",
		Short: "Check the passphrase and show what the wallet holds",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w, err := f.open(cmd)
			if err != nil {
				return err
			}
			defer w.Close()
			fmt.Fprintf(cmd.OutOrStdout(), "wallet %s unlocked: %d credentials\n", w.ID(), len(w.Credentials()))
			return nil
		},
	}
}

func newWalletChangePassphraseCommand(f *walletFlags) *cobra.Command {
	var newFile string
	cmd := &cobra.Command{
		Use:   "change-passphrase",
		Short: "Re-wrap the wallet's data key under a new passphrase",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir, err := f.folder()
			if err != nil {
				return err
			}
			old, err := f.passphrase(cmd, "Current passphrase: ")
			if err != nil {
				return err
			}
			defer clear(old)
			np, err := readPassphrase(cmd, "new-passphrase-file", newFile, "PASPOORT_NEW_PASSPHRASE", "New passphrase: ")
			if err != nil {
				return err
			}
			defer clear(np)
			opts, err := f.options()
			if err != nil {
				return err
			}
			w, err := wallet.OpenDir(cmd.Context(), dir, old, opts...)
			if err != nil {
				return err
			}
			defer w.Close()
			if err := w.ChangePassphrase(cmd.Context(), old, np); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), "passphrase changed")
			return nil
		},
	}
	cmd.Flags().StringVar(&newFile, "new-passphrase-file", "", "file holding the new passphrase (or PASPOORT_NEW_PASSPHRASE, or a prompt)")
	return cmd
}

func newWalletDeleteCommand(f *walletFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "delete ID",
		Short: "Delete a credential, its copies and its keys",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			w, err := f.open(cmd)
			if err != nil {
				return err
			}
			defer w.Close()
			return w.Delete(cmd.Context(), args[0])
		},
	}
}

func newWalletReceiveCommand(f *walletFlags) *cobra.Command {
	var txCode string
	var copies int
	var yes bool
	var ac authCodeFlags
	cmd := &cobra.Command{
		Use:   "receive OFFER_URI",
		Short: "Receive credentials from an OpenID4VCI credential offer",
		Long: "Receive the credentials an offer link names. With a pre-authorized offer the wallet asks for\n" +
			"the PIN (--tx-code) and receives at once. With an offer that asks you to sign in at the issuer\n" +
			"(the authorization code flow of HAIP), the wallet opens the issuer's page in your browser and\n" +
			"waits on this computer (127.0.0.1) until the issuer sends the browser back; --no-browser prints\n" +
			"the link instead.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			w, err := f.open(cmd)
			if err != nil {
				return err
			}
			defer w.Close()
			ctx := cmd.Context()
			o, err := w.ResolveOffer(ctx, args[0])
			if err != nil {
				return receiveError(err, "")
			}
			org := display(nonEmpty(o.IssuerName, o.Issuer))
			errw := cmd.ErrOrStderr()
			fmt.Fprintf(errw, "%s %s:\n", org, msg("biedt u aan", "offers you"))
			for _, c := range o.Credentials {
				fmt.Fprintf(errw, "  - %s\n", display(typeName(c.VCT, nonEmpty(c.Name, c.ConfigurationID))))
			}
			if o.Flow == wallet.FlowAuthorizationCode {
				return receiveAuthorizationCode(cmd, w, o, org, wallet.ReceiveOptions{Copies: copies}, ac)
			}
			if o.TxCode != nil && txCode == "" {
				if txCode, err = promptSecret(cmd, "Transaction code ("+display(o.TxCode.Description)+"): "); err != nil {
					return err
				}
			}
			if !yes && o.TxCode == nil && isTerminal(cmd) {
				ok, err := confirm(cmd, "Accept? [y/N] ")
				if err != nil || !ok {
					return errors.Join(errors.New("declined"), err)
				}
			}
			got, err := w.Receive(ctx, o, wallet.ReceiveOptions{TxCode: txCode, Copies: copies})
			for _, c := range got {
				fmt.Fprintf(errw, "%s: %s\n", msg("Ontvangen en gecontroleerd", "Received and verified"),
					fmt.Sprintf(msg("%s van %s, %d kopieën", "%s from %s, %d copies"), display(typeName(c.VCT, c.Type)), org, c.Copies))
				fmt.Fprintln(cmd.OutOrStdout(), c.ID)
			}
			return receiveError(err, org)
		},
	}
	cmd.Flags().StringVar(&txCode, "tx-code", "", "the transaction code the issuer sent you")
	cmd.Flags().IntVar(&copies, "copies", 3, "copies per credential (batch issuance), each bound to its own key")
	cmd.Flags().BoolVar(&yes, "yes", false, "accept without asking")
	ac.add(cmd)
	f.addNetworkFlags(cmd)
	return cmd
}

func newWalletHistoryCommand(f *walletFlags) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "history",
		Short: "Every presentation: when, to whom, for what, which claims",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w, err := f.open(cmd)
			if err != nil {
				return err
			}
			defer w.Close()
			h, err := w.History(cmd.Context())
			if err != nil {
				return err
			}
			if asJSON {
				if h == nil {
					h = []wallet.Presentation{}
				}
				return writeJSON(cmd, h)
			}
			for _, p := range h {
				fmt.Fprintf(cmd.OutOrStdout(), "%s  %s  %s\n", p.Time.Format(time.RFC3339), p.Outcome, display(p.Verifier))
				for _, s := range p.Credentials {
					fmt.Fprintf(cmd.OutOrStdout(), "    %s %s: %s\n", s.CredentialID, display(s.VCT), display(strings.Join(s.Claims, ", ")))
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "JSON output")
	return cmd
}

func newWalletExportCommand(f *walletFlags) *cobra.Command {
	var bpf string
	var force bool
	cmd := &cobra.Command{
		Use:   "export FILE",
		Short: "Write an encrypted backup of the whole wallet",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := os.Lstat(args[0]); err == nil && !force {
				return usagef("%s", msg(
					fmt.Sprintf("%s bestaat al: de back-up zou een andere back-up overschrijven. Kies een andere bestandsnaam, of geef --force om het bestand te vervangen.", args[0]),
					fmt.Sprintf("%s exists: the backup would overwrite another one. Choose another file name, or give --force to replace the file.", args[0])))
			}
			w, err := f.open(cmd)
			if err != nil {
				return err
			}
			defer w.Close()
			bp, err := readPassphrase(cmd, "backup-passphrase-file", bpf, "PASPOORT_BACKUP_PASSPHRASE", "Backup passphrase: ")
			if err != nil {
				return err
			}
			defer clear(bp)
			out, err := w.Export(cmd.Context(), bp)
			if err != nil {
				return err
			}
			return writeBackup(args[0], []byte(out))
		},
	}
	cmd.Flags().StringVar(&bpf, "backup-passphrase-file", "", "file holding the backup passphrase")
	cmd.Flags().BoolVar(&force, "force", false, "replace FILE when it exists")
	return cmd
}

func newWalletImportCommand(f *walletFlags) *cobra.Command {
	var bpf string
	cmd := &cobra.Command{
		Use:   "import FILE",
		Short: "Restore a backup into this wallet (created when the folder holds none)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := readBackup(args[0])
			if err != nil {
				return err
			}
			bp, err := readPassphrase(cmd, "backup-passphrase-file", bpf, "PASPOORT_BACKUP_PASSPHRASE", "Backup passphrase: ")
			if err != nil {
				return err
			}
			defer clear(bp)
			// Decrypt and check the whole backup before a wallet is
			// opened or created: a bad backup leaves nothing behind.
			bk, err := wallet.OpenBackup(data, bp)
			if err != nil {
				return err
			}
			defer bk.Close()
			w, _, err := f.unlockWith(cmd, "Wallet passphrase: ", openOrInit)
			if err != nil {
				return err
			}
			defer w.Close()
			res, err := w.ImportBackup(cmd.Context(), bk)
			if err != nil {
				return err
			}
			return writeJSON(cmd, res)
		},
	}
	cmd.Flags().StringVar(&bpf, "backup-passphrase-file", "", "file holding the backup passphrase")
	return cmd
}

// openOrInit opens the wallet in dir, creating it when the folder holds
// none (import into a new machine).
func openOrInit(ctx context.Context, dir string, pass []byte, opts ...wallet.Option) (*wallet.Wallet, error) {
	w, err := wallet.OpenDir(ctx, dir, pass, opts...)
	if errors.Is(err, wallet.ErrNotInitialised) {
		return wallet.Init(ctx, dir, pass, opts...)
	}
	return w, err
}

func readBackup(path string) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, usagef("%v", err)
	}
	defer fh.Close()
	b, err := io.ReadAll(io.LimitReader(fh, jose.MaxBackupBytes*2))
	if err != nil {
		return nil, fmt.Errorf("read backup: %w", err)
	}
	return b, nil
}

func newWalletMatchCommand(f *walletFlags) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "match PROFILE",
		Short: "Match a requirement profile privately against your credentials, offline",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := readFile("profile", args[0])
			if err != nil {
				return err
			}
			p, err := profile.Parse(args[0], data)
			if err != nil {
				return err
			}
			w, err := f.open(cmd)
			if err != nil {
				return err
			}
			defer w.Close()
			res := w.MatchProfile(cmd.Context(), p, time.Time{})
			if asJSON {
				return writeJSON(cmd, res)
			}
			printMatch(cmd.OutOrStdout(), p, res)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "JSON output")
	return cmd
}

func isTerminal(cmd *cobra.Command) bool {
	in, ok := cmd.InOrStdin().(*os.File)
	return ok && term.IsTerminal(int(in.Fd()))
}

func promptLine(cmd *cobra.Command, prompt string) (string, error) {
	fmt.Fprint(cmd.ErrOrStderr(), prompt)
	line, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
	if err != nil && line == "" {
		return "", usagef("no answer on standard input")
	}
	return strings.TrimSpace(line), nil
}

// promptSecret asks for a secret such as a tx_code: on a terminal without
// echo (x/term, as for the passphrase), else one line of standard input.
func promptSecret(cmd *cobra.Command, prompt string) (string, error) {
	in, ok := cmd.InOrStdin().(*os.File)
	if !ok || !term.IsTerminal(int(in.Fd())) {
		return promptLine(cmd, prompt)
	}
	fmt.Fprint(cmd.ErrOrStderr(), prompt)
	b, err := term.ReadPassword(int(in.Fd()))
	fmt.Fprintln(cmd.ErrOrStderr())
	if err != nil {
		return "", fmt.Errorf("read transaction code: %w", err)
	}
	defer clear(b)
	return strings.TrimSpace(string(b)), nil
}

func confirm(cmd *cobra.Command, prompt string) (bool, error) {
	a, err := promptLine(cmd, prompt)
	if err != nil {
		return false, err
	}
	return strings.EqualFold(a, "y") || strings.EqualFold(a, "yes") || strings.EqualFold(a, "j") || strings.EqualFold(a, "ja"), nil
}

func nonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// display escapes text from issuers and verifiers for the terminal: control
// characters and bidirectional overrides are shown quoted (SECURITY.md F.47).
func display(s string) string {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) {
			q := fmt.Sprintf("%q", s)
			return q[1 : len(q)-1]
		}
	}
	return s
}

// writeBackup writes a backup through a temporary file in the same folder
// (mode 0600) renamed over path, so that a failed write leaves any earlier
// file as it was.
func writeBackup(path string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".paspoort-backup-*")
	if err != nil {
		return fmt.Errorf("write backup: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("write backup: %w", err)
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("write backup: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write backup: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write backup: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write backup: %w", err)
	}
	return nil
}

// typeName is a credential type's name in the command line's language.
func typeName(vct, fallback string) string {
	if t, ok := ppp.LookupVCT(vct); ok {
		if d, ok := t.Display[cliLang]; ok && d.Name != "" {
			return d.Name
		}
	}
	return fallback
}

// printMatch writes a private match as a person reads it: the outcome and
// the match percentage, each requirement with its status in words, and
// the gap by ESCO label (English marked where ESCO has no Dutch one).
func printMatch(out io.Writer, p *profile.Profile, res *profile.Result) {
	outcome := msg("U voldoet (nog) niet", "You do not qualify (yet)")
	if res.Outcome == profile.OutcomeAccepted {
		outcome = msg("U voldoet", "You qualify")
	}
	fmt.Fprintf(out, "%s\n%s: %s (%s %.0f%%)\n", display(p.Title.Get(cliLang)), display(nonEmpty(p.Verifier, p.ID)), outcome, msg("match", "match"), res.Score*100)
	status := map[profile.Status][2]string{
		profile.StatusMet: {"voldaan", "met"}, profile.StatusNotMet: {"niet voldaan", "not met"}, profile.StatusNotProven: {"niet aangetoond", "not proven"},
	}
	for _, r := range res.Requirements {
		st := status[r.Status]
		req := ""
		if r.Required {
			req = msg(" (verplicht)", " (required)")
		}
		fmt.Fprintf(out, "  %-16s %s%s\n", msg(st[0], st[1]), display(r.Title.Get(cliLang)), req)
	}
	if len(res.Gap) > 0 {
		fmt.Fprintln(out, msg("Nog te leren:", "Still to learn:"))
		for _, g := range res.Gap {
			mark := ""
			if cliLang != "en" && g.Label["nl"] == "" && g.Label["en"] != "" {
				mark = " (Engels)"
			}
			fmt.Fprintf(out, "  - %s%s\n", display(g.Label.Get(cliLang)), mark)
		}
	}
}
