package dcql

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/sdjwt"
)

// ErrNoClaim (CLAIM) reports a claims path pointer that selects nothing in a
// credential, or whose processing fails (§7.1.1: a string applied to a
// non-object, null or an index applied to a non-array).
var ErrNoClaim = credentials.NewError(credentials.ErrClaim, "claims path pointer selects no claim")

// Claim is one claim selected by a claims path pointer.
type Claim struct {
	// Pointer is the claim's RFC 6901 JSON Pointer, as sdjwt.Selection
	// takes it: "/address/street_address", "/degrees/1/type".
	Pointer string
	// Value is the claim's value as found in the claims.
	Value any
}

// Resolve applies a claims path pointer to JSON claims (the processed claims
// of an SD-JWT VC) exactly as §7.1.1 prescribes, left to right: a string
// selects that key in every selected object (objects without it drop out), a
// null every element of every selected array, an index that element of every
// selected array (arrays too short drop out). A string applied to a
// non-object, or a null or index to a non-array, is an error, as is an empty
// result; both are ErrNoClaim. The claims are not modified.
func Resolve(claims map[string]any, path []any) ([]Claim, error) {
	if len(path) == 0 {
		return nil, fmt.Errorf("%w: empty path", ErrNoClaim)
	}
	sel := []Claim{{Pointer: "", Value: claims}}
	for _, comp := range path {
		next := sel[:0:0]
		switch c := comp.(type) {
		case string:
			tok := sdjwt.EscapePointerToken(c)
			for _, s := range sel {
				obj, ok := s.Value.(map[string]any)
				if !ok {
					return nil, fmt.Errorf("%w: a key applied to a non-object", ErrNoClaim)
				}
				if v, ok := obj[c]; ok {
					next = append(next, Claim{Pointer: s.Pointer + "/" + tok, Value: v})
				}
			}
		case nil:
			for _, s := range sel {
				arr, ok := s.Value.([]any)
				if !ok {
					return nil, fmt.Errorf("%w: null applied to a non-array", ErrNoClaim)
				}
				for i, v := range arr {
					next = append(next, Claim{Pointer: s.Pointer + "/" + strconv.Itoa(i), Value: v})
				}
			}
		default:
			idx, ok := pathIndex(comp)
			if !ok {
				return nil, fmt.Errorf("%w: invalid path component", ErrNoClaim)
			}
			for _, s := range sel {
				arr, ok := s.Value.([]any)
				if !ok {
					return nil, fmt.Errorf("%w: an index applied to a non-array", ErrNoClaim)
				}
				if idx < len(arr) {
					next = append(next, Claim{Pointer: s.Pointer + "/" + strconv.Itoa(idx), Value: arr[idx]})
				}
			}
		}
		if len(next) == 0 {
			return nil, ErrNoClaim
		}
		sel = next
	}
	return sel, nil
}

// resolveClaims resolves a Claims Query, keeping only the claims whose value
// matches "values" when present (§6.4.1: a non-matching claim is treated as
// if it did not exist). It returns nil when nothing is left.
func resolveClaims(claims map[string]any, cq *ClaimsQuery) []Claim {
	sel, err := Resolve(claims, cq.Path)
	if err != nil {
		return nil
	}
	if cq.Values == nil {
		return sel
	}
	out := sel[:0]
	for _, s := range sel {
		if ValueMatches(s.Value, cq.Values) {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// ValueMatches reports whether a claim value matches one of values with
// "type and value both match exactly" (§6.3): a string only a string, a
// boolean only a boolean, and a number only an integer of the same value (a
// JSON number with a fraction or an exponent matches no integer).
func ValueMatches(claim any, values []any) bool {
	for _, want := range values {
		switch w := want.(type) {
		case string:
			if s, ok := claim.(string); ok && s == w {
				return true
			}
		case bool:
			if b, ok := claim.(bool); ok && b == w {
				return true
			}
		case int:
			if n, ok := integer(claim); ok && n == int64(w) {
				return true
			}
		case int64:
			if n, ok := integer(claim); ok && n == w {
				return true
			}
		}
	}
	return false
}

// integer returns a claim's value as an int64 when it is a JSON integer.
func integer(v any) (int64, bool) {
	switch n := v.(type) {
	case json.Number:
		i, err := strconv.ParseInt(string(n), 10, 64)
		return i, err == nil
	case int:
		return int64(n), true
	case int64:
		return n, true
	case float64:
		if n == math.Trunc(n) && math.Abs(n) < 1<<53 {
			return int64(n), true
		}
	}
	return 0, false
}
