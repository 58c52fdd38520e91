package sdjwt

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"unsafe"

	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/limits"
	"github.com/loopbrug/paspoort/internal/strictjson"
)

// Disclosure is one decoded disclosure (RFC 9901 §4.2).
type Disclosure struct {
	// Encoded is the disclosure exactly as received (base64url).
	Encoded string
	// Digest is base64url(SHA-256(Encoded)), §4.2.3.
	Digest string
	// Salt is the disclosure's salt.
	Salt string
	// Name is the claim name of an object property disclosure; it is empty
	// for an array element disclosure.
	Name string
	// ArrayElement reports an array element disclosure ([salt, value]).
	ArrayElement bool
	// Value is the disclosed value, numbers as json.Number.
	Value any
}

// SDJWT is a parsed SD-JWT or SD-JWT+KB (RFC 9901 §4), not yet verified.
type SDJWT struct {
	// JWT is the Issuer-signed JWT. Its Payload backs the strings of
	// Payload: read it, never write it.
	JWT *jose.JWS
	// Payload is the decoded payload of the Issuer-signed JWT (with its
	// "_sd" arrays and digests), numbers as json.Number.
	Payload map[string]any
	// Disclosures are the disclosures, in the order received.
	Disclosures []*Disclosure
	// KeyBinding is the KB-JWT, or nil when the SD-JWT has none.
	KeyBinding *jose.JWS
	// presented is the SD-JWT up to and including the last "~" (without the
	// KB-JWT): the input of sd_hash, as received.
	presented string
	kb        string
	holder    *jose.PublicKey // cnf.jwk, once parsed (HolderKey)
}

// HolderKey returns HolderKey(t.Payload), parsed once: a verifier that
// checks cnf and then key binding parses the JWK one time.
func (t *SDJWT) HolderKey() (*jose.PublicKey, error) {
	if t.holder == nil {
		k, err := HolderKey(t.Payload)
		if err != nil {
			return nil, err
		}
		t.holder = k
	}
	return t.holder, nil
}

// Presented returns the SD-JWT without its KB-JWT, as received: the string
// whose hash a KB-JWT's sd_hash must be.
func (t *SDJWT) Presented() string { return t.presented }

// Parse parses an SD-JWT (RFC 9901 §4: "<JWT>~<D1>~…~<Dn>~") or an SD-JWT+KB
// ("<JWT>~<D1>~…~<Dn>~<KB-JWT>") without verifying anything. Checks, in order:
// the size limit; at least one "~"; the number of disclosures; no empty
// disclosure; the Issuer-signed JWT and KB-JWT as compact JWS; each disclosure
// as base64url of a JSON array of [salt, name, value] or [salt, value] with
// string salt and name (§4.2.1, §4.2.2); and the payload as a JSON object
// without duplicate members.
func Parse(s string) (*SDJWT, error) {
	if len(s) > limits.MaxTokenBytes {
		return nil, ErrTooLarge
	}
	n := strings.Count(s, "~")
	if n == 0 {
		return nil, fmt.Errorf("%w: no '~': a bare JWT is not an SD-JWT", ErrMalformed)
	}
	if n-1 > limits.MaxDisclosures {
		return nil, fmt.Errorf("%w: more than %d disclosures", ErrTooLarge, limits.MaxDisclosures)
	}
	last := strings.LastIndexByte(s, '~')
	t := &SDJWT{presented: s[:last+1]}
	parts := strings.Split(s[:last], "~")
	jwt, err := jose.ParseCompact(parts[0])
	if err != nil {
		return nil, fmt.Errorf("%w: issuer-signed JWT: %w", ErrMalformed, err)
	}
	t.JWT = jwt
	// Payload's strings share JWT.Payload, which is never written.
	if err := jwt.DecodePayloadShared(&t.Payload); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if t.Payload == nil {
		return nil, fmt.Errorf("%w: payload is not a JSON object", ErrMalformed)
	}
	// One backing array for the disclosures and one buffer for their
	// decoded bytes, which their strings share: verification decodes every
	// disclosure. Each disclosure gets its own stretch of the buffer, which
	// is never written again once decoded.
	t.Disclosures = make([]*Disclosure, len(parts)-1)
	backing := make([]Disclosure, len(parts)-1)
	buf := make([]byte, 0, base64.RawURLEncoding.DecodedLen(last-len(parts[0])))
	ar := &arena{buf: make([]byte, 0, 43*(len(parts)-1))}
	for i, enc := range parts[1:] {
		if enc == "" {
			return nil, fmt.Errorf("%w: empty disclosure at position %d", ErrMalformed, i+1)
		}
		if buf, err = decodeDisclosure(&backing[i], enc, buf, ar); err != nil {
			return nil, fmt.Errorf("disclosure %d: %w", i+1, err)
		}
		t.Disclosures[i] = &backing[i]
	}
	if kb := s[last+1:]; kb != "" {
		if !strings.Contains(kb, ".") {
			return nil, fmt.Errorf("%w: no trailing '~' after the last disclosure", ErrMalformed)
		}
		k, err := jose.ParseCompact(kb)
		if err != nil {
			return nil, fmt.Errorf("%w: key binding JWT: %w", ErrMalformed, err)
		}
		t.KeyBinding, t.kb = k, kb
	}
	return t, nil
}

