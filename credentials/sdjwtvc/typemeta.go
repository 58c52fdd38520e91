package sdjwtvc

import (
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash"
	"strings"

	"github.com/loopbrug/paspoort/internal/strictjson"
)

// TypeMetadata is an SD-JWT VC Type Metadata document
// (draft-ietf-oauth-sd-jwt-vc, "Type Metadata Format").
type TypeMetadata struct {
	VCT                string          `json:"vct"`
	Name               string          `json:"name,omitempty"`
	Description        string          `json:"description,omitempty"`
	Extends            string          `json:"extends,omitempty"`
	ExtendsIntegrity   string          `json:"extends#integrity,omitempty"`
	Display            []TypeDisplay   `json:"display,omitempty"`
	Claims             []ClaimMetadata `json:"claims,omitempty"`
	SchemaURI          string          `json:"schema_uri,omitempty"`
	SchemaURIIntegrity string          `json:"schema_uri#integrity,omitempty"`
}

// TypeDisplay is the display metadata of a type for one locale.
type TypeDisplay struct {
	Locale      string `json:"locale"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// ClaimMetadata is the metadata of the claims a path selects.
type ClaimMetadata struct {
	// Path is a claims path: strings select object members, null all
	// elements of an array, non-negative integers one element.
	Path      []any          `json:"path"`
	Display   []ClaimDisplay `json:"display,omitempty"`
	Mandatory bool           `json:"mandatory,omitempty"`
	// SD is "always", "allowed" or "never"; empty means "allowed".
	SD string `json:"sd,omitempty"`
	// Protected is paspoort's extension member "paspoort_protected": the
	// claim is of a category protected in hiring and admission (AVG art. 9,
	// the Dutch equal treatment acts); see ppp.Protected.
	Protected string `json:"paspoort_protected,omitempty"`
}

// ClaimDisplay is a claim's label for one locale.
type ClaimDisplay struct {
	Locale      string `json:"locale"`
	Label       string `json:"label"`
	Description string `json:"description,omitempty"`
}

// ParseTypeMetadata parses and checks a Type Metadata document: vct
// present; every claim path a non-empty array of strings, nulls and
// non-negative integers; sd one of the three values; display entries with a
// locale. Unknown members are ignored, as the draft requires.
func ParseTypeMetadata(data []byte) (*TypeMetadata, error) {
	if err := strictjson.Check(data); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadMetadata, err)
	}
	var m TypeMetadata
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadMetadata, err)
	}
	if m.VCT == "" {
		return nil, fmt.Errorf("%w: vct missing", ErrBadMetadata)
	}
	for i, d := range m.Display {
		if d.Locale == "" || d.Name == "" {
			return nil, fmt.Errorf("%w: display %d needs locale and name", ErrBadMetadata, i)
		}
	}
	for i, c := range m.Claims {
		if len(c.Path) == 0 {
			return nil, fmt.Errorf("%w: claim %d has an empty path", ErrBadMetadata, i)
		}
		for _, e := range c.Path {
			switch e := e.(type) {
			case string, nil:
			case float64:
				if e < 0 || e != float64(int64(e)) {
					return nil, fmt.Errorf("%w: claim %d path index %v", ErrBadMetadata, i, e)
				}
			default:
				return nil, fmt.Errorf("%w: claim %d path element %v", ErrBadMetadata, i, e)
			}
		}
		switch c.SD {
		case "", "always", "allowed", "never":
		default:
			return nil, fmt.Errorf("%w: claim %d sd %q", ErrBadMetadata, i, trunc(c.SD))
		}
	}
	return &m, nil
}

// Integrity returns the W3C Subresource Integrity string ("sha256-…") of
// doc, for "vct#integrity" and the other "#integrity" members.
func Integrity(doc []byte) string {
	sum := sha256.Sum256(doc)
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}

// CheckIntegrity reports whether doc matches integrity, a W3C SRI string of
// one or more space-separated "alg-base64" values (sha256, sha384, sha512).
// Per SRI, the strongest algorithm present decides; unknown algorithms are
// ignored, and a string with none known fails.
func CheckIntegrity(doc []byte, integrity string) error {
	best := 0
	var matched bool
	for _, tok := range strings.Fields(integrity) {
		alg, val, _ := strings.Cut(tok, "-")
		val, _, _ = strings.Cut(val, "?")
		var h hash.Hash
		var strength int
		switch alg {
		case "sha256":
			h, strength = sha256.New(), 1
		case "sha384":
			h, strength = sha512.New384(), 2
		case "sha512":
			h, strength = sha512.New(), 3
		default:
			continue
		}
		want, err := base64.StdEncoding.DecodeString(val)
		if err != nil {
			continue
		}
		h.Write(doc)
		ok := subtle.ConstantTimeCompare(h.Sum(nil), want) == 1
		switch {
		case strength > best:
			best, matched = strength, ok
		case strength == best:
			matched = matched || ok
		}
	}
	if best == 0 || !matched {
		return ErrIntegrity
	}
	return nil
}
