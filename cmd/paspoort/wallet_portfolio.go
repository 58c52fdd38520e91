package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/wallet"
)

// The EVC portfolio (issue 13): a holder gathers evidence for a standard in
// her wallet and issues it to herself, to share with an EVC provider.

func newWalletPortfolioCommand(f *walletFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "portfolio",
		Short: "Build an EVC portfolio: your evidence for a standard, to have it recognised",
		Long: "EVC (Erkenning van Verworven Competenties) recognises what you learned outside school: in work,\n" +
			"volunteering, sport or care. You gather evidence per competence of a standard (an occupation's\n" +
			"ESCO skills, or an MBO kwalificatiedossier): what you did, where, since when, with files and the\n" +
			"credentials you hold. Files stay encrypted in your wallet; the portfolio names them by their\n" +
			"fingerprint (SHA-256), so you can show them to the assessor later. 'issue' turns the portfolio\n" +
			"into a credential you sign yourself; share it with an EVC provider with 'paspoort wallet share'.",
	}
	cmd.AddCommand(newPortfolioNewCommand(f), newPortfolioListCommand(f), newPortfolioShowCommand(f), newPortfolioAddCommand(f),
		newPortfolioAttachCommand(f), newPortfolioLinkCommand(f), newPortfolioIssueCommand(f), newPortfolioExportFileCommand(f))
	return cmd
}

// findOccupation reads a standard as given: a five-digit crebo number, an
// ESCO occupation URI, or words that name exactly one ESCO occupation.
func findOccupation(q string) (string, error) {
	q = strings.TrimSpace(q)
	if _, ok := ppp.ESCOOccupation(q); ok || (len(q) == 5 && strings.Trim(q, "0123456789") == "") {
		return q, nil
	}
	hits := ppp.SearchOccupations(q, 6)
	switch {
	case len(hits) == 1 || (len(hits) > 1 && (strings.EqualFold(hits[0].LabelNl, q) || strings.EqualFold(hits[0].LabelEn, q))):
		return hits[0].URI, nil
	case len(hits) == 0:
		return "", usagef("%s", msg(fmt.Sprintf("geen beroep gevonden voor %q; zoek met 'paspoort ppp esco search WOORD'", q),
			fmt.Sprintf("no occupation found for %q; search with 'paspoort ppp esco search WORD'", q)))
	}
	var names []string
	for _, o := range hits {
		names = append(names, o.LabelNl)
	}
	return "", usagef("%s", msg("meer beroepen passen: "+strings.Join(names, "; ")+". Geef de naam precies.",
		"several occupations match: "+strings.Join(names, "; ")+". Give the exact name."))
}

// findSkill reads a skill as given: an ESCO skill URI or words that name
// exactly one skill (the standard's skills first).
func findSkill(q, standard string) (string, error) {
	q = strings.TrimSpace(q)
	if _, ok := ppp.ESCOSkill(q); ok {
		return q, nil
	}
	for _, s := range wallet.StandardSkills(standard) {
		if strings.EqualFold(s.LabelNl, q) || strings.EqualFold(s.LabelEn, q) {
			return s.URI, nil
		}
	}
	hits := ppp.SearchSkills(q, 6)
	if len(hits) == 1 || (len(hits) > 1 && (strings.EqualFold(hits[0].LabelNl, q) || strings.EqualFold(hits[0].LabelEn, q))) {
		return hits[0].URI, nil
	}
	return "", usagef("%s", msg(fmt.Sprintf("geen eenduidige vaardigheid voor %q; 'paspoort wallet portfolio show ID' toont de vaardigheden van de standaard", q),
		fmt.Sprintf("no single skill matches %q; 'paspoort wallet portfolio show ID' lists the standard's skills", q)))
}

// portfolioError says what a refused portfolio step means and what fixes it.
func portfolioError(err error) error {
	var pe *wallet.PortfolioError
	switch {
	case errors.As(err, &pe):
		return tell(err, pe.NL+".", pe.EN+".")
	case errors.Is(err, wallet.ErrPortfolioIssued):
		return tell(err, "dit portfolio is al uitgegeven en ligt vast. Begin een nieuw met 'paspoort wallet portfolio new'.",
			"this portfolio was issued and is final. Start a new one with 'paspoort wallet portfolio new'.")
	case errors.Is(err, wallet.ErrNotFound):
		return tell(err, "dat portfolio, onderdeel of bewijs is er niet; 'paspoort wallet portfolio list' en 'paspoort wallet list' tonen wat er is.",
			"that portfolio, entry or credential does not exist; 'paspoort wallet portfolio list' and 'paspoort wallet list' show what there is.")
	}
	return err
}

