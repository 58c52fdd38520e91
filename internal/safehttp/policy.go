package safehttp

import (
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/loopbrug/paspoort/internal/errclass"
)

// maxURLLen bounds the URLs a Client accepts.
const maxURLLen = 8 << 10

// addrClass is the class of an IP address for the outbound policy.
type addrClass int

const (
	classPublic    addrClass = iota // globally routable unicast
	classLoopback                   // 127.0.0.0/8, ::1; allowed by WithAllowLoopback
	classPrivate                    // private, CGNAT, link-local, ULA; allowed by WithPrivateNetworksUnsafe
	classForbidden                  // never allowed
)

func (k addrClass) String() string {
	switch k {
	case classPublic:
		return "public"
	case classLoopback:
		return "loopback"
	case classPrivate:
		return "private or link-local"
	default:
		return "reserved, multicast, unspecified or metadata"
	}
}

func mustPrefixes(ss ...string) []netip.Prefix {
	ps := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		ps[i] = netip.MustParsePrefix(s)
	}
	return ps
}

var (
	// metadataAddrs are cloud instance metadata endpoints, refused even with
	// WithPrivateNetworksUnsafe.
	metadataAddrs = []netip.Addr{
		netip.MustParseAddr("169.254.169.254"), // AWS, GCP, Azure, OpenStack
		netip.MustParseAddr("169.254.170.2"),   // AWS ECS task metadata
		netip.MustParseAddr("169.254.169.123"), // AWS time sync
		netip.MustParseAddr("100.100.100.200"), // Alibaba Cloud
		netip.MustParseAddr("fd00:ec2::254"),   // AWS IMDS over IPv6
	}
	private4 = mustPrefixes(
		"10.0.0.0/8",     // RFC 1918
		"172.16.0.0/12",  // RFC 1918
		"192.168.0.0/16", // RFC 1918
		"100.64.0.0/10",  // RFC 6598 CGNAT
		"169.254.0.0/16", // RFC 3927 link-local
	)
	forbidden4 = mustPrefixes(
		"0.0.0.0/8",       // "this network", includes 0.0.0.0
		"192.0.0.0/24",    // IETF protocol assignments
		"192.0.2.0/24",    // TEST-NET-1
		"192.88.99.0/24",  // 6to4 relay anycast
		"198.18.0.0/15",   // benchmarking
		"198.51.100.0/24", // TEST-NET-2
		"203.0.113.0/24",  // TEST-NET-3
		"224.0.0.0/4",     // multicast
		"240.0.0.0/4",     // reserved, includes 255.255.255.255
	)
	private6 = mustPrefixes(
		"fc00::/7",  // unique local
		"fe80::/10", // link-local
		"fec0::/10", // deprecated site-local
	)
	forbidden6 = mustPrefixes(
		"::/96",          // IPv4-compatible (deprecated), includes ::
		"64:ff9b:1::/48", // local-use NAT64
		"100::/64",       // discard-only
		"2001::/23",      // IETF protocol assignments, includes Teredo
		"2001:db8::/32",  // documentation
		"ff00::/8",       // multicast
	)
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
	global6   = netip.MustParsePrefix("2000::/3")
)

func inAny(a netip.Addr, ps []netip.Prefix) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// classify returns the policy class of a.
func classify(a netip.Addr) addrClass {
	if !a.IsValid() || a.Zone() != "" {
		return classForbidden
	}
	a = a.Unmap()
	for _, m := range metadataAddrs {
		if a == m {
			return classForbidden
		}
	}
	if a.Is4() {
		switch {
		case a.IsLoopback():
			return classLoopback
		case inAny(a, forbidden4):
			return classForbidden
		case inAny(a, private4):
			return classPrivate
		}
		return classPublic
	}
	switch {
	case a.IsLoopback():
		return classLoopback
	case inAny(a, forbidden6):
		return classForbidden
	case inAny(a, private6):
		return classPrivate
	case nat64.Contains(a):
		// Well-known NAT64 prefix: the gateway connects to the embedded
		// IPv4 address, which must itself be public.
		b := a.As16()
		if classify(netip.AddrFrom4([4]byte(b[12:16]))) == classPublic {
			return classPublic
		}
		return classForbidden
	case sixToFour.Contains(a):
		// 6to4: the embedded IPv4 address must be public.
		b := a.As16()
		if classify(netip.AddrFrom4([4]byte(b[2:6]))) == classPublic {
			return classPublic
		}
		return classForbidden
	case !global6.Contains(a):
		return classForbidden
	}
	return classPublic
}

