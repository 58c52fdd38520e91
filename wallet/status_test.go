package wallet_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/credentials/sdjwtvc"
	"github.com/loopbrug/paspoort/credentials/statuslist"
	"github.com/loopbrug/paspoort/wallet"
)

// statusIssuer is an issuer with a Token Status List served over TLS: one
// list, whose entries the test sets.
type statusIssuer struct {
	*testIssuer
	srv     *httptest.Server
	mu      sync.Mutex
	list    *statuslist.List
	fetches atomic.Int32
}

func newStatusIssuer(t *testing.T) *statusIssuer {
	t.Helper()
	si := &statusIssuer{}
	si.list, _ = statuslist.New(2, 1024)
	si.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		si.fetches.Add(1)
		si.mu.Lock()
		tok, err := statuslist.SignToken(si.key, statuslist.Token{Subject: si.srv.URL + "/status/1", IssuedAt: time.Now(), TTL: time.Minute, List: si.list})
		si.mu.Unlock()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", statuslist.MediaType)
		fmt.Fprint(w, tok)
	}))
	t.Cleanup(si.srv.Close)
	si.testIssuer = newTestIssuer(t, si.srv.URL)
	return si
}

func (si *statusIssuer) set(t *testing.T, idx int, s statuslist.Status) {
	t.Helper()
	si.mu.Lock()
	defer si.mu.Unlock()
	if err := si.list.Set(idx, s); err != nil {
		t.Fatal(err)
	}
}

// issueWithStatus issues one copy per index (no status entry for a
// negative one), each bound to a fresh key of w.
func (si *statusIssuer) issueWithStatus(t *testing.T, w *wallet.Wallet, idx []int, exp time.Time) []wallet.Copy {
	t.Helper()
	ty, _ := ppp.Lookup("skill")
	var out []wallet.Copy
	for _, i := range idx {
		hk, _ := w.NewHolderKey()
		c := sdjwtvc.Credential{Issuer: si.iss, VCT: ty.VCT, HolderKey: hk.Public(), Claims: example(t, "skill", nil),
			IssuedAt: time.Now().Add(-time.Hour), Expires: exp}
		if i >= 0 {
			c.Status = &sdjwtvc.StatusRef{Index: i, URI: si.srv.URL + "/status/1"}
		}
		s, err := sdjwtvc.Issue(si.key, c)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, wallet.Copy{SDJWT: s, Key: hk})
	}
	return out
}

// The status of every copy is checked, not only the first: a credential
// one of whose batch copies the issuer revoked or suspended shows so, with
// the status per copy; the copies' shared list is fetched once (ttl cache).
func TestCheckStatusEveryCopy(t *testing.T) {
	si := newStatusIssuer(t)
	dir := t.TempDir()
	opts := func(more ...wallet.Option) []wallet.Option {
		return append([]wallet.Option{wallet.WithAllowLoopback(), wallet.WithTransportUnsafe(si.srv.Client().Transport),
			wallet.WithIssuerKeys(si.keys()), wallet.WithStatusListMinEntries(0)}, more...)
	}
	w := initWallet(t, dir, opts()...)
	year := time.Now().Add(365 * 24 * time.Hour)
	batch, err := w.Add(ctx, si.issueWithStatus(t, w, []int{10, 11, 12}, year), wallet.Meta{})
	if err != nil {
		t.Fatal(err)
	}
	none, err := w.Add(ctx, si.issueWithStatus(t, w, []int{-1, -1}, year), wallet.Meta{})
	if err != nil {
		t.Fatal(err)
	}
	mixed, err := w.Add(ctx, si.issueWithStatus(t, w, []int{-1, 13}, year), wallet.Meta{})
	if err != nil {
		t.Fatal(err)
	}
	expiring, err := w.Add(ctx, si.issueWithStatus(t, w, []int{14}, time.Now().Add(time.Hour)), wallet.Meta{})
	if err != nil {
		t.Fatal(err)
	}

	for _, tt := range []struct {
		name    string
		setup   func()
		c       *wallet.Credential
		offline bool
		want    wallet.Status
		copies  []wallet.Status
	}{
		{"all valid", nil, batch, false, wallet.StatusValid, []wallet.Status{"valid", "valid", "valid"}},
		{"offline", nil, batch, true, wallet.StatusNotChecked, []wallet.Status{"not_checked", "not_checked", "not_checked"}},
		{"no status list", nil, none, false, wallet.StatusNone, []wallet.Status{"no_status", "no_status"}},
		{"one copy with a list", nil, mixed, false, wallet.StatusValid, []wallet.Status{"no_status", "valid"}},
		{"third copy suspended", func() { si.set(t, 12, statuslist.Suspended) }, batch, false, wallet.StatusSuspended, []wallet.Status{"valid", "valid", "suspended"}},
		{"second copy revoked", func() { si.set(t, 11, statuslist.Invalid) }, batch, false, wallet.StatusRevoked, []wallet.Status{"valid", "revoked", "suspended"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.setup != nil {
				tt.setup()
				// a fresh wallet: the first one cached the list for its ttl
				w.Close()
				w = openWallet(t, dir, opts()...)
			}
			r, err := w.CheckStatus(ctx, tt.c, tt.offline)
			if err != nil || r.Status != tt.want || !slices.Equal(r.Copies, tt.copies) {
				t.Fatalf("status %+v, %v; want %s %v", r, err, tt.want, tt.copies)
			}
			if s := w.Summarize(ctx, tt.c, tt.offline); s.Status != tt.want || !slices.Equal(s.CopyStatus, tt.copies) {
				t.Fatalf("summary %+v", s)
			}
		})
	}
	// one per wallet (ttl cache), and one when the first wallet received
	// the credentials: receipt checks with a cache of its own
	if n := si.fetches.Load(); n > 4 {
		t.Errorf("%d status list fetches, want one per wallet and one on receipt (ttl cache)", n)
	}

	// an unreachable list: unknown, with the reason
	si.srv.Close()
	w.Close()
	w = openWallet(t, dir, opts()...)
	if r, err := w.CheckStatus(ctx, mixed, false); err == nil || r.Status != wallet.StatusUnknown || !slices.Equal(r.Copies, []wallet.Status{"no_status", "unknown"}) {
		t.Fatalf("unreachable list: %+v, %v", r, err)
	}
	w.Close()
	later := time.Now().Add(2 * time.Hour)
	w = openWallet(t, dir, opts(wallet.WithClock(func() time.Time { return later }))...)
	defer w.Close()
	if r, err := w.CheckStatus(ctx, expiring, false); err != nil || r.Status != wallet.StatusExpired {
		t.Fatalf("expired: %+v, %v", r, err)
	}
}
