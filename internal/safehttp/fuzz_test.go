package safehttp_test

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/internal/safehttp"
)

// FuzzCheckURL checks that CheckURL never panics, that every refusal is in
// class credentials.ErrFetch (or ErrFormat), and that an accepted URL keeps
// the policy's invariants and is accepted again once re-serialised.
func FuzzCheckURL(f *testing.F) {
	for _, seed := range []string{
		"https://example.com/.well-known/did.json",
		"https://example.com:8443/path?q=1#frag",
		"http://127.0.0.1:8080/",
		"https://[::1]/",
		"https://[::ffff:127.0.0.1]/",
		"https://[fe80::1%25eth0]/",
		"https://0.0.0.0/",
		"https://2130706433/",
		"https://0x7f.1/",
		"https://localhost%3A2375/",
		"https://localhost:2375/",
		"https://169.254.169.254/latest/meta-data/",
		"https://user:pass@example.com/",
		"https://[64:ff9b::a00:1]/",
		"javascript:alert(1)",
		"//example.com",
		"https://例え.jp/",
		"",
	} {
		f.Add(seed)
	}
	strict, err := safehttp.New()
	if err != nil {
		f.Fatal(err)
	}
	loop, err := safehttp.New(safehttp.WithAllowLoopback())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		for name, c := range map[string]*safehttp.Client{"default": strict, "loopback": loop} {
			u, err := c.CheckURL(raw)
			if err != nil {
				if !errors.Is(err, credentials.ErrFetch) && !errors.Is(err, credentials.ErrFormat) {
					t.Fatalf("%s: CheckURL(%q) error %v is in neither ErrFetch nor ErrFormat", name, raw, err)
				}
				continue
			}
			scheme := strings.ToLower(u.Scheme)
			if scheme != "https" && (scheme != "http" || c == strict) {
				t.Fatalf("%s: CheckURL(%q) accepted scheme %q", name, raw, u.Scheme)
			}
			if u.User != nil {
				t.Fatalf("%s: CheckURL(%q) accepted userinfo", name, raw)
			}
			host := strings.TrimSuffix(u.Hostname(), ".")
			if a, err := netip.ParseAddr(host); err == nil {
				a = a.Unmap()
				if a.IsPrivate() || a.IsUnspecified() || a.IsLinkLocalUnicast() || a.IsMulticast() ||
					(a.IsLoopback() && c == strict) {
					t.Fatalf("%s: CheckURL(%q) accepted address %s", name, raw, a)
				}
			}
			if strings.EqualFold(host, "localhost") && c == strict {
				t.Fatalf("%s: CheckURL(%q) accepted localhost", name, raw)
			}
			if _, err := c.CheckURL(u.String()); err != nil {
				t.Fatalf("%s: CheckURL(%q) accepted, but not its serialisation %q: %v", name, raw, u.String(), err)
			}
		}
	})
}
