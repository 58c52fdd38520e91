package wallet

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/credentials/sdjwt"
	"github.com/loopbrug/paspoort/credentials/sdjwtvc"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/kv"
)

// Credential is what the wallet knows about one credential without opening
// its SD-JWTs: the summary shown in "my paspoort" and the processed claims
// used for matching. It never holds a key or an SD-JWT.
type Credential struct {
	// ID is the wallet's random id of the credential.
	ID string `json:"id"`
	// Type is the PPP type name ("skill", …), empty for a type outside
	// the PPP.
	Type string `json:"type"`
	// VCT is the SD-JWT VC type.
	VCT string `json:"vct"`
	// Issuer is "iss".
	Issuer string `json:"issuer"`
	// IssuerName is the issuer's display name from its metadata, if any.
	IssuerName string `json:"issuer_name,omitempty"`
	// ConfigurationID is the OpenID4VCI credential_configuration_id it was
	// issued under, if any.
	ConfigurationID string `json:"credential_configuration_id,omitempty"`
	// IssuedAt, NotBefore and ExpiresAt are "iat", "nbf" and "exp"; zero
	// when absent.
	IssuedAt  time.Time `json:"issued_at"`
	NotBefore time.Time `json:"not_before,omitzero"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	// ReceivedAt is when the wallet stored it.
	ReceivedAt time.Time `json:"received_at"`
	// Claims are the processed claims with every disclosure applied,
	// registered claims included (numbers as json.Number).
	Claims map[string]any `json:"claims"`
	// Status lists each copy's status list entry (nil entries for copies
	// without one).
	Status []*sdjwtvc.StatusRef `json:"status_list,omitempty"`
	// Copies is the number of copies (batch issuance), each bound to its
	// own holder key.
	Copies int `json:"copies"`
	// Unused is the number of copies never presented.
	Unused int `json:"copies_unused"`
	// LastStatus is the last status of each copy that its issuer's status
	// list established (StatusValid, StatusRevoked or StatusSuspended), in
	// copy order, with "" for a copy never established or without a status
	// list entry;
	// nil when never checked. A check that cannot reach or trust a status
	// list leaves it as it was. Present skips copies known revoked or
	// suspended.
	LastStatus []Status `json:"last_status,omitempty"`
	// AuthorityKeyIDs are the AuthorityKeyIdentifiers of the certificates
	// of the issuer's x5c chain, when the wallet validated it to one of its
	// issuer anchors on receipt (WithIssuerAnchors): what DCQL
	// trusted_authorities of type "aki" match (OpenID4VP 1.0 §6.1.1).
	AuthorityKeyIDs [][]byte `json:"authority_key_ids,omitempty"`
}

// Block returns the PPP building block of the credential, 0 for a type
// outside the PPP.
func (c *Credential) Block() ppp.Block {
	if t, ok := ppp.LookupVCT(c.VCT); ok {
		return t.Block
	}
	return 0
}

// Copy is one copy of a credential as an issuer delivered it: the SD-JWT VC
// in issuance form and the holder key its cnf must name.
type Copy struct {
	SDJWT string
	Key   *jose.PrivateKey
}

// Meta says where a credential came from.
type Meta struct {
	IssuerName      string
	ConfigurationID string
}

// secretRecord is the KindSecret record: the copies and their keys.
type secretRecord struct {
	Copies []secretCopy `json:"copies"`
}

type secretCopy struct {
	SDJWT string          `json:"sd_jwt"`
	Key   json.RawMessage `json:"key"`
	Uses  int             `json:"uses"`
}

// NewHolderKey returns a fresh holder key of the wallet's algorithm (ES256
// unless WithKeyAlg). It lives in memory until it is stored with the
// credential it is bound to (Add); a key whose credential never arrives is
// never stored.
func (w *Wallet) NewHolderKey() (*jose.PrivateKey, error) {
	return jose.GenerateKey(w.cfg.keyAlg)
}

// Add verifies every copy of one credential and stores them, with their
// keys, atomically: after a crash the credential is complete or absent.
// Each copy must verify as issued (sdjwtvc.Verifier.VerifyIssued: the
// issuer's signature through the wallet's key resolution, times,
// disclosures, status) with cnf equal to its key, and all copies must agree
// on type, issuer and claims. Nothing is stored when one fails
// (SECURITY.md B.21).
func (w *Wallet) Add(ctx context.Context, copies []Copy, meta Meta) (*Credential, error) {
	c, sec, err := w.verifyCopies(ctx, copies)
	if err != nil {
		return nil, err
	}
	c.IssuerName, c.ConfigurationID = meta.IssuerName, meta.ConfigurationID
	c.ID = newID()
	c.ReceivedAt = w.cfg.now().UTC()
	if err := w.put(ctx, c, sec); err != nil {
		return nil, err
	}
	w.cfg.logger.InfoContext(ctx, "credential stored", "credential_id", c.ID, "vct", c.VCT, "issuer", c.Issuer, "copies", c.Copies)
	return c, nil
}

func (w *Wallet) verifyCopies(ctx context.Context, copies []Copy) (*Credential, *secretRecord, error) {
	return verifyCopiesWith(ctx, w.verifier, copies, false)
}

// verifyCopiesWith verifies copies with v and checks that they agree on
// type, claims and (unless perCopyIssuer, for self-issued copies that each
// have their own did:jwk) issuer.
func verifyCopiesWith(ctx context.Context, v *sdjwtvc.Verifier, copies []Copy, perCopyIssuer bool) (*Credential, *secretRecord, error) {
	if len(copies) == 0 {
		return nil, nil, fmt.Errorf("%w: no copies", ErrInconsistent)
	}
	var c *Credential
	var base []byte
	sec := &secretRecord{}
	for i, cp := range copies {
		if cp.Key == nil {
			return nil, nil, fmt.Errorf("%w: copy %d has no key", ErrInconsistent, i)
		}
		res, err := v.VerifyIssued(ctx, cp.SDJWT, cp.Key.Public())
		if err != nil {
			return nil, nil, fmt.Errorf("verify credential copy %d: %w", i, err)
		}
		claims := res.Claims
		if perCopyIssuer {
			claims = maps.Clone(claims)
			delete(claims, "iss")
		}
		comp, err := comparable(claims)
		if err != nil {
			return nil, nil, err
		}
		if c == nil {
			c = &Credential{VCT: res.VCT, Issuer: res.Issuer, IssuedAt: res.IssuedAt, NotBefore: res.NotBefore, ExpiresAt: res.Expires, Claims: res.Claims}
			if res.CertifiedBy != nil {
				c.AuthorityKeyIDs = res.CertifiedBy.AuthorityKeyIDs()
			}
			if t, ok := ppp.LookupVCT(res.VCT); ok {
				c.Type = t.Name
			}
			base = comp
		} else if res.VCT != c.VCT || (res.Issuer != c.Issuer && !perCopyIssuer) || !bytes.Equal(comp, base) {
			return nil, nil, fmt.Errorf("%w: copy %d differs from copy 0", ErrInconsistent, i)
		}
		c.Status = append(c.Status, res.Status)
		kb, err := cp.Key.MarshalJSON()
		if err != nil {
			return nil, nil, err
		}
		sec.Copies = append(sec.Copies, secretCopy{SDJWT: cp.SDJWT, Key: kb})
	}
	c.Copies, c.Unused = len(copies), len(copies)
	if len(slices.DeleteFunc(slices.Clone(c.Status), func(s *sdjwtvc.StatusRef) bool { return s == nil })) == 0 {
		c.Status = nil
	}
	return c, sec, nil
}

// comparable encodes the claims that copies of one credential share: all
// but cnf, the time claims and status, which differ per copy.
func comparable(claims map[string]any) ([]byte, error) {
	m := maps.Clone(claims)
	for _, k := range []string{"cnf", "iat", "nbf", "exp", "status"} {
		delete(m, k)
	}
	b, err := json.Marshal(m) // map keys sorted: canonical enough to compare
	if err != nil {
		return nil, fmt.Errorf("wallet: encode claims: %w", err)
	}
	return b, nil
}

// put stores a new credential (its DEK, summary and secrets) in one batch,
// with extra sealed records when given.
func (w *Wallet) put(ctx context.Context, c *Credential, sec *secretRecord, extra ...Record) error {
	dek, err := newDataKey()
	if err != nil {
		return err
	}
	defer clear(dek)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return ErrClosed
	}
	recs, err := w.sealCredential(c, sec, dek)
	if err != nil {
		return err
	}
	ifAbsent := []Ref{{KindDEK, c.ID}, {KindCredential, c.ID}, {KindSecret, c.ID}}
	if err := w.store.Apply(ctx, Batch{IfAbsent: ifAbsent, Put: append(recs, extra...)}); err != nil {
		return fmt.Errorf("wallet: store credential: %w", err)
	}
	w.index[c.ID] = c
	w.dirty = true
	return nil
}

// sealCredential seals the three records of a credential.
func (w *Wallet) sealCredential(c *Credential, sec *secretRecord, dek []byte) ([]Record, error) {
	s, err := kv.NewSealer(dek)
	if err != nil {
		return nil, err
	}
	wrapped, err := w.master.Seal(Ref{KindDEK, c.ID}.Key(), dek)
	if err != nil {
		return nil, err
	}
	recs := []Record{{KindDEK, c.ID, wrapped}}
	for _, r := range []struct {
		kind Kind
		v    any
	}{{KindCredential, c}, {KindSecret, sec}} {
		b, err := json.Marshal(r.v)
		if err != nil {
			return nil, fmt.Errorf("wallet: encode record: %w", err)
		}
		sealed, err := s.Seal(Ref{r.kind, c.ID}.Key(), b)
		clear(b)
		if err != nil {
			return nil, err
		}
		recs = append(recs, Record{r.kind, c.ID, sealed})
	}
	return recs, nil
}

// load reads and opens every credential summary into the index.
func (w *Wallet) load(ctx context.Context) error {
	deks := map[string]*kv.Sealer{}
	err := w.store.Scan(ctx, KindDEK, func(id string, v []byte) error {
		s, err := w.openDEK(id, v)
		if err != nil {
			return err
		}
		deks[id] = s
		return nil
	})
	if err != nil {
		return err
	}
	return w.store.Scan(ctx, KindCredential, func(id string, v []byte) error {
		s, ok := deks[id]
		if !ok {
			return fmt.Errorf("%w: credential %s has no key", ErrCorrupt, id)
		}
		var c Credential
		if err := openJSON(s, Ref{KindCredential, id}, v, &c); err != nil {
			return err
		}
		if c.ID != id {
			return fmt.Errorf("%w: credential %s", ErrCorrupt, id)
		}
		w.index[id] = &c
		w.dirty = true
		return nil
	})
}

func (w *Wallet) openDEK(id string, v []byte) (*kv.Sealer, error) {
	dek, err := w.master.Open(Ref{KindDEK, id}.Key(), v)
	if err != nil {
		return nil, fmt.Errorf("%w: key of credential %s", ErrCorrupt, id)
	}
	defer clear(dek)
	return kv.NewSealer(dek)
}

// openJSON opens a sealed record and decodes it, numbers as json.Number.
func openJSON(s *kv.Sealer, r Ref, sealed []byte, v any) error {
	b, err := s.Open(r.Key(), sealed)
	if err != nil {
		return fmt.Errorf("%w: %s record %s", ErrCorrupt, r.Kind, r.ID)
	}
	defer clear(b)
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		return fmt.Errorf("%w: %s record %s: %v", ErrCorrupt, r.Kind, r.ID, err)
	}
	return nil
}

// Credentials returns every credential, ordered by building block, type,
// then issue date (newest first) and id. The values are shared: do not
// modify them.
func (w *Wallet) Credentials() []*Credential {
	w.mu.RLock()
	defer w.mu.RUnlock()
	out := slices.Collect(maps.Values(w.index))
	slices.SortFunc(out, func(a, b *Credential) int {
		if d := blockOrder(a.Block()) - blockOrder(b.Block()); d != 0 {
			return d
		}
		if a.Type != b.Type {
			return cmpString(a.Type, b.Type)
		}
		if !a.IssuedAt.Equal(b.IssuedAt) {
			return b.IssuedAt.Compare(a.IssuedAt)
		}
		return cmpString(a.ID, b.ID)
	})
	return out
}

// blockOrder puts blocks 1–6 first, then the evidence, then foreign types.
func blockOrder(b ppp.Block) int {
	if b == 0 {
		return 100
	}
	return int(b)
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Credential returns one credential by id, or ErrNotFound.
func (w *Wallet) Credential(id string) (*Credential, error) {
	w.mu.RLock()
	defer w.mu.RUnlock()
	c, ok := w.index[id]
	if !ok {
		return nil, fmt.Errorf("%w: credential %q", ErrNotFound, id)
	}
	return c, nil
}

// Delete removes a credential, its copies and its keys in one batch. Its
// data key is deleted with it, so what remains on disk until badger
// compacts is ciphertext under a key that no longer exists in the live
// database (crypto-shredding, SECURITY.md G.53).
func (w *Wallet) Delete(ctx context.Context, id string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return ErrClosed
	}
	if _, ok := w.index[id]; !ok {
		return fmt.Errorf("%w: credential %q", ErrNotFound, id)
	}
	refs := []Ref{{KindDEK, id}, {KindCredential, id}, {KindSecret, id}}
	if err := w.store.Apply(ctx, Batch{Delete: refs}); err != nil {
		return fmt.Errorf("wallet: delete credential: %w", err)
	}
	delete(w.index, id)
	w.dirty = true
	return nil
}

// secrets opens a credential's secret record. The caller holds w.mu.
func (w *Wallet) secrets(ctx context.Context, id string) (*secretRecord, *kv.Sealer, error) {
	v, err := w.store.Get(ctx, Ref{KindDEK, id})
	if err != nil {
		return nil, nil, err
	}
	s, err := w.openDEK(id, v)
	if err != nil {
		return nil, nil, err
	}
	v, err = w.store.Get(ctx, Ref{KindSecret, id})
	if err != nil {
		return nil, nil, err
	}
	var sec secretRecord
	if err := openJSON(s, Ref{KindSecret, id}, v, &sec); err != nil {
		return nil, nil, err
	}
	return &sec, s, nil
}

// holderCopy is a copy chosen for a presentation.
type holderCopy struct {
	index int
	sdjwt string
	key   *jose.PrivateKey
}

// pickCopy returns the copy of a credential to present: never one whose
// status is known (revoked or suspended; ErrNoUsableCopy when every copy
// is), a copy known valid (or without status) before one whose status is
// unknown, and of those the least used (an unused one when there is one, so
// that verifiers cannot link presentations by cnf). known is the status of
// each copy (mergeStatus), nil when nothing is known.
func (w *Wallet) pickCopy(ctx context.Context, id string, known []Status) (*holderCopy, error) {
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.closed {
		return nil, ErrClosed
	}
	sec, _, err := w.secrets(ctx, id)
	if err != nil {
		return nil, err
	}
	best, bestRank := -1, 0
	for i, cp := range sec.Copies {
		rank := 1 // status unknown
		if i < len(known) {
			switch known[i] {
			case StatusRevoked, StatusSuspended:
				continue
			case StatusValid, StatusNone:
				rank = 0
			}
		}
		if best < 0 || rank < bestRank || (rank == bestRank && cp.Uses < sec.Copies[best].Uses) {
			best, bestRank = i, rank
		}
	}
	if best < 0 {
		return nil, fmt.Errorf("%w: credential %s", ErrNoUsableCopy, id)
	}
	cp := sec.Copies[best]
	if w.cfg.freshOnly && cp.Uses > 0 {
		return nil, fmt.Errorf("%w: credential %s", ErrUsedCopyRefused, id)
	}
	k, err := jose.ParsePrivateKey(cp.Key)
	if err != nil {
		return nil, fmt.Errorf("%w: key of credential %s", ErrCorrupt, id)
	}
	return &holderCopy{index: best, sdjwt: cp.SDJWT, key: k}, nil
}

// markUsed counts one presentation of a copy.
func (w *Wallet) markUsed(ctx context.Context, id string, index int) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return ErrClosed
	}
	c, ok := w.index[id]
	if !ok {
		return fmt.Errorf("%w: credential %q", ErrNotFound, id)
	}
	sec, s, err := w.secrets(ctx, id)
	if err != nil {
		return err
	}
	if index < 0 || index >= len(sec.Copies) {
		return fmt.Errorf("%w: copy %d", ErrNotFound, index)
	}
	sec.Copies[index].Uses++
	nc := *c
	nc.Unused = 0
	for _, cp := range sec.Copies {
		if cp.Uses == 0 {
			nc.Unused++
		}
	}
	var recs []Record
	for _, r := range []struct {
		kind Kind
		v    any
	}{{KindCredential, &nc}, {KindSecret, sec}} {
		b, err := json.Marshal(r.v)
		if err != nil {
			return err
		}
		sealed, err := s.Seal(Ref{r.kind, id}.Key(), b)
		clear(b)
		if err != nil {
			return err
		}
		recs = append(recs, Record{r.kind, id, sealed})
	}
	if err := w.store.Apply(ctx, Batch{Put: recs}); err != nil {
		return err
	}
	w.index[id] = &nc
	return nil
}

// checkCopy parses a stored copy and checks that its cnf is its key.
func checkCopy(cp secretCopy) error {
	t, err := sdjwt.Parse(cp.SDJWT)
	if err != nil {
		return err
	}
	if _, err := t.Process(); err != nil {
		return err
	}
	hk, err := sdjwt.HolderKey(t.Payload)
	if err != nil {
		return err
	}
	k, err := jose.ParsePrivateKey(cp.Key)
	if err != nil {
		return err
	}
	if !hk.Equal(k.Public()) {
		return errors.New("cnf is not the stored key")
	}
	return nil
}

func pppType(vct string) (ppp.Type, bool) { return ppp.LookupVCT(vct) }
