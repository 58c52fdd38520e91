package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/loopbrug/paspoort/credentials/did"
	"github.com/loopbrug/paspoort/internal/jose"
)

func newKeysCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Generate signing keys and derive public keys (JWK)",
	}
	cmd.AddCommand(newKeysGenerateCommand(), newKeysPublicCommand(), newKeysDIDCommand())
	return cmd
}

func newKeysGenerateCommand() *cobra.Command {
	var alg string
	cmd := &cobra.Command{
		Use:   "generate [--alg ES256|EdDSA]",
		Short: "Generate a private key and print it as a JWK",
		Long: "Generate a new private key and print it as a JWK on standard output, with \"alg\" and\n" +
			"a \"kid\" that is its RFC 7638 thumbprint. ES256 (P-256) is the default; EdDSA uses Ed25519.\n" +
			"The output is secret: store it with care.",
		Example: "  paspoort keys generate > issuer.jwk\n  paspoort keys public < issuer.jwk > issuer.pub.jwk",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, err := jose.ParseAlg(alg)
			if err != nil {
				return usagef("--alg must be ES256 or EdDSA, not %q", alg)
			}
			k, err := jose.GenerateKey(a)
			if err != nil {
				return err
			}
			return writeJSON(cmd, k)
		},
	}
	cmd.Flags().StringVar(&alg, "alg", string(jose.ES256), "signature algorithm: ES256 (P-256) or EdDSA (Ed25519)")
	return cmd
}

func newKeysPublicCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "public",
		Short:   "Read a private JWK on standard input and print its public JWK",
		Example: "  paspoort keys public < holder.jwk > holder.pub.jwk",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			in, err := readInput(cmd, "a private JWK")
			if err != nil {
				return err
			}
			k, err := jose.ParsePrivateKey([]byte(in))
			if err != nil {
				return fmt.Errorf("read private JWK: %w", err)
			}
			return writeJSON(cmd, k.Public())
		},
	}
}

// noArgs refuses positional arguments with a usage error.
func noArgs(_ *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("unexpected argument %q", args[0])
	}
	return nil
}

func newKeysDIDCommand() *cobra.Command {
	var method string
	cmd := &cobra.Command{
		Use:   "did [--method jwk|key]",
		Short: "Read a JWK (private or public) on standard input and print its did:jwk or did:key",
		Long: "Print the DID of a key: did:jwk (the default) or did:key (multicodec P-256 or Ed25519).\n" +
			"Its verification method is the DID followed by \"#0\" (did:jwk) or \"#\" and the\n" +
			"multibase value (did:key).",
		Example: "  paspoort keys did < holder.jwk\n  paspoort keys did --method key < holder.pub.jwk",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			in, err := readInput(cmd, "a JWK")
			if err != nil {
				return err
			}
			pub, err := jose.ParsePublicKey([]byte(in))
			if err != nil {
				priv, perr := jose.ParsePrivateKey([]byte(in))
				if perr != nil {
					return fmt.Errorf("read JWK: %w", err)
				}
				pub = priv.Public()
			}
			var id string
			switch method {
			case "jwk":
				id, err = did.JWKFromKey(pub)
			case "key":
				id, err = did.KeyFromPublic(pub)
			default:
				return usagef("--method must be jwk or key, not %q", method)
			}
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), id)
			return err
		},
	}
	cmd.Flags().StringVar(&method, "method", "jwk", "DID method: jwk or key")
	return cmd
}
