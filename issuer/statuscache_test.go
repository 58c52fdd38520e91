package issuer_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/loopbrug/paspoort/credentials/sdjwtvc"
	"github.com/loopbrug/paspoort/credentials/statuslist"
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
