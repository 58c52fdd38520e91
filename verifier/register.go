package verifier

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/loopbrug/paspoort/credentials/registry"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/safehttp"
)

// RegisterSource is one consortium register a verifier follows: where the
// consortium publishes it (the URL of the current version, ending in
// "/register.jwt"; version N is at ".../register/N.jwt") and the keys
// pinned for it out of band.
type RegisterSource struct {
	URL  string
	Keys []*jose.PublicKey
}

// RegisterTrust follows one or more consortium registers (issue 12): the
// issuers they admit, for the PPP types they admit them, make the trust
// list, and the entries that name this verifier become its registrations,
// which it presents in every request (verifier_info). A register is
// refetched after RefreshAfter; a failed refresh keeps the accepted one
// until it expires, then that consortium's members are trusted no more
// (fail closed). Key rotation and the version chain are followed as the
// registry package defines. RegisterTrust is safe for concurrent use.
type RegisterTrust struct {
	// Sources are the registers, in order of precedence.
	Sources []RegisterSource
	// Fetcher fetches (an internal/safehttp client).
	Fetcher interface {
		Get(ctx context.Context, rawURL, accept string) (*safehttp.Response, error)
	}
	// RefreshAfter defaults to 1 hour.
	RefreshAfter time.Duration
	// Now defaults to time.Now.
	Now func() time.Time

	mu        sync.Mutex
	followers []*registry.Follower
	fetched   []time.Time
	set       *registry.Set
	list      *TrustList
	urls      map[string]string // consortium id → register URL
}

// ErrNoRegister reports that no register could be accepted: nothing is
// trusted.
var ErrNoRegister = errors.New("no consortium register could be read")

// TrustList implements TrustSource: the issuers of every register followed.
func (r *RegisterTrust) TrustList(ctx context.Context) (*TrustList, error) {
	if err := r.refresh(ctx); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.list, nil
}

// Registrations returns this verifier's entries in the registers followed,
// as the last refresh left them: one per consortium that admits clientID.
//
// Before the first refresh (no presentation verified yet) it reads the
// registers first, bounded by a few seconds, so that the first request
// already names the verifier's entry.
func (r *RegisterTrust) Registrations(clientID string) []registry.Registration {
	if r.Set() == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = r.refresh(ctx) // a failure leaves no registration, as before
		cancel()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.set == nil {
		return nil
	}
	var out []registry.Registration
	for _, m := range r.set.Verifiers(clientID) {
		out = append(out, registry.Registration{Consortium: m.Consortium.ID, Register: r.urls[m.Consortium.ID], ClientID: clientID})
	}
	return out
}

// Set returns the registers as last accepted (nil before the first).
func (r *RegisterTrust) Set() *registry.Set {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.set
}

func (r *RegisterTrust) refresh(ctx context.Context) error {
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	every := r.RefreshAfter
	if every <= 0 {
		every = time.Hour
	}
	if r.Fetcher == nil || len(r.Sources) == 0 {
		return fmt.Errorf("%w: RegisterTrust needs sources and a fetcher", ErrBadConfig)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.followers == nil {
		r.urls = map[string]string{}
		for _, s := range r.Sources {
			f, err := registry.NewFollower(s.Keys)
			if err != nil {
				return fmt.Errorf("%w: register %s: %w", ErrBadConfig, s.URL, err)
			}
			r.followers = append(r.followers, f)
		}
		r.fetched = make([]time.Time, len(r.Sources))
	}
	t := now()
	changed := false
	var firstErr error
	for i, s := range r.Sources {
		f := r.followers[i]
		cur := f.Current()
		if cur != nil && t.Sub(r.fetched[i]) < every && t.Before(cur.ExpiresTime()) {
			continue
		}
		reg, err := r.fetch(ctx, s.URL, f, t)
		if err != nil {
			if firstErr == nil {
				firstErr = fmt.Errorf("register %s: %w", s.URL, err)
			}
			continue
		}
		r.fetched[i] = t
		r.urls[reg.Consortium.ID] = s.URL
		changed = changed || reg != cur
	}
	// Registers that expired unrefreshed drop out of the set.
	var live []*registry.Register
	for _, f := range r.followers {
		if cur := f.Current(); cur != nil && t.Before(cur.ExpiresTime()) {
			live = append(live, cur)
		}
	}
	if len(live) == 0 {
		r.set, r.list = nil, nil
		return fmt.Errorf("%w: %w", ErrNoRegister, firstErr)
	}
	if !changed && r.set != nil && len(r.set.Consortia()) == len(live) {
		return nil
	}
	set, err := registry.NewSet(live...)
	if err != nil {
		return err
	}
	r.set, r.list = set, trustListOf(live)
	return nil
}

// fetch reads the current register at u and has f accept it, walking any
// versions f has not seen.
func (r *RegisterTrust) fetch(ctx context.Context, u string, f *registry.Follower, now time.Time) (*registry.Register, error) {
	resp, err := r.Fetcher.Get(ctx, u, "application/jwt")
	if err != nil {
		return nil, err
	}
	return f.Update(ctx, resp.Body, func(ctx context.Context, n uint64) ([]byte, error) {
		resp, err := r.Fetcher.Get(ctx, registry.VersionURL(u, n), "application/jwt")
		if err != nil {
			return nil, err
		}
		return resp.Body, nil
	}, now)
}

// trustListOf merges the issuer entries of regs: an issuer admitted by
// several consortia is trusted for the union of their types, with the
// kind the first register gives it.
func trustListOf(regs []*registry.Register) *TrustList {
	tl := &TrustList{}
	at := map[string]int{}
	for _, reg := range regs {
		for _, is := range reg.Issuers {
			i, ok := at[is.ID]
			if !ok {
				at[is.ID] = len(tl.Issuers)
				tl.Issuers = append(tl.Issuers, TrustedIssuer{ID: is.ID, Name: is.Name.NL, Kind: string(is.Kind)})
				i = len(tl.Issuers) - 1
			}
			for _, t := range is.Types {
				if !slices.Contains(tl.Issuers[i].Types, t) {
					tl.Issuers[i].Types = append(tl.Issuers[i].Types, t)
				}
			}
		}
	}
	return tl
}

// Trusts is a TrustSource that trusts what any of its sources trusts: a
// local trust list beside consortium registers.
type Trusts []TrustSource

// TrustList implements TrustSource. A source that fails is skipped as long
// as another answers.
func (ts Trusts) TrustList(ctx context.Context) (*TrustList, error) {
	out := &TrustList{}
	var firstErr error
	ok := false
	for _, s := range ts {
		tl, err := s.TrustList(ctx)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		ok = true
		if tl != nil {
			out.Issuers = append(out.Issuers, tl.Issuers...)
		}
	}
	if !ok {
		return nil, firstErr
	}
	return out, nil
}