// allowed reports whether the configuration permits connecting to class k.
func (c *config) allowed(k addrClass) bool {
	switch k {
	case classPublic:
		return true
	case classLoopback:
		return c.allowLoopback
	case classPrivate:
		return c.allowPrivate
	default:
		return false
	}
}

// refused returns an error wrapping ErrRefused.
func refused(reason string) error {
	return fmt.Errorf("%w: %s", ErrRefused, reason)
}

// refusedAddr returns the refusal of an address of class k: ErrLoopback
// for a loopback one.
func refusedAddr(k addrClass, reason string) error {
	if k == classLoopback {
		return fmt.Errorf("%w: %s", ErrLoopback, reason)
	}
	return refused(reason)
}

// malformed returns an error wrapping ErrRefused and errclass.ErrFormat.
func malformed(reason string) error {
	return fmt.Errorf("%w: %w: %s", ErrRefused, errclass.ErrFormat, reason)
}

// hostKind is what a host name or literal denotes, before any resolution.
type hostKind int

const (
	hostName      hostKind = iota // a DNS name, checked again at dial time
	hostLocalName                 // a localhost name: must resolve to loopback
	hostIP                        // an IP literal
)

// isLocalhostName reports whether h (lower case, no trailing dot) is a name
// that denotes the local host (RFC 6761 §6.3 and common /etc/hosts aliases).
func isLocalhostName(h string) bool {
	switch h {
	case "localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback":
		return true
	}
	return strings.HasSuffix(h, ".localhost")
}

// checkHost checks a host name or IP literal (without brackets or port)
// against the policy. It returns what the host is and, for an IP literal,
// the address.
func (c *config) checkHost(host string) (hostKind, netip.Addr, error) {
	if host == "" {
		return 0, netip.Addr{}, malformed("empty host")
	}
	if strings.Contains(host, ":") {
		// Only an IPv6 literal may contain a colon.
		a, err := netip.ParseAddr(host)
		if err != nil || !a.Is6() {
			return 0, netip.Addr{}, malformed(fmt.Sprintf("bad IPv6 literal %q", host))
		}
		if a.Zone() != "" {
			return 0, netip.Addr{}, refused("IPv6 zone not allowed")
		}
		if k := classify(a); !c.allowed(k) {
			return 0, netip.Addr{}, refusedAddr(k, fmt.Sprintf("address %s is %s", a, k))
		}
		return hostIP, a, nil
	}
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	if err := checkHostSyntax(h); err != nil {
		return 0, netip.Addr{}, err
	}
	if a, err := netip.ParseAddr(h); err == nil {
		if k := classify(a); !c.allowed(k) {
			return 0, netip.Addr{}, refusedAddr(k, fmt.Sprintf("address %s is %s", a, k))
		}
		return hostIP, a, nil
	}
	// A last label that is a number makes the host an IPv4 address in a
	// non-canonical form (2130706433, 0x7f.1, 127.1, 0177.0.0.1) for URL
	// parsers and resolvers that accept inet_aton syntax (WHATWG URL "ends
	// in a number"). No DNS top-level domain is numeric: refuse them all.
	labels := strings.Split(h, ".")
	if endsInNumber(labels[len(labels)-1]) {
		return 0, netip.Addr{}, refused(fmt.Sprintf("numeric host %q is not a canonical IP address", host))
	}
	if isLocalhostName(h) {
		if !c.allowLoopback {
			return 0, netip.Addr{}, refusedAddr(classLoopback, fmt.Sprintf("host %q is a localhost name", h))
		}
		return hostLocalName, netip.Addr{}, nil
	}
	return hostName, netip.Addr{}, nil
}

