package did_test

import (
	"testing"

	"github.com/loopbrug/paspoort/credentials/did"
)

func TestWebURL(t *testing.T) {
	// did:web spec, "Create (Register)" and "Read (Resolve)" examples.
	tests := []struct{ did, url string }{
		{"did:web:w3c-ccg.github.io", "https://w3c-ccg.github.io/.well-known/did.json"},
		{"did:web:w3c-ccg.github.io:user:alice", "https://w3c-ccg.github.io/user/alice/did.json"},
		{"did:web:example.com%3A3000:user:alice", "https://example.com:3000/user/alice/did.json"},
		{"did:web:example.com:u:bob", "https://example.com/u/bob/did.json"},
		{"did:web:issuer.example.nl:tenants:a_b-c.d", "https://issuer.example.nl/tenants/a_b-c.d/did.json"},
	}
	for _, tt := range tests {
		got, err := did.WebURL(tt.did)
		if err != nil || got != tt.url {
			t.Errorf("WebURL(%q) = %q, %v; want %q", tt.did, got, err, tt.url)
		}
	}
}

func TestWebURLRefuses(t *testing.T) {
	tests := []struct {
		did  string
		want error
	}{
		// SSRF (SECURITY.md E.40).
		{"did:web:127.0.0.1", did.ErrHostRefused},
		{"did:web:127.0.0.1%3A8443", did.ErrHostRefused},
		{"did:web:localhost%3A2375", did.ErrHostRefused},
		{"did:web:localhost", did.ErrHostRefused},
		{"did:web:api.localhost", did.ErrHostRefused},
		{"did:web:169.254.169.254", did.ErrHostRefused},
		{"did:web:10.0.0.1", did.ErrHostRefused},
		{"did:web:127.1", did.ErrHostRefused},
		{"did:web:0x7f.1", did.ErrHostRefused},
		{"did:web:2130706433", did.ErrHostRefused},
		{"did:web:intranet", did.ErrHostRefused},
		{"did:web:[::1]", did.ErrInvalidDID},
		{"did:web:::1", did.ErrInvalidDID},
		// Homographs (SECURITY.md E.44).
		{"did:web:xn--pple-43d.com", did.ErrIDNHost},
		{"did:web:www.xn--80ak6aa92e.com", did.ErrIDNHost},
		{"did:web:ab--cd.com", did.ErrIDNHost},
		{"did:web:%D0%B0pple.com", did.ErrInvalidDID},
		{"did:web:\u0430pple.com", did.ErrInvalidDID},
		// Path traversal and malformed paths.
		{"did:web:example.com:..:x", did.ErrInvalidDID},
		{"did:web:example.com:.:x", did.ErrInvalidDID},
		{"did:web:example.com:..", did.ErrInvalidDID},
		{"did:web:example.com:%2E%2E:x", did.ErrInvalidDID},
		{"did:web:example.com:a%2Fb", did.ErrInvalidDID},
		{"did:web:example.com::x", did.ErrInvalidDID},
		{"did:web:example.com:", did.ErrInvalidDID},
		{"did:web:example.com/x", did.ErrInvalidDID},
		{"did:web:example.com#frag", did.ErrInvalidDID},
		{"did:web:example.com?q=1", did.ErrInvalidDID},
		// Malformed hosts and ports.
		{"did:web:Example.com", did.ErrInvalidDID},
		{"did:web:example_com.org", did.ErrInvalidDID},
		{"did:web:-example.com", did.ErrInvalidDID},
		{"did:web:example.com.", did.ErrInvalidDID},
		{"did:web:.example.com", did.ErrInvalidDID},
		{"did:web:example.com%3a3000", did.ErrInvalidDID},
		{"did:web:example.com%3A0", did.ErrInvalidDID},
		{"did:web:example.com%3A08", did.ErrInvalidDID},
		{"did:web:example.com%3A65536", did.ErrInvalidDID},
		{"did:web:example.com%3A443%3A1", did.ErrInvalidDID},
		{"did:web:example.com%3A", did.ErrInvalidDID},
		{"did:web:", did.ErrInvalidDID},
		{"did:jwk:e30", did.ErrInvalidDID},
		{"web:example.com", did.ErrInvalidDID},
	}
	for _, tt := range tests {
		t.Run(tt.did, func(t *testing.T) {
			_, err := did.WebURL(tt.did)
			wantErr(t, err, tt.want)
		})
	}
}

