package wallet

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/strictjson"
)

// BackupFormat names the plaintext format of a backup.
const BackupFormat = "paspoort-wallet-backup/v1"

// backupContentType is the "cty" of a backup JWE.
const backupContentType = "application/vnd.paspoort.wallet-backup+json"

// backupKDFHeader is the protected header member that carries the argon2id
// parameters and salt of a backup.
const backupKDFHeader = "paspoort_kdf"

type backupFile struct {
	Format      string             `json:"format"`
	WalletID    string             `json:"wallet_id"`
	Created     time.Time          `json:"created"`
	Credentials []backupCredential `json:"credentials"`
	History     []Presentation     `json:"history"`
	// Portfolios are the EVC portfolios with their files (absent in
	// backups made before portfolios existed).
	Portfolios []backupPortfolio `json:"portfolios,omitempty"`
}

// backupPortfolio is a portfolio and its attachments' files, by
// attachment id.
type backupPortfolio struct {
	Portfolio *Portfolio        `json:"portfolio"`
	Files     map[string][]byte `json:"files,omitempty"`
}

type backupCredential struct {
	Credential *Credential   `json:"credential"`
	Secret     *secretRecord `json:"secret"`
}

// Export writes the whole wallet, credentials with their copies and holder
// keys and the history, as one compact JWE (alg "dir", enc A256GCM,
// internal/jose EncryptWithKey) under a key that argon2id derives from
// backupPass with the wallet's KDF parameters and a fresh salt, carried in
// the protected header member "paspoort_kdf". The result is the only way a
// holder key leaves the wallet.
func (w *Wallet) Export(ctx context.Context, backupPass []byte) (string, error) {
	if len(backupPass) < MinPassphraseLength {
		return "", fmt.Errorf("%w: at least %d bytes", ErrPassphrase, MinPassphraseLength)
	}
	hist, err := w.History(ctx)
	if err != nil {
		return "", err
	}
	b := backupFile{Format: BackupFormat, WalletID: w.id, Created: w.cfg.now().UTC(), History: hist}
	for _, c := range w.Credentials() {
		w.mu.RLock()
		sec, _, err := w.secrets(ctx, c.ID)
		w.mu.RUnlock()
		if err != nil {
			return "", fmt.Errorf("wallet: export credential %s: %w", c.ID, err)
		}
		b.Credentials = append(b.Credentials, backupCredential{Credential: c, Secret: sec})
	}
	if b.Portfolios, err = w.backupPortfolios(ctx); err != nil {
		return "", err
	}
	pt, err := json.Marshal(b)
	if err != nil {
		return "", fmt.Errorf("wallet: encode backup: %w", err)
	}
	defer clear(pt)
	k, err := newKDF(w.cfg.kdf)
	if err != nil {
		return "", err
	}
	key := k.derive(backupPass)
	defer clear(key)
	kdfMember := map[string]any{}
	if err := json.Unmarshal(k.aad(), &kdfMember); err != nil {
		return "", err
	}
	out, err := jose.EncryptWithKey(pt, key, map[string]any{"cty": backupContentType, backupKDFHeader: kdfMember})
	if err != nil {
		return "", fmt.Errorf("wallet: encrypt backup: %w", err)
	}
	return out, nil
}

// ImportResult says what Import did.
type ImportResult struct {
	// Imported lists the ids of the credentials added.
	Imported []string `json:"imported"`
	// Skipped lists the ids already in the wallet.
	Skipped []string `json:"skipped"`
	// History is the number of history entries added.
	History int `json:"history"`
	// RefusedDecisions is the number of history entries not imported
	// because the decision in them does not verify offline against the
	// key stored with it (a tampered decision, VerifyDecision).
	RefusedDecisions int `json:"refused_decisions,omitempty"`
}

// Backup is a backup written by Export, decrypted and checked whole by
// OpenBackup and ready for ImportBackup. It holds holder keys in memory:
// call Close when done. Not safe for concurrent use.
type Backup struct {
	b *backupFile
}

// Credentials is the number of credentials in the backup.
func (b *Backup) Credentials() int {
	if b == nil || b.b == nil {
		return 0
	}
	return len(b.b.Credentials)
}