func newPortfolioNewCommand(f *walletFlags) *cobra.Command {
	var label string
	cmd := &cobra.Command{
		Use:   "new STANDARD",
		Short: "Start a portfolio for a standard: an occupation (name or ESCO URI) or a crebo number",
		Example: "  paspoort wallet portfolio new sportcoach\n" +
			"  paspoort wallet portfolio new 25698 --label 'Sport- en bewegingsleider'",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			std, err := findOccupation(args[0])
			if err != nil {
				return err
			}
			w, err := f.open(cmd)
			if err != nil {
				return err
			}
			defer w.Close()
			p, err := w.NewPortfolio(cmd.Context(), std, label)
			if err != nil {
				return portfolioError(err)
			}
			out := cmd.OutOrStdout()
			fmt.Fprintln(out, msg(fmt.Sprintf("Portfolio %s gemaakt voor: %s.", p.ID, p.StandardLabel), fmt.Sprintf("Portfolio %s started for: %s.", p.ID, p.StandardLabel)))
			printStandardSkills(out, p.Standard)
			fmt.Fprintln(out, msg("Volgende stap: 'paspoort wallet portfolio add "+p.ID+" --skill … --statement … --context … --from JJJJ-MM-DD'.",
				"Next: 'paspoort wallet portfolio add "+p.ID+" --skill … --statement … --context … --from YYYY-MM-DD'."))
			return nil
		},
	}
	cmd.Flags().StringVar(&label, "label", "", "the standard's name (required for a crebo number)")
	return cmd
}

func printStandardSkills(out io.Writer, standard string) {
	skills := wallet.StandardSkills(standard)
	if len(skills) == 0 {
		return
	}
	fmt.Fprintln(out, msg("De standaard vraagt deze vaardigheden:", "The standard asks for these skills:"))
	for _, s := range skills {
		l, english := ppp.SkillLabel(s.URI, cliLang)
		if english && cliLang == "nl" {
			l += " (Engelse naam)"
		}
		fmt.Fprintf(out, "  - %s\n", l)
	}
}

func newPortfolioListCommand(f *walletFlags) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "Your portfolios",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w, err := f.open(cmd)
			if err != nil {
				return err
			}
			defer w.Close()
			ps, err := w.Portfolios(cmd.Context())
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd, ps)
			}
			out := cmd.OutOrStdout()
			if len(ps) == 0 {
				fmt.Fprintln(out, msg("U heeft nog geen portfolio. Begin met 'paspoort wallet portfolio new BEROEP'.", "You have no portfolio yet. Start with 'paspoort wallet portfolio new OCCUPATION'."))
			}
			for _, p := range ps {
				state := msg("in opbouw", "draft")
				if p.Issued != "" {
					state = msg("uitgegeven", "issued")
				}
				fmt.Fprintf(out, "%s  %s  %d %s  (%s)\n", p.ID, p.StandardLabel, len(p.Entries), msg("onderdelen", "entries"), state)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func newPortfolioShowCommand(f *walletFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show a portfolio: its entries, files and credentials",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			w, err := f.open(cmd)
			if err != nil {
				return err
			}
			defer w.Close()
			p, err := w.Portfolio(cmd.Context(), args[0])
			if err != nil {
				return portfolioError(err)
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "%s: %s\n", msg("Standaard", "Standard"), p.StandardLabel)
			for i, e := range p.Entries {
				l, _ := ppp.SkillLabel(e.Skill, cliLang)
				period := e.From + " – " + e.Until
				if e.Until == "" {
					period = msg("sinds ", "since ") + e.From
				}
				fmt.Fprintf(out, "\n%d. %s\n   %s (%s)\n   %s\n", i+1, l, e.Context, period, e.Statement)
				for _, a := range e.Attachments {
					fmt.Fprintf(out, "   %s: %s (%d kB)\n", msg("bestand", "file"), a.Name, (a.Size+1023)/1024)
				}
				for _, id := range e.Credentials {
					if c, err := w.Credential(id); err == nil {
						fmt.Fprintf(out, "   %s: %s %s %s\n", msg("bewijs", "credential"), typeName(c.VCT, c.Type), msg("van", "from"), c.IssuerName)
					}
				}
			}
			if p.Issued != "" {
				fmt.Fprintln(out, "\n"+msg("Uitgegeven als bewijs "+p.Issued+".", "Issued as credential "+p.Issued+"."))
			} else {
				printStandardSkills(out, p.Standard)
			}
			return nil
		},
	}
	return cmd
}

