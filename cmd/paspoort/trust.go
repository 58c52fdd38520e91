package main

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/loopbrug/paspoort/consortium"
	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/credentials/profile"
	"github.com/loopbrug/paspoort/credentials/registry"
	"github.com/loopbrug/paspoort/internal/jose"
)

// trustPassphraseEnv holds the passphrase of the consortium signing key
// for scripts.
const trustPassphraseEnv = "PASPOORT_TRUST_PASSPHRASE"

// trustFlags are the flags every trust command shares.
type trustFlags struct {
	dir, passphraseFile string
}

func newTrustCommand() *cobra.Command {
	f := &trustFlags{}
	cmd := &cobra.Command{
		Use:   "trust",
		Short: "Keep a consortium's register: issuers, verifiers, signed versions, serving",
		Long: "The toolbox of a consortium. Its register says which issuers may issue which PPP types and\n" +
			"which verifiers may ask for which profiles; it is published as a signed JWT, one version\n" +
			"after another (docs/registry.md). All state lives in the folder --dir: the draft, the\n" +
			"ES256 signing key sealed with a passphrase (--passphrase-file or " + trustPassphraseEnv + "),\n" +
			"and versions/N.jwt.",
		Example: "  paspoort trust init --dir reg --id https://register.example.nl --name-nl 'Consortium' --name-en 'Consortium' --passphrase-file pass\n" +
			"  paspoort trust add-issuer --dir reg --id did:web:toets.example.nl --name-nl Toetsbureau --name-en 'Assessment office' --kind assessor --types skill,level\n" +
			"  paspoort trust sign --dir reg --passphrase-file pass\n" +
			"  paspoort trust serve --dir reg --addr :8080",
	}
	cmd.PersistentFlags().StringVar(&f.dir, "dir", "", "the consortium folder")
	cmd.PersistentFlags().StringVar(&f.passphraseFile, "passphrase-file", "", "file holding the passphrase of the signing key (or "+trustPassphraseEnv+")")
	cmd.AddCommand(newTrustInitCommand(f), newTrustAddIssuerCommand(f), newTrustAddVerifierCommand(f),
		newTrustRemoveCommand(f), newTrustShowCommand(f), newTrustSignCommand(f), newTrustServeCommand(f))
	return cmd
}

func (f *trustFlags) open() (*consortium.Folder, error) {
	if f.dir == "" {
		return nil, usagef("%s", msg("--dir is verplicht: de map van het consortium", "--dir is required: the consortium folder"))
	}
	c, err := consortium.Open(f.dir)
	return c, trustError(err)
}

func (f *trustFlags) passphrase(cmd *cobra.Command, prompt string) ([]byte, error) {
	return readPassphrase(cmd, "passphrase-file", f.passphraseFile, trustPassphraseEnv, prompt)
}

// names checks --name-nl and --name-en.
func names(nl, en string) (registry.Text, error) {
	if strings.TrimSpace(nl) == "" || strings.TrimSpace(en) == "" {
		return registry.Text{}, usagef("%s", msg("--name-nl en --name-en zijn allebei verplicht", "--name-nl and --name-en are both required"))
	}
	return registry.Text{NL: nl, EN: en}, nil
}

