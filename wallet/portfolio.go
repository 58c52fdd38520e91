package wallet

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/did"
	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/credentials/sdjwtvc"
	"github.com/loopbrug/paspoort/internal/jose"
)

// The records of the EVC portfolio (issue 13): drafts and their
// attachments, each sealed with the wallet's data key.
const (
	// KindPortfolio holds one portfolio draft.
	KindPortfolio Kind = "p"
	// KindAttachment holds one attachment file of a portfolio.
	KindAttachment Kind = "a"
)

// Bounds of a portfolio.
const (
	// MaxAttachmentSize bounds one attachment file.
	MaxAttachmentSize = 8 << 20
	// MaxPortfolioAttachments bounds the attachments of one portfolio.
	MaxPortfolioAttachments = 40
	// MaxPortfolioEntries bounds the entries (the schema's maxItems).
	MaxPortfolioEntries = 100
)

// The portfolio errors. Each belongs to a credentials class, so the CLI
// names it.
var (
	// ErrPortfolio reports a portfolio entry, attachment or standard the
	// wallet refuses; the error text says what to change.
	ErrPortfolio = credentials.NewError(credentials.ErrClaim, "wallet: portfolio")
	// ErrPortfolioIssued reports a change to a portfolio that was issued
	// already: make a new one.
	ErrPortfolioIssued = credentials.NewError(credentials.ErrFormat, "wallet: portfolio was issued already")
)

// PortfolioError is a portfolio step the wallet refuses, said in Dutch
// and English for the person who took it. It wraps ErrPortfolio.
type PortfolioError struct{ NL, EN string }

func (e *PortfolioError) Error() string { return "wallet: portfolio: " + e.EN }

// Unwrap returns ErrPortfolio.
func (e *PortfolioError) Unwrap() error { return ErrPortfolio }

func portfolioErr(nl, en string) error { return &PortfolioError{NL: nl, EN: en} }

// Portfolio is a holder's EVC portfolio while she builds it: the standard
// she wants recognised, her entries per competence, the files and
// credentials that back them. It stays in the wallet, sealed; what leaves
// is the portfolio credential IssuePortfolio makes of it, with attachments
// named only by their hash.
type Portfolio struct {
	ID string `json:"id"`
	// Standard is an ESCO occupation URI or a crebo number; StandardKind
	// says which (ppp.StandardESCOOccupation, ppp.StandardKwalificatiedossier).
	Standard      string           `json:"standard"`
	StandardKind  string           `json:"standard_kind"`
	StandardLabel string           `json:"standard_label"`
	Entries       []PortfolioEntry `json:"entries"`
	Created       time.Time        `json:"created"`
	Updated       time.Time        `json:"updated"`
	// Issued is the id of the portfolio credential once issued; the draft
	// is then closed.
	Issued string `json:"issued,omitempty"`
}

// PortfolioEntry is what the holder claims for one competence.
type PortfolioEntry struct {
	Skill     string `json:"skill"`
	Statement string `json:"statement"`
	Context   string `json:"context"`
	From      string `json:"from"`
	Until     string `json:"until,omitempty"`
	// Attachments are files kept in the wallet, by their records.
	Attachments []Attachment `json:"attachments,omitempty"`
	// Credentials are ids of wallet credentials that back the entry.
	Credentials []string `json:"credentials,omitempty"`
}

// Attachment is a file of a portfolio entry. The file itself is a sealed
// KindAttachment record with the id ID.
type Attachment struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	MediaType string `json:"media_type"`
	Size      int    `json:"size"`
	// SHA256 is the file's SHA-256, base64url without padding: what the
	// portfolio credential carries, so the holder can reveal the file
	// later and the assessor check it.
	SHA256 string `json:"sha256"`
}

// StandardSkills returns the skills an EVC standard asks for: the
// essential ESCO skills of the occupation. A kwalificatiedossier has none
// in the shipped data.
func StandardSkills(standard string) []ppp.Skill {
	ess, _ := ppp.OccupationSkills(standard)
	return ess
}

