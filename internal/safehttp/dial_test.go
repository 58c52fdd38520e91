package safehttp_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/internal/safehttp"
)

// fakeResolver returns a pure-Go resolver that answers from table over an
// in-memory pipe: no packet leaves the process. Unknown names get NXDOMAIN.
func fakeResolver(table map[string]netip.Addr) *net.Resolver {
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, address string) (net.Conn, error) {
			client, server := net.Pipe()
			go serveDNS(server, table)
			return client, nil
		},
	}
}

// serveDNS answers one DNS query in TCP framing (the Go resolver uses it on
// a conn that is not a net.PacketConn).
func serveDNS(c net.Conn, table map[string]netip.Addr) {
	defer c.Close()
	var n [2]byte
	if _, err := io.ReadFull(c, n[:]); err != nil {
		return
	}
	q := make([]byte, binary.BigEndian.Uint16(n[:]))
	if _, err := io.ReadFull(c, q); err != nil || len(q) < 12 {
		return
	}
	var labels []string
	i := 12
	for i < len(q) && q[i] != 0 {
		l := int(q[i])
		if i+1+l > len(q) {
			return
		}
		labels = append(labels, string(q[i+1:i+1+l]))
		i += 1 + l
	}
	i++ // the root label
	if i+4 > len(q) {
		return
	}
	qtype := binary.BigEndian.Uint16(q[i:])
	question := q[12 : i+4]
	addr, known := table[strings.ToLower(strings.Join(labels, "."))]

	var answer []byte
	rcode := uint16(0)
	switch {
	case !known:
		rcode = 3 // NXDOMAIN
	case qtype == 1 && addr.Is4(), qtype == 28 && addr.Is6():
		answer = []byte{0xc0, 12} // name: pointer to the question
		answer = binary.BigEndian.AppendUint16(answer, qtype)
		answer = binary.BigEndian.AppendUint16(answer, 1) // class IN
		answer = binary.BigEndian.AppendUint32(answer, 60)
		answer = binary.BigEndian.AppendUint16(answer, uint16(len(addr.AsSlice())))
		answer = append(answer, addr.AsSlice()...)
	}
	resp := make([]byte, 12, 12+len(question)+len(answer))
	copy(resp, q[:2])                                                       // ID
	binary.BigEndian.PutUint16(resp[2:], 0x8000|0x0400|0x0100|0x0080|rcode) // QR AA RD RA
	binary.BigEndian.PutUint16(resp[4:], 1)                                 // QDCOUNT
	if answer != nil {
		binary.BigEndian.PutUint16(resp[6:], 1) // ANCOUNT
	}
	resp = append(append(resp, question...), answer...)
	c.Write(append(binary.BigEndian.AppendUint16(nil, uint16(len(resp))), resp...))
}

// TestDialTimeCheck proves the resolved address is checked for every
// connection, including after a redirect (DNS rebinding, SECURITY.md E.40).
// The httptest TLS certificate is valid for example.com and *.example.com;
// the fake resolver maps those names to 127.0.0.1 or to forbidden addresses.
// Control refuses forbidden addresses before connect, so nothing but
// 127.0.0.1 is ever contacted.
func TestDialTimeCheck(t *testing.T) {
	var mu sync.Mutex
	var hits []string
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("plain"))
	}))
	t.Cleanup(plain.Close)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits = append(hits, r.Host+r.URL.Path)
		mu.Unlock()
		switch r.URL.Path {
		case "/ok":
			w.Write([]byte("hello"))
		case "/to":
			http.Redirect(w, r, r.URL.Query().Get("u"), http.StatusFound)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	_, port, err := net.SplitHostPort(srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	resolver := fakeResolver(map[string]netip.Addr{
		"good.example.com":     netip.MustParseAddr("127.0.0.1"),
		"rebind.example.com":   netip.MustParseAddr("10.0.0.1"),
		"meta.example.com":     netip.MustParseAddr("169.254.169.254"),
		"mapped.example.com":   netip.MustParseAddr("::ffff:10.0.0.1"),
		"zero.example.com":     netip.MustParseAddr("0.0.0.0"),
		"internal.example.com": netip.MustParseAddr("fd12::1"),
	})
	base := []safehttp.Option{
		safehttp.WithResolverForTest(resolver),
		safehttp.WithTLSConfigForTest(&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}),
	}
	loop := newClient(t, append(base, safehttp.WithAllowLoopback())...)
	strict := newClient(t, base...)
	at := func(host, path string) string { return "https://" + host + ":" + port + path }

	tests := []struct {
		name     string
		c        *safehttp.Client
		url      string
		wantErr  error // nil: success
		wantHits []string
	}{
		{"name resolving to loopback, loopback allowed", loop, at("good.example.com", "/ok"), nil,
			[]string{"good.example.com:" + port + "/ok"}},
		{"name resolving to loopback, default", strict, at("good.example.com", "/ok"), safehttp.ErrRefused, nil},
		{"name resolving to 10.0.0.1", loop, at("rebind.example.com", "/ok"), safehttp.ErrRefused, nil},
		{"name resolving to metadata", loop, at("meta.example.com", "/ok"), safehttp.ErrRefused, nil},
		{"name resolving to mapped private", loop, at("mapped.example.com", "/ok"), safehttp.ErrRefused, nil},
		{"name resolving to 0.0.0.0", loop, at("zero.example.com", "/ok"), safehttp.ErrRefused, nil},
		{"name resolving to ULA", loop, at("internal.example.com", "/ok"), safehttp.ErrRefused, nil},
		{"redirect to a name resolving to 10.0.0.1", loop,
			at("good.example.com", "/to?u="+url.QueryEscape(at("rebind.example.com", "/ok"))), safehttp.ErrRefused,
			[]string{"good.example.com:" + port + "/to"}},
		{"redirect https to http loopback", loop,
			at("good.example.com", "/to?u="+url.QueryEscape(plain.URL+"/")), safehttp.ErrRefused,
			[]string{"good.example.com:" + port + "/to"}},
		{"unknown name", loop, at("nowhere.example.com", "/ok"), credentials.ErrFetch, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mu.Lock()
			hits = nil
			mu.Unlock()
			resp, err := tt.c.Get(context.Background(), tt.url, "")
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Get: %v", err)
				}
				if string(resp.Body) != "hello" {
					t.Errorf("body = %q", resp.Body)
				}
			} else {
				t.Logf("error: %v", err)
				if !errors.Is(err, tt.wantErr) || !errors.Is(err, credentials.ErrFetch) {
					t.Fatalf("error %v, want %v", err, tt.wantErr)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if strings.Join(hits, " ") != strings.Join(tt.wantHits, " ") {
				t.Errorf("server hits = %q, want %q", hits, tt.wantHits)
			}
		})
	}
}