func newTrustInitCommand(f *trustFlags) *cobra.Command {
	var id, nl, en string
	cmd := &cobra.Command{
		Use:   "init --dir DIR --id URL --name-nl NAME --name-en NAME [--passphrase-file FILE]",
		Short: "Create a consortium folder: an empty draft and a new signing key",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.dir == "" {
				return usagef("%s", msg("--dir is verplicht: de map voor het nieuwe consortium", "--dir is required: the folder for the new consortium"))
			}
			if !strings.HasPrefix(id, "https://") {
				return usagef("%s", msg("--id moet een https-URL zijn, zoals https://register.example.nl", "--id must be an https URL, such as https://register.example.nl"))
			}
			name, err := names(nl, en)
			if err != nil {
				return err
			}
			pass, err := f.passphrase(cmd, "New passphrase for the signing key: ")
			if err != nil {
				return err
			}
			defer clear(pass)
			c, err := consortium.Init(f.dir, registry.Consortium{ID: id, Name: name}, pass)
			if err != nil {
				return trustError(err)
			}
			k, err := c.PublicKey(cmd.Context())
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), msg("Consortium aangemaakt in %s. Ondertekensleutel %s (publiek: %s).\n",
				"Consortium created in %s. Signing key %s (public: %s).\n"), f.dir, k.KeyID(), filepath.Join(f.dir, "register-key.json"))
			return err
		},
	}
	cmd.Flags().StringVar(&id, "id", "", "the consortium's id: an https URL")
	cmd.Flags().StringVar(&nl, "name-nl", "", "its name in Dutch")
	cmd.Flags().StringVar(&en, "name-en", "", "its name in English")
	return cmd
}

func issuerKindNames() string {
	var s []string
	for _, k := range registry.IssuerKinds {
		s = append(s, string(k))
	}
	return strings.Join(s, ", ")
}

func verifierKindNames() string {
	var s []string
	for _, k := range registry.VerifierKinds {
		s = append(s, string(k))
	}
	return strings.Join(s, ", ")
}

func newTrustAddIssuerCommand(f *trustFlags) *cobra.Command {
	var id, nl, en, kind string
	var types []string
	cmd := &cobra.Command{
		Use:   "add-issuer --dir DIR --id ISS --name-nl NAME --name-en NAME --kind KIND --types TYPE[,TYPE]",
		Short: "Admit an issuer for PPP types (kinds: " + issuerKindNames() + ")",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.open()
			if err != nil {
				return err
			}
			if !registry.IsIssuerID(id) {
				return usagef("%s", msg("--id moet de DID of https-URL van de uitgever zijn (zijn \"iss\"), niet "+fmt.Sprintf("%q", id),
					"--id must be the issuer's DID or https URL (its \"iss\"), not "+fmt.Sprintf("%q", id)))
			}
			name, err := names(nl, en)
			if err != nil {
				return err
			}
			if !slices.Contains(registry.IssuerKinds, registry.IssuerKind(kind)) {
				return usagef(msg("--kind %q bestaat niet; kies uit: %s", "--kind %q is not a kind; choose from: %s"), kind, issuerKindNames())
			}
			if len(types) == 0 {
				return usagef(msg("--types is verplicht; PPP-typen: %s", "--types is required; PPP types: %s"), pppTypeNames())
			}
			for _, t := range types {
				if _, ok := ppp.Lookup(t); !ok {
					return usagef(msg("--types: %q is geen PPP-type; kies uit: %s", "--types: %q is not a PPP type; choose from: %s"), t, pppTypeNames())
				}
			}
			if err := c.AddIssuer(registry.Issuer{ID: id, Name: name, Kind: registry.IssuerKind(kind), Types: types}); err != nil {
				return trustError(err)
			}
			return drafted(cmd, msg("Uitgever toegevoegd", "Issuer added"))
		},
	}
	cmd.Flags().StringVar(&id, "id", "", "the issuer's \"iss\": a DID or an https URL")
	cmd.Flags().StringVar(&nl, "name-nl", "", "its name in Dutch")
	cmd.Flags().StringVar(&en, "name-en", "", "its name in English")
	cmd.Flags().StringVar(&kind, "kind", "", "kind: "+issuerKindNames())
	cmd.Flags().StringSliceVar(&types, "types", nil, "PPP types it may issue, comma-separated")
	return cmd
}

// drafted tells that the draft changed and what makes it public.
func drafted(cmd *cobra.Command, what string) error {
	_, err := fmt.Fprintf(cmd.OutOrStdout(), "%s %s\n", what, msg("in het concept; 'paspoort trust sign' maakt het openbaar.", "to the draft; 'paspoort trust sign' makes it public."))
	return err
}