func TestWebURLOptions(t *testing.T) {
	if u, err := did.WebURL("did:web:127.0.0.1%3A8443", did.WithAllowLoopback()); err != nil || u != "https://127.0.0.1:8443/.well-known/did.json" {
		t.Fatalf("loopback: %q, %v", u, err)
	}
	if u, err := did.WebURL("did:web:localhost%3A8443:issuer", did.WithAllowLoopback()); err != nil || u != "https://localhost:8443/issuer/did.json" {
		t.Fatalf("localhost: %q, %v", u, err)
	}
	// Loopback does not open private or metadata addresses.
	for _, d := range []string{"did:web:10.0.0.1", "did:web:169.254.169.254", "did:web:0.0.0.0"} {
		_, err := did.WebURL(d, did.WithAllowLoopback())
		wantErr(t, err, did.ErrHostRefused)
	}
	if u, err := did.WebURL("did:web:xn--pple-43d.com", did.WithAllowPunycode()); err != nil || u != "https://xn--pple-43d.com/.well-known/did.json" {
		t.Fatalf("punycode: %q, %v", u, err)
	}
	// Other reserved hyphen labels stay refused.
	_, err := did.WebURL("did:web:ab--cd.com", did.WithAllowPunycode())
	wantErr(t, err, did.ErrIDNHost)
}

func TestWebFromURL(t *testing.T) {
	tests := []struct{ url, did string }{
		{"https://example.com", "did:web:example.com"},
		{"https://example.com/", "did:web:example.com"},
		{"https://Example.COM", "did:web:example.com"},
		{"https://example.com:443", "did:web:example.com"},
		{"https://example.com:8443/u/bob", "did:web:example.com%3A8443:u:bob"},
		{"https://w3c-ccg.github.io/user/alice/", "did:web:w3c-ccg.github.io:user:alice"},
	}
	for _, tt := range tests {
		got, err := did.WebFromURL(tt.url)
		if err != nil || got != tt.did {
			t.Errorf("WebFromURL(%q) = %q, %v; want %q", tt.url, got, err, tt.did)
		}
	}
	if got, err := did.WebFromURL("https://127.0.0.1:8443", did.WithAllowLoopback()); err != nil || got != "did:web:127.0.0.1%3A8443" {
		t.Errorf("loopback: %q, %v", got, err)
	}

	refused := []struct {
		url  string
		want error
	}{
		{"http://example.com", did.ErrInvalidDID},
		{"https://user:pw@example.com", did.ErrInvalidDID},
		{"https://example.com/?x=1", did.ErrInvalidDID},
		{"https://example.com/#f", did.ErrInvalidDID},
		{"https://example.com/a//b", did.ErrInvalidDID},
		{"https://example.com/../b", did.ErrInvalidDID},
		{"https://example.com/a%2Fb", did.ErrInvalidDID},
		{"https://example.com/.well-known/did.json", did.ErrInvalidDID},
		{"https://127.0.0.1", did.ErrHostRefused},
		{"https://[::1]:8443", did.ErrInvalidDID},
		{"https://xn--pple-43d.com", did.ErrIDNHost},
		{"example.com", did.ErrInvalidDID},
		{"://", did.ErrInvalidDID},
	}
	for _, tt := range refused {
		t.Run(tt.url, func(t *testing.T) {
			_, err := did.WebFromURL(tt.url)
			wantErr(t, err, tt.want)
		})
	}
}
