package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// cliLang is the language of the command line's messages to people: "nl"
// (default) or "en" (--lang en).
var cliLang = "nl"

// msg picks the Dutch or English text.
func msg(nl, en string) string {
	if cliLang == "en" {
		return en
	}
	return nl
}

// guardUnknown makes every command with subcommands refuse an unknown one
// as a usage error (exit 2) with a suggestion, instead of printing its
// help and exiting 0, as cobra does below the root.
func guardUnknown(cmd *cobra.Command) {
	for _, c := range cmd.Commands() {
		guardUnknown(c)
	}
	if !cmd.HasSubCommands() || cmd.Run != nil || cmd.RunE != nil {
		return
	}
	cmd.Args = cobra.ArbitraryArgs
	cmd.RunE = func(c *cobra.Command, args []string) error {
		if len(args) == 0 {
			return c.Help()
		}
		return unknownCommand(c, args[0])
	}
}

func unknownCommand(c *cobra.Command, name string) error {
	s := msg(fmt.Sprintf("onbekend commando %q voor %q", name, c.CommandPath()), fmt.Sprintf("unknown command %q for %q", name, c.CommandPath()))
	var sug []string
	for _, sub := range c.Commands() {
		if sub.IsAvailableCommand() && (editDistance(name, sub.Name()) <= 2 || len(name) >= 2 && strings.HasPrefix(sub.Name(), name)) {
			sug = append(sug, sub.Name())
		}
	}
	if len(sug) > 0 {
		s += msg("; bedoelde u ", "; did you mean ") + "'" + strings.Join(sug, "' / '") + "'?"
	} else {
		s += msg("; zie '"+c.CommandPath()+" --help'", "; see '"+c.CommandPath()+" --help'")
	}
	return &usageError{fmt.Errorf("%s", s)}
}

// flagError turns pflag's error about a flag into a usage error that
// suggests the nearest flag the command has.
func flagError(c *cobra.Command, err error) error {
	text := err.Error()
	name, ok := strings.CutPrefix(text, "unknown flag: --")
	if !ok {
		if sh, ok := strings.CutPrefix(text, "unknown shorthand flag: "); ok {
			return &usageError{fmt.Errorf("%s: %s", msg("onbekende korte optie", "unknown shorthand flag"), sh)}
		}
		return &usageError{err}
	}
	s := msg("onbekende optie --", "unknown flag --") + name
	if best := nearestFlag(c, name); best != "" {
		s += msg("; bedoelde u --", "; did you mean --") + best + "?"
	}
	return &usageError{fmt.Errorf("%s", s)}
}

// nearestFlag is the visible flag of c (its own and inherited) nearest to
// name: a prefix of it, or within two edits.
func nearestFlag(c *cobra.Command, name string) string {
	best, bestD := "", 3
	visit := func(f *pflag.Flag) {
		if f.Hidden || f.Deprecated != "" {
			return
		}
		d := editDistance(name, f.Name)
		if strings.HasPrefix(f.Name, name) && len(name) >= 3 {
			d = min(d, 1)
		}
		if d < bestD {
			best, bestD = f.Name, d
		}
	}
	c.Flags().VisitAll(visit)
	c.InheritedFlags().VisitAll(visit)
	return best
}

// editDistance is the Levenshtein distance of a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
