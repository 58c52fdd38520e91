package dcql

import (
	"fmt"
	"slices"

	"github.com/loopbrug/paspoort/credentials"
)

// ErrNotSatisfiable (CLAIM) reports that the credentials at hand cannot
// satisfy a query: a required Credential Set Query (or, without
// credential_sets, some Credential Query) has no option whose every
// Credential Query has a matching credential. Match returns it together
// with the Result, so that the holder can be shown what is missing.
var ErrNotSatisfiable = credentials.NewError(credentials.ErrClaim, "the query cannot be satisfied")

// Candidate is one credential the holder has, as Match sees it.
type Candidate struct {
	// ID is the caller's identifier for the credential, copied into matches.
	ID string
	// Format is its Credential Format Identifier (FormatSDJWTVC).
	Format string
	// VCT is its "vct".
	VCT string
	// Claims are its processed claims, as sdjwt.(*SDJWT).Process returns them
	// (numbers as json.Number).
	Claims map[string]any
	// HolderBinding reports whether it can be presented with a proof of
	// Cryptographic Holder Binding (an SD-JWT VC with "cnf" whose key the
	// wallet holds). Without it, a Credential Query that requires holder
	// binding (the default) does not match (Appendix B.3).
	HolderBinding bool
	// AuthorityKeyIDs are the keyIdentifiers of the AuthorityKeyIdentifier
	// extensions of the certificates in the credential's own chain (the
	// x5c of an SD-JWT VC; sdjwtvc.Certification.AuthorityKeyIDs): what a
	// Credential Query's "trusted_authorities" of type "aki" is matched
	// against (§6.1.1). Empty for a credential without a chain, which
	// matches no Credential Query with trusted_authorities.
	AuthorityKeyIDs [][]byte
}

// CredentialMatch says that one candidate satisfies one Credential Query,
// and what to disclose.
type CredentialMatch struct {
	// QueryID is the Credential Query's id.
	QueryID string
	// Candidate is the index of the candidate in the slice given to Match.
	Candidate int
	// CandidateID is the candidate's ID.
	CandidateID string
	// ClaimSet is the index of the "claim_sets" option used: the first
	// option the candidate satisfies (§6.4.1, the Verifier's preference);
	// -1 when the query has no claim_sets.
	ClaimSet int
	// Claims are the claims to disclose with their values, in the order of
	// the query's "claims" (for the consent screen).
	Claims []Claim
	// Paths are the JSON Pointers of Claims, without duplicates, ready for
	// sdjwt.Selection{Paths: m.Paths}. Empty when the query has no "claims":
	// then only what is not selectively disclosable is presented.
	Paths []string
}

// SetMatch is the outcome of one Credential Set Query. Without
// "credential_sets" in the query, Match reports one required set whose one
// option holds every Credential Query id.
type SetMatch struct {
	// Required is the set's "required" value.
	Required bool
	// Options are the set's options (Credential Query ids).
	Options [][]string
	// Satisfiable lists the indices of the options whose every Credential
	// Query has at least one match.
	Satisfiable []int
	// Chosen is the option used for Presentation: the first satisfiable
	// one, or -1.
	Chosen int
}

// Result is the outcome of Match.
type Result struct {
	// Satisfied reports whether every required set has a satisfiable
	// option; when false Match also returns ErrNotSatisfiable.
	Satisfied bool
	// Matches lists, per Credential Query id, every candidate that
	// satisfies it, in candidate order: the choices to offer the holder.
	Matches map[string][]CredentialMatch
	// Sets holds the outcome of each Credential Set Query, in query order.
	Sets []SetMatch
	// Presentation is the default answer, the "vp_token" to build: per
	// Credential Query id of the chosen options, the first matching
	// candidate, or every matching candidate when the query allows
	// "multiple". Empty when not Satisfied (§6.4.2: "it MUST NOT return any
	// Credential(s)"). Optional sets appear only when satisfiable.
	Presentation map[string][]CredentialMatch
	// Missing lists the Credential Query ids without any match that a
	// required set needs (for telling the holder what is missing), when not
	// Satisfied.
	Missing []string
}

