package dcql

import (
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/sdjwt"
)

// Errors of CheckResponse, each wrapped in a *PresentationError when it
// concerns one presentation.
var (
	// ErrUnknownQueryID (FMT): a "vp_token" key that is no Credential Query
	// id, or an empty array of presentations.
	ErrUnknownQueryID = credentials.NewError(credentials.ErrFormat, "vp_token entry for no Credential Query")
	// ErrTooManyPresentations (FMT): more than one presentation for a
	// Credential Query without "multiple" (§8.1).
	ErrTooManyPresentations = credentials.NewError(credentials.ErrFormat, "more than one presentation for a Credential Query without multiple")
	// ErrCredentialMismatch (CLAIM): a presentation of another format or
	// another vct than the Credential Query asks for.
	ErrCredentialMismatch = credentials.NewError(credentials.ErrClaim, "presented credential does not fit the Credential Query")
	// ErrMissingClaim (CLAIM): a presentation without the claims of any of
	// the query's claim sets (or, without claim_sets, of all its claims),
	// values included.
	ErrMissingClaim = credentials.NewError(credentials.ErrClaim, "requested claim not presented")
	// ErrExcessDisclosure (DISC): a presentation that discloses a claim the
	// query did not ask for (§6.4: "Wallets MUST NOT send selectively
	// disclosable claims that have not been selected"; SECURITY.md C.33).
	ErrExcessDisclosure = credentials.NewError(credentials.ErrDisclosure, "claim disclosed beyond the query")
	// ErrHolderBindingMissing (KB): a presentation without a proof of
	// Cryptographic Holder Binding where the query requires one.
	ErrHolderBindingMissing = credentials.NewError(credentials.ErrKeyBinding, "holder binding required by the query")
	// ErrUnrequestedCredential (DISC): a presentation for a Credential
	// Query that belongs to no option of credential_sets that the response
	// satisfies in full.
	ErrUnrequestedCredential = credentials.NewError(credentials.ErrDisclosure, "credential presented beyond the query")
	// ErrNotSatisfied (CLAIM): the response does not satisfy the query:
	// a Credential Query (without credential_sets) or a required Credential
	// Set Query is not answered (§6.4.2, §8.6 step 3).
	ErrNotSatisfied = credentials.NewError(credentials.ErrClaim, "response does not satisfy the query")
)

// Presented is one verified presentation, as CheckResponse sees it.
type Presented struct {
	// Format is its Credential Format Identifier.
	Format string
	// VCT is its verified "vct".
	VCT string
	// Claims are its verified, processed claims.
	Claims map[string]any
	// Disclosed are the JSON Pointers of the disclosures that came with it
	// (sdjwt.Processed.Disclosed).
	Disclosed []string
	// HolderBinding reports that its Key Binding JWT was verified.
	HolderBinding bool
	// AuthorityKeyIDs are the AuthorityKeyIdentifiers of the certificates
	// of its verified chain (as in Candidate), for "trusted_authorities".
	AuthorityKeyIDs [][]byte
	// Key optionally identifies the underlying credential (say, the digest
	// of the issuer-signed JWT). Presentations with the same non-empty Key
	// under several Credential Queries may disclose what any of those
	// queries asks for (§6.4: "if the same Credential is selected with the
	// additional claims in a separate Credential Query").
	Key string
}

// PresentationError is an error about one presentation in the response.
type PresentationError struct {
	// QueryID is the "vp_token" key.
	QueryID string
	// Index is the presentation's index in its array.
	Index int
	// Err is one of the package's sentinels, with detail.
	Err error
}

func (e *PresentationError) Error() string {
	return fmt.Sprintf("dcql: vp_token %q[%d]: %v", e.QueryID, e.Index, e.Err)
}

// Unwrap returns the underlying error.
func (e *PresentationError) Unwrap() error { return e.Err }