func newPortfolioAddCommand(f *walletFlags) *cobra.Command {
	var e wallet.PortfolioEntry
	var skill string
	cmd := &cobra.Command{
		Use:   "add ID --skill SKILL --statement TEXT --context TEXT --from DATE [--until DATE]",
		Short: "Add what you did for one competence",
		Example: "  paspoort wallet portfolio add ID --skill 'instruct in sport' \\\n" +
			"    --statement 'Ik geef twee keer per week training aan de jeugd, met een plan per seizoen.' \\\n" +
			"    --context 'Vrijwillig jeugdtrainer bij SV Domstad' --from 2014-08-01",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if skill == "" || e.Statement == "" || e.Context == "" || e.From == "" {
				return usagef("%s", msg("geef --skill, --statement, --context en --from", "give --skill, --statement, --context and --from"))
			}
			w, err := f.open(cmd)
			if err != nil {
				return err
			}
			defer w.Close()
			p, err := w.Portfolio(cmd.Context(), args[0])
			if err != nil {
				return portfolioError(err)
			}
			if e.Skill, err = findSkill(skill, p.Standard); err != nil {
				return err
			}
			idx, err := w.AddPortfolioEntry(cmd.Context(), p.ID, e)
			if err != nil {
				return portfolioError(err)
			}
			l, _ := ppp.SkillLabel(e.Skill, cliLang)
			fmt.Fprintln(cmd.OutOrStdout(), msg(
				fmt.Sprintf("Onderdeel %d toegevoegd: %s. Voeg bewijs toe met 'attach %s --entry %d BESTAND' of 'link %s --entry %d BEWIJS-ID'.", idx+1, l, p.ID, idx+1, p.ID, idx+1),
				fmt.Sprintf("Entry %d added: %s. Add evidence with 'attach %s --entry %d FILE' or 'link %s --entry %d CREDENTIAL-ID'.", idx+1, l, p.ID, idx+1, p.ID, idx+1)))
			return nil
		},
	}
	cmd.Flags().StringVar(&skill, "skill", "", "the competence: an ESCO skill's name or URI")
	cmd.Flags().StringVar(&e.Statement, "statement", "", "what you did, in your own words")
	cmd.Flags().StringVar(&e.Context, "context", "", "where and in what role")
	cmd.Flags().StringVar(&e.From, "from", "", "since when (YYYY-MM-DD)")
	cmd.Flags().StringVar(&e.Until, "until", "", "until when (YYYY-MM-DD); leave out while it lasts")
	return cmd
}

// entryFlag is the --entry flag: entries are numbered from 1 for people.
func entryFlag(cmd *cobra.Command, n *int) {
	cmd.Flags().IntVar(n, "entry", 0, "the entry's number, as 'show' lists it")
}

func checkEntryFlag(n int) error {
	if n < 1 {
		return usagef("%s", msg("geef het nummer van het onderdeel met --entry (1, 2, …)", "give the entry's number with --entry (1, 2, …)"))
	}
	return nil
}

func newPortfolioAttachCommand(f *walletFlags) *cobra.Command {
	var entry int
	var mediaType string
	cmd := &cobra.Command{
		Use:   "attach ID --entry N FILE",
		Short: "Keep a file as evidence for an entry (encrypted in your wallet)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkEntryFlag(entry); err != nil {
				return err
			}
			fi, err := os.Stat(args[1])
			if err != nil {
				return usagef("%s", msg("het bestand "+args[1]+" is niet te lezen", "cannot read the file "+args[1]))
			}
			if fi.Size() > wallet.MaxAttachmentSize {
				return usagef("%s", msg(fmt.Sprintf("het bestand is te groot: hoogstens %d MB", wallet.MaxAttachmentSize>>20), fmt.Sprintf("the file is too big: at most %d MB", wallet.MaxAttachmentSize>>20)))
			}
			data, err := os.ReadFile(args[1])
			if err != nil {
				return usagef("%s", msg("het bestand "+args[1]+" is niet te lezen", "cannot read the file "+args[1]))
			}
			w, err := f.open(cmd)
			if err != nil {
				return err
			}
			defer w.Close()
			a, err := w.Attach(cmd.Context(), args[0], entry-1, filepath.Base(args[1]), mediaType, data)
			if err != nil {
				return portfolioError(err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), msg(
				fmt.Sprintf("Bestand %s bewaard bij onderdeel %d (versleuteld). Vingerafdruk: %s", a.Name, entry, a.SHA256),
				fmt.Sprintf("File %s kept with entry %d (encrypted). Fingerprint: %s", a.Name, entry, a.SHA256)))
			return nil
		},
	}
	entryFlag(cmd, &entry)
	cmd.Flags().StringVar(&mediaType, "type", "", "the file's media type (default: from its extension)")
	return cmd
}

