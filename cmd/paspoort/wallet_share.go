package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/loopbrug/paspoort/consortium"
	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/wallet"
)

// groupName is the display name of a group in the terminal.
func groupName(g wallet.Group) string {
	if g.Block >= 1 && g.Block <= 6 {
		return fmt.Sprintf("%d %s / %s", g.Block, g.Name["nl"], g.Name["en"])
	}
	return g.Name["nl"] + " / " + g.Name["en"]
}

func newWalletListCommand(f *walletFlags) *cobra.Command {
	var asJSON, offline bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "My paspoort: the credentials, grouped by the six PPP building blocks and the evidence",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w, err := f.open(cmd)
			if err != nil {
				return err
			}
			defer w.Close()
			entries := []wallet.Summary{}
			for _, c := range w.Credentials() {
				entries = append(entries, w.Summarize(cmd.Context(), c, offline))
			}
			if asJSON {
				return writeJSON(cmd, entries)
			}
			out, last := cmd.OutOrStdout(), ""
			for _, e := range entries {
				if e.Group != last {
					fmt.Fprintf(out, "\n%s\n", groupName(wallet.GroupOf(e.VCT)))
					last = e.Group
				}
				fmt.Fprintf(out, "  %s  %-10s %s  %s  %s\n", e.ID, e.Type, e.IssuedAt.Format("2006-01-02"), e.Status, display(nonEmpty(e.IssuerName, e.Issuer)))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "JSON output")
	cmd.Flags().BoolVar(&offline, "offline", false, "do not fetch status lists")
	f.addNetworkFlags(cmd)
	return cmd
}

func newWalletShowCommand(f *walletFlags) *cobra.Command {
	var asJSON, offline bool
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "One credential with its claims",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			w, err := f.open(cmd)
			if err != nil {
				return err
			}
			defer w.Close()
			c, err := w.Credential(args[0])
			if err != nil {
				return err
			}
			e := w.Summarize(cmd.Context(), c, offline)
			if asJSON {
				return writeJSON(cmd, struct {
					wallet.Summary
					Claims map[string]any `json:"claims"`
				}{e, c.Claims})
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "%s\n  id:      %s\n  type:    %s (%s)\n  issuer:  %s\n  issued:  %s\n  status:  %s %v\n  copies:  %d (%d unused)\n",
				groupName(wallet.GroupOf(e.VCT)), e.ID, e.Type, display(e.VCT), display(nonEmpty(e.IssuerName, e.Issuer)), e.IssuedAt.Format(time.RFC3339), e.Status, e.CopyStatus, e.Copies, e.Unused)
			t, _ := ppp.LookupVCT(c.VCT)
			for k, v := range c.Claims {
				switch k {
				case "iss", "vct", "cnf", "iat", "nbf", "exp", "status":
					continue
				}
				label := k
				if l := t.ClaimLabel(ppp.ClaimPath{k}, "nl"); l != "" {
					label = l
				}
				fmt.Fprintf(out, "  %s: %s\n", display(label), display(fmt.Sprint(v)))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "JSON output")
	cmd.Flags().BoolVar(&offline, "offline", false, "do not fetch the status list")
	f.addNetworkFlags(cmd)
	return cmd
}