// CheckResponse re-checks, on the Verifier's side, that verified
// presentations satisfy the query and go no further (§6.4, §8.6 step 2.2 and
// 3, §14.6; SECURITY.md C.33). presented is keyed by "vp_token" key. In
// order:
//
//  1. the query is valid;
//  2. every key is a Credential Query id, with a non-empty array holding
//     one presentation unless "multiple";
//  3. each presentation has the query's format and one of its vct_values,
//     holder binding unless the query waives it, a chain matching its
//     trusted_authorities when it has them (type "aki", §6.1.1;
//     ErrAuthorityMismatch), and the claims of one of
//     the query's claim sets (all its claims without claim_sets; none when
//     it has no claims), values included; and every disclosure lies on the
//     way to, at, or below a claim of that claim set (or of another query
//     answered with the same Key);
//  4. without credential_sets every Credential Query is answered; with
//     them, every required set has an option answered in full, and every
//     answered query belongs to an option answered in full.
//
// All failures are reported together (errors.Join); one presentation's are
// a *PresentationError. On success it returns, per key, what each
// presentation satisfied (Candidate is the index in the array).
func CheckResponse(q Query, presented map[string][]Presented) (map[string][]CredentialMatch, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	byID := make(map[string]*CredentialQuery, len(q.Credentials))
	for i := range q.Credentials {
		byID[q.Credentials[i].ID] = &q.Credentials[i]
	}
	keys := make([]string, 0, len(presented))
	for k := range presented {
		keys = append(keys, k)
	}
	slices.Sort(keys)

	// Patterns another Credential Query allows for a shared credential Key.
	shared := make(map[string][][]any)
	for _, k := range keys {
		cq := byID[k]
		if cq == nil {
			continue
		}
		for _, p := range presented[k] {
			if p.Key != "" {
				for _, cl := range cq.Claims {
					shared[p.Key] = append(shared[p.Key], cl.Path)
				}
			}
		}
	}

	var errs []error
	out := make(map[string][]CredentialMatch, len(presented))
	for _, k := range keys {
		ps := presented[k]
		cq := byID[k]
		if cq == nil {
			errs = append(errs, fmt.Errorf("%w: %q", ErrUnknownQueryID, truncate(k)))
			continue
		}
		if len(ps) == 0 {
			errs = append(errs, fmt.Errorf("%w: empty array for %q", ErrUnknownQueryID, k))
			continue
		}
		if len(ps) > 1 && !cq.Multiple {
			errs = append(errs, fmt.Errorf("%w: %d for %q", ErrTooManyPresentations, len(ps), k))
			continue
		}
		for i := range ps {
			m, err := checkOne(cq, &ps[i], shared[ps[i].Key])
			if err != nil {
				errs = append(errs, &PresentationError{QueryID: k, Index: i, Err: err})
				continue
			}
			m.Candidate = i
			out[k] = append(out[k], m)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if err := checkSets(&q, presented); err != nil {
		return nil, err
	}
	return out, nil
}

func checkOne(cq *CredentialQuery, p *Presented, shared [][]any) (CredentialMatch, error) {
	if cq.Format != FormatSDJWTVC || p.Format != cq.Format {
		return CredentialMatch{}, fmt.Errorf("%w: format %q", ErrCredentialMismatch, truncate(p.Format))
	}
	if !slices.Contains(cq.Meta.VCTValues, p.VCT) {
		return CredentialMatch{}, fmt.Errorf("%w: vct %q", ErrCredentialMismatch, truncate(p.VCT))
	}
	if cq.HolderBindingRequired() && !p.HolderBinding {
		return CredentialMatch{}, ErrHolderBindingMissing
	}
	if !matchesAuthorities(cq.TrustedAuthorities, p.AuthorityKeyIDs) {
		return CredentialMatch{}, ErrAuthorityMismatch
	}
	// The claim sets to try, in the Verifier's order of preference.
	var sets [][]int
	switch {
	case len(cq.Claims) == 0:
		sets = [][]int{nil}
	case len(cq.ClaimSets) == 0:
		all := make([]int, len(cq.Claims))
		for i := range all {
			all[i] = i
		}
		sets = [][]int{all}
	default:
		idx := make(map[string]int, len(cq.Claims))
		for i, cl := range cq.Claims {
			idx[cl.ID] = i
		}
		for _, set := range cq.ClaimSets {
			s := make([]int, len(set))
			for j, id := range set {
				s[j] = idx[id]
			}
			sets = append(sets, s)
		}
	}
	var excess error
	for si, set := range sets {
		m := CredentialMatch{QueryID: cq.ID, ClaimSet: -1}
		if len(cq.ClaimSets) > 0 {
			m.ClaimSet = si
		}
		complete := true
		patterns := slices.Clone(shared)
		for _, i := range set {
			got := resolveClaims(p.Claims, &cq.Claims[i])
			if got == nil {
				complete = false
				break
			}
			m.Claims = append(m.Claims, got...)
			patterns = append(patterns, cq.Claims[i].Path)
		}
		if !complete {
			continue
		}
		if d, ok := uncovered(p.Disclosed, patterns); ok {
			if excess == nil {
				excess = fmt.Errorf("%w: %q", ErrExcessDisclosure, truncate(d))
			}
			continue
		}
		for _, c := range m.Claims {
			if !slices.Contains(m.Paths, c.Pointer) {
				m.Paths = append(m.Paths, c.Pointer)
			}
		}
		return m, nil
	}
	if excess != nil {
		return CredentialMatch{}, excess
	}
	return CredentialMatch{}, ErrMissingClaim
}

// uncovered returns the first disclosed pointer that lies neither on the way
// to, at, nor below a claim selected by one of the patterns.
func uncovered(disclosed []string, patterns [][]any) (string, bool) {
	for _, d := range disclosed {
		toks, err := sdjwt.SplitPointer(d)
		if err != nil {
			return d, true
		}
		ok := false
		for _, p := range patterns {
			if compatible(toks, p) {
				ok = true
				break
			}
		}
		if !ok {
			return d, true
		}
	}
	return "", false
}

// compatible reports whether the pointer tokens and the claims path pointer
// agree on their common length: then the pointer is an ancestor of, equal
// to, or a descendant of a claim the pattern selects.
func compatible(toks []string, pattern []any) bool {
	n := min(len(toks), len(pattern))
	for i := 0; i < n; i++ {
		switch c := pattern[i].(type) {
		case string:
			if toks[i] != c {
				return false
			}
		case nil:
			if !isIndex(toks[i]) {
				return false
			}
		default:
			idx, ok := pathIndex(c)
			if !ok || toks[i] != strconv.Itoa(idx) {
				return false
			}
		}
	}
	return true
}

func isIndex(s string) bool {
	if s == "" || len(s) > 1 && s[0] == '0' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func checkSets(q *Query, presented map[string][]Presented) error {
	answered := func(id string) bool { return len(presented[id]) > 0 }
	if len(q.CredentialSets) == 0 {
		var missing []string
		for _, cq := range q.Credentials {
			if !answered(cq.ID) {
				missing = append(missing, cq.ID)
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("%w: no presentation for %q", ErrNotSatisfied, missing)
		}
		return nil
	}
	covered := make(map[string]bool)
	for i, s := range q.CredentialSets {
		ok := false
		for _, opt := range s.Options {
			full := true
			for _, id := range opt {
				if !answered(id) {
					full = false
					break
				}
			}
			if full {
				ok = true
				for _, id := range opt {
					covered[id] = true
				}
			}
		}
		if !ok && s.IsRequired() {
			return fmt.Errorf("%w: required credential_sets[%d] has no option answered in full", ErrNotSatisfied, i)
		}
	}
	for id := range presented {
		if !covered[id] {
			return fmt.Errorf("%w: %q is in no option answered in full", ErrUnrequestedCredential, truncate(id))
		}
	}
	return nil
}
