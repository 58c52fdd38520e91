package registry

import (
	"fmt"
	"slices"
)

// Set answers the lookups over the registers of several consortia side by
// side, saying which consortium each answer comes from. It is immutable
// and safe for concurrent use.
type Set struct {
	regs []*Register
}

// NewSet returns a Set of regs, in the order given (lookups answer from
// the first that knows). Two registers of the same consortium are
// refused with ErrDuplicateMember.
func NewSet(regs ...*Register) (*Set, error) {
	s := &Set{}
	for _, r := range regs {
		if r == nil {
			continue
		}
		if slices.ContainsFunc(s.regs, func(o *Register) bool { return o.Consortium.ID == r.Consortium.ID }) {
			return nil, fmt.Errorf("%w: consortium %q twice", ErrDuplicateMember, r.Consortium.ID)
		}
		s.regs = append(s.regs, r)
	}
	return s, nil
}

// IssuerMatch is an issuer entry and the consortium that admits it.
type IssuerMatch struct {
	Issuer     Issuer
	Consortium Consortium
}

// VerifierMatch is a verifier entry and the consortium that admits it.
type VerifierMatch struct {
	Verifier   Verifier
	Consortium Consortium
}

// IssuerAllowed returns the first consortium's entry that admits iss for
// pppType (see Document.IssuerAllowed).
func (s *Set) IssuerAllowed(iss, pppType string) (IssuerMatch, bool) {
	for _, r := range s.regs {
		if is, ok := r.IssuerAllowed(iss, pppType); ok {
			return IssuerMatch{Issuer: is, Consortium: r.Consortium}, true
		}
	}
	return IssuerMatch{}, false
}

// Verifier returns the first consortium's entry of clientID.
func (s *Set) Verifier(clientID string) (VerifierMatch, bool) {
	m := s.Verifiers(clientID)
	if len(m) == 0 {
		return VerifierMatch{}, false
	}
	return m[0], true
}

// Verifiers returns every consortium's entry of clientID, in Set order.
func (s *Set) Verifiers(clientID string) []VerifierMatch {
	var out []VerifierMatch
	for _, r := range s.regs {
		if v, ok := r.Verifier(clientID); ok {
			out = append(out, VerifierMatch{Verifier: v, Consortium: r.Consortium})
		}
	}
	return out
}

// Outside returns the requested claims that no consortium's entry of
// clientID admits (Verifier.Outside over all of them); known is false,
// and every claim outside, when no consortium knows clientID.
func (s *Set) Outside(clientID string, requested []ClaimRef) (out []ClaimRef, known bool) {
	ms := s.Verifiers(clientID)
	if len(ms) == 0 {
		return slices.Clone(requested), false
	}
	var entries []ProfileEntry
	for _, m := range ms {
		entries = append(entries, m.Verifier.Profiles...)
	}
	return outside(entries, requested), true
}

// Consortia returns the consortia of the Set, in order.
func (s *Set) Consortia() []Consortium {
	out := make([]Consortium, len(s.regs))
	for i, r := range s.regs {
		out[i] = r.Consortium
	}
	return out
}