// DecodeDisclosure decodes one disclosure and computes its digest over the
// encoded bytes as received (§4.2.3, SECURITY.md B.13).
func DecodeDisclosure(enc string) (*Disclosure, error) {
	d := new(Disclosure)
	if _, err := decodeDisclosure(d, enc, nil, new(arena)); err != nil {
		return nil, err
	}
	return d, nil
}

// decodeDisclosure decodes enc into d, appending its decoded bytes to buf,
// and returns buf. The strings of d may share the appended bytes, so the
// caller never writes to them again; it may append more.
func decodeDisclosure(d *Disclosure, enc string, buf []byte, ar *arena) ([]byte, error) {
	start := len(buf)
	buf, err := jose.AppendDecodeSegment(buf, enc)
	if err != nil {
		return buf, fmt.Errorf("%w: %w", ErrBadDisclosure, err)
	}
	raw := buf[start:len(buf):len(buf)]
	var headArr [3]string
	var restArr [3]any
	head, rest, err := strictjson.DecodeArrayHead(headArr[:0], restArr[:0], raw)
	if err != nil {
		return buf, fmt.Errorf("%w: %w", ErrBadDisclosure, err)
	}
	*d = Disclosure{Encoded: enc, Digest: ar.digest(enc)}
	if len(head) == 0 {
		return buf, fmt.Errorf("%w: salt is not a string", ErrBadDisclosure)
	}
	d.Salt = head[0]
	switch n := len(head) + len(rest); {
	case n == 3 && len(head) == 1:
		return buf, fmt.Errorf("%w: claim name is not a string", ErrBadDisclosure)
	case n == 3:
		d.Name = head[1]
		if len(head) == 3 {
			d.Value = head[2]
		} else {
			d.Value = rest[0]
		}
	case n == 2:
		d.ArrayElement = true
		if len(head) == 2 {
			d.Value = head[1]
		} else {
			d.Value = rest[0]
		}
	default:
		return buf, fmt.Errorf("%w: %d elements, want 2 or 3", ErrBadDisclosure, n)
	}
	return buf, nil
}

// digest returns base64url(SHA-256(ASCII(s))).
// It hashes the string's bytes in place and encodes into a stack buffer, so
// the result is its only allocation: verification computes one per
// disclosure.
func digest(s string) string {
	sum := sha256.Sum256(unsafe.Slice(unsafe.StringData(s), len(s))) // read only
	var enc [43]byte                                                 // base64url of 32 bytes, unpadded
	base64.RawURLEncoding.Encode(enc[:], sum[:])
	return string(enc[:])
}

// arena hands out byte stretches that back strings: it never writes to a
// stretch again once handed out, so strings made over one with unsafe.String
// stay immutable. Verification makes one digest and one pointer per
// disclosure; the arena makes them one allocation instead of one each.
type arena struct{ buf []byte }

// take returns a stretch of exactly n > 0 bytes.
func (a *arena) take(n int) []byte {
	if cap(a.buf)-len(a.buf) < n {
		a.buf = make([]byte, 0, max(n, 1024))
	}
	start := len(a.buf)
	a.buf = a.buf[:start+n]
	return a.buf[start : start+n : start+n]
}

// digest is the package's digest function, with the result in the arena.
func (a *arena) digest(s string) string {
	sum := sha256.Sum256(unsafe.Slice(unsafe.StringData(s), len(s))) // read only
	b := a.take(43)                                                  // base64url of 32 bytes, unpadded
	base64.RawURLEncoding.Encode(b, sum[:])
	return unsafe.String(&b[0], len(b))
}

// pointer returns parent + "/" + the escaped token, in the arena.
func (a *arena) pointer(parent, token string) string {
	n := len(parent) + 1 + len(token) + strings.Count(token, "~") + strings.Count(token, "/")
	b := appendPointer(a.take(n)[:0], parent, token) // fits: no reallocation
	return unsafe.String(&b[0], len(b))
}

// SDHash returns the sd_hash of a presented SD-JWT (§4.3.1): the base64url
// SHA-256 of the SD-JWT up to and including the last "~".
func SDHash(presented string) string { return digest(presented) }

// IssuedForm returns the SD-JWT as the issuer made it: the JWT and every
// disclosure, without a KB-JWT.
func (t *SDJWT) IssuedForm() string { return t.presented }

// String returns the SD-JWT as received, with its KB-JWT if any.
func (t *SDJWT) String() string {
	if t.KeyBinding == nil {
		return t.presented
	}
	return t.presented + t.kb
}
