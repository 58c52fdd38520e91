package wallet

import (
	"maps"
	"slices"
	"time"

	"github.com/loopbrug/paspoort/credentials/dcql"
	"github.com/loopbrug/paspoort/credentials/profile"
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
			cands = append(cands, candidate{ID: id, Format: dcql.FormatSDJWTVC, VCT: c.VCT, Claims: c.Claims, HolderBinding: true})
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

// MatchProfile evaluates a requirement profile locally against every
// credential in the wallet (private matching): which requirements are met,
// which are not, and the gap. Nothing is contacted and nothing is shared.
// A zero now means the wallet's clock.
func (w *Wallet) MatchProfile(p *profile.Profile, now time.Time) *profile.Result {
	if now.IsZero() {
		now = w.cfg.now()
	}
	creds := w.Credentials()
	in := make([]profile.Credential, 0, len(creds))
	for _, c := range creds {
		if !c.ExpiresAt.IsZero() && now.After(c.ExpiresAt) {
			continue
		}
		in = append(in, profile.Credential{ID: c.ID, VCT: c.VCT, Issuer: c.Issuer, IssuedAt: c.IssuedAt, Claims: c.Claims})
	}
	return p.Evaluate(in, profile.Options{Now: now})
}