// checkHostSyntax checks that h is an ASCII host name of letters, digits,
// '-' and '_' in labels of 1 to 63 bytes, 253 bytes at most. Non-ASCII
// (IDN) hosts must be given in their A-label (punycode) form.
func checkHostSyntax(h string) error {
	if len(h) > 253 {
		return malformed("host name too long")
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 {
			return malformed(fmt.Sprintf("bad host name %q", h))
		}
		for i := 0; i < len(label); i++ {
			b := label[i]
			if !('a' <= b && b <= 'z' || '0' <= b && b <= '9' || b == '-' || b == '_') {
				return malformed(fmt.Sprintf("bad character in host name %q", h))
			}
		}
	}
	return nil
}

// endsInNumber reports whether label is a decimal, octal or hexadecimal
// number as inet_aton and the WHATWG URL parser read it.
func endsInNumber(label string) bool {
	if label == "" {
		return false
	}
	if strings.HasPrefix(label, "0x") {
		return strings.Trim(label[2:], "0123456789abcdef") == ""
	}
	return strings.Trim(label, "0123456789") == ""
}

// CheckURL parses rawURL and checks it against the client's policy without
// fetching anything or resolving the host: the scheme must be https (or http
// for a loopback host with [WithAllowLoopback]), there must be no userinfo,
// and the host must not be a forbidden IP literal, a non-canonical numeric
// host or a localhost name. The resolved address is checked later, at dial
// time. Errors wrap [ErrRefused] (and so errclass.ErrFetch); errors for a
// malformed URL also wrap errclass.ErrFormat. Error messages never
// contain the query string.
func (c *Client) CheckURL(rawURL string) (*url.URL, error) {
	if len(rawURL) > maxURLLen {
		return nil, malformed("URL too long")
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		// A *url.Error quotes the whole URL, query string included: keep
		// only its cause.
		var reason = "cannot parse URL"
		if ue, ok := err.(*url.Error); ok {
			reason += ": " + ue.Err.Error()
		}
		return nil, malformed(reason)
	}
	// The URL goes on the wire re-encoded: bound that form too (escaping
	// can make it up to three times longer than what was given).
	if len(u.String()) > maxURLLen {
		return nil, malformed("URL too long")
	}
	if err := c.cfg.checkURL(u); err != nil {
		return nil, err
	}
	return u, nil
}

// checkURL checks a parsed URL; it is applied to every request and to every
// redirect target.
func (c *config) checkURL(u *url.URL) error {
	if u == nil {
		return malformed("no URL")
	}
	if u.Opaque != "" {
		return malformed("opaque URL")
	}
	if u.User != nil {
		return refused("userinfo in URL")
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "https" && scheme != "http" {
		return refused(fmt.Sprintf("scheme %q not allowed", u.Scheme))
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return malformed(fmt.Sprintf("bad port %q", p))
		}
	} else if strings.HasSuffix(u.Host, ":") {
		return malformed("empty port")
	}
	kind, addr, err := c.checkHost(u.Hostname())
	if err != nil {
		return err
	}
	if scheme == "http" {
		loopback := kind == hostLocalName || kind == hostIP && classify(addr) == classLoopback
		if !c.allowLoopback || !loopback {
			return refused(`scheme "http" not allowed; https required`)
		}
	}
	return nil
}

// redact returns the scheme, host and path of u: what error messages may
// show. The query string and fragment may carry tokens and are left out.
func redact(u *url.URL) string {
	if u == nil {
		return "<nil URL>"
	}
	r := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath}
	return r.String()
}

// redactRaw is redact for a URL that may not parse.
func redactRaw(rawURL string) string {
	if len(rawURL) > maxURLLen {
		return "<URL too long>"
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return "<unparsable URL>"
	}
	return redact(u)
}
