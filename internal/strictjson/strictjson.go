package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"

	"github.com/loopbrug/paspoort/internal/errclass"
	"github.com/loopbrug/paspoort/internal/limits"
)

// Errors returned by Check and Unmarshal. ErrDuplicateMember and ErrSyntax
// are errclass.ErrFormat; ErrTooDeep and ErrTooLarge are errclass.ErrLimit.
var (
	ErrSyntax          = errclass.New(errclass.ErrFormat, "invalid JSON")
	ErrDuplicateMember = errclass.New(errclass.ErrFormat, "duplicate JSON object member")
	ErrTooDeep         = errclass.New(errclass.ErrLimit, "JSON nested too deeply")
	ErrTooLarge        = errclass.New(errclass.ErrLimit, "JSON document too large")
)

// Unmarshal checks data with Check and then decodes it into v, with numbers
// in interface values decoded as json.Number.
func Unmarshal(data []byte, v any) error { return unmarshal(data, v, false) }

// UnmarshalOwned is Unmarshal taking ownership of data, as DecodeOwned does:
// into a map, slice or interface, strings may share data's memory. The
// caller must not modify data afterwards.
func UnmarshalOwned(data []byte, v any) error { return unmarshal(data, v, true) }

func unmarshal(data []byte, v any, owned bool) error {
	decode := Decode
	if owned {
		decode = DecodeOwned
	}
	switch p := v.(type) {
	case *map[string]any:
		val, err := decode(data)
		if err != nil {
			return err
		}
		if val == nil {
			*p = nil
			return nil
		}
		m, ok := val.(map[string]any)
		if !ok {
			return fmt.Errorf("%w: not a JSON object", ErrSyntax)
		}
		*p = m
		return nil
	case *[]any:
		val, err := decode(data)
		if err != nil {
			return err
		}
		if val == nil {
			*p = nil
			return nil
		}
		a, ok := val.([]any)
		if !ok {
			return fmt.Errorf("%w: not a JSON array", ErrSyntax)
		}
		*p = a
		return nil
	case *any:
		val, err := decode(data)
		if err != nil {
			return err
		}
		*p = val
		return nil
	}
	if err := Check(data); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %v", ErrSyntax, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: trailing data", ErrSyntax)
	}
	return nil
}

// Check reports whether data is one well-formed JSON value within the limits
// and without duplicate object members.
func Check(data []byte) error {
	_, err := Decode(data)
	return err
}

// Decode checks data as Check does and returns its value as encoding/json
// would decode it into an interface with UseNumber: map[string]any, []any,
// string, json.Number, bool or nil. It is several times faster than
// encoding/json for this.
func Decode(data []byte) (any, error) { return decode(data, false) }

func decode(data []byte, alias bool) (any, error) {
	if len(data) > limits.MaxJSONBytes {
		return nil, ErrTooLarge
	}
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("%w: invalid UTF-8", ErrSyntax)
	}
	s := scanner{data: data, alias: alias}
	s.skipSpace()
	v, err := s.value(0)
	if err != nil {
		return nil, err
	}
	s.skipSpace()
	if s.pos != len(s.data) {
		return nil, fmt.Errorf("%w: trailing data at offset %d", ErrSyntax, s.pos)
	}
	return v, nil
}

// DecodeArrayHead checks data as Check does, requires a JSON array and returns its
// leading string elements, up to cap(head), unboxed in head, and the
// elements after them in rest (both appended to the slices given). An SD-JWT
// disclosure ["salt", "name", value] is decoded this way without boxing its
// salt and name. Like DecodeOwned it takes ownership of data: strings may
// share its memory, so the caller must not modify data afterwards.
func DecodeArrayHead(head []string, rest []any, data []byte) ([]string, []any, error) {
	if len(data) > limits.MaxJSONBytes {
		return head, rest, ErrTooLarge
	}
	if !utf8.Valid(data) {
		return head, rest, fmt.Errorf("%w: invalid UTF-8", ErrSyntax)
	}
	s := scanner{data: data, alias: true}
	s.skipSpace()
	if s.pos >= len(s.data) || s.data[s.pos] != '[' {
		return head, rest, fmt.Errorf("%w: not a JSON array", ErrSyntax)
	}
	s.pos++
	s.skipSpace()
	if s.pos < len(s.data) && s.data[s.pos] == ']' {
		s.pos++
	} else {
		for {
			s.skipSpace()
			if len(rest) == 0 && len(head) < cap(head) && s.pos < len(s.data) && s.data[s.pos] == '"' {
				str, err := s.str()
				if err != nil {
					return head, rest, err
				}
				head = append(head, str)
			} else {
				v, err := s.value(1)
				if err != nil {
					return head, rest, err
				}
				rest = append(rest, v)
			}
			s.skipSpace()
			if s.pos >= len(s.data) {
				return head, rest, s.errorf("unterminated array")
			}
			if s.data[s.pos] == ']' {
				s.pos++
				break
			}
			if s.data[s.pos] != ',' {
				return head, rest, s.errorf("expected ',' or ']'")
			}
			s.pos++
		}
	}
	s.skipSpace()
	if s.pos != len(s.data) {
		return head, rest, fmt.Errorf("%w: trailing data at offset %d", ErrSyntax, s.pos)
	}
	return head, rest, nil
}