// Close drops the backup's contents; the Backup cannot be imported after.
func (b *Backup) Close() {
	if b != nil {
		b.b = nil
	}
}

// OpenBackup decrypts and checks a whole backup without touching any
// wallet, so that a caller can refuse a bad backup before it creates a
// wallet folder to import it into. In order: the JWE's protected header is
// read (size bounded) and its argon2id parameters bounded (each, and their
// product: KDFParams.Check) before the key is derived (ErrBadHeader, or
// ErrBackup for what is no backup); the JWE is decrypted (a wrong backup
// passphrase, or any flipped or missing byte, is ErrWrongPassphrase); then
// the format and every credential are checked (each copy's SD-JWT parses,
// its disclosures apply, and its cnf is the key stored with it; its type
// and issuer are the summary's: ErrBackup, ErrInconsistent).
func OpenBackup(data []byte, backupPass []byte) (*Backup, error) {
	compact, k, err := parseBackupHeader(data)
	if err != nil {
		return nil, err
	}
	key := k.derive(backupPass)
	defer clear(key)
	pt, err := jose.DecryptWithKey(compact, key)
	if errors.Is(err, jose.ErrDecrypt) {
		return nil, ErrWrongPassphrase
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBackup, err)
	}
	defer clear(pt)
	b, err := decodeBackup(pt)
	if err != nil {
		return nil, err
	}
	return &Backup{b: b}, nil
}

// Import restores a backup written by Export into this wallet: OpenBackup,
// then ImportBackup. Nothing is stored unless the whole backup decrypts and
// checks.
func (w *Wallet) Import(ctx context.Context, data []byte, backupPass []byte) (*ImportResult, error) {
	bk, err := OpenBackup(data, backupPass)
	if err != nil {
		return nil, err
	}
	defer bk.Close()
	return w.ImportBackup(ctx, bk)
}

// ImportBackup stores the credentials and history of a backup opened by
// OpenBackup in this wallet, each credential under the same id and a new
// data key, one credential per transaction. A history entry holding a
// decision is imported only if the decision verifies offline
// (VerifyDecision's check); one that does not is skipped whole and counted
// in RefusedDecisions. Credentials and history entries already present are
// skipped, so an interrupted import can be run again.
func (w *Wallet) ImportBackup(ctx context.Context, bk *Backup) (*ImportResult, error) {
	if bk == nil || bk.b == nil {
		return nil, fmt.Errorf("%w: no backup opened", ErrBackup)
	}
	b := bk.b
	res := &ImportResult{Imported: []string{}, Skipped: []string{}}
	for _, bc := range b.Credentials {
		if _, err := w.Credential(bc.Credential.ID); err == nil {
			res.Skipped = append(res.Skipped, bc.Credential.ID)
			continue
		}
		if err := w.put(ctx, bc.Credential, bc.Secret); err != nil {
			return res, err
		}
		res.Imported = append(res.Imported, bc.Credential.ID)
	}
	for _, bp := range b.Portfolios {
		if err := w.importPortfolio(ctx, bp); err != nil {
			return res, err
		}
	}
	have, err := w.History(ctx)
	if err != nil {
		return res, err
	}
	seen := map[string]bool{}
	for _, p := range have {
		seen[p.ID] = true
	}
	for _, p := range b.History {
		if seen[p.ID] || !validHistoryID(p.ID) {
			continue
		}
		// A decision is re-checked offline; an entry whose decision does
		// not verify is refused whole, not imported without it.
		if p.Decision != nil {
			if err := checkStored(p.Decision); err != nil {
				res.RefusedDecisions++
				continue
			}
		}
		if err := w.putHistory(ctx, p); err != nil {
			return res, err
		}
		res.History++
	}
	return res, nil
}

