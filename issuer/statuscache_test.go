package issuer_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"

	"github.com/loopbrug/paspoort/credentials/sdjwtvc"
	"github.com/loopbrug/paspoort/credentials/statuslist"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/issuer"
)

// hookStore runs afterView once, right after the next View.
type hookStore struct {
	issuer.Store
	mu        sync.Mutex
	afterView func()
}

func (s *hookStore) View(ctx context.Context, fn func(issuer.Tx) error) error {
	err := s.Store.View(ctx, fn)
	s.mu.Lock()
	h := s.afterView
	s.afterView = nil
	s.mu.Unlock()
	if h != nil {
		h()
	}
	return err
}

// Issue 11 #6: the issuer's own status list token cache follows a
// revocation or suspension at once, also when the change lands while a
// token is being built from the statuses read just before it: that token
// must not be cached, or it would be served as current for up to half the
// ttl after the change. The next fetch shows the change.
func TestStatusCacheFollowsChangeAtOnce(t *testing.T) {
	for _, tc := range []struct {
		status  string
		wantErr error
	}{
		{issuer.StatusRevoked, statuslist.ErrRevoked},
		{issuer.StatusSuspended, statuslist.ErrSuspended},
	} {
		t.Run(tc.status, func(t *testing.T) {
			hs := &hookStore{}
			e := startIssuerWith(t, nil, func(s issuer.Store) issuer.Store { hs.Store = s; return hs })
			cred, holder := e.issue(t, "drive")
			recs, err := e.Issuer.ListCredentials(context.Background(), "", 0)
			if err != nil || len(recs) != 1 {
				t.Fatalf("%v %v", recs, err)
			}
			rec := recs[0]
			var setErr error
			hs.mu.Lock()
			hs.afterView = func() { _, setErr = e.Issuer.SetStatus(context.Background(), rec.ID, tc.status) }
			hs.mu.Unlock()
			// Built from the statuses before the change, which lands meanwhile.
			if _, err := e.Issuer.StatusListToken(context.Background(), rec.StatusList); err != nil {
				t.Fatal(err)
			}
			if setErr != nil {
				t.Fatal(setErr)
			}
			keys := &sdjwtvc.MetadataKeys{Fetcher: e.Fetcher}
			checker, _ := statuslist.NewChecker(e.Fetcher, keys)
			v, _ := sdjwtvc.NewVerifier(keys, sdjwtvc.WithStatusChecker(checker))
			if _, err := v.VerifyIssued(context.Background(), cred, holder.Public()); !errors.Is(err, tc.wantErr) {
				t.Fatalf("right after the change: %v, want %v", err, tc.wantErr)
			}
		})
	}
}

// Issue 14: replicas share a store. A revocation made at one replica is
// served by another at once, though that one had a token of the list in
// its cache: the list's status version in the store moved on.
func TestStatusCacheFollowsOtherReplica(t *testing.T) {
	var shared issuer.Store
	var cfg issuer.Config
	e := startIssuerWith(t, func(c *issuer.Config) { cfg = *c }, func(s issuer.Store) issuer.Store { shared = s; return s })
	e.issue(t, "drive")
	recs, err := e.Issuer.ListCredentials(context.Background(), "", 0)
	if err != nil || len(recs) != 1 {
		t.Fatalf("%v %v", recs, err)
	}
	rec := recs[0]
	other, err := issuer.New(context.Background(), shared, cfg)
	if err != nil {
		t.Fatal(err)
	}
	statusAt := func(is *issuer.Issuer) statuslist.Status {
		t.Helper()
		tok, err := is.StatusListToken(context.Background(), rec.StatusList)
		if err != nil {
			t.Fatal(err)
		}
		j, err := jose.ParseCompact(tok)
		if err != nil {
			t.Fatal(err)
		}
		var p struct {
			StatusList statuslist.StatusListClaim `json:"status_list"`
		}
		if err := json.Unmarshal(j.Payload, &p); err != nil {
			t.Fatal(err)
		}
		l, err := statuslist.Decode(p.StatusList)
		if err != nil {
			t.Fatal(err)
		}
		s, err := l.Get(rec.StatusIndex)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if s := statusAt(other); s != statuslist.Valid {
		t.Fatalf("before: %v", s)
	}
	if _, err := e.Issuer.SetStatus(context.Background(), rec.ID, issuer.StatusRevoked); err != nil {
		t.Fatal(err)
	}
	if s := statusAt(other); s != statuslist.Invalid {
		t.Fatalf("the other replica serves %v right after the revocation, want INVALID", s)
	}
}
