package statuslist

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"

	"github.com/loopbrug/paspoort/internal/strictjson"
)

// maxURIBytes bounds a status list uri (and a token's sub).
const maxURIBytes = 2048

// Reference is the "status_list" member of a Referenced Token's "status"
// claim (TSL "Referenced Token in JOSE"): the index of the token's entry and
// the URI of the Status List Token that holds it.
type Reference struct {
	// Idx is the index of the entry, at least 0.
	Idx int
	// URI identifies the Status List Token; it must equal its "sub".
	URI string
}

// ParseReference parses the JSON value of a Referenced Token's "status"
// claim, {"status_list": {"idx": N, "uri": "https://..."}}, strictly (no
// duplicate members) and checks it as ReferenceFromClaim does.
func ParseReference(status []byte) (Reference, error) {
	var v any
	if err := strictjson.Unmarshal(status, &v); err != nil {
		return Reference{}, fmt.Errorf("%w: status claim: %w", ErrMalformed, err)
	}
	return ReferenceFromClaim(v)
}

// ReferenceFromClaim reads the reference from the already decoded value of
// a Referenced Token's "status" claim, as strictjson decodes it
// (map[string]any with numbers as json.Number; float64 numbers up to 2^53
// are accepted too). The TSL's rules (step 1 of "Validation Rules") are
// applied exactly, and SECURITY.md D.35:
//
//   - "status" must be an object with a "status_list" object
//     (ErrMissingReference when either is absent, ErrMalformed when not an
//     object); other members of either are ignored, as the TSL allows.
//   - "idx" must be a JSON integer: not a string ("7"), not a fraction or
//     exponent (1.5, 1e2), not negative (ErrMalformed). An integer too large
//     for any list this package accepts (2^63) is ErrIndexOutOfRange.
//   - "uri" must be a string holding an absolute https URI with a host and
//     without user info or fragment (ErrMalformed).
func ReferenceFromClaim(status any) (Reference, error) {
	if status == nil {
		return Reference{}, fmt.Errorf("%w: no status claim", ErrMissingReference)
	}
	st, ok := status.(map[string]any)
	if !ok {
		return Reference{}, fmt.Errorf("%w: status claim is not an object", ErrMalformed)
	}
	slv, present := st["status_list"]
	if !present {
		return Reference{}, fmt.Errorf("%w: status claim has no status_list", ErrMissingReference)
	}
	sl, ok := slv.(map[string]any)
	if !ok {
		return Reference{}, fmt.Errorf("%w: status_list is not an object", ErrMalformed)
	}
	idxv, present := sl["idx"]
	if !present {
		return Reference{}, fmt.Errorf("%w: status_list has no idx", ErrMalformed)
	}
	idx, err := parseIndex(idxv)
	if err != nil {
		return Reference{}, err
	}
	uriv, present := sl["uri"]
	if !present {
		return Reference{}, fmt.Errorf("%w: status_list has no uri", ErrMalformed)
	}
	uri, ok := uriv.(string)
	if !ok {
		return Reference{}, fmt.Errorf("%w: uri is not a string", ErrMalformed)
	}
	if err := checkURI(uri); err != nil {
		return Reference{}, fmt.Errorf("uri: %w", err)
	}
	return Reference{Idx: idx, URI: uri}, nil
}

// maxIndex is the largest index of any list this package decodes.
var maxIndex = MaxEntries(1) - 1

func parseIndex(v any) (int, error) {
	var s string
	switch n := v.(type) {
	case json.Number:
		s = string(n)
	case float64:
		if n != math.Trunc(n) || n < 0 || n >= 1<<53 {
			return 0, fmt.Errorf("%w: idx %v is not a non-negative integer", ErrMalformed, n)
		}
		s = strconv.FormatFloat(n, 'f', -1, 64)
	default:
		return 0, fmt.Errorf("%w: idx is a %T, not an integer", ErrMalformed, v)
	}
	if s == "" || strings.TrimLeft(s, "0123456789") != "" || (len(s) > 1 && s[0] == '0') {
		return 0, fmt.Errorf("%w: idx %.32q is not a non-negative integer", ErrMalformed, s)
	}
	// Digits only: an error from ParseUint can only be an overflow.
	u, err := strconv.ParseUint(s, 10, 64)
	if err != nil || u > uint64(maxIndex) {
		return 0, fmt.Errorf("%w: idx %.32s beyond any acceptable list", ErrIndexOutOfRange, s)
	}
	return int(u), nil
}

// checkURI reports whether s is an absolute https URI with a host, no user
// info and no fragment, of at most maxURIBytes.
func checkURI(s string) error {
	if len(s) > maxURIBytes {
		return fmt.Errorf("%w: URI longer than %d bytes", ErrMalformed, maxURIBytes)
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("%w: not a URI", ErrMalformed)
	}
	switch {
	case u.Scheme != "https":
		return fmt.Errorf("%w: scheme %.16q, want https", ErrMalformed, u.Scheme)
	case u.Host == "" || u.Opaque != "":
		return fmt.Errorf("%w: URI has no host", ErrMalformed)
	case u.User != nil:
		return fmt.Errorf("%w: URI has user info", ErrMalformed)
	case u.Fragment != "" || strings.Contains(s, "#"):
		return fmt.Errorf("%w: URI has a fragment", ErrMalformed)
	}
	return nil
}
