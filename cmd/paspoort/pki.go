package main

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/loopbrug/paspoort/credentials/pki"
	"github.com/loopbrug/paspoort/internal/jose"
)

// The files of a development anchor folder (paspoort pki init --dir).
const (
	pkiAnchorFile = "anchor.pem"
	pkiKeyFile    = "anchor.key.pem" // mode 0600, never overwritten
)

func newPKICommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "pki",
		Short: "Make X.509 trust material for the HAIP profile: a development anchor and leaf certificates",
		Long: "HAIP 1.0 identifies issuers and verifiers by X.509 certificates, not DIDs. 'pki init'\n" +
			"makes a development trust anchor (a P-256 CA, optionally limited by name constraints) in\n" +
			"--dir: anchor.pem, to give to verifiers and wallets (--trust-anchors), and anchor.key.pem,\n" +
			"readable by you alone. 'pki issue' certifies a key for an issuer or verifier host: a leaf\n" +
			"with keyUsage digitalSignature and the DNS name and URI you give, written as PREFIX.chain.pem\n" +
			"(the chain for x5c, without the anchor) and, for a new key, PREFIX.key.pem.\n" +
			"For development and tests only: a real deployment gets its certificates from its trust framework.",
		Example: "  paspoort pki init --dir dev-pki --name-constraint example.org\n" +
			"  paspoort pki issue --dir dev-pki --dns school.example.org --uri https://school.example.org/issuer --out school\n" +
			"  paspoort pki issue --dir dev-pki --dns school.example.org --key issuer-signing.jwk --out school",
	}
	cmd.AddCommand(newPKIInitCommand(), newPKIIssueCommand())
	return cmd
}

func newPKIInitCommand() *cobra.Command {
	var dir string
	var constraints []string
	var days int
	cmd := &cobra.Command{
		Use:   "init --dir DIR [--name-constraint DOMAIN]...",
		Short: "Make a development trust anchor in a new folder",
		Long: "Make a P-256 CA certificate (basicConstraints CA, keyUsage keyCertSign and cRLSign) and its\n" +
			"key in --dir. With --name-constraint (repeatable) the anchor may only certify those DNS domains\n" +
			"and their subdomains, in DNS names and in URIs. An existing anchor is never overwritten.",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dir == "" {
				return usagef("%s", msg("--dir is verplicht: de map voor het nieuwe anker", "--dir is required: the folder for the new anchor"))
			}
			if days <= 0 {
				return usagef("%s", msg("--days moet positief zijn", "--days must be positive"))
			}
			certPath, keyPath := filepath.Join(dir, pkiAnchorFile), filepath.Join(dir, pkiKeyFile)
			if err := refuseExisting("dir", certPath, keyPath); err != nil {
				return err
			}
			a, err := pki.NewDevAuthority(pki.AuthorityConfig{PermittedDomains: constraints, Validity: time.Duration(days) * 24 * time.Hour})
			if err != nil {
				return tell(err, "een --name-constraint is geen DNS-naam (zoals example.org, zonder * of punt aan het eind); er is niets gemaakt.",
					"a --name-constraint is not a DNS name (like example.org, without * or a trailing dot); nothing was made.")
			}
			keyPEM, err := pki.EncodeKeyPEM(a.Key())
			if err != nil {
				return err
			}
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return usagef("--dir %s: %v", dir, err)
			}
			if err := writeNew(keyPath, keyPEM, 0o600); err != nil {
				return err
			}
			if err := writeNew(certPath, pki.EncodePEM(a.Cert), 0o644); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), msg(
				fmt.Sprintf("Ontwikkelanker gemaakt: %s (geef dit aan verifiers en wallets) en %s (alleen voor u leesbaar).", certPath, keyPath),
				fmt.Sprintf("Development anchor made: %s (give this to verifiers and wallets) and %s (readable by you alone).", certPath, keyPath)))
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "the folder for the anchor (created when missing)")
	cmd.Flags().StringArrayVar(&constraints, "name-constraint", nil, "limit the anchor to this DNS domain and its subdomains (repeatable)")
	cmd.Flags().IntVar(&days, "days", int(pki.DefaultAnchorValidity/(24*time.Hour)), "validity of the anchor in days")
	return cmd
}

