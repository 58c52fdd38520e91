package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/spf13/cobra"
)

// newPPPCommand returns the "ppp" command: the PPP vocabulary (credential
// types, schemas, examples, type metadata and the ESCO subset).
func newPPPCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ppp",
		Short: "Inspect the PPP credential types and the ESCO subset",
		Long: "Inspect the credential types of the Persoonlijk Profiel Paspoort: their JSON Schemas,\n" +
			"example claims, SD-JWT VC type metadata, and the shipped ESCO subset.\n\n" +
			ppp.ESCOAttribution,
	}
	cmd.AddCommand(newPPPTypesCommand(), newPPPSchemaCommand(), newPPPExampleCommand(),
		newPPPMetadataCommand(), newPPPESCOCommand())
	return cmd
}

func newPPPTypesCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "types",
		Short: "List the credential types",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := cmd.OutOrStdout()
			types := ppp.Types()
			if asJSON {
				type row struct {
					Name  string    `json:"name"`
					VCT   string    `json:"vct"`
					Block ppp.Block `json:"block"`
				}
				rows := make([]row, len(types))
				for i, t := range types {
					rows[i] = row{t.Name, t.VCT, t.Block}
				}
				b, err := json.MarshalIndent(rows, "", "  ")
				if err != nil {
					return fmt.Errorf("ppp types: %w", err)
				}
				_, err = fmt.Fprintf(out, "%s\n", b)
				return err
			}
			w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "NAME\tVCT\tBUILDING BLOCK")
			for _, t := range types {
				fmt.Fprintf(w, "%s\t%s\t%s (%s)\n", t.Name, t.VCT, t.Block.Name("en"), t.Block.Name("nl"))
			}
			return w.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON array of {name, vct, block}")
	return cmd
}

// lookupType finds a type by name, or fails naming the valid types.
func lookupType(name string) (ppp.Type, error) {
	t, ok := ppp.Lookup(name)
	if !ok {
		return ppp.Type{}, fmt.Errorf("unknown credential type %q; valid types: %s", name, strings.Join(ppp.Names(), ", "))
	}
	return t, nil
}

// newPPPTypeCommand builds a "<use> TYPE" command that prints what show
// returns for the type.
func newPPPTypeCommand(use, short string, show func(ppp.Type) ([]byte, error)) *cobra.Command {
	return &cobra.Command{
		Use:       use + " TYPE",
		Short:     short,
		Args:      cobra.ExactArgs(1),
		ValidArgs: ppp.Names(),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := lookupType(args[0])
			if err != nil {
				return err
			}
			b, err := show(t)
			if err != nil {
				return fmt.Errorf("ppp %s %s: %w", use, t.Name, err)
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "%s\n", strings.TrimRight(string(b), "\n"))
			return err
		},
	}
}

func newPPPSchemaCommand() *cobra.Command {
	return newPPPTypeCommand("schema", "Print the JSON Schema of a credential type",
		func(t ppp.Type) ([]byte, error) { return t.Schema(), nil })
}

func newPPPExampleCommand() *cobra.Command {
	return newPPPTypeCommand("example", "Print a valid example claims document of a credential type",
		func(t ppp.Type) ([]byte, error) { return t.Example(), nil })
}

func newPPPMetadataCommand() *cobra.Command {
	return newPPPTypeCommand("metadata", "Print the SD-JWT VC type metadata of a credential type",
		func(t ppp.Type) ([]byte, error) { return t.TypeMetadata() })
}

func newPPPESCOCommand() *cobra.Command {
	esco := &cobra.Command{
		Use:   "esco",
		Short: "Search the shipped ESCO subset",
		Long:  "Search the shipped ESCO " + ppp.ESCOVersion + " subset.\n\n" + ppp.ESCOAttribution,
	}
	var limit int
	search := &cobra.Command{
		Use:   "search QUERY",
		Short: "Search skills and occupations by English or Dutch label",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if limit < 1 {
				return fmt.Errorf("--limit must be at least 1, got %d", limit)
			}
			q := strings.Join(args, " ")
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "KIND\tLABEL (EN)\tLABEL (NL)\tURI")
			occ := ppp.SearchOccupations(q, limit)
			for _, o := range occ {
				fmt.Fprintf(w, "occupation\t%s\t%s\t%s\n", o.LabelEn, o.LabelNl, o.URI)
			}
			skills := ppp.SearchSkills(q, limit)
			for _, s := range skills {
				nl := s.LabelNl
				if nl == "" {
					nl = "-"
				}
				fmt.Fprintf(w, "skill\t%s\t%s\t%s\n", s.LabelEn, nl, s.URI)
			}
			if err := w.Flush(); err != nil {
				return err
			}
			if len(occ)+len(skills) == 0 {
				fmt.Fprintf(cmd.OutOrStdout(), "no ESCO skill or occupation matches %q\n", q)
			}
			_, err := fmt.Fprintln(cmd.OutOrStdout(), "\n"+ppp.ESCOAttribution)
			return err
		},
	}
	search.Flags().IntVar(&limit, "limit", 20, "maximum number of skills and of occupations to show")
	esco.AddCommand(search)
	return esco
}