// parseBackupHeader reads the protected header of a backup JWE (size
// bounded) and the argon2id parameters in it, bounded before anything is
// derived from them. It returns the compact JWE and the key derivation.
func parseBackupHeader(data []byte) (string, kdf, error) {
	compact := string(bytes.TrimSpace(data))
	h, _, err := jose.ParseJWEHeader(compact, jose.MaxBackupBytes*4/3+4096)
	if err != nil {
		return "", kdf{}, fmt.Errorf("%w: %w", ErrBackup, err)
	}
	raw, ok := h.Raw[backupKDFHeader]
	if !ok || h.Alg != jose.AlgDir {
		return "", kdf{}, fmt.Errorf("%w: no %s header", ErrBackup, backupKDFHeader)
	}
	kb, err := json.Marshal(raw)
	if err != nil {
		return "", kdf{}, fmt.Errorf("%w: %v", ErrBadHeader, err)
	}
	var k kdf
	if err := strictjson.Unmarshal(kb, &k); err != nil {
		return "", kdf{}, fmt.Errorf("%w: %v", ErrBadHeader, err)
	}
	if err := k.check(); err != nil {
		return "", kdf{}, err
	}
	return compact, k, nil
}

// decodeBackup decodes a decrypted backup (numbers as json.Number) and
// checks its format and every credential in it (checkBackupCredential).
func decodeBackup(pt []byte) (*backupFile, error) {
	var b backupFile
	d := json.NewDecoder(bytes.NewReader(pt))
	d.UseNumber()
	if err := d.Decode(&b); err != nil || b.Format != BackupFormat {
		return nil, fmt.Errorf("%w: format", ErrBackup)
	}
	for i, bc := range b.Credentials {
		if err := checkBackupCredential(bc); err != nil {
			return nil, fmt.Errorf("wallet: backup credential %d: %w", i, err)
		}
	}
	for i, bp := range b.Portfolios {
		if err := checkBackupPortfolio(bp); err != nil {
			return nil, fmt.Errorf("wallet: backup portfolio %d: %w", i, err)
		}
	}
	return &b, nil
}

// checkBackupPortfolio checks a portfolio of a backup: a well-formed id
// and every attachment's file present and matching its hash.
func checkBackupPortfolio(bp backupPortfolio) error {
	p := bp.Portfolio
	if p == nil || !validCredentialID(p.ID) {
		return fmt.Errorf("%w: incomplete portfolio", ErrBackup)
	}
	for _, e := range p.Entries {
		for _, a := range e.Attachments {
			data, ok := bp.Files[a.ID]
			sum := sha256.Sum256(data)
			if !ok || !validCredentialID(a.ID) || base64.RawURLEncoding.EncodeToString(sum[:]) != a.SHA256 {
				return fmt.Errorf("%w: file %q is missing or does not match its hash", ErrInconsistent, a.Name)
			}
		}
	}
	return nil
}

func checkBackupCredential(bc backupCredential) error {
	c, s := bc.Credential, bc.Secret
	if c == nil || s == nil || !validCredentialID(c.ID) || len(s.Copies) == 0 || len(s.Copies) != c.Copies {
		return fmt.Errorf("%w: incomplete credential", ErrBackup)
	}
	for i, cp := range s.Copies {
		if err := checkCopy(cp); err != nil {
			return fmt.Errorf("%w: copy %d: %w", ErrInconsistent, i, err)
		}
	}
	if len(c.LastStatus) != 0 && len(c.LastStatus) != c.Copies {
		return fmt.Errorf("%w: status of %d copies for %d", ErrBackup, len(c.LastStatus), c.Copies)
	}
	for _, st := range c.LastStatus {
		if st != "" && !issuerStatus(st) {
			return fmt.Errorf("%w: copy status %q", ErrBackup, st)
		}
	}
	if c.VCT == "" || c.Claims["vct"] != c.VCT || c.Claims["iss"] != c.Issuer {
		return fmt.Errorf("%w: summary does not match the claims", ErrInconsistent)
	}
	return nil
}

// putHistory stores a history entry as it is, id included.
func (w *Wallet) putHistory(ctx context.Context, p Presentation) error {
	b, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("wallet: encode history: %w", err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return ErrClosed
	}
	sealed, err := w.master.Seal(Ref{KindHistory, p.ID}.Key(), b)
	if err != nil {
		return err
	}
	if err := w.store.Apply(ctx, Batch{Put: []Record{{KindHistory, p.ID, sealed}}}); err != nil {
		return fmt.Errorf("wallet: store history: %w", err)
	}
	return nil
}
