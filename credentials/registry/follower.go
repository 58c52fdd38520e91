package registry

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/loopbrug/paspoort/internal/jose"
)

// Leeway is the clock skew allowed for "iat".
const Leeway = 60 * time.Second

// MaxWalk bounds the versions Update fetches to close a gap.
const MaxWalk = 1024

// State is what a Follower remembers of the last register it accepted:
// small, JSON-serialisable, for the wallet or verifier to persist and
// hand back with WithState. The zero State has accepted nothing.
type State struct {
	// Consortium is the consortium id of the accepted registers.
	Consortium string `json:"consortium"`
	// Version and Hash are the last accepted version and its Hash.
	Version uint64 `json:"version"`
	Hash    string `json:"hash"`
	// SignedBy is the key that signed it.
	SignedBy *Key `json:"signed_by,omitempty"`
	// NextKeys are its next_keys: the keys allowed to sign Version+1.
	NextKeys []Key `json:"next_keys,omitempty"`
}

// Fetch returns the signed register of one version (the consortium serves
// every version, at /register/N.jwt). It is how Update walks a gap.
type Fetch func(ctx context.Context, version uint64) ([]byte, error)

// Follower follows one consortium's register: it accepts each signed
// version in turn, from keys pinned out of band to the keys each version
// names for the next. Safe for concurrent use.
type Follower struct {
	pinned     []Key
	consortium string

	mu      sync.Mutex
	state   State
	current *Register
}

// Option configures a Follower.
type Option func(*Follower) error

// WithState resumes from a persisted State (Follower.State).
func WithState(s State) Option {
	return func(f *Follower) error {
		if s.Version == 0 {
			return nil
		}
		if s.SignedBy == nil || s.SignedBy.PublicKey == nil || len(s.NextKeys) == 0 || s.Hash == "" || s.Consortium == "" {
			return fmt.Errorf("%w: state of version %d is incomplete", ErrMalformed, s.Version)
		}
		f.state = s
		return nil
	}
}

// WithConsortium requires every register to be of the consortium id.
// Default: the consortium of the first register accepted.
func WithConsortium(id string) Option {
	return func(f *Follower) error {
		if !isHTTPS(id) {
			return fmt.Errorf("%w: consortium id %q is not an https URL", ErrMalformed, id)
		}
		f.consortium = id
		return nil
	}
}

// NewFollower returns a Follower that accepts a first register signed by
// one of pinned (ES256 keys, matched by kid).
func NewFollower(pinned []*jose.PublicKey, opts ...Option) (*Follower, error) {
	f := &Follower{}
	for _, k := range pinned {
		if k == nil || k.Alg() != Alg || k.KeyID() == "" {
			return nil, fmt.Errorf("%w: a pinned register key is an ES256 key with a kid", jose.ErrAlgNotAllowed)
		}
		f.pinned = append(f.pinned, Key{k})
	}
	for _, o := range opts {
		if err := o(f); err != nil {
			return nil, err
		}
	}
	if len(f.pinned) == 0 && f.state.Version == 0 {
		return nil, fmt.Errorf("%w: no pinned key and no state", ErrUnknownKey)
	}
	if f.consortium != "" && f.state.Consortium != "" && f.consortium != f.state.Consortium {
		return nil, fmt.Errorf("%w: state is of %q", ErrOtherConsortium, f.state.Consortium)
	}
	return f, nil
}

// State returns what the Follower has accepted, to persist.
func (f *Follower) State() State {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.state
	s.NextKeys = slices.Clone(s.NextKeys)
	return s
}

// Current returns the register last accepted since the Follower was made,
// or nil.
func (f *Follower) Current() *Register {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.current
}

// Accept verifies raw as the next register and, if it holds, makes it the
// current one. The checks, in order:
//
//  1. size: at most MaxBytes (ErrTooLarge, LIMIT);
//  2. compact JWS framing (FMT), typ Type (ErrType), alg ES256 (ALG);
//  3. version against the state: older is ErrRollback, more than one
//     ahead is ErrGap (see Update), both TRUST;
//  4. the key: for the first register one of the pinned keys
//     (ErrUnknownKey), for the next version one named in the last one's
//     next_keys (ErrUnannouncedKey), for the same version the key that
//     signed it; found by kid (TRUST);
//  5. the signature (SIG);
//  6. the document, strict (ErrMalformed, ErrDuplicateMember, FMT);
//  7. iat not after now+Leeway (ErrNotYetValid), exp after now
//     (ErrExpired), both CLAIM;
//  8. the consortium id (ErrOtherConsortium, TRUST);
//  9. the chain: the same version must be the same bytes (ErrForked), the
//     next must name the last one's hash in prev (ErrPrevHash), both TRUST.
//
// Accepting the register already accepted again is allowed (it refreshes
// Current after a restart with WithState).
func (f *Follower) Accept(raw []byte, now time.Time) (*Register, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	st := f.state
	r, err := f.accept(&st, raw, now, false)
	if err != nil {
		return nil, err
	}
	f.state, f.current = st, r
	return r, nil
}

