package bench

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/loopbrug/paspoort/credentials"
)

// Targets are running replicas a load run is pointed at instead of the
// services it would start itself: their offers or transactions are made
// through their admin API, and the flows spread over them in turn, one
// step at one replica and the next at the next. A replica that dies
// under load fails the flows that needed it; it never stops the run,
// since every request has a deadline.
type Targets struct {
	// URLs are the replicas' base URLs (https://host:port), in the order
	// the flows take them.
	URLs []string
	// AdminToken is the admin API bearer token the replicas share. It is
	// sent to them and nowhere else, and never printed.
	AdminToken string
	// RootCAs, when set, are the CA certificates trusted for the replicas'
	// TLS instead of the system's.
	RootCAs *x509.CertPool
	// Timeout bounds every request of a flow (default 10s), and thirty
	// times it every admin request of the preparation.
	Timeout time.Duration
}

// ErrTargetDown is a flow or a preparation step that a target did not
// answer: it refused the connection, broke it or let the deadline pass.
// Its class is FETCH.
var ErrTargetDown = credentials.NewError(credentials.ErrFetch, "loadtest: target did not answer")

// ErrTargetsAndStore is a run given both targets and a store or replicas
// of its own to start.
var ErrTargetsAndStore = errors.New("loadtest: targets are running replicas: a store or replicas to start goes without them")

// set reports whether the run is pointed at targets.
func (t Targets) set() bool { return len(t.URLs) > 0 }

// check validates t against the store and replicas the run would start.
func (t Targets) check(store string, replicas int) error {
	if !t.set() {
		return nil
	}
	if store != "" || replicas > 1 {
		return ErrTargetsAndStore
	}
	for _, u := range t.URLs {
		if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
			return fmt.Errorf("loadtest: target %q is not an http(s) URL", u)
		}
	}
	if t.AdminToken == "" {
		return fmt.Errorf("loadtest: targets need their admin token")
	}
	return nil
}

// endpoints returns an Endpoint per target, sharing one client of conc
// kept-alive connections per target, with the request deadline.
func (t Targets) endpoints(conc int) []Endpoint {
	timeout := t.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	hc := &http.Client{Transport: &http.Transport{
		TLSClientConfig:     &tls.Config{RootCAs: t.RootCAs, MinVersion: tls.VersionTLS12},
		MaxIdleConnsPerHost: conc, MaxConnsPerHost: conc,
		TLSHandshakeTimeout: timeout, ResponseHeaderTimeout: timeout,
	}, Timeout: timeout}
	eps := make([]Endpoint, len(t.URLs))
	for i, u := range t.URLs {
		eps[i] = Endpoint{Client: hc, URL: strings.TrimSuffix(u, "/")}
	}
	return eps
}

// admin sends an admin API request with the token to the target at ep
// and returns the body of a 2xx answer, within thirty times the
// request deadline.
func (t Targets) admin(ctx context.Context, ep Endpoint, method, path, ctype string, body []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*ep.Client.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, ep.URL+path, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("loadtest: target %s: %w", ep.URL, err)
	}
	req.Header.Set("Authorization", "Bearer "+t.AdminToken)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	hc := *ep.Client
	hc.Timeout = 0 // the context's deadline, longer than a flow step's
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %s %s%s: %w", ErrTargetDown, method, ep.URL, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("%w: %s %s%s: %w", ErrTargetDown, method, ep.URL, path, err)
	}
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("loadtest: %s %s%s: HTTP %d: %.200s", method, ep.URL, path, resp.StatusCode, b)
	}
	return b, nil
}

// AckLog writes one JSON object per line to a writer as acknowledgements
// come in, from any number of goroutines; a nil *AckLog writes nothing.
// Each line is written whole, at once, so that a run cut short leaves
// every acknowledgement written so far. It is safe for concurrent use.
type AckLog struct {
	mu  sync.Mutex
	w   io.Writer
	err error
}

// NewAckLog returns an AckLog writing to w.
func NewAckLog(w io.Writer) *AckLog { return &AckLog{w: w} }

// add writes v as one line; the first write error is kept for Err.
func (l *AckLog) add(v any) {
	if l == nil {
		return
	}
	b, err := json.Marshal(v)
	l.mu.Lock()
	defer l.mu.Unlock()
	if err == nil && l.err == nil {
		_, err = l.w.Write(append(b, '\n'))
	}
	if l.err == nil {
		l.err = err
	}
}

// Err returns the first error writing the log, if any.
func (l *AckLog) Err() error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}