func newPortfolioLinkCommand(f *walletFlags) *cobra.Command {
	var entry int
	cmd := &cobra.Command{
		Use:   "link ID --entry N CREDENTIAL-ID",
		Short: "Name a credential you hold as evidence for an entry",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkEntryFlag(entry); err != nil {
				return err
			}
			w, err := f.open(cmd)
			if err != nil {
				return err
			}
			defer w.Close()
			if err := w.LinkCredential(cmd.Context(), args[0], entry-1, args[1]); err != nil {
				return portfolioError(err)
			}
			c, _ := w.Credential(args[1])
			fmt.Fprintln(cmd.OutOrStdout(), msg(
				fmt.Sprintf("%s van %s staat nu bij onderdeel %d.", typeName(c.VCT, c.Type), c.IssuerName, entry),
				fmt.Sprintf("%s from %s is now named with entry %d.", typeName(c.VCT, c.Type), c.IssuerName, entry)))
			return nil
		},
	}
	entryFlag(cmd, &entry)
	return cmd
}

func newPortfolioIssueCommand(f *walletFlags) *cobra.Command {
	var copies int
	cmd := &cobra.Command{
		Use:   "issue ID",
		Short: "Sign the portfolio yourself, as a credential to share with an EVC provider",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			w, err := f.open(cmd)
			if err != nil {
				return err
			}
			defer w.Close()
			c, err := w.IssuePortfolio(cmd.Context(), args[0], copies)
			if err != nil {
				return portfolioError(err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), msg(
				fmt.Sprintf("Portfolio uitgegeven als bewijs %s (door uzelf ondertekend, %d kopieën). Deel het met de EVC-aanbieder met 'paspoort wallet share'.", c.ID, c.Copies),
				fmt.Sprintf("Portfolio issued as credential %s (signed by you, %d copies). Share it with the EVC provider with 'paspoort wallet share'.", c.ID, c.Copies)))
			return nil
		},
	}
	cmd.Flags().IntVar(&copies, "copies", 2, "how many copies, each with its own key (1 to 10)")
	return cmd
}

func newPortfolioExportFileCommand(f *walletFlags) *cobra.Command {
	var entry, file int
	var outPath string
	cmd := &cobra.Command{
		Use:   "export-file ID --entry N [--file M] --out PATH",
		Short: "Write a kept file out, to show it to the assessor",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkEntryFlag(entry); err != nil {
				return err
			}
			if outPath == "" {
				return usagef("%s", msg("geef met --out waar het bestand heen moet", "give where the file goes with --out"))
			}
			w, err := f.open(cmd)
			if err != nil {
				return err
			}
			defer w.Close()
			p, err := w.Portfolio(cmd.Context(), args[0])
			if err != nil {
				return portfolioError(err)
			}
			if entry > len(p.Entries) || file < 1 || file > len(p.Entries[entry-1].Attachments) {
				return usagef("%s", msg("dat bestand is er niet; 'paspoort wallet portfolio show "+p.ID+"' toont de bestanden", "there is no such file; 'paspoort wallet portfolio show "+p.ID+"' lists the files"))
			}
			a := p.Entries[entry-1].Attachments[file-1]
			data, err := w.AttachmentData(cmd.Context(), a)
			if err != nil {
				return err
			}
			if err := os.WriteFile(outPath, data, 0o600); err != nil {
				return usagef("%s", msg("kan niet schrijven naar "+outPath, "cannot write to "+outPath))
			}
			fmt.Fprintln(cmd.OutOrStdout(), msg("Geschreven: "+outPath+" ("+a.Name+", "+strconv.Itoa(a.Size)+" bytes).", "Written: "+outPath+" ("+a.Name+", "+strconv.Itoa(a.Size)+" bytes)."))
			return nil
		},
	}
	entryFlag(cmd, &entry)
	cmd.Flags().IntVar(&file, "file", 1, "the file's number within the entry")
	cmd.Flags().StringVar(&outPath, "out", "", "where to write the file")
	return cmd
}