// Update accepts latest, the newest register, after fetching and
// accepting each version between the last accepted one and it, in order
// (a follower that was away walks the chain). The versions in between may
// have expired; latest may not. Nothing changes unless latest is
// accepted. At most MaxWalk versions are fetched (ErrTooManyVersions).
func (f *Follower) Update(ctx context.Context, latest []byte, fetch Fetch, now time.Time) (*Register, error) {
	p, err := parseToken(latest)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	st := f.state
	if st.Version > 0 && p.version > st.Version+1 {
		if p.version-st.Version-1 > MaxWalk {
			return nil, fmt.Errorf("%w: %d versions", ErrTooManyVersions, p.version-st.Version-1)
		}
		if fetch == nil {
			return nil, fmt.Errorf("%w: version %d after %d, and nothing to fetch with", ErrGap, p.version, st.Version)
		}
		for n := st.Version + 1; n < p.version; n++ {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("walk register versions: %w", err)
			}
			b, err := fetch(ctx, n)
			if err != nil {
				return nil, fmt.Errorf("fetch register version %d: %w", n, err)
			}
			r, err := f.accept(&st, b, now, true)
			if err != nil {
				return nil, fmt.Errorf("register version %d: %w", n, err)
			}
			if r.Version != n {
				return nil, fmt.Errorf("%w: asked for version %d, got %d", ErrMalformed, n, r.Version)
			}
		}
	}
	r, err := f.accept(&st, latest, now, false)
	if err != nil {
		return nil, err
	}
	f.state, f.current = st, r
	return r, nil
}

// accept runs Accept's checks against st and advances st; intermediate
// skips the exp check (a version on the way may have expired).
func (f *Follower) accept(st *State, raw []byte, now time.Time, intermediate bool) (*Register, error) {
	p, err := parseToken(raw)
	if err != nil {
		return nil, err
	}
	keys, notFound := f.pinned, ErrUnknownKey
	if st.Version > 0 {
		switch {
		case p.version < st.Version:
			return nil, fmt.Errorf("%w: version %d, accepted %d", ErrRollback, p.version, st.Version)
		case p.version > st.Version+1:
			return nil, fmt.Errorf("%w: version %d after %d", ErrGap, p.version, st.Version)
		case p.version == st.Version:
			keys, notFound = []Key{*st.SignedBy}, ErrUnannouncedKey
		default:
			keys, notFound = st.NextKeys, ErrUnannouncedKey
		}
	}
	r, err := p.verify(keys, notFound)
	if err != nil {
		return nil, err
	}
	if r.IssuedAtTime().After(now.Add(Leeway)) {
		return nil, fmt.Errorf("%w: iat %s", ErrNotYetValid, r.IssuedAtTime().UTC().Format(time.RFC3339))
	}
	if !intermediate && !now.Before(r.ExpiresTime()) {
		return nil, fmt.Errorf("%w: version %d at %s", ErrExpired, r.Version, r.ExpiresTime().UTC().Format(time.RFC3339))
	}
	want := f.consortium
	if st.Consortium != "" {
		want = st.Consortium
	}
	if want != "" && r.Consortium.ID != want {
		return nil, fmt.Errorf("%w: %q, following %q", ErrOtherConsortium, truncate(r.Consortium.ID), want)
	}
	if st.Version > 0 {
		switch {
		case r.Version == st.Version && r.Hash != st.Hash:
			return nil, fmt.Errorf("%w: version %d", ErrForked, r.Version)
		case r.Version == st.Version+1 && r.Prev != st.Hash:
			return nil, fmt.Errorf("%w: version %d", ErrPrevHash, r.Version)
		}
	}
	signer := keys[slices.IndexFunc(keys, func(k Key) bool { return k.KeyID() == r.KeyID })]
	*st = State{Consortium: r.Consortium.ID, Version: r.Version, Hash: r.Hash, SignedBy: &signer, NextKeys: slices.Clone(r.NextKeys)}
	return r, nil
}