// NewPortfolio starts a portfolio for a standard: an ESCO occupation URI of
// the shipped subset, or the five-digit crebo number of an MBO
// kwalificatiedossier with its name in label.
func (w *Wallet) NewPortfolio(ctx context.Context, standard, label string) (*Portfolio, error) {
	p := &Portfolio{ID: newID(), Standard: standard, Created: w.cfg.now().UTC()}
	if o, ok := ppp.ESCOOccupation(standard); ok {
		p.StandardKind = ppp.StandardESCOOccupation
		p.StandardLabel = o.LabelNl
		if p.StandardLabel == "" {
			p.StandardLabel = o.LabelEn
		}
	} else if len(standard) == 5 && strings.Trim(standard, "0123456789") == "" {
		p.StandardKind = ppp.StandardKwalificatiedossier
		p.StandardLabel = strings.TrimSpace(label)
		if p.StandardLabel == "" {
			return nil, portfolioErr(fmt.Sprintf("geef de naam van kwalificatiedossier %s", standard), fmt.Sprintf("give the name of kwalificatiedossier %s", standard))
		}
	} else {
		return nil, portfolioErr("geef een beroep uit ESCO (de URI) of het crebonummer van een kwalificatiedossier (vijf cijfers)", "give an ESCO occupation (its URI) or the crebo number of a kwalificatiedossier (five digits)")
	}
	if label = strings.TrimSpace(label); label != "" {
		p.StandardLabel = label
	}
	p.Updated = p.Created
	if err := w.putPortfolio(ctx, p, nil, true); err != nil {
		return nil, err
	}
	return p, nil
}

// Portfolios returns the holder's portfolios, oldest first.
func (w *Wallet) Portfolios(ctx context.Context) ([]*Portfolio, error) {
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.closed {
		return nil, ErrClosed
	}
	var out []*Portfolio
	err := w.store.Scan(ctx, KindPortfolio, func(id string, v []byte) error {
		var p Portfolio
		if err := openJSON(w.master, Ref{KindPortfolio, id}, v, &p); err != nil {
			return err
		}
		out = append(out, &p)
		return nil
	})
	slices.SortFunc(out, func(a, b *Portfolio) int { return a.Created.Compare(b.Created) })
	return out, err
}