func newPKIIssueCommand() *cobra.Command {
	var dir, out, keyFile string
	var dns, uris []string
	var days int
	cmd := &cobra.Command{
		Use:   "issue --dir DIR --dns HOST [--uri URL] --out PREFIX [--key JWK]",
		Short: "Certify a key for an issuer or verifier host under the development anchor",
		Long: "Issue a leaf certificate under the anchor in --dir: P-256, keyUsage digitalSignature, the\n" +
			"DNS names (--dns) and https URIs (--uri) given as subject alternative names. Without --key a\n" +
			"new key is made and written to PREFIX.key.pem (readable by you alone); with --key the public\n" +
			"part of that JWK file (an ES256 key, such as an issuer's signing key) is certified and no key is\n" +
			"written. PREFIX.chain.pem holds the chain for an x5c header (the leaf; the anchor is left out, as\n" +
			"HAIP asks). The x509_hash of the leaf (a verifier's client_id x509_hash:…) is printed.",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch {
			case dir == "":
				return usagef("%s", msg("--dir is verplicht: de map van het anker (paspoort pki init)", "--dir is required: the anchor's folder (paspoort pki init)"))
			case out == "":
				return usagef("%s", msg("--out is verplicht: het begin van de namen van de bestanden die gemaakt worden", "--out is required: the prefix of the files to write"))
			case len(dns) == 0 && len(uris) == 0:
				return usagef("%s", msg("geef minstens één --dns of --uri: de naam van de host die het certificaat draagt", "give at least one --dns or --uri: the name of the host the certificate is for"))
			case days <= 0:
				return usagef("%s", msg("--days moet positief zijn", "--days must be positive"))
			}
			a, err := loadAuthority(dir)
			if err != nil {
				return err
			}
			chainPath, keyPath := out+".chain.pem", out+".key.pem"
			var pub any
			var keyPEM []byte
			if keyFile != "" {
				k, err := readPublicKey("key", keyFile)
				if err != nil {
					return err
				}
				if k.Alg() != jose.ES256 {
					return usagef("%s", msg("--key moet een ES256-sleutel (P-256) zijn: HAIP vraagt P-256. Maak er een met 'paspoort keys generate --alg ES256'.",
						"--key must be an ES256 (P-256) key: HAIP asks for P-256. Make one with 'paspoort keys generate --alg ES256'."))
				}
				pub = k.Crypto()
				if err := refuseExisting("out", chainPath); err != nil {
					return err
				}
			} else {
				k, err := jose.GenerateKey(jose.ES256)
				if err != nil {
					return err
				}
				pub = k.Signer().Public()
				if keyPEM, err = pki.EncodeKeyPEM(k.Signer()); err != nil {
					return err
				}
				if err := refuseExisting("out", chainPath, keyPath); err != nil {
					return err
				}
			}
			leaf, err := a.Issue(pub, pki.LeafConfig{DNSNames: dns, URIs: uris, Validity: time.Duration(days) * 24 * time.Hour})
			if err != nil {
				return tell(err, "--dns moet een DNS-naam zijn (zonder *) en --uri een https-URL; er is niets geschreven.",
					"--dns must be a DNS name (without *) and --uri an https URL; nothing was written.")
			}
			anchors, err := pki.NewAnchors(a.Cert)
			if err != nil {
				return err
			}
			if _, err := anchors.Verify([]*x509.Certificate{leaf}, time.Now()); err != nil {
				return tell(err, "het anker in --dir mag deze naam niet certificeren (name constraints); er is niets geschreven. Kies een naam binnen de --name-constraint van het anker.",
					"the anchor in --dir may not certify this name (name constraints); nothing was written. Choose a name within the anchor's --name-constraint.")
			}
			if keyPEM != nil {
				if err := writeNew(keyPath, keyPEM, 0o600); err != nil {
					return err
				}
			}
			if err := writeNew(chainPath, pki.EncodePEM(leaf), 0o644); err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if keyPEM != nil {
				fmt.Fprintln(w, msg("Sleutel: "+keyPath+" (alleen voor u leesbaar)", "Key: "+keyPath+" (readable by you alone)"))
			}
			fmt.Fprintln(w, msg("Keten: ", "Chain: ")+chainPath)
			fmt.Fprintln(w, "x509_hash: "+pki.X509Hash(leaf))
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "the anchor's folder (paspoort pki init)")
	cmd.Flags().StringArrayVar(&dns, "dns", nil, "a DNS name of the host (repeatable)")
	cmd.Flags().StringArrayVar(&uris, "uri", nil, "an https URI of the party, such as an issuer's identifier (repeatable)")
	cmd.Flags().StringVar(&out, "out", "", "prefix of the files written: PREFIX.chain.pem and, for a new key, PREFIX.key.pem")
	cmd.Flags().StringVar(&keyFile, "key", "", "certify the public part of this JWK file instead of a new key")
	cmd.Flags().IntVar(&days, "days", int(pki.DefaultLeafValidity/(24*time.Hour)), "validity of the certificate in days")
	return cmd
}

