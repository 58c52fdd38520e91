package web

import (
	"time"

	"github.com/loopbrug/paspoort/internal/bounded"
)

// pending is an offer or request waiting for the holder's answer, usable
// only by the session that opened it.
type pending[T any] struct {
	v       T
	session string
	created time.Time
}

// keep stores v for the session sid under a new id, dropping the oldest
// entry when maxPending are kept.
func keep[T any](d *Desk, m map[string]*pending[T], sid string, v T) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	bounded.MakeRoom(m, maxPending, func(p *pending[T]) time.Time { return p.created })
	id := newToken()[:16]
	m[id] = &pending[T]{v: v, session: sid, created: d.cfg.Now()}
	return id
}

// take returns entry id if the session sid opened it; with remove, the
// entry is gone afterwards.
func take[T any](d *Desk, m map[string]*pending[T], sid, id string, remove bool) (T, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	p, ok := m[id]
	if !ok || p.session != sid || d.cfg.Now().Sub(p.created) > pendingTTL {
		var zero T
		return zero, false
	}
	if remove {
		delete(m, id)
	}
	return p.v, true
}

// expirePending drops the entries older than pendingTTL or whose session
// has ended.
func expirePending[T any](m map[string]*pending[T], sessions map[string]*session, now time.Time) {
	for k, p := range m {
		if now.Sub(p.created) > pendingTTL || sessions[p.session] == nil {
			delete(m, k)
		}
	}
}