func newWalletPresentCommand(f *walletFlags) *cobra.Command {
	var yes, decline, optional bool
	var selects, include, more []string
	cmd := &cobra.Command{
		Use:   "present REQUEST_URI",
		Short: "Share credentials with a verifier (OpenID4VP), with your consent",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			sel, err := parseSelect(selects, include, optional)
			if err != nil {
				return err
			}
			if len(more) > 0 {
				if sel == nil || sel.Credentials == nil {
					return usagef("%s", msg("--show-more hoort bij --select: kies eerst welk bewijs u deelt", "--show-more goes with --select: choose first which credential you share"))
				}
				if sel.More, err = parseQueryIDs("--show-more", more); err != nil {
					return err
				}
			}
			w, err := f.open(cmd)
			if err != nil {
				return err
			}
			defer w.Close()
			ctx := cmd.Context()
			pr, err := w.ReadRequest(ctx, args[0])
			if err != nil {
				return shareError(err)
			}
			printConsent(cmd.ErrOrStderr(), pr)
			if decline {
				return declined(cmd, w, pr)
			}
			if !yes {
				ok, err := confirm(cmd, msg("Delen? j = alles wat u kunt laten zien, n = weigeren [j/N] ", "Share? y = everything you can show, n = decline [y/N] "))
				if err != nil {
					return err
				}
				if !ok {
					return declined(cmd, w, pr)
				}
			}
			if sel == nil {
				// Yes shares everything the wallet can answer: required
				// and optional (one option per set).
				sel = &wallet.Selection{IncludeOptional: true}
			}
			res, err := w.Present(ctx, pr, sel)
			if err != nil {
				return shareError(err)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), msg("Gedeeld met %s.\n", "Shared with %s.\n"), display(pr.VerifierName))
			printPresentDecision(cmd, res)
			return writeJSON(cmd, res)
		},
	}
	cmd.Flags().BoolVar(&yes, "yes", false, "share without asking (scripts)")
	cmd.Flags().BoolVar(&decline, "decline", false, "refuse: tell the verifier access_denied")
	cmd.Flags().StringArrayVar(&selects, "select", nil, "QUERY_ID=CREDENTIAL_ID[,CREDENTIAL_ID…]: share these credentials for the query (repeatable)")
	cmd.Flags().StringSliceVar(&include, "include", nil, "optional query ids to answer as well")
	cmd.Flags().StringArrayVar(&more, "show-more", nil, "QUERY_ID=CREDENTIAL_ID[,…]: also show what the verifier lets you add for these credentials (such as the employer of a job counted in a total)")
	cmd.Flags().BoolVar(&optional, "include-optional", false, "answer every optional credential set you can, with one option each (verifiers that mark every set optional)")
	f.addNetworkFlags(cmd)
	f.addVerifierFlags(cmd)
	return cmd
}

func parseSelect(selects, include []string, optional bool) (*wallet.Selection, error) {
	if len(selects) == 0 && len(include) == 0 && !optional {
		return nil, nil
	}
	sel := &wallet.Selection{Include: include, IncludeOptional: optional}
	if len(selects) > 0 {
		var err error
		if sel.Credentials, err = parseQueryIDs("--select", selects); err != nil {
			return nil, err
		}
	}
	return sel, nil
}

// parseQueryIDs reads QUERY_ID=CREDENTIAL_ID[,…] flags.
func parseQueryIDs(flag string, vals []string) (map[string][]string, error) {
	out := map[string][]string{}
	for _, s := range vals {
		q, ids, ok := strings.Cut(s, "=")
		if !ok || q == "" || ids == "" {
			return nil, usagef("%s %q: want QUERY_ID=CREDENTIAL_ID[,…]", flag, s)
		}
		out[q] = append(out[q], strings.Split(ids, ",")...)
	}
	return out, nil
}

// declined tells the verifier the holder declined (OpenID4VP
// access_denied) and says so.
func declined(cmd *cobra.Command, w *wallet.Wallet, pr *wallet.PresentationRequest) error {
	if err := w.Decline(cmd.Context(), pr); err != nil {
		return shareError(err)
	}
	fmt.Fprintf(cmd.ErrOrStderr(), msg("U heeft geweigerd. %s weet nu dat u niets deelt.\n", "You declined. %s now knows you share nothing.\n"), display(pr.VerifierName))
	return nil
}