// Portfolio returns one portfolio by id (ErrNotFound).
func (w *Wallet) Portfolio(ctx context.Context, id string) (*Portfolio, error) {
	if !validCredentialID(id) {
		return nil, fmt.Errorf("%w: portfolio %q", ErrNotFound, id)
	}
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.closed {
		return nil, ErrClosed
	}
	v, err := w.store.Get(ctx, Ref{KindPortfolio, id})
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, fmt.Errorf("%w: portfolio %q", ErrNotFound, id)
		}
		return nil, err
	}
	var p Portfolio
	if err := openJSON(w.master, Ref{KindPortfolio, id}, v, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// AddPortfolioEntry adds an entry for one competence and returns its
// index. The skill must be an ESCO skill of the shipped subset, the dates
// YYYY-MM-DD with until not before from, and statement and context said
// in a few words at least.
func (w *Wallet) AddPortfolioEntry(ctx context.Context, id string, e PortfolioEntry) (int, error) {
	e.Statement, e.Context = strings.TrimSpace(e.Statement), strings.TrimSpace(e.Context)
	if err := checkEntry(e); err != nil {
		return 0, err
	}
	e.Attachments, e.Credentials = nil, nil
	var idx int
	err := w.updatePortfolio(ctx, id, func(p *Portfolio) ([]Record, error) {
		if len(p.Entries) >= MaxPortfolioEntries {
			return nil, portfolioErr(fmt.Sprintf("een portfolio heeft hoogstens %d onderdelen", MaxPortfolioEntries), fmt.Sprintf("a portfolio has at most %d entries", MaxPortfolioEntries))
		}
		if slices.ContainsFunc(p.Entries, func(x PortfolioEntry) bool { return x.Skill == e.Skill }) {
			return nil, portfolioErr("er is al een onderdeel voor deze vaardigheid; voeg daar bewijs aan toe", "there is an entry for this skill already; add evidence to it instead")
		}
		p.Entries = append(p.Entries, e)
		idx = len(p.Entries) - 1
		return nil, nil
	})
	return idx, err
}

func checkEntry(e PortfolioEntry) error {
	if _, ok := ppp.ESCOSkill(e.Skill); !ok {
		return portfolioErr("die vaardigheid staat niet in ESCO; zoek haar op met 'paspoort ppp esco'", "that skill is not in ESCO; look it up with 'paspoort ppp esco'")
	}
	for _, s := range []struct {
		name, nl, v string
		max         int
	}{{"statement", "wat u deed", e.Statement, 4000}, {"context", "waar", e.Context, 200}} {
		if n := utf8.RuneCountInString(s.v); n < 3 || n > s.max {
			return portfolioErr(fmt.Sprintf("%s: schrijf 3 tot %d tekens", s.nl, s.max), fmt.Sprintf("%s: write 3 to %d characters", s.name, s.max))
		}
	}
	from, err := ppp.ParseDate(e.From)
	if err != nil {
		return portfolioErr("de begindatum is geen datum: schrijf JJJJ-MM-DD", "the start date is no date: write YYYY-MM-DD")
	}
	if e.Until != "" {
		until, err := ppp.ParseDate(e.Until)
		if err != nil {
			return portfolioErr("de einddatum is geen datum: schrijf JJJJ-MM-DD", "the end date is no date: write YYYY-MM-DD")
		}
		if until.Before(from) {
			return portfolioErr(fmt.Sprintf("de einddatum %s ligt voor de begindatum %s", until, from), fmt.Sprintf("the end date %s is before the start date %s", until, from))
		}
	}
	return nil
}

// Attach keeps a file for entry idx of a portfolio, sealed in the wallet,
// and returns it as the portfolio names it. The media type comes from the
// file name's extension when mediaType is empty.
func (w *Wallet) Attach(ctx context.Context, id string, idx int, name, mediaType string, data []byte) (*Attachment, error) {
	name = filepath.Base(strings.TrimSpace(name))
	switch {
	case len(data) == 0:
		return nil, portfolioErr("het bestand is leeg", "the file is empty")
	case len(data) > MaxAttachmentSize:
		return nil, portfolioErr(fmt.Sprintf("het bestand is te groot: hoogstens %d MB", MaxAttachmentSize>>20), fmt.Sprintf("the file is too big: at most %d MB", MaxAttachmentSize>>20))
	case name == "" || name == "." || utf8.RuneCountInString(name) > 200 || !utf8.ValidString(name):
		return nil, portfolioErr("het bestand heeft een naam nodig van hoogstens 200 tekens", "the file needs a name of at most 200 characters")
	}
	if mediaType == "" {
		mediaType = mime.TypeByExtension(strings.ToLower(filepath.Ext(name)))
		mediaType, _, _ = strings.Cut(mediaType, ";")
	}
	if mediaType == "" {
		mediaType = "application/octet-stream"
	}
	if _, _, err := mime.ParseMediaType(mediaType); err != nil || len(mediaType) > 100 {
		return nil, portfolioErr("het soort bestand is niet te herkennen", "the kind of file cannot be recognised")
	}
	sum := sha256.Sum256(data)
	a := &Attachment{ID: newID(), Name: name, MediaType: mediaType, Size: len(data), SHA256: base64.RawURLEncoding.EncodeToString(sum[:])}
	err := w.updatePortfolio(ctx, id, func(p *Portfolio) ([]Record, error) {
		if idx < 0 || idx >= len(p.Entries) {
			return nil, portfolioErr(fmt.Sprintf("er is geen onderdeel %d; het portfolio heeft er %d", idx+1, len(p.Entries)), fmt.Sprintf("there is no entry %d; the portfolio has %d", idx+1, len(p.Entries)))
		}
		n := 0
		for _, e := range p.Entries {
			n += len(e.Attachments)
		}
		if n >= MaxPortfolioAttachments {
			return nil, portfolioErr(fmt.Sprintf("een portfolio heeft hoogstens %d bestanden", MaxPortfolioAttachments), fmt.Sprintf("a portfolio has at most %d files", MaxPortfolioAttachments))
		}
		sealed, err := w.sealMaster(Ref{KindAttachment, a.ID}, data)
		if err != nil {
			return nil, err
		}
		p.Entries[idx].Attachments = append(p.Entries[idx].Attachments, *a)
		return []Record{{KindAttachment, a.ID, sealed}}, nil
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// AttachmentData returns the file of an attachment, to reveal it to an
// assessor; its hash is checked against the portfolio's.
func (w *Wallet) AttachmentData(ctx context.Context, a Attachment) ([]byte, error) {
	if !validCredentialID(a.ID) {
		return nil, fmt.Errorf("%w: attachment %q", ErrNotFound, a.ID)
	}
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.closed {
		return nil, ErrClosed
	}
	v, err := w.store.Get(ctx, Ref{KindAttachment, a.ID})
	if err != nil {
		return nil, err
	}
	data, err := w.master.Open(Ref{KindAttachment, a.ID}.Key(), v)
	if err != nil {
		return nil, fmt.Errorf("%w: attachment %s", ErrCorrupt, a.ID)
	}
	sum := sha256.Sum256(data)
	if base64.RawURLEncoding.EncodeToString(sum[:]) != a.SHA256 {
		return nil, fmt.Errorf("%w: attachment %s does not match its hash", ErrCorrupt, a.ID)
	}
	return data, nil
}

// LinkCredential names a credential the holder holds as backing for entry
// idx: the portfolio credential carries its type and issuer name, not the
// credential itself, which she presents separately when asked.
func (w *Wallet) LinkCredential(ctx context.Context, id string, idx int, credentialID string) error {
	if _, err := w.Credential(credentialID); err != nil {
		return err
	}
	return w.updatePortfolio(ctx, id, func(p *Portfolio) ([]Record, error) {
		if idx < 0 || idx >= len(p.Entries) {
			return nil, portfolioErr(fmt.Sprintf("er is geen onderdeel %d; het portfolio heeft er %d", idx+1, len(p.Entries)), fmt.Sprintf("there is no entry %d; the portfolio has %d", idx+1, len(p.Entries)))
		}
		e := &p.Entries[idx]
		if slices.Contains(e.Credentials, credentialID) {
			return nil, nil
		}
		if len(e.Attachments)+len(e.Credentials) >= 20 {
			return nil, portfolioErr("een onderdeel heeft hoogstens 20 bewijsstukken", "an entry has at most 20 pieces of evidence")
		}
		e.Credentials = append(e.Credentials, credentialID)
		return nil, nil
	})
}

// PortfolioClaims returns the claims the portfolio credential of p
// carries, as of now: entries in order, each with its attachments (by
// hash) and the credentials it names that are still in the wallet.
func (w *Wallet) PortfolioClaims(p *Portfolio) (*ppp.PortfolioClaims, error) {
	if len(p.Entries) == 0 {
		return nil, portfolioErr("voeg eerst minstens één onderdeel toe", "add at least one entry first")
	}
	c := &ppp.PortfolioClaims{Standard: p.Standard, StandardKind: p.StandardKind, StandardLabel: p.StandardLabel,
		PreparedOn: ppp.DateOf(w.cfg.now()), Assurance: ppp.AssuranceSelf}
	for _, e := range p.Entries {
		label, _ := ppp.SkillLabel(e.Skill, "nl")
		from, err := ppp.ParseDate(e.From)
		if err != nil {
			return nil, portfolioErr("een datum in het portfolio klopt niet", "a date in the portfolio is wrong")
		}
		pe := ppp.PortfolioEntry{Skill: e.Skill, SkillLabel: label, Statement: e.Statement, Context: e.Context, From: from}
		if e.Until != "" {
			u, err := ppp.ParseDate(e.Until)
			if err != nil {
				return nil, portfolioErr("een datum in het portfolio klopt niet", "a date in the portfolio is wrong")
			}
			pe.Until = &u
		}
		for _, a := range e.Attachments {
			pe.Evidence = append(pe.Evidence, ppp.PortfolioEvidence{Kind: ppp.EvidenceAttachment, Name: a.Name, MediaType: a.MediaType, SHA256: a.SHA256})
		}
		for _, id := range e.Credentials {
			cr, err := w.Credential(id)
			if err != nil || cr.Type == "" {
				continue // deleted since: the portfolio no longer names it
			}
			name := cr.IssuerName
			if name == "" {
				name = cr.Issuer
			}
			pe.Evidence = append(pe.Evidence, ppp.PortfolioEvidence{Kind: ppp.EvidenceCredential, Name: typeDisplayName(cr.Type), CredentialType: cr.Type, IssuerName: truncateRunes(name, 200)})
		}
		c.Entries = append(c.Entries, pe)
	}
	return c, nil
}

func typeDisplayName(name string) string {
	if t, ok := ppp.Lookup(name); ok {
		return t.Display["nl"].Name
	}
	return name
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// PortfolioValidity is how long a self-issued portfolio credential is
// valid: long enough for an EVC procedure (intake to certificate).
const PortfolioValidity = 180 * 24 * time.Hour

// IssuePortfolio issues the portfolio as a credential of the self-issued
// PPP type portfolio and stores it: signed with a fresh key of the
// holder's, whose did:jwk is "iss" and which is also the holder key in
// "cnf", so it can only ever count as the holder's own word (assurance
// self). copies fresh copies are made (at least 1), each with its own key,
// so that presentations to several providers cannot be linked. The draft
// is closed: a later change needs a new portfolio.
func (w *Wallet) IssuePortfolio(ctx context.Context, id string, copies int) (*Credential, error) {
	w.portfolioMu.Lock()
	defer w.portfolioMu.Unlock()
	p, err := w.Portfolio(ctx, id)
	if err != nil {
		return nil, err
	}
	if p.Issued != "" {
		return nil, fmt.Errorf("%w: it is credential %s", ErrPortfolioIssued, p.Issued)
	}
	claims, err := w.PortfolioClaims(p)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(claims)
	if err != nil {
		return nil, err
	}
	if err := ppp.Validate(ppp.TypePortfolio, b); err != nil {
		return nil, fmt.Errorf("%w: %w", portfolioErr("het portfolio klopt niet met het PPP-schema", "the portfolio does not meet the PPP schema"), err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	t, _ := ppp.Lookup(ppp.TypePortfolio)
	copies = min(max(copies, 1), 10)
	now := w.cfg.now()
	var cs []Copy
	var signers []*jose.PublicKey
	for range copies {
		key, err := w.NewHolderKey()
		if err != nil {
			return nil, err
		}
		iss, err := did.JWKFromKey(key.Public())
		if err != nil {
			return nil, err
		}
		signer := key.WithKeyID(iss + "#0")
		s, err := sdjwtvc.Issue(signer, sdjwtvc.Credential{Issuer: iss, VCT: t.VCT, IssuedAt: now, Expires: now.Add(PortfolioValidity),
			HolderKey: key.Public(), Claims: m})
		if err != nil {
			return nil, fmt.Errorf("wallet: sign portfolio: %w", err)
		}
		cs = append(cs, Copy{SDJWT: s, Key: key})
		signers = append(signers, signer.Public())
	}
	c, sec, err := w.verifyCopiesSelfIssued(ctx, cs, signers)
	if err != nil {
		return nil, err
	}
	c.IssuerName = "uzelf"
	c.ID = newID()
	c.ReceivedAt = now.UTC()
	p.Issued, p.Updated = c.ID, now.UTC()
	pb, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	sealed, err := w.sealMaster(Ref{KindPortfolio, p.ID}, pb)
	if err != nil {
		return nil, err
	}
	if err := w.put(ctx, c, sec, Record{KindPortfolio, p.ID, sealed}); err != nil {
		return nil, err
	}
	w.cfg.logger.InfoContext(ctx, "portfolio issued", "credential_id", c.ID, "entries", len(p.Entries), "copies", c.Copies)
	return c, nil
}

// verifyCopiesSelfIssued verifies the copies the wallet just signed, as a
// verifier will: signature by the did:jwk of "iss", times, disclosures and
// cnf. Each copy has its own key and so its own iss.
func (w *Wallet) verifyCopiesSelfIssued(ctx context.Context, cs []Copy, signers []*jose.PublicKey) (*Credential, *secretRecord, error) {
	keys := sdjwtvc.StaticKeys{}
	for _, k := range signers {
		iss, _, _ := strings.Cut(k.KeyID(), "#")
		keys[iss] = append(keys[iss], k)
	}
	v, err := sdjwtvc.NewVerifier(keys, sdjwtvc.WithClock(w.cfg.now))
	if err != nil {
		return nil, nil, err
	}
	return verifyCopiesWith(ctx, v, cs, true)
}

// putPortfolio stores p (sealed) and extra records in one batch.
func (w *Wallet) putPortfolio(ctx context.Context, p *Portfolio, extra []Record, fresh bool) error {
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return ErrClosed
	}
	sealed, err := w.master.Seal(Ref{KindPortfolio, p.ID}.Key(), b)
	if err != nil {
		return err
	}
	batch := Batch{Put: append([]Record{{KindPortfolio, p.ID, sealed}}, extra...)}
	if fresh {
		batch.IfAbsent = []Ref{{KindPortfolio, p.ID}}
	}
	if err := w.store.Apply(ctx, batch); err != nil {
		return fmt.Errorf("wallet: store portfolio: %w", err)
	}
	return nil
}

// updatePortfolio reads portfolio id, lets fn change it (and return
// records to store with it), and stores it, all or nothing. An issued
// portfolio is not changed (ErrPortfolioIssued).
func (w *Wallet) updatePortfolio(ctx context.Context, id string, fn func(*Portfolio) ([]Record, error)) error {
	w.portfolioMu.Lock()
	defer w.portfolioMu.Unlock()
	p, err := w.Portfolio(ctx, id)
	if err != nil {
		return err
	}
	if p.Issued != "" {
		return fmt.Errorf("%w: start a new portfolio to change it", ErrPortfolioIssued)
	}
	extra, err := fn(p)
	if err != nil {
		return err
	}
	p.Updated = w.cfg.now().UTC()
	return w.putPortfolio(ctx, p, extra, false)
}

// sealMaster seals a record with the wallet's data key, unless the wallet
// was closed (which clears the key).
func (w *Wallet) sealMaster(r Ref, plain []byte) ([]byte, error) {
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.closed {
		return nil, ErrClosed
	}
	return w.master.Seal(r.Key(), plain)
}

// backupPortfolios reads every portfolio with its files, for Export.
func (w *Wallet) backupPortfolios(ctx context.Context) ([]backupPortfolio, error) {
	ps, err := w.Portfolios(ctx)
	if err != nil {
		return nil, err
	}
	var out []backupPortfolio
	for _, p := range ps {
		bp := backupPortfolio{Portfolio: p, Files: map[string][]byte{}}
		for _, e := range p.Entries {
			for _, a := range e.Attachments {
				data, err := w.AttachmentData(ctx, a)
				if err != nil {
					return nil, fmt.Errorf("wallet: export portfolio %s: %w", p.ID, err)
				}
				bp.Files[a.ID] = data
			}
		}
		out = append(out, bp)
	}
	return out, nil
}

// importPortfolio stores a portfolio of a backup with its files in one
// batch, unless the wallet has it already.
func (w *Wallet) importPortfolio(ctx context.Context, bp backupPortfolio) error {
	var extra []Record
	for id, data := range bp.Files {
		sealed, err := w.sealMaster(Ref{KindAttachment, id}, data)
		if err != nil {
			return err
		}
		extra = append(extra, Record{KindAttachment, id, sealed})
	}
	err := w.putPortfolio(ctx, bp.Portfolio, extra, true)
	if errors.Is(err, ErrExists) {
		return nil
	}
	return err
}
