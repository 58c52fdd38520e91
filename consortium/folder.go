package consortium

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/registry"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/strictjson"
)

// Errors of the folder.
var (
	// ErrNoFolder (FMT) reports a folder without a consortium draft.
	ErrNoFolder = credentials.NewError(credentials.ErrFormat, "no consortium folder")
	// ErrFolderExists (FMT) reports Init over an existing consortium.
	ErrFolderExists = credentials.NewError(credentials.ErrFormat, "consortium folder exists")
	// ErrNotFound (FMT) reports a member or version that is not there.
	ErrNotFound = credentials.NewError(credentials.ErrFormat, "not in the register")
	// ErrNotSigned (FMT) reports a folder without a signed version yet.
	ErrNotSigned = credentials.NewError(credentials.ErrFormat, "no signed version yet")
)

// The files of a consortium folder.
const (
	draftFile   = "draft.json"          // the members, edited by the toolbox
	keyFile     = "keys/signing.sealed" // the signing key, sealed (0600)
	newKeyFile  = "keys/signing.sealed.new"
	pubKeyFile  = "register-key.json" // public key of the latest version's signer
	versionsDir = "versions"          // N.jwt, every signed version
)

// DefaultValid is how long a signed version is valid by default.
const DefaultValid = 720 * time.Hour

// Draft is what the consortium edits before it signs: itself and its
// members. It is stored strictly as JSON.
type Draft struct {
	Consortium registry.Consortium `json:"consortium"`
	Issuers    []registry.Issuer   `json:"issuers"`
	Verifiers  []registry.Verifier `json:"verifiers"`
}

func (d *Draft) doc() *registry.Document {
	return &registry.Document{Consortium: d.Consortium, Issuers: d.Issuers, Verifiers: d.Verifiers}
}

// Folder is a consortium's folder: the draft, the sealed signing key and
// every signed version. It is not safe for concurrent writers (one
// operator runs the toolbox); readers (the server) are fine.
type Folder struct{ dir string }

// Init creates the consortium folder dir: an empty draft for c and a new
// ES256 signing key sealed with pass.
func Init(dir string, c registry.Consortium, pass []byte) (*Folder, error) {
	d := &Draft{Consortium: c}
	if err := d.doc().ValidateDraft(); err != nil {
		return nil, err
	}
	f := &Folder{dir: dir}
	if _, err := os.Stat(f.path(draftFile)); err == nil {
		return nil, fmt.Errorf("%w: %s", ErrFolderExists, dir)
	}
	k, err := jose.GenerateKey(jose.ES256)
	if err != nil {
		return nil, err
	}
	sealed, err := SealKey(k, pass)
	if err != nil {
		return nil, err
	}
	for _, sub := range []string{"", "keys", versionsDir} {
		if err := os.MkdirAll(f.path(sub), 0o700); err != nil {
			return nil, fmt.Errorf("create %s: %w", dir, err)
		}
	}
	if err := writeNew(f.path(keyFile), sealed, 0o600); err != nil {
		return nil, err
	}
	if err := f.writePublicKey(k.Public()); err != nil {
		return nil, err
	}
	if err := f.SaveDraft(d); err != nil {
		return nil, err
	}
	return f, nil
}

// Open opens an existing consortium folder.
func Open(dir string) (*Folder, error) {
	f := &Folder{dir: dir}
	if _, err := os.Stat(f.path(draftFile)); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrNoFolder, dir)
	}
	return f, nil
}

// Dir returns the folder's path.
func (f *Folder) Dir() string { return f.dir }

func (f *Folder) path(name string) string { return filepath.Join(f.dir, filepath.FromSlash(name)) }

// Draft reads the draft.
func (f *Folder) Draft() (*Draft, error) {
	b, err := os.ReadFile(f.path(draftFile))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoFolder, err)
	}
	var d Draft
	if err := strictjson.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("%s: %w: %w", draftFile, registry.ErrMalformed, err)
	}
	if err := d.doc().ValidateDraft(); err != nil {
		return nil, fmt.Errorf("%s: %w", draftFile, err)
	}
	return &d, nil
}

