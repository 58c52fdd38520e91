package did

import (
	"fmt"
	"strings"

	"github.com/loopbrug/paspoort/internal/limits"
)

// MaxDIDLength bounds a DID or DID URL, in bytes, before it is parsed. A
// did:jwk of a P-256 key is about 160 bytes; the bound leaves room for JWKs
// with extra members.
const MaxDIDLength = 4096

// The DID methods the package implements.
const (
	MethodJWK = "jwk"
	MethodKey = "key"
	MethodWeb = "web"
)

// DID is a parsed decentralized identifier "did:<method>:<id>" (DID Core
// §3.1). The zero value is not a valid DID.
type DID struct {
	// Method is the method name, lowercase letters and digits.
	Method string
	// ID is the method-specific identifier, as written (percent-encoding
	// kept).
	ID string
}

// String returns the DID as "did:<method>:<id>".
func (d DID) String() string { return "did:" + d.Method + ":" + d.ID }

// Parse parses a bare DID per the DID Core ABNF: "did:", a method name of
// lowercase letters and digits, ":", and a method-specific id of letters,
// digits, ".", "-", "_", percent-encoded octets and ":" separators, not
// ending in ":". A path, query or fragment is refused, as is anything
// longer than MaxDIDLength.
func Parse(s string) (DID, error) {
	if len(s) > MaxDIDLength {
		return DID{}, fmt.Errorf("%w: longer than %d bytes", ErrInvalidDID, MaxDIDLength)
	}
	rest, ok := strings.CutPrefix(s, "did:")
	if !ok {
		return DID{}, fmt.Errorf("%w: no \"did:\" prefix", ErrInvalidDID)
	}
	method, id, ok := strings.Cut(rest, ":")
	if !ok || method == "" {
		return DID{}, fmt.Errorf("%w: no method name", ErrInvalidDID)
	}
	for i := 0; i < len(method); i++ {
		if c := method[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return DID{}, fmt.Errorf("%w: method name must be lowercase letters and digits", ErrInvalidDID)
		}
	}
	if id == "" || id[len(id)-1] == ':' {
		return DID{}, fmt.Errorf("%w: empty method-specific id", ErrInvalidDID)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case isIDChar(c), c == ':':
		case c == '%':
			if i+2 >= len(id) || !isHex(id[i+1]) || !isHex(id[i+2]) {
				return DID{}, fmt.Errorf("%w: bad percent-encoding", ErrInvalidDID)
			}
			i += 2
		case c == '#' || c == '?' || c == '/':
			return DID{}, fmt.Errorf("%w: a bare DID has no path, query or fragment", ErrInvalidDID)
		default:
			return DID{}, fmt.Errorf("%w: character %q not allowed in a method-specific id", ErrInvalidDID, c)
		}
	}
	return DID{Method: method, ID: id}, nil
}

// URL is a DID URL made of a DID and an optional fragment, the form of a
// verification method id and of a token's "kid". Paths and queries are not
// supported.
type URL struct {
	// DID is the DID the URL is relative to.
	DID DID
	// Fragment is the fragment without "#", empty if there is none.
	Fragment string
}

// String returns "<did>#<fragment>", or the bare DID without a fragment.
func (u URL) String() string {
	if u.Fragment == "" {
		return u.DID.String()
	}
	return u.DID.String() + "#" + u.Fragment
}

// ParseURL parses an absolute DID URL "did:…[#fragment]". A DID URL with a
// path or a query is refused with ErrInvalidDID, as is a fragment with
// characters outside RFC 3986 §3.5 or longer than limits.MaxKidBytes. A
// relative reference ("#key-1") is refused with ErrRelativeDIDURL.
func ParseURL(s string) (URL, error) {
	if strings.HasPrefix(s, "#") {
		return URL{}, ErrRelativeDIDURL
	}
	if len(s) > MaxDIDLength {
		return URL{}, fmt.Errorf("%w: longer than %d bytes", ErrInvalidDID, MaxDIDLength)
	}
	base, frag, hasFrag := strings.Cut(s, "#")
	d, err := Parse(base)
	if err != nil {
		return URL{}, err
	}
	if hasFrag {
		if err := checkFragment(frag); err != nil {
			return URL{}, err
		}
	}
	return URL{DID: d, Fragment: frag}, nil
}

// resolveRef resolves a verification method id or reference found in the
// document of base: an absolute DID URL is parsed as is, a fragment-only
// reference ("#key-1", DID Core §3.2.2 relative DID URLs) is resolved
// against base. Any other relative form is refused.
func resolveRef(base DID, ref string) (URL, error) {
	if frag, ok := strings.CutPrefix(ref, "#"); ok {
		if err := checkFragment(frag); err != nil {
			return URL{}, err
		}
		return URL{DID: base, Fragment: frag}, nil
	}
	u, err := ParseURL(ref)
	if err != nil {
		return URL{}, err
	}
	return u, nil
}

func checkFragment(frag string) error {
	if frag == "" {
		return fmt.Errorf("%w: empty fragment", ErrInvalidDID)
	}
	if len(frag) > limits.MaxKidBytes {
		return fmt.Errorf("%w: fragment longer than %d bytes", ErrInvalidDID, limits.MaxKidBytes)
	}
	for i := 0; i < len(frag); i++ {
		c := frag[i]
		switch {
		case isIDChar(c) || c == '~' || strings.IndexByte("!$&'()*+,;=:@/?", c) >= 0:
		case c == '%':
			if i+2 >= len(frag) || !isHex(frag[i+1]) || !isHex(frag[i+2]) {
				return fmt.Errorf("%w: bad percent-encoding in fragment", ErrInvalidDID)
			}
			i += 2
		default:
			return fmt.Errorf("%w: character %q not allowed in a fragment", ErrInvalidDID, c)
		}
	}
	return nil
}

func isIDChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_'
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
