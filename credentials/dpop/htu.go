package dpop

import (
	"fmt"
	"strings"

	"github.com/loopbrug/paspoort/credentials"
)

// maxURLBytes bounds an htu or request URL.
const maxURLBytes = 4096

// targetURI returns s without query and fragment, normalised as RFC 9449
// §4.3 point 9 asks: syntax-based normalisation (RFC 3986 §6.2.2: scheme
// and host in lower case, percent-encodings of unreserved characters
// decoded and the others in upper case, dot segments removed) and
// scheme-based normalisation (§6.2.3: the default port and an empty port
// removed, an empty path made "/"). s must be an absolute http or https
// URI without user information.
func targetURI(s string) (string, error) {
	if len(s) > maxURLBytes {
		return "", fmt.Errorf("%w: URL over %d bytes", credentials.ErrLimit, maxURLBytes)
	}
	if i := strings.IndexByte(s, '#'); i >= 0 {
		s = s[:i]
	}
	if i := strings.IndexByte(s, '?'); i >= 0 {
		s = s[:i]
	}
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return "", fmt.Errorf("%w: URL is not absolute", credentials.ErrFormat)
	}
	scheme = strings.ToLower(scheme)
	var defPort string
	switch scheme {
	case "https":
		defPort = "443"
	case "http":
		defPort = "80"
	default:
		return "", fmt.Errorf("%w: URL scheme is not http or https", credentials.ErrFormat)
	}
	authority, path := rest, ""
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		authority, path = rest[:i], rest[i:]
	}
	if authority == "" || strings.ContainsAny(authority, "@ \t\r\n%") {
		return "", fmt.Errorf("%w: URL has no host, or user information", credentials.ErrFormat)
	}
	host, port := authority, ""
	if i := strings.LastIndexByte(authority, ':'); i >= 0 && !strings.Contains(authority[i:], "]") {
		host, port = authority[:i], authority[i+1:]
		for _, c := range port {
			if c < '0' || c > '9' {
				return "", fmt.Errorf("%w: URL port is not a number", credentials.ErrFormat)
			}
		}
	}
	if host == "" {
		return "", fmt.Errorf("%w: URL has no host", credentials.ErrFormat)
	}
	host = strings.ToLower(host)
	port = strings.TrimLeft(port, "0")
	if port == strings.TrimLeft(defPort, "0") {
		port = ""
	}
	p, err := normalizePath(path)
	if err != nil {
		return "", err
	}
	out := scheme + "://" + host
	if port != "" {
		out += ":" + port
	}
	return out + p, nil
}

func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}

// isPathChar reports whether c may appear unencoded in a path (RFC 3986
// §3.3 pchar and "/").
func isPathChar(c byte) bool {
	return isUnreserved(c) || strings.IndexByte("!$&'()*+,;=:@/", c) >= 0
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func normalizePath(p string) (string, error) {
	if p == "" {
		return "/", nil
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '%':
			if i+2 >= len(p) {
				return "", fmt.Errorf("%w: bad percent-encoding in URL", credentials.ErrFormat)
			}
			h, ok1 := unhex(p[i+1])
			l, ok2 := unhex(p[i+2])
			if !ok1 || !ok2 {
				return "", fmt.Errorf("%w: bad percent-encoding in URL", credentials.ErrFormat)
			}
			if d := h<<4 | l; isUnreserved(d) {
				b.WriteByte(d)
			} else {
				b.WriteString(strings.ToUpper(p[i : i+3]))
			}
			i += 2
		case isPathChar(c):
			b.WriteByte(c)
		default:
			return "", fmt.Errorf("%w: character %q not allowed in a URL path", credentials.ErrFormat, c)
		}
	}
	return removeDotSegments(b.String()), nil
}

// removeDotSegments is RFC 3986 §5.2.4 for an absolute path.
func removeDotSegments(in string) string {
	var out []string
	segs := strings.Split(in[1:], "/")
	for i, s := range segs {
		last := i == len(segs)-1
		switch s {
		case ".":
			if last {
				out = append(out, "")
			}
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
			if last {
				out = append(out, "")
			}
		default:
			out = append(out, s)
		}
	}
	return "/" + strings.Join(out, "/")
}