type scanner struct {
	data []byte
	pos  int
	// alias lets strings without escapes share data's memory instead of
	// copying it: only for data nobody modifies afterwards (DecodeOwned,
	// DecodeArrayHead).
	alias bool
}

// DecodeOwned decodes data as Decode does, taking ownership of it: strings
// in the result may share data's memory, which saves an allocation per
// string. The caller must not modify data afterwards.
func DecodeOwned(data []byte) (any, error) { return decode(data, true) }

func (s *scanner) errorf(what string) error {
	return fmt.Errorf("%w: %s at offset %d", ErrSyntax, what, s.pos)
}

func (s *scanner) skipSpace() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

func (s *scanner) value(depth int) (any, error) {
	if s.pos >= len(s.data) {
		return nil, s.errorf("unexpected end")
	}
	switch c := s.data[s.pos]; {
	case c == '{':
		if depth >= limits.MaxJSONDepth {
			return nil, ErrTooDeep
		}
		return s.object(depth + 1)
	case c == '[':
		if depth >= limits.MaxJSONDepth {
			return nil, ErrTooDeep
		}
		return s.array(depth + 1)
	case c == '"':
		return s.str()
	case c == '-' || (c >= '0' && c <= '9'):
		return s.number()
	case c == 't':
		return true, s.literal("true")
	case c == 'f':
		return false, s.literal("false")
	case c == 'n':
		return nil, s.literal("null")
	default:
		return nil, s.errorf("unexpected character")
	}
}

func (s *scanner) literal(lit string) error {
	if !bytes.HasPrefix(s.data[s.pos:], []byte(lit)) {
		return s.errorf("invalid literal")
	}
	s.pos += len(lit)
	return nil
}

func (s *scanner) number() (json.Number, error) {
	start := s.pos
	if s.data[s.pos] == '-' {
		s.pos++
	}
	digits := func() int {
		n := 0
		for s.pos < len(s.data) && s.data[s.pos] >= '0' && s.data[s.pos] <= '9' {
			s.pos++
			n++
		}
		return n
	}
	if s.pos < len(s.data) && s.data[s.pos] == '0' {
		s.pos++
	} else if digits() == 0 {
		return "", s.errorf("invalid number")
	}
	if s.pos < len(s.data) && s.data[s.pos] == '.' {
		s.pos++
		if digits() == 0 {
			return "", s.errorf("invalid number")
		}
	}
	if s.pos < len(s.data) && (s.data[s.pos] == 'e' || s.data[s.pos] == 'E') {
		s.pos++
		if s.pos < len(s.data) && (s.data[s.pos] == '+' || s.data[s.pos] == '-') {
			s.pos++
		}
		if digits() == 0 {
			return "", s.errorf("invalid number")
		}
	}
	return json.Number(s.data[start:s.pos]), nil
}

// commonNames are member names JOSE, JWT, SD-JWT VC, status lists and
// OpenID4VC messages repeat in every document; key returns them without
// allocating a new string each time.
var commonNames = func() map[string]string {
	m := map[string]string{}
	for _, n := range []string{
		"alg", "typ", "kid", "jwk", "kty", "crv", "x", "y", "cnf", "iss", "sub", "aud",
		"iat", "nbf", "exp", "jti", "nonce", "vct", "_sd", "_sd_alg", "...", "sd_hash",
		"status", "status_list", "idx", "uri", "bits", "lst", "ttl", "vp_token", "state",
		"client_id", "credential", "credentials", "proof", "proofs", "c_nonce",
	} {
		m[n] = n
	}
	return m
}()

// key scans a member name like str, returning the shared copy of a common
// name.
func (s *scanner) key() (string, error) {
	start := s.pos + 1
	if end := bytes.IndexByte(s.data[start:], '"'); end >= 0 && end <= 11 {
		if n, ok := commonNames[string(s.data[start:start+end])]; ok {
			s.pos = start + end + 1
			return n, nil
		}
	}
	return s.str()
}