// loadAuthority reads the anchor of a pki folder; its key file must be
// readable by its owner alone (checkSecretMode).
func loadAuthority(dir string) (*pki.Authority, error) {
	certPath, keyPath := filepath.Join(dir, pkiAnchorFile), filepath.Join(dir, pkiKeyFile)
	certPEM, err := os.ReadFile(certPath)
	if err != nil {
		return nil, usagef("%s", msg(
			fmt.Sprintf("--dir %s: geen anker (%s). Maak er een met 'paspoort pki init --dir %s'.", dir, pkiAnchorFile, dir),
			fmt.Sprintf("--dir %s: no anchor (%s). Make one with 'paspoort pki init --dir %s'.", dir, pkiAnchorFile, dir)))
	}
	keyPEM, err := readSecret("dir", keyPath)
	if err != nil {
		return nil, err
	}
	certs, err := pki.ParseChainPEM(certPEM)
	if err != nil {
		return nil, tell(err, fmt.Sprintf("%s is geen PEM-certificaat; maak het anker opnieuw met 'paspoort pki init'.", certPath),
			fmt.Sprintf("%s is not a PEM certificate; make the anchor again with 'paspoort pki init'.", certPath))
	}
	key, err := pki.ParseKeyPEM(keyPEM)
	if err != nil {
		return nil, tell(err, fmt.Sprintf("%s is geen PKCS #8-sleutel; maak het anker opnieuw met 'paspoort pki init'.", keyPath),
			fmt.Sprintf("%s is not a PKCS #8 key; make the anchor again with 'paspoort pki init'.", keyPath))
	}
	a, err := pki.NewAuthority(certs[0], key)
	if err != nil {
		return nil, tell(err, fmt.Sprintf("de sleutel en het certificaat in --dir %s horen niet bij elkaar of vormen geen CA; maak het anker opnieuw met 'paspoort pki init'.", dir),
			fmt.Sprintf("the key and certificate in --dir %s do not belong together or are not a CA; make the anchor again with 'paspoort pki init'.", dir))
	}
	return a, nil
}

// refuseExisting refuses to go on when one of paths exists, naming the
// flag that chooses them: a key or certificate is never overwritten.
func refuseExisting(flag string, paths ...string) error {
	for _, p := range paths {
		if _, err := os.Lstat(p); err == nil {
			return usagef("%s", msg(
				fmt.Sprintf("%s bestaat al en wordt niet overschreven; er is niets gemaakt. Kies een andere --%s of verwijder het bestand.", p, flag),
				fmt.Sprintf("%s already exists and is not overwritten; nothing was made. Choose another --%s or remove the file.", p, flag)))
		} else if !errors.Is(err, fs.ErrNotExist) {
			return usagef("--%s %s: %v", flag, p, err)
		}
	}
	return nil
}

// writeNew writes a new file with perm, never over an existing file or
// through a link.
func writeNew(path string, data []byte, perm os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