// SaveDraft validates d and writes it.
func (f *Folder) SaveDraft(d *Draft) error {
	if err := d.doc().ValidateDraft(); err != nil {
		return err
	}
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return fmt.Errorf("encode draft: %w", err)
	}
	return writeReplace(f.path(draftFile), append(b, '\n'), 0o600)
}

// AddIssuer adds is to the draft; an issuer with its id already there is
// ErrDuplicateMember (remove it first).
func (f *Folder) AddIssuer(is registry.Issuer) error {
	d, err := f.Draft()
	if err != nil {
		return err
	}
	d.Issuers = append(d.Issuers, is)
	return f.SaveDraft(d)
}

// AddVerifier adds v to the draft; a verifier with its client_id already
// there is ErrDuplicateMember (remove it first).
func (f *Folder) AddVerifier(v registry.Verifier) error {
	d, err := f.Draft()
	if err != nil {
		return err
	}
	d.Verifiers = append(d.Verifiers, v)
	return f.SaveDraft(d)
}

// Remove removes the issuer or verifier whose id or client_id is id.
func (f *Folder) Remove(id string) error {
	d, err := f.Draft()
	if err != nil {
		return err
	}
	ni, nv := len(d.Issuers), len(d.Verifiers)
	d.Issuers = slices.DeleteFunc(d.Issuers, func(is registry.Issuer) bool { return is.ID == id })
	d.Verifiers = slices.DeleteFunc(d.Verifiers, func(v registry.Verifier) bool { return v.ClientID == id })
	if len(d.Issuers) == ni && len(d.Verifiers) == nv {
		return fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	return f.SaveDraft(d)
}

// Latest returns the newest signed version and its token; ErrNotSigned
// when there is none.
func (f *Folder) Latest(ctx context.Context) (uint64, []byte, error) {
	n, err := f.latestVersion()
	if err != nil {
		return 0, nil, err
	}
	if n == 0 {
		return 0, nil, ErrNotSigned
	}
	b, err := f.Version(ctx, n)
	return n, b, err
}

// Version returns the token of version n; ErrNotFound when there is none.
func (f *Folder) Version(_ context.Context, n uint64) ([]byte, error) {
	b, err := os.ReadFile(f.path(fmt.Sprintf("%s/%d.jwt", versionsDir, n)))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: version %d", ErrNotFound, n)
	}
	if err != nil {
		return nil, fmt.Errorf("read version %d: %w", n, err)
	}
	return []byte(strings.TrimSpace(string(b))), nil
}

// PublicKey returns the public key that signed the latest version (before
// the first, the signing key): the key a new follower pins.
func (f *Folder) PublicKey(context.Context) (*jose.PublicKey, error) {
	b, err := os.ReadFile(f.path(pubKeyFile))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", pubKeyFile, err)
	}
	return jose.ParsePublicKey(b)
}

func (f *Folder) latestVersion() (uint64, error) {
	es, err := os.ReadDir(f.path(versionsDir))
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", versionsDir, err)
	}
	var n uint64
	for _, e := range es {
		s, ok := strings.CutSuffix(e.Name(), ".jwt")
		if !ok {
			continue
		}
		if v, err := strconv.ParseUint(s, 10, 64); err == nil && strconv.FormatUint(v, 10) == s {
			n = max(n, v)
		}
	}
	return n, nil
}

// SignOptions are the options of Folder.Sign.
type SignOptions struct {
	// Now is the time of signing (iat); zero means time.Now.
	Now time.Time
	// Valid is how long the version is valid; zero means DefaultValid.
	Valid time.Duration
	// NextKeys are more public keys allowed to sign the next version (a
	// key kept offline, say), besides the signing key or, with Rotate, the
	// new key.
	NextKeys []*jose.PublicKey
	// Rotate makes a new signing key: this version names it in next_keys
	// instead of the current key, and the next version is signed with it.
	// The old key is deleted.
	Rotate bool
}

