package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/loopbrug/paspoort/consortium"
	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/credentials/registry"
	"github.com/loopbrug/paspoort/internal/serve"
)

func newTrustServeCommand(f *trustFlags) *cobra.Command {
	var addr string
	cmd := &cobra.Command{
		Use:   "serve --dir DIR --addr HOST:PORT",
		Short: "Publish the register: /register.jwt, /register/N.jwt, /register-key.json and a public page",
		Long: "Serve the consortium folder until SIGTERM: GET /register.jwt (the latest version),\n" +
			"/register/N.jwt (every version, for followers that walk the chain), /register-key.json\n" +
			"(the key that signed the latest version, to pin) and / (a public page listing the\n" +
			"members, ?lang=en in English). It serves plain HTTP for a TLS-terminating proxy in front.\n" +
			"A version signed while it runs is served at once.",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.open()
			if err != nil {
				return err
			}
			if addr == "" {
				return usagef("%s", msg("--addr is verplicht: het adres om op te luisteren, zoals :8080", "--addr is required: the address to listen on, such as :8080"))
			}
			log := slog.New(slog.NewJSONHandler(cmd.ErrOrStderr(), nil))
			h, err := consortium.NewHandler(c, consortium.WithLogger(log))
			if err != nil {
				return err
			}
			ctx, stop := signalContext(cmd.Context(), cmd.ErrOrStderr())
			defer stop()
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return usagef("--addr: %v", err)
			}
			log.Info("register listening", "listen", ln.Addr().String(), "dir", c.Dir())
			srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second}
			if err := serve.Run(ctx, srv, ln, serve.Options{}); err != nil {
				return fmt.Errorf("serve: %w", err)
			}
			log.Info("register stopped")
			return nil
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "", "listen address HOST:PORT")
	return cmd
}

func newTrustShowCommand(f *trustFlags) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show --dir DIR [--json]",
		Short: "Show the draft's members and the latest signed version",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.open()
			if err != nil {
				return err
			}
			d, err := c.Draft()
			if err != nil {
				return trustError(err)
			}
			latest, err := latestDoc(cmd.Context(), c)
			if err != nil && !errors.Is(err, consortium.ErrNotSigned) {
				return trustError(err)
			}
			if asJSON {
				out := struct {
					Draft   *consortium.Draft `json:"draft"`
					Version uint64            `json:"version"`
					Expires *time.Time        `json:"expires,omitempty"`
				}{Draft: d}
				if latest != nil {
					exp := latest.ExpiresTime().UTC()
					out.Version, out.Expires = latest.Version, &exp
				}
				return writeJSON(cmd, out)
			}
			_, err = fmt.Fprint(cmd.OutOrStdout(), showText(d, latest, cliLang))
			return err
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON instead of text")
	return cmd
}

// showText is the readable listing of trust show.
func showText(d *consortium.Draft, latest *registry.Document, lang string) string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	p("%s %s (%s)", msg("Register van", "Register of"), d.Consortium.Name.Get(lang), d.Consortium.ID)
	if latest == nil {
		p("%s", msg("Nog geen versie ondertekend ('paspoort trust sign').", "No version signed yet ('paspoort trust sign')."))
	} else {
		p(msg("Laatste versie: %d, geldig tot %s.", "Latest version: %d, valid until %s."), latest.Version, latest.ExpiresTime().UTC().Format("2006-01-02 15:04 MST"))
	}
	p("")
	p(msg("Uitgevers (%d):", "Issuers (%d):"), len(d.Issuers))
	for _, is := range d.Issuers {
		var types []string
		for _, t := range is.Types {
			types = append(types, pppLabel(t, lang))
		}
		p("  %s — %s", is.Name.Get(lang), consortium.KindLabel(string(is.Kind), lang))
		p("    %s", is.ID)
		p("    %s %s", msg("mag uitgeven:", "may issue:"), strings.Join(types, ", "))
	}
	p("")
	p(msg("Organisaties die bewijs vragen (%d):", "Organisations that ask for evidence (%d):"), len(d.Verifiers))
	for _, v := range d.Verifiers {
		p("  %s — %s", v.Name.Get(lang), consortium.KindLabel(string(v.Kind), lang))
		p("    %s", v.ClientID)
		for _, pr := range v.Profiles {
			var asks []string
			for _, c := range pr.Claims {
				var paths []string
				for _, path := range c.Paths {
					paths = append(paths, strings.Join(path, "."))
				}
				asks = append(asks, pppLabel(c.Type, lang)+" ("+strings.Join(paths, ", ")+")")
			}
			p("    %s %s, %s %s: %s", msg("profiel", "profile"), pr.ID, msg("versies", "versions"), pr.Versions, strings.Join(asks, "; "))
		}
	}
	return b.String()
}

