package devstack

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/loopbrug/paspoort/internal/jose"
)

// tokenFile reads a secret token, creating it (43 characters of base64url
// over 32 random bytes, mode 0600) when the file does not exist.
func tokenFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("devstack: read %s: %w", path, err)
	}
	tok := base64.RawURLEncoding.EncodeToString(randomBytes(32))
	return tok, writeSecret(path, []byte(tok+"\n"))
}

// secretFile reads n random bytes kept in path, creating them when absent.
func secretFile(path string, n int) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		if len(b) != n {
			return nil, fmt.Errorf("devstack: %s: want %d bytes, have %d", path, n, len(b))
		}
		return b, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("devstack: read %s: %w", path, err)
	}
	b = randomBytes(n)
	return b, writeSecret(path, b)
}

// signingKey reads the private JWK in path, creating an ES256 key when
// absent.
func signingKey(path string) (*jose.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		k, err := jose.GenerateKey(jose.ES256)
		if err != nil {
			return nil, fmt.Errorf("devstack: generate key: %w", err)
		}
		if b, err = json.Marshal(k); err != nil {
			return nil, fmt.Errorf("devstack: encode key: %w", err)
		}
		if err := writeSecret(path, b); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, fmt.Errorf("devstack: read %s: %w", path, err)
	}
	k, err := jose.ParsePrivateKey(b)
	if err != nil {
		return nil, fmt.Errorf("devstack: %s: %w", path, err)
	}
	return k, nil
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return b
}

// markerFile marks a data folder as the stack's: Reset removes only such
// folders, and New refuses a non-empty folder without it.
const markerFile = ".paspoort-dev"

// ErrNotStackDir reports a data folder that is neither empty nor a dev
// stack's: New does not use it and Reset does not remove it.
var ErrNotStackDir = errors.New("devstack: the data folder is not empty and holds no paspoort dev data")

// ErrPortsChanged reports a data folder made with other ports: the
// issuers' and verifiers' identities (URLs, did:web) include their ports,
// so the credentials and keys in it belong to those.
var ErrPortsChanged = errors.New("devstack: the data folder was made with other ports")

// claimDir creates dir, or checks that it is empty or already the
// stack's, and marks it with the base port. It returns the base port to
// use: the folder's own when basePort is 0 and the folder has one.
func claimDir(dir string, basePort int) (int, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return 0, fmt.Errorf("devstack: data folder: %w", err)
	}
	if ok, err := isStackDir(dir); err != nil || !ok {
		return 0, errors.Join(err, fmt.Errorf("%w: %s", ErrNotStackDir, dir))
	}
	marker := filepath.Join(dir, markerFile)
	if b, err := os.ReadFile(marker); err == nil {
		_, after, _ := strings.Cut(string(b), "base_port: ")
		was, err := strconv.Atoi(strings.TrimSpace(after))
		switch {
		case err != nil:
			return 0, fmt.Errorf("devstack: %s: no base port recorded", marker)
		case was == 0:
			return 0, fmt.Errorf("%w: %s was made with random ports, which cannot be served again; use a new folder", ErrPortsChanged, dir)
		case basePort == 0:
			return was, nil
		case basePort != was:
			return 0, fmt.Errorf("%w: %s was made with base port %d; use it, or start clean (--reset)", ErrPortsChanged, dir, was)
		}
		return basePort, nil
	}
	return basePort, os.WriteFile(marker, fmt.Appendf(nil, "paspoort dev data folder\nbase_port: %d\n", basePort), 0o600)
}

// isStackDir reports whether dir is empty or marked as the stack's.
func isStackDir(dir string) (bool, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false, fmt.Errorf("devstack: %w", err)
	}
	if len(entries) == 0 {
		return true, nil
	}
	_, err = os.Stat(filepath.Join(dir, markerFile))
	return err == nil, nil
}

// Reset removes the data folder dir of a stack, so that the next New
// starts clean. A folder that does not exist is fine; one that is neither
// empty nor the stack's is refused with ErrNotStackDir and left alone.
func Reset(dir string) error {
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	ok, err := isStackDir(dir)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%w: %s", ErrNotStackDir, dir)
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("devstack: reset: %w", err)
	}
	return nil
}