func pppTypeNames() string {
	var s []string
	for _, t := range ppp.Types() {
		s = append(s, t.Name)
	}
	return strings.Join(s, ", ")
}

func newTrustAddVerifierCommand(f *trustFlags) *cobra.Command {
	var clientID, nl, en, kind, versions string
	var files []string
	cmd := &cobra.Command{
		Use:   "add-verifier --dir DIR --client-id ID --name-nl NAME --name-en NAME --kind KIND --profile FILE[,FILE] [--versions RANGE]",
		Short: "Admit a verifier with the profiles it may ask with (kinds: " + verifierKindNames() + ")",
		Long: "Admit a verifier. --client-id is its OpenID4VP client_id as it sends it:\n" +
			"decentralized_identifier:<its DID>. Each --profile (YAML or JSON) is read and its id, the\n" +
			"version range (--versions; default: exactly the file's version) and the claims it asks\n" +
			"are recorded. Ranges: \"*\", \"1.x\", \"2026.1\", \">=1 <3\" (docs/registry.md).",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.open()
			if err != nil {
				return err
			}
			if !registry.IsClientID(clientID) {
				hint := clientID
				if strings.HasPrefix(clientID, "did:") {
					hint = "decentralized_identifier:" + clientID
				} else {
					hint = "decentralized_identifier:did:web:…"
				}
				return usagef(msg("--client-id %q is geen client_id zoals de verifier die stuurt; bedoelt u %s?", "--client-id %q is not a client_id as the verifier sends it; did you mean %s?"), clientID, hint)
			}
			name, err := names(nl, en)
			if err != nil {
				return err
			}
			if !slices.Contains(registry.VerifierKinds, registry.VerifierKind(kind)) {
				return usagef(msg("--kind %q bestaat niet; kies uit: %s", "--kind %q is not a kind; choose from: %s"), kind, verifierKindNames())
			}
			if len(files) == 0 {
				return usagef("%s", msg("--profile is verplicht: het eisenprofiel (YAML of JSON) waarmee de verifier vraagt", "--profile is required: the requirement profile (YAML or JSON) the verifier asks with"))
			}
			v := registry.Verifier{ClientID: clientID, Name: name, Kind: registry.VerifierKind(kind)}
			for _, file := range files {
				e, err := profileEntry(file, versions)
				if err != nil {
					return err
				}
				v.Profiles = append(v.Profiles, e)
			}
			if err := c.AddVerifier(v); err != nil {
				return trustError(err)
			}
			return drafted(cmd, msg("Verifier toegevoegd", "Verifier added"))
		},
	}
	cmd.Flags().StringVar(&clientID, "client-id", "", "the verifier's client_id: decentralized_identifier:<DID>")
	cmd.Flags().StringVar(&nl, "name-nl", "", "its name in Dutch")
	cmd.Flags().StringVar(&en, "name-en", "", "its name in English")
	cmd.Flags().StringVar(&kind, "kind", "", "kind: "+verifierKindNames())
	cmd.Flags().StringSliceVar(&files, "profile", nil, "requirement profile files (YAML or JSON), comma-separated or repeated")
	cmd.Flags().StringVar(&versions, "versions", "", "version range of the profiles (default: exactly each file's version)")
	return cmd
}

// profileEntry reads a profile file and makes its register entry.
func profileEntry(file, versions string) (registry.ProfileEntry, error) {
	b, err := readFile("profile", file)
	if err != nil {
		return registry.ProfileEntry{}, err
	}
	p, err := profile.Parse(filepath.Base(file), b)
	if err != nil {
		return registry.ProfileEntry{}, tell(err, fmt.Sprintf("het profiel %s is niet geldig: %v. Verbeter het bestand of geef een ander met --profile.", file, err),
			fmt.Sprintf("the profile %s is not valid: %v. Fix the file or give another with --profile.", file, err))
	}
	e, err := registry.NewProfileEntry(p, versions)
	if err != nil {
		return registry.ProfileEntry{}, usagef(msg("--versions %q: %v; schrijf bijvoorbeld \"*\", \"1.x\", \"2026.1\" of \">=1 <3\", en neem versie %s van %s erin op",
			"--versions %q: %v; write for example \"*\", \"1.x\", \"2026.1\" or \">=1 <3\", including version %s of %s"), versions, err, p.Version, file)
	}
	return e, nil
}

