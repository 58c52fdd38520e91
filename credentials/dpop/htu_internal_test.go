package dpop

import (
	"errors"
	"testing"

	"github.com/loopbrug/paspoort/credentials"
)

// TestTargetURI: the normalisation of RFC 9449 §4.3 point 9 (RFC 3986
// §6.2.2 and §6.2.3), with query and fragment dropped.
func TestTargetURI(t *testing.T) {
	rows := []struct {
		in, want string
		err      error
	}{
		{"https://server.example.com/token", "https://server.example.com/token", nil},
		{"HTTPS://Server.Example.COM/token", "https://server.example.com/token", nil},
		{"https://server.example.com:443/token", "https://server.example.com/token", nil},
		{"http://server.example.com:80/token", "http://server.example.com/token", nil},
		{"https://server.example.com:8443/token", "https://server.example.com:8443/token", nil},
		{"https://server.example.com:/token", "https://server.example.com/token", nil},
		{"https://server.example.com", "https://server.example.com/", nil},
		{"https://server.example.com/a/./b/../token", "https://server.example.com/a/token", nil},
		{"https://server.example.com/%7Euser/%2f", "https://server.example.com/~user/%2F", nil},
		{"https://server.example.com/token?x=1#frag", "https://server.example.com/token", nil},
		{"https://[::1]:8443/token", "https://[::1]:8443/token", nil},
		{"https://[::1]/token", "https://[::1]/token", nil},
		{"https://127.0.0.1:443/token", "https://127.0.0.1/token", nil},
		{"/token", "", credentials.ErrFormat},
		{"ftp://server.example.com/token", "", credentials.ErrFormat},
		{"https://user@server.example.com/token", "", credentials.ErrFormat},
		{"https://server.example.com/%zz", "", credentials.ErrFormat},
		{"https://server.example.com/a b", "", credentials.ErrFormat},
		{"https://server.example.com:x/token", "", credentials.ErrFormat},
	}
	for _, r := range rows {
		got, err := targetURI(r.in)
		if r.err != nil {
			if !errors.Is(err, r.err) {
				t.Errorf("%q: err %v, want %v", r.in, err, r.err)
			}
			continue
		}
		if err != nil || got != r.want {
			t.Errorf("%q: got %q %v, want %q", r.in, got, err, r.want)
		}
	}
}
