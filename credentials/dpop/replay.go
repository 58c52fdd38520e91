package dpop

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/loopbrug/paspoort/credentials"
)

// ReplayCache remembers the proofs a server has seen. Use records key
// until expires and reports false when key was recorded before and has
// not expired. Implementations are safe for concurrent use. Servers with
// several replicas must share one cache (a database), or a proof could be
// replayed at another replica.
type ReplayCache interface {
	Use(ctx context.Context, key string, expires time.Time) (fresh bool, err error)
}

// ErrCacheFull reports a MemoryReplayCache at its bound with no expired
// entry to drop: the proof is refused rather than let through unchecked.
// Class LIMIT.
var ErrCacheFull = credentials.NewError(credentials.ErrLimit, "DPoP replay cache full")

// MemoryReplayCache is a ReplayCache in memory for one process, bounded
// to max entries; expired entries are dropped when room is needed. When
// it is full of unexpired entries, Use fails closed (ErrCacheFull). Safe
// for concurrent use.
type MemoryReplayCache struct {
	mu  sync.Mutex
	max int
	now func() time.Time
	m   map[string]time.Time
}

// NewMemoryReplayCache returns a cache of at most max entries (at least
// 1), using now as its clock (nil: time.Now).
func NewMemoryReplayCache(max int, now func() time.Time) *MemoryReplayCache {
	if max < 1 {
		max = 1
	}
	if now == nil {
		now = time.Now
	}
	return &MemoryReplayCache{max: max, now: now, m: map[string]time.Time{}}
}

// Use implements ReplayCache.
func (c *MemoryReplayCache) Use(_ context.Context, key string, expires time.Time) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if exp, ok := c.m[key]; ok {
		if now.Before(exp) {
			return false, nil
		}
		delete(c.m, key)
	}
	if len(c.m) >= c.max {
		for k, exp := range c.m {
			if !now.Before(exp) {
				delete(c.m, k)
			}
		}
		if len(c.m) >= c.max {
			return false, fmt.Errorf("%w: %d entries", ErrCacheFull, c.max)
		}
	}
	c.m[key] = expires
	return true, nil
}

// Len returns the number of entries held.
func (c *MemoryReplayCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}
