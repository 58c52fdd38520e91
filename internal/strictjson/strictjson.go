// Package strictjson decodes JSON the way a security token parser must:
// duplicate object members (at any depth, compared after unescaping) are
// rejected, as are invalid UTF-8, a byte order mark, nesting deeper than
// limits.MaxJSONDepth, trailing data and documents over a size limit.
// Numbers decoded into interface values become json.Number, so no precision
// is lost. encoding/json alone keeps the last duplicate member, which lets
// {"alg":"ES256","alg":"none"} mean different things to different parsers
// (SECURITY.md A.9).
//
// The package is safe for concurrent use.
package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/internal/limits"
)

// Errors returned by Check and Unmarshal. ErrDuplicateMember and ErrSyntax
// are credentials.ErrFormat; ErrTooDeep and ErrTooLarge are credentials.ErrLimit.
var (
	ErrSyntax          = credentials.NewError(credentials.ErrFormat, "invalid JSON")
	ErrDuplicateMember = credentials.NewError(credentials.ErrFormat, "duplicate JSON object member")
	ErrTooDeep         = credentials.NewError(credentials.ErrLimit, "JSON nested too deeply")
	ErrTooLarge        = credentials.NewError(credentials.ErrLimit, "JSON document too large")
)

// Unmarshal checks data with Check and then decodes it into v, with numbers
// in interface values decoded as json.Number.
func Unmarshal(data []byte, v any) error {
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
	if len(data) > limits.MaxJSONBytes {
		return ErrTooLarge
	}
	if !utf8.Valid(data) {
		return fmt.Errorf("%w: invalid UTF-8", ErrSyntax)
	}
	s := scanner{data: data}
	s.skipSpace()
	if err := s.value(0); err != nil {
		return err
	}
	s.skipSpace()
	if s.pos != len(s.data) {
		return fmt.Errorf("%w: trailing data at offset %d", ErrSyntax, s.pos)
	}
	return nil
}

type scanner struct {
	data []byte
	pos  int
}

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

func (s *scanner) value(depth int) error {
	if s.pos >= len(s.data) {
		return s.errorf("unexpected end")
	}
	switch c := s.data[s.pos]; {
	case c == '{':
		if depth >= limits.MaxJSONDepth {
			return ErrTooDeep
		}
		return s.object(depth + 1)
	case c == '[':
		if depth >= limits.MaxJSONDepth {
			return ErrTooDeep
		}
		return s.array(depth + 1)
	case c == '"':
		_, _, err := s.str()
		return err
	case c == '-' || (c >= '0' && c <= '9'):
		return s.number()
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	default:
		return s.errorf("unexpected character")
	}
}

func (s *scanner) literal(lit string) error {
	if !bytes.HasPrefix(s.data[s.pos:], []byte(lit)) {
		return s.errorf("invalid literal")
	}
	s.pos += len(lit)
	return nil
}

func (s *scanner) number() error {
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
		return s.errorf("invalid number")
	}
	if s.pos < len(s.data) && s.data[s.pos] == '.' {
		s.pos++
		if digits() == 0 {
			return s.errorf("invalid number")
		}
	}
	if s.pos < len(s.data) && (s.data[s.pos] == 'e' || s.data[s.pos] == 'E') {
		s.pos++
		if s.pos < len(s.data) && (s.data[s.pos] == '+' || s.data[s.pos] == '-') {
			s.pos++
		}
		if digits() == 0 {
			return s.errorf("invalid number")
		}
	}
	if s.pos == start {
		return s.errorf("invalid number")
	}
	return nil
}

// str scans a string starting at the opening quote. It returns the raw bytes
// between the quotes and whether they contain an escape.
func (s *scanner) str() (raw []byte, escaped bool, err error) {
	s.pos++ // opening quote
	start := s.pos
	for s.pos < len(s.data) {
		c := s.data[s.pos]
		switch {
		case c == '"':
			raw = s.data[start:s.pos]
			s.pos++
			return raw, escaped, nil
		case c == '\\':
			escaped = true
			s.pos++
			if s.pos >= len(s.data) {
				return nil, false, s.errorf("unterminated string")
			}
			switch s.data[s.pos] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.pos++
			case 'u':
				if s.pos+5 > len(s.data) {
					return nil, false, s.errorf("invalid escape")
				}
				for _, h := range s.data[s.pos+1 : s.pos+5] {
					if !isHex(h) {
						return nil, false, s.errorf("invalid escape")
					}
				}
				s.pos += 5
			default:
				return nil, false, s.errorf("invalid escape")
			}
		case c < 0x20:
			return nil, false, s.errorf("control character in string")
		default:
			s.pos++
		}
	}
	return nil, false, s.errorf("unterminated string")
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func (s *scanner) object(depth int) error {
	s.pos++ // {
	s.skipSpace()
	if s.pos < len(s.data) && s.data[s.pos] == '}' {
		s.pos++
		return nil
	}
	// Most objects are small: a slice beats a map for duplicate detection,
	// until an object grows large enough for the quadratic scan to matter.
	var keys []string
	var seen map[string]struct{}
	for {
		s.skipSpace()
		if s.pos >= len(s.data) || s.data[s.pos] != '"' {
			return s.errorf("expected member name")
		}
		raw, escaped, err := s.str()
		if err != nil {
			return err
		}
		key := string(raw)
		if escaped {
			quoted := s.data[s.pos-len(raw)-2 : s.pos]
			if err := json.Unmarshal(quoted, &key); err != nil {
				return s.errorf("invalid member name")
			}
		}
		if seen != nil {
			if _, dup := seen[key]; dup {
				return fmt.Errorf("%w: %q", ErrDuplicateMember, truncate(key))
			}
			seen[key] = struct{}{}
		} else {
			for _, k := range keys {
				if k == key {
					return fmt.Errorf("%w: %q", ErrDuplicateMember, truncate(key))
				}
			}
			keys = append(keys, key)
			if len(keys) > 16 {
				seen = make(map[string]struct{}, 2*len(keys))
				for _, k := range keys {
					seen[k] = struct{}{}
				}
			}
		}
		s.skipSpace()
		if s.pos >= len(s.data) || s.data[s.pos] != ':' {
			return s.errorf("expected ':'")
		}
		s.pos++
		s.skipSpace()
		if err := s.value(depth); err != nil {
			return err
		}
		s.skipSpace()
		if s.pos >= len(s.data) {
			return s.errorf("unterminated object")
		}
		switch s.data[s.pos] {
		case ',':
			s.pos++
		case '}':
			s.pos++
			return nil
		default:
			return s.errorf("expected ',' or '}'")
		}
	}
}

func (s *scanner) array(depth int) error {
	s.pos++ // [
	s.skipSpace()
	if s.pos < len(s.data) && s.data[s.pos] == ']' {
		s.pos++
		return nil
	}
	for {
		s.skipSpace()
		if err := s.value(depth); err != nil {
			return err
		}
		s.skipSpace()
		if s.pos >= len(s.data) {
			return s.errorf("unterminated array")
		}
		switch s.data[s.pos] {
		case ',':
			s.pos++
		case ']':
			s.pos++
			return nil
		default:
			return s.errorf("expected ',' or ']'")
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
