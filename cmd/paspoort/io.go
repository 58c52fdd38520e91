package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

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