func pppLabel(t, lang string) string {
	if pt, ok := ppp.Lookup(t); ok {
		if d, ok := pt.Display[lang]; ok && d.Name != "" {
			return d.Name
		}
	}
	return t
}

// trustError tells a person what a failed trust command means and which
// flag or step fixes it.
func trustError(err error) error {
	var pe *personError
	var ue *usageError
	switch {
	case err == nil || errors.As(err, &pe) || errors.As(err, &ue):
		return err
	case errors.Is(err, consortium.ErrNoFolder):
		return tell(err, "in deze map staat geen consortium. Maak er een met 'paspoort trust init', of kies de map met --dir.",
			"there is no consortium in this folder. Create one with 'paspoort trust init', or choose the folder with --dir.")
	case errors.Is(err, consortium.ErrFolderExists):
		return tell(err, "in deze map staat al een consortium; er is niets overschreven. Kies een andere map met --dir.",
			"this folder already holds a consortium; nothing was overwritten. Choose another folder with --dir.")
	case errors.Is(err, consortium.ErrWrongPassphrase):
		return tell(err, "dat is niet de wachtwoordzin van de ondertekensleutel. Geef de juiste met --passphrase-file of "+trustPassphraseEnv+".",
			"that is not the passphrase of the signing key. Give the right one with --passphrase-file or "+trustPassphraseEnv+".")
	case errors.Is(err, consortium.ErrShortPassphrase):
		return tell(err, fmt.Sprintf("de wachtwoordzin is te kort: minstens %d tekens. Geef een langere met --passphrase-file of %s.", consortium.MinPassphrase, trustPassphraseEnv),
			fmt.Sprintf("the passphrase is too short: at least %d characters. Give a longer one with --passphrase-file or %s.", consortium.MinPassphrase, trustPassphraseEnv))
	case errors.Is(err, registry.ErrDuplicateMember):
		return tell(err, "dat id staat al in het register; er is niets veranderd. Haal het eerst weg met 'paspoort trust remove', of kies een ander --id/--client-id.",
			"that id is already in the register; nothing changed. Remove it first with 'paspoort trust remove', or choose another --id/--client-id.")
	case errors.Is(err, consortium.ErrNotFound):
		return tell(err, "dat id staat niet in het register; 'paspoort trust show' toont de leden.",
			"that id is not in the register; 'paspoort trust show' lists the members.")
	case errors.Is(err, registry.ErrUnannouncedKey):
		return tell(err, "de ondertekensleutel in keys/ is niet een van de sleutels die de vorige versie aankondigde; volgers zouden deze versie weigeren en er is niets ondertekend. Zet de juiste sleutel terug (keys/signing.sealed).",
			"the signing key in keys/ is not one the previous version announced; followers would refuse this version and nothing was signed. Put the right key back (keys/signing.sealed).")
	case errors.Is(err, registry.ErrTooLarge):
		return tell(err, "het register wordt groter dan 1 MiB; er is niets ondertekend. Verdeel de leden over meer consortia.",
			"the register would be over 1 MiB; nothing was signed. Split the members over more consortia.")
	case errors.Is(err, registry.ErrMalformed):
		return tell(err, "het concept (draft.json) is niet geldig: "+err.Error()+". Herstel het met 'paspoort trust remove' en 'add-…', niet met de hand.",
			"the draft (draft.json) is not valid: "+err.Error()+". Repair it with 'paspoort trust remove' and 'add-…', not by hand.")
	}
	return err
}
