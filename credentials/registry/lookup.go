package registry

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/credentials/profile"
)

// canonicalType returns the vct of a PPP type name, or t itself (a vct).
func canonicalType(t string) string {
	if pt, ok := ppp.Lookup(t); ok {
		return pt.VCT
	}
	return t
}

// Issuer returns the issuer entry whose id is iss.
func (d *Document) Issuer(iss string) (Issuer, bool) {
	i := slices.IndexFunc(d.Issuers, func(is Issuer) bool { return is.ID == iss })
	if i < 0 {
		return Issuer{}, false
	}
	return d.Issuers[i], true
}

// IssuerAllowed returns the entry of iss if the register admits it for
// the PPP type pppType (a type name such as "skill", or its vct).
func (d *Document) IssuerAllowed(iss, pppType string) (Issuer, bool) {
	is, ok := d.Issuer(iss)
	if !ok {
		return Issuer{}, false
	}
	want := canonicalType(pppType)
	if !slices.ContainsFunc(is.Types, func(t string) bool { return canonicalType(t) == want }) {
		return Issuer{}, false
	}
	return is, true
}

// Verifier returns the entry of the verifier whose client_id is clientID
// (exactly as sent, "decentralized_identifier:did:…").
func (d *Document) Verifier(clientID string) (Verifier, bool) {
	i := slices.IndexFunc(d.Verifiers, func(v Verifier) bool { return v.ClientID == clientID })
	if i < 0 {
		return Verifier{}, false
	}
	return d.Verifiers[i], true
}

// ClaimRef is one requested claim: a credential type (PPP type name or
// vct) and a claim path.
type ClaimRef struct {
	Type string   `json:"type"`
	Path []string `json:"path"`
}

// covers reports whether c admits the claim r: the same type (a PPP name
// and its vct are the same type) and one of its paths a prefix of r's.
func (c Claim) covers(r ClaimRef) bool {
	if canonicalType(c.Type) != canonicalType(r.Type) {
		return false
	}
	return slices.ContainsFunc(c.Paths, func(p []string) bool {
		return len(p) <= len(r.Path) && slices.Equal(p, r.Path[:len(p)])
	})
}

func outside(entries []ProfileEntry, requested []ClaimRef) []ClaimRef {
	var out []ClaimRef
	for _, r := range requested {
		ok := slices.ContainsFunc(entries, func(p ProfileEntry) bool {
			return slices.ContainsFunc(p.Claims, func(c Claim) bool { return c.covers(r) })
		})
		if !ok {
			out = append(out, r)
		}
	}
	return out
}

// Outside returns the requested claims that none of v's profiles admits:
// what the verifier asks beyond its registration (over-asking). Empty
// means every claim is covered.
func (v Verifier) Outside(requested []ClaimRef) []ClaimRef {
	return outside(v.Profiles, requested)
}

// Profile returns v's entry for the profile id whose range contains
// version.
func (v Verifier) Profile(id, version string) (ProfileEntry, bool) {
	for _, p := range v.Profiles {
		if p.ID != id {
			continue
		}
		if r, err := ParseRange(p.Versions); err == nil && r.Contains(version) {
			return p, true
		}
	}
	return ProfileEntry{}, false
}

// OutsideProfile is Outside against the one profile entry of id and
// version; ok is false (and every claim outside) when v has no such entry.
func (v Verifier) OutsideProfile(id, version string, requested []ClaimRef) (out []ClaimRef, ok bool) {
	p, ok := v.Profile(id, version)
	if !ok {
		return slices.Clone(requested), false
	}
	return outside([]ProfileEntry{p}, requested), true
}

// NewProfileEntry returns the entry that registers p for the versions of
// the Range text versions (empty: exactly p.Version), with the claims
// p asks for (profile.Profile.ClaimPaths), PPP types by name. The range
// must contain p's own version.
func NewProfileEntry(p *profile.Profile, versions string) (ProfileEntry, error) {
	if versions == "" {
		versions = "=" + p.Version
	}
	r, err := ParseRange(versions)
	if err != nil {
		return ProfileEntry{}, err
	}
	if !r.Contains(p.Version) {
		return ProfileEntry{}, fmt.Errorf("%w: %q does not contain the profile's version %q", ErrBadRange, versions, p.Version)
	}
	e := ProfileEntry{ID: p.ID, Versions: versions}
	for vct, paths := range p.ClaimPaths() {
		typ := vct
		if t, ok := ppp.LookupVCT(vct); ok {
			typ = t.Name
		}
		e.Claims = append(e.Claims, Claim{Type: typ, Paths: slices.Clone(paths)})
	}
	slices.SortFunc(e.Claims, func(a, b Claim) int { return cmp.Compare(a.Type, b.Type) })
	for _, c := range e.Claims {
		if err := c.validate(); err != nil {
			return ProfileEntry{}, fmt.Errorf("profile %s: %w", p.ID, err)
		}
	}
	return e, nil
}