// Match evaluates a query against the holder's credentials (§6.4). A
// candidate matches a Credential Query when the formats are equal (only
// dc+sd-jwt is supported), its vct is one of "meta.vct_values", it has
// holder binding when the query requires it, and it has the requested
// claims: all of "claims" without "claim_sets", otherwise the first option
// of "claim_sets" whose claims it all has. A claim with "values" counts only
// when its value matches one of them. The query is validated first; an
// invalid query returns its *FieldError and an empty Result.
func Match(q Query, creds []Candidate) (Result, error) {
	if err := q.Validate(); err != nil {
		return Result{}, err
	}
	res := Result{Matches: make(map[string][]CredentialMatch, len(q.Credentials))}
	byID := make(map[string]*CredentialQuery, len(q.Credentials))
	for i := range q.Credentials {
		cq := &q.Credentials[i]
		byID[cq.ID] = cq
		for j := range creds {
			if m, ok := MatchCredential(cq, &creds[j]); ok {
				m.Candidate = j
				res.Matches[cq.ID] = append(res.Matches[cq.ID], m)
			}
		}
	}
	sets := q.CredentialSets
	if len(sets) == 0 {
		all := make([]string, len(q.Credentials))
		for i, cq := range q.Credentials {
			all[i] = cq.ID
		}
		sets = []CredentialSetQuery{{Options: [][]string{all}}}
	}
	res.Satisfied = true
	chosen := make(map[string]bool)
	var chosenOrder []string
	for _, s := range sets {
		sm := SetMatch{Required: s.IsRequired(), Options: s.Options, Chosen: -1}
		for oi, opt := range s.Options {
			ok := true
			for _, id := range opt {
				if len(res.Matches[id]) == 0 {
					ok = false
					break
				}
			}
			if ok {
				sm.Satisfiable = append(sm.Satisfiable, oi)
			}
		}
		if len(sm.Satisfiable) > 0 {
			sm.Chosen = sm.Satisfiable[0]
			for _, id := range s.Options[sm.Chosen] {
				if !chosen[id] {
					chosen[id] = true
					chosenOrder = append(chosenOrder, id)
				}
			}
		} else if sm.Required {
			res.Satisfied = false
			for _, opt := range s.Options {
				for _, id := range opt {
					if len(res.Matches[id]) == 0 && !slices.Contains(res.Missing, id) {
						res.Missing = append(res.Missing, id)
					}
				}
			}
		}
		res.Sets = append(res.Sets, sm)
	}
	if !res.Satisfied {
		return res, fmt.Errorf("%w: no credential for %d Credential Quer(ies)", ErrNotSatisfiable, len(res.Missing))
	}
	res.Presentation = make(map[string][]CredentialMatch, len(chosenOrder))
	for _, id := range chosenOrder {
		ms := res.Matches[id]
		if !byID[id].Multiple {
			ms = ms[:1]
		}
		res.Presentation[id] = slices.Clone(ms)
	}
	return res, nil
}

// MatchCredential reports whether one candidate satisfies one Credential
// Query, by the rules of Match, and what it would disclose. The returned
// match has Candidate 0; Match sets it.
func MatchCredential(cq *CredentialQuery, c *Candidate) (CredentialMatch, bool) {
	return MatchCredentialFrom(cq, c, 0)
}

// MatchCredentialFrom is MatchCredential trying only the claim sets from
// index from on: a wallet whose holder chooses to disclose more than the
// first satisfiable set (OpenID4VP §6.4.1 lets the wallet pick any set it
// can satisfy) asks for the next one this way. Without claim sets, from
// must be 0.
func MatchCredentialFrom(cq *CredentialQuery, c *Candidate, from int) (CredentialMatch, bool) {
	if from < 0 || (from > 0 && from >= len(cq.ClaimSets)) {
		return CredentialMatch{}, false
	}
	if cq.Format != FormatSDJWTVC || c.Format != cq.Format {
		return CredentialMatch{}, false
	}
	if !slices.Contains(cq.Meta.VCTValues, c.VCT) {
		return CredentialMatch{}, false
	}
	if cq.HolderBindingRequired() && !c.HolderBinding {
		return CredentialMatch{}, false
	}
	if !matchesAuthorities(cq.TrustedAuthorities, c.AuthorityKeyIDs) {
		return CredentialMatch{}, false
	}
	m := CredentialMatch{QueryID: cq.ID, CandidateID: c.ID, ClaimSet: -1}
	if len(cq.Claims) == 0 {
		return m, true
	}
	resolved := make([][]Claim, len(cq.Claims))
	have := func(i int) bool {
		if resolved[i] == nil {
			resolved[i] = resolveClaims(c.Claims, &cq.Claims[i])
			if resolved[i] == nil {
				resolved[i] = []Claim{}
			}
		}
		return len(resolved[i]) > 0
	}
	var use []int
	if len(cq.ClaimSets) == 0 {
		for i := range cq.Claims {
			if !have(i) {
				return CredentialMatch{}, false
			}
			use = append(use, i)
		}
	} else {
		idx := make(map[string]int, len(cq.Claims))
		for i, cl := range cq.Claims {
			idx[cl.ID] = i
		}
		for si, set := range cq.ClaimSets {
			if si < from {
				continue
			}
			ok := true
			for _, id := range set {
				if !have(idx[id]) {
					ok = false
					break
				}
			}
			if ok {
				m.ClaimSet = si
				for i := range cq.Claims {
					if slices.Contains(set, cq.Claims[i].ID) {
						use = append(use, i)
					}
				}
				break
			}
		}
		if m.ClaimSet < 0 {
			return CredentialMatch{}, false
		}
	}
	seen := make(map[string]bool)
	for _, i := range use {
		for _, cl := range resolved[i] {
			if seen[cl.Pointer] {
				continue
			}
			seen[cl.Pointer] = true
			m.Claims = append(m.Claims, cl)
			m.Paths = append(m.Paths, cl.Pointer)
		}
	}
	return m, true
}
