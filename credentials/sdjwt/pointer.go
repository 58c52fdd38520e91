package sdjwt

import (
	"fmt"
	"strings"
)

// EscapePointerToken escapes one reference token for a JSON Pointer
// (RFC 6901 §3: "~" becomes "~0", "/" becomes "~1").
func EscapePointerToken(s string) string {
	if !strings.ContainsAny(s, "~/") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// SplitPointer splits a JSON Pointer into its unescaped reference tokens.
// The empty pointer (the whole document) has no tokens.
func SplitPointer(p string) ([]string, error) { return appendTokens(nil, p) }

// appendTokens is SplitPointer appending the tokens to dst, so that a caller
// splitting many pointers can reuse one array.
func appendTokens(dst []string, p string) ([]string, error) {
	if p == "" {
		return dst, nil
	}
	if p[0] != '/' {
		return nil, fmt.Errorf("%w: %q does not start with '/'", ErrBadPath, trunc(p))
	}
	rest := p[1:]
	for {
		t, after, more := strings.Cut(rest, "/")
		if strings.Contains(t, "~") {
			for j := 0; j < len(t); j++ {
				if t[j] == '~' && (j+1 == len(t) || (t[j+1] != '0' && t[j+1] != '1')) {
					return nil, fmt.Errorf("%w: bad escape in %q", ErrBadPath, trunc(p))
				}
			}
			t = strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")
		}
		dst = append(dst, t)
		if !more {
			return dst, nil
		}
		rest = after
	}
}

// ParsePaths splits a comma-separated list of JSON Pointers (the CLI's
// --disclose syntax) and checks each one. Blank entries are ignored.
func ParsePaths(list string) ([]string, error) {
	var out []string
	for _, p := range strings.Split(list, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if _, err := SplitPointer(p); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// isWithin reports whether pointer p is q or lies below q.
func isWithin(p, q string) bool {
	return p == q || strings.HasPrefix(p, q+"/")
}

func trunc(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}
