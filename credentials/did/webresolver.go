package did

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/safehttp"
)

// acceptDID is the Accept header of a did:web fetch (did:web spec, "Read
// (Resolve)": application/did+json).
const acceptDID = "application/did+json, application/did+ld+json;q=0.9, application/json;q=0.8"

// Fetcher fetches a URL. *safehttp.Client implements it, and it must be
// one in production: the SSRF policy, body limit and timeout are its job
// (SECURITY.md rule 6). Its errors must wrap credentials.ErrFetch or
// credentials.ErrLimit; a WebResolver passes them through.
type Fetcher interface {
	Get(ctx context.Context, rawURL, accept string) (*safehttp.Response, error)
}

// WebResolver resolves did:web DIDs: it maps the DID to its URL (WebURL),
// fetches the document through its Fetcher, parses it (ParseDocument) and
// checks that its "id" is the DID (ErrDocumentID, TRUST). Documents are
// cached for the cache TTL; failures, and key IDs a document does not have,
// for the negative cache TTL. Concurrent resolutions of one DID share a
// single fetch.
//
// A WebResolver is safe for concurrent use by multiple goroutines.
type WebResolver struct {
	f   Fetcher
	cfg *config

	mu       sync.Mutex
	docs     map[string]*webEntry // DID → document or error
	misses   map[string]time.Time // DID URL → expiry of the negative entry
	inflight map[string]*webCall  // DID → fetch in progress
}

type webEntry struct {
	doc     *Document
	err     error
	fetched time.Time
	expires time.Time
}

type webCall struct {
	done chan struct{}
	doc  *Document
	err  error
}

// NewWebResolver returns a WebResolver that fetches through f, normally a
// *safehttp.Client. The options set the host policy (WithAllowLoopback,
// WithAllowPunycode) and the cache (WithCacheTTL, WithNegativeCacheTTL,
// WithMaxCacheEntries, WithClock); the configuration is validated once.
func NewWebResolver(f Fetcher, opts ...Option) (*WebResolver, error) {
	if f == nil {
		return nil, errors.New("did: NewWebResolver: nil fetcher")
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	return &WebResolver{
		f:        f,
		cfg:      cfg,
		docs:     make(map[string]*webEntry),
		misses:   make(map[string]time.Time),
		inflight: make(map[string]*webCall),
	}, nil
}

// Resolve returns the DID document of a did:web DID, from the cache or
// fetched. The caller owns the returned copy.
func (r *WebResolver) Resolve(ctx context.Context, did string) (*Document, error) {
	doc, err := r.get(ctx, did, r.cfg.ttl)
	if err != nil {
		return nil, err
	}
	return doc.Clone(), nil
}

// resolveKey returns the key u names, authorised for rel. For an unknown
// key ID the document is fetched again if the cached copy is older than the
// negative cache TTL (the key may have been added), and the key ID is then
// remembered as unknown for the negative cache TTL, so that a flood of
// unknown key IDs costs at most one fetch per DID and interval
// (SECURITY.md E.43).
func (r *WebResolver) resolveKey(ctx context.Context, u URL, rel Relationship) (*jose.PublicKey, error) {
	did, kid := u.DID.String(), u.String()
	r.mu.Lock()
	exp, miss := r.misses[kid]
	r.mu.Unlock()
	if miss && r.cfg.now().Before(exp) {
		return nil, fmt.Errorf("resolve %s: %w (cached)", did, ErrUnknownKey)
	}
	doc, err := r.get(ctx, did, r.cfg.ttl)
	if err != nil {
		return nil, err
	}
	key, err := keyFromDocument(doc, u, rel)
	if !errors.Is(err, ErrUnknownKey) {
		return key, err
	}
	if doc, err = r.get(ctx, did, r.cfg.negativeTTL); err != nil {
		return nil, err
	}
	key, err = keyFromDocument(doc, u, rel)
	if errors.Is(err, ErrUnknownKey) {
		r.mu.Lock()
		now := r.cfg.now()
		if len(r.misses) >= r.cfg.maxEntries {
			for k, e := range r.misses {
				if !now.Before(e) || len(r.misses) >= r.cfg.maxEntries {
					delete(r.misses, k)
				}
			}
		}
		r.misses[kid] = now.Add(r.cfg.negativeTTL)
		r.mu.Unlock()
	}
	return key, err
}

// get returns the cached document of did if it was fetched less than
// maxAge ago and has not expired, and fetches it otherwise. The result is
// shared: callers must not modify it.
func (r *WebResolver) get(ctx context.Context, did string, maxAge time.Duration) (*Document, error) {
	rawURL, err := r.cfg.webURL(did)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	now := r.cfg.now()
	if e, ok := r.docs[did]; ok && now.Before(e.expires) && (e.err != nil || now.Sub(e.fetched) < maxAge) {
		r.mu.Unlock()
		return e.doc, e.err
	}
	if c, ok := r.inflight[did]; ok {
		r.mu.Unlock()
		select {
		case <-c.done:
			return c.doc, c.err
		case <-ctx.Done():
			return nil, fmt.Errorf("resolve %s: %w: %w", did, credentials.ErrFetch, ctx.Err())
		}
	}
	c := &webCall{done: make(chan struct{})}
	r.inflight[did] = c
	r.mu.Unlock()

	c.doc, c.err = r.fetch(ctx, did, rawURL)

	r.mu.Lock()
	delete(r.inflight, did)
	if ctx.Err() == nil { // a caller's cancellation says nothing about the DID
		r.store(did, c.doc, c.err)
	}
	r.mu.Unlock()
	close(c.done)
	return c.doc, c.err
}

// store caches a result; r.mu is held.
func (r *WebResolver) store(did string, doc *Document, err error) {
	now := r.cfg.now()
	if _, ok := r.docs[did]; !ok && len(r.docs) >= r.cfg.maxEntries {
		for k, e := range r.docs {
			if !now.Before(e.expires) || len(r.docs) >= r.cfg.maxEntries {
				delete(r.docs, k)
			}
		}
	}
	ttl := r.cfg.ttl
	if err != nil {
		ttl = r.cfg.negativeTTL
	}
	r.docs[did] = &webEntry{doc: doc, err: err, fetched: now, expires: now.Add(ttl)}
	// A fresh document may now hold keys that were unknown.
	if err == nil {
		prefix := did + "#"
		for k := range r.misses {
			if len(k) > len(prefix) && k[:len(prefix)] == prefix {
				delete(r.misses, k)
			}
		}
	}
}

func (r *WebResolver) fetch(ctx context.Context, did, rawURL string) (*Document, error) {
	resp, err := r.f.Get(ctx, rawURL, acceptDID)
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", did, err)
	}
	if resp == nil {
		return nil, fmt.Errorf("resolve %s: %w: no response", did, safehttp.ErrRefused)
	}
	doc, err := ParseDocument(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", did, err)
	}
	if doc.ID != did {
		return nil, fmt.Errorf("resolve %s: %w", did, ErrDocumentID)
	}
	return doc, nil
}