// printConsent shows who asks, why, what the holder cannot show yet, and
// per question the values that would be shared, in words.
func printConsent(out io.Writer, pr *wallet.PresentationRequest) {
	fmt.Fprintf(out, msg("%s vraagt gegevens uit uw paspoort.\n", "%s asks for information from your paspoort.\n"), display(pr.VerifierName))
	if c := pr.Certificate; c != nil {
		fmt.Fprintf(out, msg("De naam %s staat in het certificaat van de organisatie, en dat certificaat is uitgegeven door een instantie die u vertrouwt.\n",
			"The name %s is in the organisation's certificate, which was issued by an authority you trust.\n"), display(c.Organisation))
	}
	printRegistration(out, pr)
	printProtected(out, pr)
	if p := pr.Profile; p != nil {
		fmt.Fprintf(out, "%s\n%s\n", display(p.Title.Get(cliLang)), display(p.Purpose.Get(cliLang)))
	}
	if m := pr.Match; m != nil {
		var cannot []string
		for _, r := range m.Requirements {
			if r.Status != "met" {
				cannot = append(cannot, display(r.Title.Get(cliLang)))
			}
		}
		if len(cannot) > 0 {
			fmt.Fprintln(out, msg("Dit kunt u (nog) niet aantonen:", "You cannot show this (yet):"))
			for _, c := range cannot {
				fmt.Fprintf(out, "  - %s\n", c)
			}
		}
	}
	for _, q := range pr.Queries {
		if len(q.Options) == 0 {
			continue
		}
		need := msg("optioneel", "optional")
		if q.Needed {
			need = msg("verplicht", "required")
		}
		title := q.QueryID
		if q.Requirement != nil {
			title = q.Requirement.Title.Get(cliLang)
		} else {
			title = typeName(q.Options[0].VCT, title)
		}
		fmt.Fprintf(out, "  %s (%s) [%s]\n", display(title), need, display(q.QueryID))
		for _, o := range q.Options {
			fmt.Fprintf(out, "    %s, %s %s [%s]\n", display(nonEmpty(o.IssuerName, o.Issuer)), msg("uitgegeven op", "issued on"), ppp.FormatDate(o.IssuedAt, cliLang), o.CredentialID)
			for _, v := range o.Values(cliLang) {
				mark := ""
				if v.English {
					mark = " (Engels)"
				}
				fmt.Fprintf(out, "      %s: %s%s\n", display(v.Label), display(v.Text), mark)
			}
			for _, v := range o.MoreValues(cliLang) {
				fmt.Fprintf(out, msg("      alleen als u wilt (--show-more %s=%s): %s: %s\n", "      only if you want (--show-more %s=%s): %s: %s\n"),
					q.QueryID, o.CredentialID, display(v.Label), display(v.Text))
			}
			if o.Copies > 0 && o.Unused == 0 {
				fmt.Fprintln(out, msg("      let op: alle kopieën zijn al eens gedeeld; wie dit bewijs twee keer zag, kan zien dat het van dezelfde persoon komt.",
					"      note: every copy was shared before; whoever saw this evidence twice can tell it comes from the same person."))
			}
		}
	}
}

// printRegistration says what the registers the wallet follows say of the
// verifier: its registered name, kind and consortium, or a warning that it
// is in none of them.
func printRegistration(out io.Writer, pr *wallet.PresentationRequest) {
	r := pr.Registration
	switch {
	case r == nil || !r.Following:
		fmt.Fprintln(out, msg("U volgt geen register, dus de wallet kan niet nagaan of deze organisatie dit mag vragen.",
			"You follow no register, so the wallet cannot check whether this organisation may ask this."))
	case r.Registered:
		fmt.Fprintf(out, msg("%s (%s), lid van %s: ingeschreven om dit te vragen.\n", "%s (%s), member of %s: registered to ask this.\n"),
			display(r.Name.Get(cliLang)), consortium.KindLabel(string(r.Kind), cliLang), display(r.Consortium.Name.Get(cliLang)))
	default:
		fmt.Fprintln(out, msg("Let op: deze organisatie staat in geen register dat u volgt. Niemand heeft nagegaan wie zij is of wat zij mag vragen. De naam hierboven geeft zij zelf op. Deel alleen als u haar kent.",
			"Note: this organisation is in no register you follow. No one has checked who it is or what it may ask. It gives the name above itself. Share only if you know it."))
	}
}

// printProtected flags the protected claims a request asks for (age,
// nationality, …), with the verifier's legal ground or its absence.
func printProtected(out io.Writer, pr *wallet.PresentationRequest) {
	seen := map[ppp.Protected]bool{}
	for _, pc := range pr.Protected {
		if seen[pc.Category] {
			continue
		}
		seen[pc.Category] = true
		fmt.Fprintf(out, msg("Let op: %s vraagt naar uw %s. Dat is een beschermd gegeven (%s): een opleider of werkgever mag u daarop niet beoordelen, tenzij de wet dat vraagt.\n",
			"Note: %s asks for your %s. That is protected (%s): a school or employer may not judge you on it unless the law requires it.\n"),
			display(pr.VerifierName), pc.Category.Label(cliLang), pc.Category.Source())
		if g := pc.Ground; g != nil {
			fmt.Fprintf(out, msg("  De reden die zij opgeven: %s (%s).\n", "  The reason they give: %s (%s).\n"), display(g.Text.Get(cliLang)), display(g.Reference))
		} else {
			fmt.Fprintln(out, msg("  Zij geven geen wettelijke reden op. U hoeft dit niet te delen: antwoord n om te weigeren.",
				"  They give no legal reason. You do not have to share this: answer n to decline."))
		}
	}
}
