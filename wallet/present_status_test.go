package wallet_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/dcql"
	"github.com/loopbrug/paspoort/credentials/oid4vp"
	"github.com/loopbrug/paspoort/credentials/statuslist"
	"github.com/loopbrug/paspoort/wallet"
)

// Present never sends a copy known revoked or suspended: of a batch whose
// first copy the issuer revoked and second suspended it presents the third,
// also once the status list cannot be fetched any more (the last known
// status, kept encrypted in the wallet, counts); a credential all of whose
// copies are revoked is refused with ErrNoUsableCopy (STATUS) before
// anything is sent, and leaves no history.
func TestPresentSkipsRevokedCopies(t *testing.T) {
	si := newStatusIssuer(t)
	dir := t.TempDir()
	opts := []wallet.Option{wallet.WithAllowLoopback(), wallet.WithTransportUnsafe(si.srv.Client().Transport),
		wallet.WithIssuerKeys(si.keys()), wallet.WithStatusListMinEntries(0)}
	w := initWallet(t, dir, opts...)
	year := time.Now().Add(365 * 24 * time.Hour)
	partly, err := w.Add(ctx, si.issueWithStatus(t, w, []int{20, 21, 22}, year), wallet.Meta{})
	if err != nil {
		t.Fatal(err)
	}
	revoked, err := w.Add(ctx, si.issueWithStatus(t, w, []int{30, 31}, year), wallet.Meta{})
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	si.set(t, 20, statuslist.Invalid)
	si.set(t, 21, statuslist.Suspended)
	si.set(t, 30, statuslist.Invalid)
	si.set(t, 31, statuslist.Invalid)

	q, err := dcql.Parse([]byte(`{"credentials":[{"id":"skill","format":"dc+sd-jwt","meta":{"vct_values":["https://paspoort.loopbrug.nl/vct/skill/v1"]},"claims":[{"path":["skill"]}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	// present asks a new verifier for the credential id and returns the
	// status list index of the copy it received, or the error.
	present := func(w *wallet.Wallet, id string) (int, error) {
		t.Helper()
		v := newTestVerifier(t, si.keys(), oid4vp.ResponseModeDirectPost, q)
		pr, err := w.ReadRequest(ctx, v.link("/request"))
		if err != nil {
			t.Fatal(err)
		}
		_, err = w.Present(ctx, pr, &wallet.Selection{Credentials: map[string][]string{"skill": {id}}})
		if err != nil {
			if v.got != nil {
				t.Fatalf("refused, but the verifier got %v", v.got)
			}
			return -1, err
		}
		if len(v.got["skill"]) != 1 || v.got["skill"][0].Status == nil {
			t.Fatalf("verifier got %v", v.got)
		}
		return v.got["skill"][0].Status.Index, nil
	}

	for _, round := range []struct {
		name  string
		setup func()
	}{
		{"status list reachable", nil},
		{"status list unreachable: last known status", si.srv.Close},
	} {
		t.Run(round.name, func(t *testing.T) {
			if round.setup != nil {
				round.setup()
			}
			// a new session: no status list in the checker's cache
			w := openWallet(t, dir, opts...)
			defer w.Close()
			before, _ := w.History(ctx)
			for range 2 {
				if idx, err := present(w, partly.ID); err != nil || idx != 22 {
					t.Fatalf("presented copy %d, %v; want the third copy (index 22)", idx, err)
				}
			}
			c, _ := w.Credential(partly.ID)
			if want := []wallet.Status{wallet.StatusRevoked, wallet.StatusSuspended, wallet.StatusValid}; !slices.Equal(c.LastStatus, want) {
				t.Fatalf("last known status %v, want %v", c.LastStatus, want)
			}
			if _, err := present(w, revoked.ID); !errors.Is(err, wallet.ErrNoUsableCopy) || !errors.Is(err, credentials.ErrStatus) {
				t.Fatalf("every copy revoked: %v", err)
			}
			if after, _ := w.History(ctx); len(after) != len(before)+2 {
				t.Fatalf("history %d entries after %d, want two more (the refusal is not one)", len(after), len(before))
			}
		})
	}
}
