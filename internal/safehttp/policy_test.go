package safehttp_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/internal/safehttp"
)

func newClient(t *testing.T, opts ...safehttp.Option) *safehttp.Client {
	t.Helper()
	c, err := safehttp.New(opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func TestCheckURL(t *testing.T) {
	strict := newClient(t)
	loop := newClient(t, safehttp.WithAllowLoopback())
	priv := newClient(t, safehttp.WithPrivateNetworksUnsafe())
	clients := map[string]*safehttp.Client{"default": strict, "loopback": loop, "private": priv}

	tests := []struct {
		client  string
		url     string
		wantErr error // nil: allowed
	}{
		// Allowed by default.
		{"default", "https://example.com/.well-known/did.json", nil},
		{"default", "https://EXAMPLE.com.:8443/x?y=1", nil},
		{"default", "https://93.184.215.14/", nil},
		{"default", "https://[2606:4700::1]/", nil},
		{"default", "https://[64:ff9b::5db8:d70e]/", nil}, // NAT64 of a public address
		{"default", "https://xn--bcher-kva.example/", nil},

		// Scheme and userinfo.
		{"default", "http://example.com/", safehttp.ErrRefused},
		{"default", "http://127.0.0.1/", safehttp.ErrRefused},
		{"default", "ftp://example.com/", safehttp.ErrRefused},
		{"default", "file:///etc/passwd", safehttp.ErrRefused},
		{"default", "javascript:alert(1)", safehttp.ErrRefused},
		{"default", "example.com/no-scheme", safehttp.ErrRefused},
		{"default", "https://user:pass@example.com/", safehttp.ErrRefused},
		{"default", "https://@example.com/", safehttp.ErrRefused},

		// Malformed.
		{"default", "https:///path", credentials.ErrFormat},
		{"default", "https://exa mple.com/", credentials.ErrFormat},
		{"default", "https://bücher.example/", credentials.ErrFormat},
		{"default", "https://example.com:0/", credentials.ErrFormat},
		{"default", "https://example.com:99999/", credentials.ErrFormat},
		{"default", "https://example..com/", credentials.ErrFormat},
		{"default", "https://localhost%3A2375/", credentials.ErrFormat},
		{"default", "https://" + strings.Repeat("a", 9000) + ".com/", credentials.ErrFormat},

		// Loopback, localhost names and numeric hosts (SECURITY.md E.40).
		{"default", "https://127.0.0.1/", safehttp.ErrRefused},
		{"default", "https://127.0.0.1./", safehttp.ErrRefused},
		{"default", "https://[::1]/", safehttp.ErrRefused},
		{"default", "https://0.0.0.0/", safehttp.ErrRefused},
		{"default", "https://[::]/", safehttp.ErrRefused},
		{"default", "https://[::ffff:127.0.0.1]/", safehttp.ErrRefused},
		{"default", "https://[::ffff:7f00:1]/", safehttp.ErrRefused},
		{"default", "https://2130706433/", safehttp.ErrRefused},
		{"default", "https://0x7f000001/", safehttp.ErrRefused},
		{"default", "https://0177.0.0.1/", safehttp.ErrRefused},
		{"default", "https://127.1/", safehttp.ErrRefused},
		{"default", "https://example.0x7f/", safehttp.ErrRefused},
		{"default", "https://localhost/", safehttp.ErrRefused},
		{"default", "https://localhost:2375/", safehttp.ErrRefused},
		{"default", "https://LOCALHOST./", safehttp.ErrRefused},
		{"default", "https://evil.localhost/", safehttp.ErrRefused},
		{"default", "https://ip6-localhost/", safehttp.ErrRefused},

		// Private, link-local, metadata and other special ranges.
		{"default", "https://169.254.169.254/latest/meta-data/", safehttp.ErrRefused},
		{"default", "https://[::ffff:169.254.169.254]/", safehttp.ErrRefused},
		{"default", "https://[fd00:ec2::254]/", safehttp.ErrRefused},
		{"default", "https://10.0.0.1/", safehttp.ErrRefused},
		{"default", "https://172.16.5.4/", safehttp.ErrRefused},
		{"default", "https://192.168.1.1/", safehttp.ErrRefused},
		{"default", "https://100.64.0.1/", safehttp.ErrRefused},
		{"default", "https://[::ffff:10.0.0.1]/", safehttp.ErrRefused},
		{"default", "https://[64:ff9b::a00:1]/", safehttp.ErrRefused}, // NAT64 of 10.0.0.1
		{"default", "https://[2002:a00:1::]/", safehttp.ErrRefused},   // 6to4 of 10.0.0.1
		{"default", "https://[fc00::1]/", safehttp.ErrRefused},
		{"default", "https://[fe80::1]/", safehttp.ErrRefused},
		{"default", "https://[fe80::1%25eth0]/", safehttp.ErrRefused},
		{"default", "https://224.0.0.1/", safehttp.ErrRefused},
		{"default", "https://255.255.255.255/", safehttp.ErrRefused},
		{"default", "https://192.0.2.1/", safehttp.ErrRefused},
		{"default", "https://[ff02::1]/", safehttp.ErrRefused},
		{"default", "https://[2001:db8::1]/", safehttp.ErrRefused},

		// WithAllowLoopback: loopback and http for loopback only.
		{"loopback", "http://127.0.0.1:8080/", nil},
		{"loopback", "https://127.0.0.5/", nil},
		{"loopback", "http://[::1]:8080/", nil},
		{"loopback", "http://[::ffff:127.0.0.1]/", nil},
		{"loopback", "http://localhost:8080/", nil},
		{"loopback", "https://example.com/", nil},
		{"loopback", "http://example.com/", safehttp.ErrRefused},
		{"loopback", "http://10.0.0.1/", safehttp.ErrRefused},
		{"loopback", "https://10.0.0.1/", safehttp.ErrRefused},
		{"loopback", "https://169.254.169.254/", safehttp.ErrRefused},
		{"loopback", "http://2130706433/", safehttp.ErrRefused},
		{"loopback", "https://0.0.0.0/", safehttp.ErrRefused},

		// WithPrivateNetworksUnsafe: private over https; never metadata.
		{"private", "https://10.0.0.1/", nil},
		{"private", "https://192.168.1.1:8443/", nil},
		{"private", "https://[fe80::1]/", nil},
		{"private", "http://10.0.0.1/", safehttp.ErrRefused},
		{"private", "https://127.0.0.1/", safehttp.ErrRefused},
		{"private", "https://169.254.169.254/", safehttp.ErrRefused},
		{"private", "https://100.100.100.200/", safehttp.ErrRefused},
		{"private", "https://0.0.0.0/", safehttp.ErrRefused},
	}
	for _, tt := range tests {
		t.Run(tt.client+" "+tt.url[:min(len(tt.url), 60)], func(t *testing.T) {
			u, err := clients[tt.client].CheckURL(tt.url)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("CheckURL: %v, want allowed", err)
				}
				if u == nil || u.Host == "" {
					t.Fatalf("CheckURL returned URL %v", u)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("CheckURL error = %v, want %v", err, tt.wantErr)
			}
			if !errors.Is(err, credentials.ErrFetch) || !errors.Is(err, safehttp.ErrRefused) {
				t.Fatalf("CheckURL error %v does not wrap ErrRefused and credentials.ErrFetch", err)
			}
		})
	}
}

func TestCheckURLErrorOmitsQuery(t *testing.T) {
	c := newClient(t)
	for _, raw := range []string{
		"https://10.0.0.1/p?access_token=SECRET123",
		"http://example.com/p?access_token=SECRET123",
		"https://exa mple.com/p?access_token=SECRET123",
		"https://u:SECRET123@example.com/",
	} {
		_, err := c.CheckURL(raw)
		if err == nil {
			t.Fatalf("CheckURL(%q) allowed", raw)
		}
		if strings.Contains(err.Error(), "SECRET123") {
			t.Errorf("error leaks the query or userinfo: %v", err)
		}
	}
}

func TestDialCheck(t *testing.T) {
	strict := newClient(t)
	loop := newClient(t, safehttp.WithAllowLoopback())
	both := newClient(t, safehttp.WithAllowLoopback(), safehttp.WithPrivateNetworksUnsafe())
	tests := []struct {
		name      string
		c         *safehttp.Client
		network   string
		addr      string
		localName bool
		wantErr   bool
	}{
		{"public", strict, "tcp4", "93.184.215.14:443", false, false},
		{"public v6", strict, "tcp6", "[2606:4700::1]:443", false, false},
		{"rebind to 10/8", strict, "tcp4", "10.0.0.1:443", false, true},
		{"rebind to 10/8 with loopback", loop, "tcp4", "10.0.0.1:443", false, true},
		{"rebind to metadata", both, "tcp4", "169.254.169.254:80", false, true},
		{"rebind to mapped private", strict, "tcp6", "[::ffff:10.0.0.1]:443", false, true},
		{"rebind to loopback", strict, "tcp4", "127.0.0.1:443", false, true},
		{"loopback allowed", loop, "tcp4", "127.0.0.1:443", false, false},
		{"unspecified", both, "tcp4", "0.0.0.0:443", false, true},
		{"private allowed", both, "tcp4", "10.0.0.1:443", false, false},
		{"localhost name to loopback", loop, "tcp6", "[::1]:8080", true, false},
		{"localhost name to private", both, "tcp4", "10.0.0.1:8080", true, true},
		{"localhost name to public", both, "tcp4", "93.184.215.14:8080", true, true},
		{"udp", strict, "udp4", "93.184.215.14:443", false, true},
		{"unresolved name", strict, "tcp", "example.com:443", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.c.DialCheckForTest(tt.network, tt.addr, tt.localName)
			if !tt.wantErr {
				if err != nil {
					t.Fatalf("dial check: %v, want allowed", err)
				}
				return
			}
			if !errors.Is(err, safehttp.ErrRefused) || !errors.Is(err, credentials.ErrFetch) {
				t.Fatalf("dial check error = %v, want ErrRefused", err)
			}
		})
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	for name, opt := range map[string]safehttp.Option{
		"max bytes 0":        safehttp.WithMaxBytes(0),
		"timeout 0":          safehttp.WithTimeout(0),
		"negative redirects": safehttp.WithMaxRedirects(-1),
		"empty user agent":   safehttp.WithUserAgent(""),
		"user agent CRLF":    safehttp.WithUserAgent("a\r\nX-Evil: 1"),
		"nil transport":      safehttp.WithTransport(nil),
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := safehttp.New(opt); err == nil {
				t.Fatal("New accepted a bad option")
			}
		})
	}
}