// str scans a string starting at the opening quote and returns it
// unescaped.
func (s *scanner) str() (string, error) {
	s.pos++ // opening quote
	start := s.pos
	escaped := false
	for s.pos < len(s.data) {
		c := s.data[s.pos]
		switch {
		case c == '"':
			raw := s.data[start:s.pos]
			s.pos++
			if !escaped {
				if s.alias && len(raw) > 0 {
					return unsafe.String(&raw[0], len(raw)), nil
				}
				return string(raw), nil
			}
			return unescape(raw), nil
		case c == '\\':
			escaped = true
			s.pos++
			if s.pos >= len(s.data) {
				return "", s.errorf("unterminated string")
			}
			switch s.data[s.pos] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.pos++
			case 'u':
				if s.pos+5 > len(s.data) {
					return "", s.errorf("invalid escape")
				}
				for _, h := range s.data[s.pos+1 : s.pos+5] {
					if !isHex(h) {
						return "", s.errorf("invalid escape")
					}
				}
				// A surrogate escape must be a high one followed by a
				// low one: a lone surrogate is no character (RFC 8259
				// §8.2; RFC 7493 §2.1 refuses it), and decoders differ
				// on what to make of it.
				r := hex4(s.data[s.pos+1 : s.pos+5])
				s.pos += 5
				if utf16.IsSurrogate(r) {
					if r >= 0xdc00 || s.pos+6 > len(s.data) || s.data[s.pos] != '\\' || s.data[s.pos+1] != 'u' {
						return "", s.errorf("lone surrogate escape")
					}
					for _, h := range s.data[s.pos+2 : s.pos+6] {
						if !isHex(h) {
							return "", s.errorf("invalid escape")
						}
					}
					if r2 := hex4(s.data[s.pos+2 : s.pos+6]); r2 < 0xdc00 || r2 > 0xdfff {
						return "", s.errorf("lone surrogate escape")
					}
					s.pos += 6
				}
			default:
				return "", s.errorf("invalid escape")
			}
		case c < 0x20:
			return "", s.errorf("control character in string")
		default:
			s.pos++
		}
	}
	return "", s.errorf("unterminated string")
}

// unescape decodes the escapes of a string already checked by str, which
// refuses lone surrogates (the U+FFFD below is never reached from it).
func unescape(raw []byte) string {
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		i++
		switch raw[i] {
		case '"', '\\', '/':
			out = append(out, raw[i])
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r := hex4(raw[i+1 : i+5])
			i += 4
			if utf16.IsSurrogate(r) {
				if i+6 < len(raw) && raw[i+1] == '\\' && raw[i+2] == 'u' {
					r2 := hex4(raw[i+3 : i+7])
					if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
						i += 6
						out = utf8.AppendRune(out, dec)
						continue
					}
				}
				r = utf8.RuneError
			}
			out = utf8.AppendRune(out, r)
		}
	}
	return string(out)
}

func hex4(b []byte) rune {
	var r rune
	for _, c := range b {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		default:
			r |= rune(c - 'A' + 10)
		}
	}
	return r
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func (s *scanner) object(depth int) (map[string]any, error) {
	s.pos++ // {
	out := make(map[string]any)
	s.skipSpace()
	if s.pos < len(s.data) && s.data[s.pos] == '}' {
		s.pos++
		return out, nil
	}
	for {
		s.skipSpace()
		if s.pos >= len(s.data) || s.data[s.pos] != '"' {
			return nil, s.errorf("expected member name")
		}
		key, err := s.key()
		if err != nil {
			return nil, err
		}
		if _, dup := out[key]; dup {
			return nil, fmt.Errorf("%w: %q", ErrDuplicateMember, truncate(key))
		}
		s.skipSpace()
		if s.pos >= len(s.data) || s.data[s.pos] != ':' {
			return nil, s.errorf("expected ':'")
		}
		s.pos++
		s.skipSpace()
		v, err := s.value(depth)
		if err != nil {
			return nil, err
		}
		out[key] = v
		s.skipSpace()
		if s.pos >= len(s.data) {
			return nil, s.errorf("unterminated object")
		}
		switch s.data[s.pos] {
		case ',':
			s.pos++
		case '}':
			s.pos++
			return out, nil
		default:
			return nil, s.errorf("expected ',' or '}'")
		}
	}
}

func (s *scanner) array(depth int) ([]any, error) {
	// Four elements first: one allocation for the short arrays JOSE and
	// SD-JWT use.
	return s.arrayInto(make([]any, 0, 4), depth)
}

// arrayInto scans an array starting at "[" and appends its elements to out.
func (s *scanner) arrayInto(out []any, depth int) ([]any, error) {
	s.pos++ // [
	s.skipSpace()
	if s.pos < len(s.data) && s.data[s.pos] == ']' {
		s.pos++
		return out[:0:0], nil
	}
	for {
		s.skipSpace()
		v, err := s.value(depth)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		s.skipSpace()
		if s.pos >= len(s.data) {
			return nil, s.errorf("unterminated array")
		}
		switch s.data[s.pos] {
		case ',':
			s.pos++
		case ']':
			s.pos++
			return out, nil
		default:
			return nil, s.errorf("expected ',' or ']'")
		}
	}
}

// truncate keeps error messages short when a hostile document has huge names.
func truncate(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}
