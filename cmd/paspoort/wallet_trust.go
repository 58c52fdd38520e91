package main

import (
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/loopbrug/paspoort/consortium"
	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/credentials/registry"
	"github.com/loopbrug/paspoort/wallet"
)

// The registers a wallet follows (issue 12): a consortium's register says
// which schools and employers may ask what, and which issuers count.

func newWalletTrustCommand(f *walletFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "trust",
		Short: "The consortium registers your wallet follows: who may ask you for what",
		Long: "A regional consortium (employers, schools, UWV, municipalities, assessment providers) publishes a\n" +
			"signed register of its members: which organisations may issue which evidence, and which may ask\n" +
			"for which data. Your wallet shows a registered organisation by its registered name, warns when\n" +
			"one is in no register you follow, and refuses a request for more than it is registered for.",
	}
	cmd.AddCommand(newWalletTrustAddCommand(f), newWalletTrustListCommand(f), newWalletTrustRemoveCommand(f))
	return cmd
}

func newWalletTrustAddCommand(f *walletFlags) *cobra.Command {
	var keyFile string
	cmd := &cobra.Command{
		Use:   "add URL --key FILE",
		Short: "Follow a consortium's register (its …/register.jwt URL and the consortium's public key)",
		Long: "Follow the register published at URL. --key is the consortium's public key (a JWK file) as the\n" +
			"consortium gives it to you out of band (its letter or site), never fetched from the register: the\n" +
			"first register must be signed with it, and later ones by the keys each version announces.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if keyFile == "" {
				return usagef("%s", msg("geef de publieke sleutel van het consortium met --key BESTAND", "give the consortium's public key with --key FILE"))
			}
			key, err := readPublicKey("key", keyFile)
			if err != nil {
				return err
			}
			w, err := f.open(cmd)
			if err != nil {
				return err
			}
			defer w.Close()
			reg, err := w.FollowRegister(cmd.Context(), args[0], key)
			if err != nil {
				return walletTrustError(err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), msg(
				fmt.Sprintf("U volgt nu het register van %s (versie %d): %d uitgevers, %d organisaties die mogen vragen.", reg.Consortium.Name.NL, reg.Version, len(reg.Issuers), len(reg.Verifiers)),
				fmt.Sprintf("You now follow the register of %s (version %d): %d issuers, %d organisations that may ask.", reg.Consortium.Name.EN, reg.Version, len(reg.Issuers), len(reg.Verifiers))))
			return nil
		},
	}
	cmd.Flags().StringVar(&keyFile, "key", "", "the consortium's public key (JWK file), given to you out of band")
	f.addNetworkFlags(cmd)
	return cmd
}

func newWalletTrustListCommand(f *walletFlags) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "The registers you follow and their members",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w, err := f.open(cmd)
			if err != nil {
				return err
			}
			defer w.Close()
			regs, err := w.Registers(cmd.Context())
			if err != nil {
				return walletTrustError(err)
			}
			if asJSON {
				out := []registry.Document{}
				for _, r := range regs {
					out = append(out, r.Document)
				}
				return writeJSON(cmd, out)
			}
			o := cmd.OutOrStdout()
			if len(regs) == 0 {
				fmt.Fprintln(o, msg("U volgt geen register. Voeg er een toe met 'paspoort wallet trust add URL --key BESTAND'.",
					"You follow no register. Add one with 'paspoort wallet trust add URL --key FILE'."))
				return nil
			}
			for _, r := range regs {
				fmt.Fprintf(o, "%s (%s %d, %s %s)\n", r.Consortium.Name.Get(cliLang), msg("versie", "version"), r.Version,
					msg("geldig tot", "valid until"), ppp.FormatDate(r.ExpiresTime(), cliLang))
				tw := tabwriter.NewWriter(o, 0, 4, 2, ' ', 0)
				for _, is := range r.Issuers {
					fmt.Fprintf(tw, "  %s\t%s\t%s\n", is.Name.Get(cliLang), consortium.KindLabel(string(is.Kind), cliLang), typeNames(is.Types))
				}
				for _, v := range r.Verifiers {
					var ps []string
					for _, p := range v.Profiles {
						ps = append(ps, p.ID)
					}
					fmt.Fprintf(tw, "  %s\t%s\t%s %s\n", v.Name.Get(cliLang), consortium.KindLabel(string(v.Kind), cliLang), msg("mag vragen voor", "may ask for"), strings.Join(ps, ", "))
				}
				if err := tw.Flush(); err != nil {
					return err
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "JSON output: the register documents")
	f.addNetworkFlags(cmd)
	return cmd
}

func newWalletTrustRemoveCommand(f *walletFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "remove URL|CONSORTIUM",
		Short: "Stop following a register",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			w, err := f.open(cmd)
			if err != nil {
				return err
			}
			defer w.Close()
			if err := w.UnfollowRegister(cmd.Context(), args[0]); err != nil {
				return walletTrustError(err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), msg("U volgt dit register niet meer.", "You no longer follow this register."))
			return nil
		},
	}
	f.addNetworkFlags(cmd) // the same flags as its siblings, though it fetches nothing
	return cmd
}

// typeNames names PPP types in the command line's language.
func typeNames(types []string) string {
	var out []string
	for _, t := range types {
		name := t
		if pt, ok := ppp.Lookup(t); ok {
			name = typeName(pt.VCT, t)
		}
		out = append(out, name)
	}
	return strings.Join(out, ", ")
}

// walletTrustError says what a failed register step means and what fixes it.
func walletTrustError(err error) error {
	switch {
	case errors.Is(err, wallet.ErrRegisterFollowed):
		return tell(err, "u volgt dit register al; 'paspoort wallet trust list' toont het.", "you follow this register already; 'paspoort wallet trust list' shows it.")
	case errors.Is(err, wallet.ErrRegisterNotFollowed):
		return tell(err, "dat register volgt u niet; 'paspoort wallet trust list' toont welke u volgt.", "you do not follow that register; 'paspoort wallet trust list' shows which you do.")
	case errors.Is(err, registry.ErrUnknownKey):
		return tell(err, "het register is niet ondertekend met de sleutel die u gaf. Controleer het bestand bij --key met het consortium.",
			"the register is not signed with the key you gave. Check the --key file with the consortium.")
	case errors.Is(err, registry.ErrExpired):
		return tell(err, "het register is verlopen; het consortium moet een nieuwe versie ondertekenen.", "the register has expired; the consortium must sign a new version.")
	case errors.Is(err, wallet.ErrLoopbackRefused), errors.Is(err, wallet.ErrUntrustedCertificate), errors.Is(err, wallet.ErrIssuerUnreachable):
		return receiveError(err, "")
	}
	return tell(err, "het register is niet te vertrouwen of niet te lezen; er is niets veranderd. Controleer de URL (…/register.jwt) en de sleutel.",
		"the register cannot be trusted or read; nothing changed. Check the URL (…/register.jwt) and the key.")
}
