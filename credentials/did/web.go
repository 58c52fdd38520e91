package did

import (
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// maxHostLen is the longest DNS name (RFC 1035 §2.3.4).
const maxHostLen = 253

// WebURL returns the https URL of the DID document of a did:web DID
// (did:web spec, "Read (Resolve)"): the first colon-separated segment is
// the host, with an optional port after a percent-encoded colon "%3A"; the
// remaining segments are path segments. Without a path the document is at
// "/.well-known/did.json", with one at "/<path>/did.json":
//
//	did:web:example.com                   → https://example.com/.well-known/did.json
//	did:web:example.com%3A3000:user:alice → https://example.com:3000/user/alice/did.json
//
// The host policy of the package documentation applies: IP literals and
// localhost names fail with ErrHostRefused (FETCH), punycode labels with
// ErrIDNHost (FMT), everything else malformed — uppercase hosts, other
// percent-encodings, "." and ".." segments — with ErrInvalidDID. Only the
// policy options (WithAllowLoopback, WithAllowPunycode) matter here.
func WebURL(did string, opts ...Option) (string, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return "", err
	}
	return cfg.webURL(did)
}

func (c *config) webURL(did string) (string, error) {
	d, err := Parse(did)
	if err != nil {
		return "", err
	}
	if d.Method != MethodWeb {
		return "", fmt.Errorf("%w: not a did:web", ErrInvalidDID)
	}
	segs := strings.Split(d.ID, ":")
	host, port, hasPort := strings.Cut(segs[0], "%3A")
	if err := c.checkHost(host); err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("https://")
	b.WriteString(host)
	if hasPort {
		if err := checkPort(port); err != nil {
			return "", err
		}
		b.WriteString(":")
		b.WriteString(port)
	}
	if len(segs) == 1 {
		b.WriteString("/.well-known")
	}
	for _, s := range segs[1:] {
		if err := checkPathSegment(s); err != nil {
			return "", err
		}
		b.WriteString("/")
		b.WriteString(s)
	}
	b.WriteString("/did.json")
	return b.String(), nil
}

// WebFromURL returns the did:web DID of an https base URL, an origin with
// an optional path, for the issuer and verifier services to name
// themselves:
//
//	https://example.com            → did:web:example.com
//	https://example.com:8443/u/bob → did:web:example.com%3A8443:u:bob
//
// The host is lowercased, the port 443 dropped and a trailing "/" ignored. URLs with another
// scheme, userinfo, a query, a fragment, empty or percent-encoded path
// segments, or a path ending in "did.json" (the document URL rather than
// the base) are refused with ErrInvalidDID; the host policy is that of
// WebURL.
func WebFromURL(baseURL string, opts ...Option) (string, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return "", err
	}
	if len(baseURL) > MaxDIDLength {
		return "", fmt.Errorf("%w: URL longer than %d bytes", ErrInvalidDID, MaxDIDLength)
	}
	u, err := url.Parse(baseURL)
	if err != nil {
		return "", fmt.Errorf("%w: base URL does not parse", ErrInvalidDID)
	}
	if u.Scheme != "https" || u.Opaque != "" || u.User != nil || u.RawQuery != "" || u.ForceQuery ||
		u.Fragment != "" || u.RawFragment != "" || u.RawPath != "" {
		return "", fmt.Errorf("%w: base URL must be https://host[:port][/path] without userinfo, query, fragment or escapes", ErrInvalidDID)
	}
	var b strings.Builder
	b.WriteString("did:web:")
	b.WriteString(strings.ToLower(u.Hostname()))
	if p := u.Port(); p != "" && p != "443" {
		b.WriteString("%3A")
		b.WriteString(p)
	}
	if path := strings.TrimSuffix(u.Path, "/"); path != "" {
		segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
		if segs[len(segs)-1] == "did.json" {
			return "", fmt.Errorf("%w: give the base URL, not the did.json URL", ErrInvalidDID)
		}
		for _, s := range segs {
			b.WriteString(":")
			b.WriteString(s)
		}
	}
	did := b.String()
	if _, err := cfg.webURL(did); err != nil {
		return "", err
	}
	return did, nil
}

// checkHost applies the did:web host policy of the package documentation.
func (c *config) checkHost(host string) error {
	if host == "" || len(host) > maxHostLen {
		return fmt.Errorf("%w: did:web host must be 1 to %d characters", ErrInvalidDID, maxHostLen)
	}
	if strings.ContainsRune(host, '%') {
		return fmt.Errorf("%w: did:web host may contain no percent-encoding but the port colon %%3A", ErrInvalidDID)
	}
	if c.allowLoopback && isLoopbackHost(host) {
		return nil
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return fmt.Errorf("%w: IP literal", ErrHostRefused)
	}
	labels := strings.Split(host, ".")
	for _, l := range labels {
		if err := c.checkLabel(l); err != nil {
			return err
		}
	}
	last := labels[len(labels)-1]
	switch {
	case host == "localhost" || last == "localhost":
		return fmt.Errorf("%w: localhost name", ErrHostRefused)
	case len(labels) < 2:
		return fmt.Errorf("%w: single-label name", ErrHostRefused)
	case strings.Trim(last, "0123456789") == "":
		// A numeric top-level label is an IP address in some notation
		// (127.1, 2130706433 after the dot split, …).
		return fmt.Errorf("%w: numeric host", ErrHostRefused)
	}
	return nil
}

func (c *config) checkLabel(l string) error {
	if l == "" || len(l) > 63 {
		return fmt.Errorf("%w: did:web host label must be 1 to 63 characters", ErrInvalidDID)
	}
	for i := 0; i < len(l); i++ {
		ch := l[i]
		if !(ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' || ch == '-') {
			return fmt.Errorf("%w: did:web host must be a lowercase DNS name (letters, digits, hyphens)", ErrInvalidDID)
		}
	}
	if l[0] == '-' || l[len(l)-1] == '-' {
		return fmt.Errorf("%w: did:web host label starts or ends with a hyphen", ErrInvalidDID)
	}
	// Labels with hyphens in the third and fourth position are reserved
	// for IDNA (RFC 5891 §4.2.3.1); "xn--" is an A-label.
	if len(l) >= 4 && l[2:4] == "--" {
		if c.allowPunycode && strings.HasPrefix(l, "xn--") {
			return nil
		}
		return fmt.Errorf("%w: label %q", ErrIDNHost, l)
	}
	return nil
}

func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.Is4() && a.IsLoopback()
}

func checkPort(port string) error {
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 || port[0] == '0' || strings.Trim(port, "0123456789") != "" {
		return fmt.Errorf("%w: did:web port must be 1 to 65535", ErrInvalidDID)
	}
	return nil
}

func checkPathSegment(s string) error {
	if s == "" || s == "." || s == ".." {
		return fmt.Errorf("%w: did:web path segment %q", ErrInvalidDID, s)
	}
	for i := 0; i < len(s); i++ {
		if !isIDChar(s[i]) {
			return fmt.Errorf("%w: did:web path segments may contain only letters, digits, '.', '-' and '_'", ErrInvalidDID)
		}
	}
	return nil
}
