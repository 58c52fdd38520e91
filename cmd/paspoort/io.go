package main

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/limits"
)

// readInput reads standard input, at most limits.MaxTokenBytes, trimmed of
// surrounding white space.
func readInput(cmd *cobra.Command, what string) (string, error) {
	b, err := io.ReadAll(io.LimitReader(cmd.InOrStdin(), limits.MaxTokenBytes+1))
	if err != nil {
		return "", fmt.Errorf("read %s from standard input: %w", what, err)
	}
	if len(b) > limits.MaxTokenBytes {
		return "", fmt.Errorf("%s on standard input is over %d bytes: %w", what, limits.MaxTokenBytes, credentials.ErrLimit)
	}
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return "", usagef("expected %s on standard input", what)
	}
	return string(b), nil
}

// readFile reads a file given by a flag, at most limits.MaxJSONBytes.
func readFile(flag, path string) ([]byte, error) {
	if path == "" {
		return nil, usagef("--%s is required", flag)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, usagef("--%s: %v", flag, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limits.MaxJSONBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read --%s %s: %w", flag, path, err)
	}
	if len(b) > limits.MaxJSONBytes {
		return nil, fmt.Errorf("--%s %s is over %d bytes: %w", flag, path, limits.MaxJSONBytes, credentials.ErrLimit)
	}
	return b, nil
}

// readPrivateKey reads a private JWK file.
func readPrivateKey(flag, path string) (*jose.PrivateKey, error) {
	b, err := readFile(flag, path)
	if err != nil {
		return nil, err
	}
	k, err := jose.ParsePrivateKey(b)
	if err != nil {
		return nil, fmt.Errorf("--%s %s: %w", flag, path, err)
	}
	return k, nil
}

// readPublicKey reads a public JWK file. A private JWK is accepted too and
// only its public part used, so a key file made by "keys generate" works
// wherever a public key is asked for.
func readPublicKey(flag, path string) (*jose.PublicKey, error) {
	b, err := readFile(flag, path)
	if err != nil {
		return nil, err
	}
	k, err := jose.ParsePublicKey(b)
	if err == nil {
		return k, nil
	}
	if priv, perr := jose.ParsePrivateKey(b); perr == nil {
		return priv.Public(), nil
	}
	return nil, fmt.Errorf("--%s %s: %w", flag, path, err)
}

// writeJSON writes v as indented JSON and a newline.
func writeJSON(cmd *cobra.Command, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode output: %w", err)
	}
	b = append(b, '\n')
	_, err = cmd.OutOrStdout().Write(b)
	return err
}

// className names the error class of err as SECURITY.md does.
func className(err error) string {
	if n := credentials.ClassName(err); n != "" {
		return n
	}
	return "ERROR"
}

// readCAPool reads the PEM certificates of the file the flag names into a
// pool; a file without one is a usage error.
func readCAPool(flag, path string) (*x509.CertPool, error) {
	pem, err := readFile(flag, path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, usagef("--%s %s: no PEM certificate", flag, path)
	}
	return pool, nil
}

// secretFile reads a secret file, creating it (mode 0600, never over an
// existing file or through a link) with gen when it does not exist;
// created reports that it did.
func secretFile(path string, gen func() ([]byte, error)) (b []byte, created bool, err error) {
	if err := checkSecretMode("", path); err != nil {
		return nil, false, err
	}
	b, err = os.ReadFile(path)
	if err == nil {
		return b, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, fmt.Errorf("read %s: %w", path, err)
	}
	if b, err = gen(); err != nil {
		return nil, false, fmt.Errorf("create %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, false, fmt.Errorf("create %s: %w", path, err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return nil, false, fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, false, fmt.Errorf("write %s: %w", path, err)
	}
	return b, true, nil
}

// caFileFlag adds --ca-file, the one spelling of the CA option of every
// command, with the spellings of earlier versions (--cacert, --ca-cert)
// as hidden aliases that still work.
func caFileFlag(fs *pflag.FlagSet, p *string, usage string) {
	fs.StringVar(p, "ca-file", "", usage)
	for _, old := range []string{"cacert", "ca-cert"} {
		fs.StringVar(p, old, "", usage)
		_ = fs.MarkHidden(old)
	}
}

// allowInsecureSecret is --allow-insecure-secret-file: accept a secret
// file that others may read, with a warning.
var allowInsecureSecret bool

// secretWarnings receives the warning about such a file (stderr).
var secretWarnings io.Writer = os.Stderr

// ErrSecretFileMode is a secret file (a token, a passphrase, a key) that
// the group or others may read: refused, since anyone on the machine
// could read the secret.
var ErrSecretFileMode = errors.New("secret file readable by others")

// checkSecretMode refuses a secret file that the group or others may read
// (mode & 0o077), naming the fix; with --allow-insecure-secret-file it
// warns instead. A file that does not exist is left to the caller.
func checkSecretMode(flag, path string) error {
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm()&0o077 == 0 {
		return nil
	}
	what := path
	if flag != "" {
		what = "--" + flag + " " + path
	}
	if allowInsecureSecret {
		fmt.Fprintf(secretWarnings, "paspoort: %s\n", msg(
			fmt.Sprintf("waarschuwing: %s is leesbaar voor anderen (%#o); maak het alleen voor u leesbaar: chmod 600 %s", what, fi.Mode().Perm(), path),
			fmt.Sprintf("warning: %s is readable by others (%#o); make it yours alone: chmod 600 %s", what, fi.Mode().Perm(), path)))
		return nil
	}
	return &usageError{fmt.Errorf("%w: %s", ErrSecretFileMode, msg(
		fmt.Sprintf("%s is leesbaar voor anderen (%#o), dus ook het geheim erin. Maak het alleen voor u leesbaar: chmod 600 %s (of geef --allow-insecure-secret-file)", what, fi.Mode().Perm(), path),
		fmt.Sprintf("%s is readable by others (%#o), and so is the secret in it. Make it yours alone: chmod 600 %s (or give --allow-insecure-secret-file)", what, fi.Mode().Perm(), path)))}
}

// readSecret reads a secret file given by a flag (readFile), refusing one
// that others may read (checkSecretMode).
func readSecret(flag, path string) ([]byte, error) {
	if path != "" {
		if err := checkSecretMode(flag, path); err != nil {
			return nil, err
		}
	}
	return readFile(flag, path)
}

// writePublicJWK writes a public JWK, indented, to the new file out, or to
// standard output when out is empty (for 'paspoort pki issue --key').
func writePublicJWK(cmd *cobra.Command, k any, out string) error {
	b, err := json.MarshalIndent(k, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if out == "" {
		_, err = cmd.OutOrStdout().Write(b)
		return err
	}
	if err := refuseExisting("out", out); err != nil {
		return err
	}
	return writeNew(out, b, 0o644)
}
