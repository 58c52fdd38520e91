package wallet

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/dcql"
	"github.com/loopbrug/paspoort/credentials/did"
	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/credentials/profile"
	"github.com/loopbrug/paspoort/internal/jose"
)

// candidate is a credential as DCQL matching sees it.
type candidate = dcql.Candidate

// candidates returns the DCQL candidates of every credential, ordered by id,
// rebuilt only after a change. The caller must not modify them.
func (w *Wallet) candidates() []candidate {
	w.mu.RLock()
	if !w.dirty {
		c := w.cands
		w.mu.RUnlock()
		return c
	}
	w.mu.RUnlock()
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.dirty {
		ids := slices.Sorted(maps.Keys(w.index))
		cands := make([]candidate, 0, len(ids))
		for _, id := range ids {
			c := w.index[id]
			cands = append(cands, candidate{ID: id, Format: dcql.FormatSDJWTVC, VCT: c.VCT, Claims: c.Claims, HolderBinding: true,
				AuthorityKeyIDs: c.AuthorityKeyIDs})
		}
		w.cands, w.dirty = cands, false
	}
	return w.cands
}

// MatchQuery matches a DCQL query against the wallet's credentials
// (OpenID4VP 1.0 §6.4): which credentials satisfy which Credential Query,
// with which claims. Candidate ids in the result are credential ids. It
// reads only the in-memory index and contacts no one.
func (w *Wallet) MatchQuery(q dcql.Query) (dcql.Result, error) {
	return dcql.Match(q, w.candidates())
}

// MatchProfile evaluates a requirement profile locally against the
// wallet's credentials (private matching): which requirements are met,
// which are not, and the gap — with the same code a verifier uses
// (profile.Evaluate), aggregates included: the months of experience are
// summed here first, as the verifier will. Nothing is shared. It counts a
// credential as a verifier would: not expired, not revoked or suspended
// (its status list is checked, the last known status counting when it
// cannot be fetched), and, when the wallet follows consortium registers,
// only from an issuer a register admits for the credential's type, its
// assurance capped at that issuer's kind. A credential the holder issued
// herself (a portfolio) counts only as such, as assurance self; a
// portfolio from anyone else does not count. A zero now means the
// wallet's clock.
func (w *Wallet) MatchProfile(ctx context.Context, p *profile.Profile, now time.Time) *profile.Result {
	if now.IsZero() {
		now = w.cfg.now()
	}
	set, _, err := w.registerSet(ctx)
	if err != nil {
		w.cfg.logger.InfoContext(ctx, "registers not read", "class", credentials.ClassName(err))
	}
	creds := w.Credentials()
	in := make([]profile.Credential, 0, len(creds))
	for _, c := range creds {
		if !c.ExpiresAt.IsZero() && now.After(c.ExpiresAt) {
			continue
		}
		self := selfIssued(c)
		t, known := ppp.LookupVCT(c.VCT)
		switch {
		case known && t.SelfIssued() && !self:
			continue // a portfolio counts only as issued by its holder
		case set != nil && !(known && t.SelfIssued()):
			if _, ok := set.IssuerAllowed(c.Issuer, c.VCT); !ok {
				continue
			}
		}
		if !w.countable(ctx, c) {
			continue
		}
		in = append(in, profile.Credential{ID: c.ID, VCT: c.VCT, Issuer: c.Issuer, IssuedAt: c.IssuedAt, Claims: c.Claims, SelfIssued: self})
	}
	opts := profile.Options{Now: now}
	if set != nil {
		opts.IssuerAssurance = func(iss, typeName string) (ppp.Assurance, bool) {
			t, ok := ppp.Lookup(typeName)
			if !ok {
				return "", false
			}
			m, ok := set.IssuerAllowed(iss, t.VCT)
			if !ok {
				return "", false
			}
			return ppp.AssuranceOfIssuerKind(string(m.Issuer.Kind))
		}
	}
	return p.Evaluate(in, opts)
}

// selfIssued reports whether the holder issued c herself: its iss is the
// did:jwk of its own cnf key.
func selfIssued(c *Credential) bool {
	cnf, _ := c.Claims["cnf"].(map[string]any)
	jwk, _ := cnf["jwk"].(map[string]any)
	if jwk == nil {
		return false
	}
	k, err := jose.PublicKeyFromMap(jwk)
	return err == nil && did.IsJWKOf(c.Issuer, k)
}

// countable reports whether some copy of c is not known to be revoked or
// suspended: checked now, or else as last known.
func (w *Wallet) countable(ctx context.Context, c *Credential) bool {
	if len(c.Status) == 0 {
		return true // no status list: nothing to check
	}
	r, _ := w.CheckStatus(ctx, c, false)
	for _, st := range mergeStatus(c.LastStatus, r.Copies) {
		if st != StatusRevoked && st != StatusSuspended {
			return true
		}
	}
	return false
}

// Provenance says who established a credential's claims, how and when
// (ppp.ProvenanceOf), as a verifier would weigh it: a credential the
// holder issued herself counts as self, and one from an issuer a followed
// register admits is capped at that issuer's kind (an assessor's
// credential stating "evc-provider" is an assessor's). It reports false
// for a type that carries no evidence.
func (w *Wallet) Provenance(ctx context.Context, c *Credential) (ppp.Provenance, bool) {
	p, ok := ppp.ProvenanceOf(c.Type, c.Claims)
	if !ok {
		return p, false
	}
	if selfIssued(c) {
		p.Assurance = ppp.AssuranceSelf
		return p, true
	}
	set, _, err := w.registerSet(ctx)
	if err != nil || set == nil {
		return p, true
	}
	if m, ok := set.IssuerAllowed(c.Issuer, c.VCT); ok {
		if limit, ok := ppp.AssuranceOfIssuerKind(string(m.Issuer.Kind)); ok {
			p.Assurance = p.Assurance.Cap(limit)
		}
	}
	return p, true
}