// Sign signs the draft as the next version with the signing key (opened
// with pass) and writes versions/N.jwt. It refuses to sign with a key that
// the previous version did not name in next_keys (ErrUnannouncedKey), as
// followers would refuse the result.
func (f *Folder) Sign(pass []byte, o SignOptions) (*registry.Register, error) {
	d, err := f.Draft()
	if err != nil {
		return nil, err
	}
	sealed, err := os.ReadFile(f.path(keyFile))
	if err != nil {
		return nil, fmt.Errorf("read signing key: %w", err)
	}
	key, err := OpenKey(sealed, pass)
	if err != nil {
		return nil, err
	}
	last, err := f.latestVersion()
	if err != nil {
		return nil, err
	}
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	if o.Valid == 0 {
		o.Valid = DefaultValid
	}
	if o.Valid < time.Minute {
		return nil, fmt.Errorf("%w: validity %s is under a minute", registry.ErrMalformed, o.Valid)
	}
	doc := d.doc()
	doc.Version, doc.IssuedAt, doc.Expires = last+1, now.Unix(), now.Add(o.Valid).Unix()
	var prevKeys []registry.Key
	if last > 0 {
		prev, err := f.Version(context.Background(), last)
		if err != nil {
			return nil, err
		}
		doc.Prev = registry.Hash(string(prev))
		if prevKeys, err = announcedKeys(prev); err != nil {
			return nil, fmt.Errorf("version %d: %w", last, err)
		}
		if !slices.ContainsFunc(prevKeys, func(k registry.Key) bool { return k.KeyID() == key.KeyID() }) {
			return nil, fmt.Errorf("%w: version %d does not name the signing key %s", registry.ErrUnannouncedKey, last, key.KeyID())
		}
	}
	nextKey := key
	if o.Rotate {
		if nextKey, err = jose.GenerateKey(jose.ES256); err != nil {
			return nil, err
		}
	}
	doc.NextKeys = []registry.Key{{PublicKey: nextKey.Public()}}
	for _, k := range o.NextKeys {
		if !slices.ContainsFunc(doc.NextKeys, func(n registry.Key) bool { return n.KeyID() == k.KeyID() }) {
			doc.NextKeys = append(doc.NextKeys, registry.Key{PublicKey: k})
		}
	}
	tok, err := registry.Sign(doc, key)
	if err != nil {
		return nil, err
	}
	if o.Rotate {
		ns, err := SealKey(nextKey, pass)
		if err != nil {
			return nil, err
		}
		_ = os.Remove(f.path(newKeyFile))
		if err := writeNew(f.path(newKeyFile), ns, 0o600); err != nil {
			return nil, err
		}
	}
	if err := writeNew(f.path(fmt.Sprintf("%s/%d.jwt", versionsDir, doc.Version)), []byte(tok+"\n"), 0o644); err != nil {
		if o.Rotate {
			_ = os.Remove(f.path(newKeyFile))
		}
		return nil, err
	}
	if err := f.writePublicKey(key.Public()); err != nil {
		return nil, err
	}
	if o.Rotate {
		if err := os.Rename(f.path(newKeyFile), f.path(keyFile)); err != nil {
			return nil, fmt.Errorf("version %d names the new key, kept in %s: rename it to %s: %w", doc.Version, newKeyFile, keyFile, err)
		}
	}
	return &registry.Register{Document: *doc, Token: tok, Hash: registry.Hash(tok), KeyID: key.KeyID()}, nil
}

// announcedKeys reads next_keys of a signed version of this folder (its
// own file, so not verified again).
func announcedKeys(tok []byte) ([]registry.Key, error) {
	j, err := jose.ParseCompact(string(tok))
	if err != nil {
		return nil, err
	}
	d, err := registry.Parse(j.Payload)
	if err != nil {
		return nil, err
	}
	return d.NextKeys, nil
}

func (f *Folder) writePublicKey(k *jose.PublicKey) error {
	b, err := json.MarshalIndent(k, "", "  ")
	if err != nil {
		return fmt.Errorf("encode public key: %w", err)
	}
	return writeReplace(f.path(pubKeyFile), append(b, '\n'), 0o644)
}

// writeNew writes a new file, never over an existing one or through a
// link.
func writeNew(path string, b []byte, mode os.FileMode) error {
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	if _, err := fh.Write(b); err != nil {
		fh.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := fh.Sync(); err != nil {
		fh.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return fh.Close()
}

// writeReplace writes path through a temporary file and a rename.
func writeReplace(path string, b []byte, mode os.FileMode) error {
	tmp := path + ".tmp"
	_ = os.Remove(tmp)
	if err := writeNew(tmp, b, mode); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("replace %s: %w", path, err)
	}
	return nil
}