func newTrustRemoveCommand(f *trustFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "remove --dir DIR ID",
		Short: "Remove an issuer (by id) or a verifier (by client_id) from the draft",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("%s", msg("geef precies één id: van een uitgever of de client_id van een verifier", "give exactly one id: an issuer's, or a verifier's client_id"))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.open()
			if err != nil {
				return err
			}
			if err := c.Remove(args[0]); err != nil {
				return trustError(err)
			}
			return drafted(cmd, msg("Verwijderd", "Removed"))
		},
	}
}

func newTrustSignCommand(f *trustFlags) *cobra.Command {
	var valid time.Duration
	var nextKeys []string
	var rotate bool
	cmd := &cobra.Command{
		Use:   "sign --dir DIR [--valid 720h] [--next-key FILE ...] [--rotate] [--passphrase-file FILE]",
		Short: "Sign the draft as the next version (versions/N.jwt)",
		Long: "Sign the draft as the next version: it names the previous version's hash (prev) and the\n" +
			"keys that may sign the version after it (next_keys: the signing key, and the public JWKs\n" +
			"of --next-key). With --rotate a new signing key is made: this version names it instead\n" +
			"of the current key, the next version is signed with it, and the old key is deleted.",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.open()
			if err != nil {
				return err
			}
			if valid < time.Minute {
				return usagef("%s", msg("--valid moet minstens een minuut zijn, zoals 720h", "--valid must be at least a minute, such as 720h"))
			}
			var extra []*jose.PublicKey
			for _, file := range nextKeys {
				k, err := readPublicKey("next-key", file)
				if err != nil {
					return err
				}
				if k.Alg() != jose.ES256 {
					return usagef(msg("--next-key %s is geen ES256-sleutel", "--next-key %s is not an ES256 key"), file)
				}
				extra = append(extra, k)
			}
			pass, err := f.passphrase(cmd, "Passphrase of the signing key: ")
			if err != nil {
				return err
			}
			defer clear(pass)
			r, err := c.Sign(pass, consortium.SignOptions{Valid: valid, NextKeys: extra, Rotate: rotate})
			if err != nil {
				return trustError(err)
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), msg("Versie %d ondertekend met %s, geldig tot %s: %s\n", "Version %d signed with %s, valid until %s: %s\n"),
				r.Version, r.KeyID, r.ExpiresTime().UTC().Format(time.RFC3339), filepath.Join(c.Dir(), "versions", fmt.Sprintf("%d.jwt", r.Version)))
			if err == nil && rotate {
				_, err = fmt.Fprintf(cmd.OutOrStdout(), msg("Nieuwe ondertekensleutel %s: de volgende versie wordt daarmee ondertekend.\n",
					"New signing key %s: the next version is signed with it.\n"), r.NextKeys[0].KeyID())
			}
			return err
		},
	}
	cmd.Flags().DurationVar(&valid, "valid", consortium.DefaultValid, "how long the version is valid")
	cmd.Flags().StringArrayVar(&nextKeys, "next-key", nil, "public JWK file of another key that may sign the next version (repeatable)")
	cmd.Flags().BoolVar(&rotate, "rotate", false, "make a new signing key, named in this version and used for the next")
	return cmd
}

// latestDoc reads the latest signed version of the folder, nil when none.
func latestDoc(ctx context.Context, c *consortium.Folder) (*registry.Document, error) {
	_, tok, err := c.Latest(ctx)
	if err != nil {
		return nil, err
	}
	j, err := jose.ParseCompact(string(tok))
	if err != nil {
		return nil, err
	}
	return registry.Parse(j.Payload)
}
