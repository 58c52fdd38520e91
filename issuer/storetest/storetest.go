// Package storetest is the conformance suite of issuer.Store: Run checks
// what the issuer relies on, the same way for every implementation (the
// badger store, issuer/pgstore), including the races that matter across
// replicas — many transactions at once for one c_nonce, one status index,
// one pre-authorized code, one offer's tx_code attempts: exactly one wins,
// and no update is lost.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/issuer"
)

// Racers is how many goroutines race for one thing in the concurrency
// tests.
const Racers = 20

// Run runs the conformance suite; open returns a new, empty store for
// each subtest (and arranges its closing with t.Cleanup).
func Run(t *testing.T, open func(t *testing.T) issuer.Store) {
	for _, tc := range []struct {
		name string
		fn   func(*testing.T, issuer.Store)
	}{
		{"Ping", testPing},
		{"Keys", testKeys},
		{"Offers", testOffers},
		{"Tokens", testTokens},
		{"UseNonce", testUseNonce},
		{"Credentials", testCredentials},
		{"ClaimIndex", testClaimIndex},
		{"Statuses", testStatuses},
		{"Meta", testMeta},
		{"RollbackOnError", testRollback},
		{"ViewIsReadOnly", testViewReadOnly},
		{"RaceUseNonce", testRaceNonce},
		{"RaceClaimIndex", testRaceIndex},
		{"RaceRedeemCode", testRaceRedeem},
		{"RaceTxCodeAttempts", testRaceAttempts},
		{"RaceFirstKey", testRaceFirstKey},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open(t)) })
	}
}

var ctx = context.Background()

func update(t *testing.T, s issuer.Store, fn func(issuer.Tx) error) {
	t.Helper()
	if err := s.Update(ctx, fn); err != nil {
		t.Fatal(err)
	}
}

func view(t *testing.T, s issuer.Store, fn func(issuer.Tx) error) {
	t.Helper()
	if err := s.View(ctx, fn); err != nil {
		t.Fatal(err)
	}
}

func testPing(t *testing.T, s issuer.Store) {
	if err := s.Ping(ctx); err != nil {
		t.Fatal(err)
	}
}

func testKeys(t *testing.T, s issuer.Store) {
	view(t, s, func(tx issuer.Tx) error {
		if ks, err := tx.Keys(); err != nil || len(ks) != 0 {
			return fmt.Errorf("empty store: %d keys, %v", len(ks), err)
		}
		return nil
	})
	now := time.Now().UTC().Truncate(time.Second)
	a := issuer.KeyRecord{KID: "kid-a", PrivateJWK: json.RawMessage(`{"kty":"EC","d":"a"}`), CreatedAt: now}
	b := issuer.KeyRecord{KID: "kid-b", PrivateJWK: json.RawMessage(`{"kty":"EC","d":"b"}`), CreatedAt: now.Add(time.Second)}
	update(t, s, func(tx issuer.Tx) error { return errors.Join(tx.PutKey(a), tx.PutKey(b)) })
	a.RetiredAt = now.Add(time.Minute)
	update(t, s, func(tx issuer.Tx) error { return tx.PutKey(a) })
	view(t, s, func(tx issuer.Tx) error {
		ks, err := tx.Keys()
		if err != nil {
			return err
		}
		byKID := map[string]issuer.KeyRecord{}
		for _, k := range ks {
			byKID[k.KID] = k
		}
		if len(ks) != 2 || !byKID["kid-a"].RetiredAt.Equal(a.RetiredAt) || string(byKID["kid-b"].PrivateJWK) != string(b.PrivateJWK) {
			return fmt.Errorf("keys %+v", ks)
		}
		return nil
	})
}

func offer(id string) *issuer.OfferRecord {
	now := time.Now().UTC().Truncate(time.Second)
	return &issuer.OfferRecord{
		ID: id, CodeHash: "code-hash-" + id, TxCodeHash: "tx-hash-" + id, SubjectRef: "student-" + id,
		Credentials: []issuer.OfferedCredential{{ConfigurationID: "skill", Type: "skill", Claims: json.RawMessage(`{"name":"Miranda"}`)}},
		CreatedAt:   now, ExpiresAt: now.Add(time.Hour), State: issuer.OfferPending, Object: json.RawMessage(`{"x":1}`),
	}
}

func testOffers(t *testing.T, s issuer.Store) {
	view(t, s, func(tx issuer.Tx) error {
		if _, err := tx.Offer("o1"); !errors.Is(err, issuer.ErrNotFound) {
			return fmt.Errorf("missing offer: %v", err)
		}
		if _, err := tx.OfferIDByCode("code-hash-o1"); !errors.Is(err, issuer.ErrNotFound) {
			return fmt.Errorf("missing code: %v", err)
		}
		return nil
	})
	update(t, s, func(tx issuer.Tx) error { return errors.Join(tx.AddOffer(offer("o1")), tx.AddOffer(offer("o2"))) })
	update(t, s, func(tx issuer.Tx) error {
		r, err := tx.Offer("o1")
		if err != nil {
			return err
		}
		r.State, r.Attempts, r.Object = issuer.OfferRedeemed, 2, nil
		return tx.PutOffer(r)
	})
	view(t, s, func(tx issuer.Tx) error {
		id, err := tx.OfferIDByCode("code-hash-o2")
		if err != nil || id != "o2" {
			return fmt.Errorf("code of o2: %q %v", id, err)
		}
		r, err := tx.Offer("o1")
		if err != nil {
			return err
		}
		want := offer("o1")
		if r.State != issuer.OfferRedeemed || r.Attempts != 2 || (len(r.Object) != 0 && string(r.Object) != "null") || r.CodeHash != want.CodeHash ||
			r.SubjectRef != want.SubjectRef || string(r.Credentials[0].Claims) != `{"name":"Miranda"}` || !r.ExpiresAt.Equal(want.ExpiresAt) {
			return fmt.Errorf("offer o1 read back as %+v", r)
		}
		return nil
	})
}

func testTokens(t *testing.T, s issuer.Store) {
	exp := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	update(t, s, func(tx issuer.Tx) error {
		if _, err := tx.Token("t1"); !errors.Is(err, issuer.ErrNotFound) {
			return fmt.Errorf("missing token: %v", err)
		}
		return tx.PutToken(&issuer.TokenRecord{Hash: "t1", OfferID: "o1", ExpiresAt: exp, ClientID: "wallet"})
	})
	update(t, s, func(tx issuer.Tx) error {
		r, err := tx.Token("t1")
		if err != nil {
			return err
		}
		r.Issued += 2
		return tx.PutToken(r)
	})
	view(t, s, func(tx issuer.Tx) error {
		r, err := tx.Token("t1")
		if err != nil || r.Issued != 2 || r.OfferID != "o1" || r.ClientID != "wallet" || !r.ExpiresAt.Equal(exp) {
			return fmt.Errorf("token %+v %v", r, err)
		}
		return nil
	})
}

func useNonce(s issuer.Store, hash string) (bool, error) {
	var fresh bool
	err := s.Update(ctx, func(tx issuer.Tx) error {
		var err error
		fresh, err = tx.UseNonce(hash, time.Now().Add(time.Minute))
		return err
	})
	return fresh, err
}

func testUseNonce(t *testing.T, s issuer.Store) {
	for i, want := range []struct {
		hash  string
		fresh bool
	}{{"n1", true}, {"n1", false}, {"n2", true}, {"n1", false}} {
		fresh, err := useNonce(s, want.hash)
		if err != nil || fresh != want.fresh {
			t.Fatalf("use %d (%s): fresh %v %v, want %v", i, want.hash, fresh, err, want.fresh)
		}
	}
}

func testCredentials(t *testing.T, s issuer.Store) {
	// More than one page of any paging implementation.
	const n = 300
	ids := make([]string, n)
	update(t, s, func(tx issuer.Tx) error {
		for i := range ids {
			ids[i] = fmt.Sprintf("%013x-c%03d", 1700000000000000+i*7, i)
			if err := tx.PutCredential(&issuer.CredentialRecord{ID: ids[i], OfferID: "o", Type: "skill", StatusList: 1, StatusIndex: i, Status: issuer.StatusValid}); err != nil {
				return err
			}
		}
		return nil
	})
	update(t, s, func(tx issuer.Tx) error {
		r, err := tx.Credential(ids[5])
		if err != nil {
			return err
		}
		r.Status = issuer.StatusRevoked
		return tx.PutCredential(r)
	})
	view(t, s, func(tx issuer.Tx) error {
		if _, err := tx.Credential("nope"); !errors.Is(err, issuer.ErrNotFound) {
			return fmt.Errorf("missing credential: %v", err)
		}
		if r, err := tx.Credential(ids[5]); err != nil || r.Status != issuer.StatusRevoked || r.StatusIndex != 5 {
			return fmt.Errorf("credential 5: %+v %v", r, err)
		}
		var all []string
		if err := tx.Credentials("", func(r *issuer.CredentialRecord) bool { all = append(all, r.ID); return true }); err != nil {
			return err
		}
		if !slices.Equal(all, ids) {
			return fmt.Errorf("all credentials: %d, in order %v", len(all), slices.IsSorted(all))
		}
		var some []string
		if err := tx.Credentials(ids[1], func(r *issuer.CredentialRecord) bool { some = append(some, r.ID); return len(some) < 3 }); err != nil {
			return err
		}
		if !slices.Equal(some, ids[2:5]) {
			return fmt.Errorf("after %s, stopped at 3: %v", ids[1], some)
		}
		return nil
	})
}

func claim(s issuer.Store, list, idx int) (bool, error) {
	var ok bool
	err := s.Update(ctx, func(tx issuer.Tx) error {
		var err error
		ok, err = tx.ClaimIndex(list, idx)
		return err
	})
	return ok, err
}

func testClaimIndex(t *testing.T, s issuer.Store) {
	for i, c := range []struct {
		list, idx int
		ok        bool
	}{{1, 7, true}, {1, 7, false}, {2, 7, true}, {1, 8, true}, {1, 131071, true}, {1, 131071, false}} {
		if ok, err := claim(s, c.list, c.idx); err != nil || ok != c.ok {
			t.Fatalf("claim %d (%d/%d): %v %v, want %v", i, c.list, c.idx, ok, err, c.ok)
		}
	}
}

func testStatuses(t *testing.T, s issuer.Store) {
	update(t, s, func(tx issuer.Tx) error {
		return errors.Join(tx.SetStatus(1, 3, 1), tx.SetStatus(1, 9, 2), tx.SetStatus(1, 100000, 1), tx.SetStatus(2, 3, 2))
	})
	update(t, s, func(tx issuer.Tx) error { return errors.Join(tx.SetStatus(1, 9, 0), tx.SetStatus(1, 3, 2)) })
	view(t, s, func(tx issuer.Tx) error {
		got := map[int]uint8{}
		if err := tx.Statuses(1, func(idx int, st uint8) { got[idx] = st }); err != nil {
			return err
		}
		if want := map[int]uint8{3: 2, 100000: 1}; !maps.Equal(got, want) {
			return fmt.Errorf("list 1: %v, want %v", got, want)
		}
		n := 0
		if err := tx.Statuses(3, func(int, uint8) { n++ }); err != nil || n != 0 {
			return fmt.Errorf("empty list: %d %v", n, err)
		}
		return nil
	})
}

func testMeta(t *testing.T, s issuer.Store) {
	update(t, s, func(tx issuer.Tx) error {
		if _, err := tx.Meta("status-current-list"); !errors.Is(err, issuer.ErrNotFound) {
			return fmt.Errorf("missing meta: %v", err)
		}
		return errors.Join(tx.PutMeta("status-current-list", []byte("1")), tx.PutMeta("nonce-key", []byte{0, 1, 2, 255}))
	})
	update(t, s, func(tx issuer.Tx) error { return tx.PutMeta("status-current-list", []byte("2")) })
	view(t, s, func(tx issuer.Tx) error {
		a, err1 := tx.Meta("status-current-list")
		b, err2 := tx.Meta("nonce-key")
		if string(a) != "2" || string(b) != "\x00\x01\x02\xff" {
			return fmt.Errorf("meta %q %q %v", a, b, errors.Join(err1, err2))
		}
		return nil
	})
}

func testRollback(t *testing.T, s issuer.Store) {
	errRefused := errors.New("refused")
	err := s.Update(ctx, func(tx issuer.Tx) error {
		if err := tx.AddOffer(offer("o1")); err != nil {
			return err
		}
		if _, err := tx.UseNonce("n1", time.Now().Add(time.Minute)); err != nil {
			return err
		}
		if _, err := tx.ClaimIndex(1, 1); err != nil {
			return err
		}
		return errRefused
	})
	if !errors.Is(err, errRefused) {
		t.Fatalf("Update returned %v, want the function's error", err)
	}
	view(t, s, func(tx issuer.Tx) error {
		if _, err := tx.Offer("o1"); !errors.Is(err, issuer.ErrNotFound) {
			return fmt.Errorf("the offer of a failed transaction: %v", err)
		}
		return nil
	})
	if fresh, err := useNonce(s, "n1"); err != nil || !fresh {
		t.Fatalf("the nonce of a failed transaction counts as used: %v %v", fresh, err)
	}
	if ok, err := claim(s, 1, 1); err != nil || !ok {
		t.Fatalf("the index of a failed transaction counts as claimed: %v %v", ok, err)
	}
}

func testViewReadOnly(t *testing.T, s issuer.Store) {
	err := s.View(ctx, func(tx issuer.Tx) error { return tx.PutMeta("m", []byte("x")) })
	if err == nil {
		t.Fatal("a write inside View succeeded")
	}
	view(t, s, func(tx issuer.Tx) error {
		if _, err := tx.Meta("m"); !errors.Is(err, issuer.ErrNotFound) {
			return fmt.Errorf("the write inside View stayed: %v", err)
		}
		return nil
	})
}

// race runs fn from Racers goroutines at once and returns how many won
// (fn reported true with no error); any error fails the test.
func race(t *testing.T, fn func() (bool, error)) int {
	t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	start := make(chan struct{})
	for range Racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			ok, err := fn()
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Error(err)
			}
			if ok {
				won++
			}
		}()
	}
	close(start)
	wg.Wait()
	return won
}

func testRaceNonce(t *testing.T, s issuer.Store) {
	if won := race(t, func() (bool, error) { return useNonce(s, "the-nonce") }); won != 1 {
		t.Fatalf("%d of %d transactions used one c_nonce", won, Racers)
	}
}

func testRaceIndex(t *testing.T, s issuer.Store) {
	if won := race(t, func() (bool, error) { return claim(s, 1, 4242) }); won != 1 {
		t.Fatalf("%d of %d transactions claimed one status index", won, Racers)
	}
}

// testRaceRedeem plays the token endpoint's read-check-write of a
// pre-authorized code from many replicas at once.
func testRaceRedeem(t *testing.T, s issuer.Store) {
	update(t, s, func(tx issuer.Tx) error { return tx.AddOffer(offer("o1")) })
	won := race(t, func() (bool, error) {
		var redeemed bool
		err := s.Update(ctx, func(tx issuer.Tx) error {
			redeemed = false // fn may run more than once
			id, err := tx.OfferIDByCode("code-hash-o1")
			if err != nil {
				return err
			}
			r, err := tx.Offer(id)
			if err != nil || r.State != issuer.OfferPending {
				return err
			}
			r.State, redeemed = issuer.OfferRedeemed, true
			return tx.PutOffer(r)
		})
		return redeemed, err
	})
	if won != 1 {
		t.Fatalf("one pre-authorized code was redeemed %d times", won)
	}
}

// testRaceAttempts counts wrong tx_codes from many replicas at once: no
// attempt may be lost, and the lock is set once.
func testRaceAttempts(t *testing.T, s issuer.Store) {
	const maxAttempts = 5
	update(t, s, func(tx issuer.Tx) error { return tx.AddOffer(offer("o1")) })
	locked := race(t, func() (bool, error) {
		var lockedHere bool
		err := s.Update(ctx, func(tx issuer.Tx) error {
			lockedHere = false
			r, err := tx.Offer("o1")
			if err != nil {
				return err
			}
			r.Attempts++
			if r.State == issuer.OfferPending && r.Attempts >= maxAttempts {
				r.State, lockedHere = issuer.OfferLocked, true
			}
			return tx.PutOffer(r)
		})
		return lockedHere, err
	})
	view(t, s, func(tx issuer.Tx) error {
		r, err := tx.Offer("o1")
		if err != nil || r.Attempts != Racers || r.State != issuer.OfferLocked {
			return fmt.Errorf("after %d wrong codes: attempts %d, state %s (%v)", Racers, r.Attempts, r.State, err)
		}
		return nil
	})
	if locked != 1 {
		t.Fatalf("the offer was locked %d times", locked)
	}
}

// testRaceFirstKey is replicas starting at once on an empty store: each
// creates the signing key if there is none; one key must result.
func testRaceFirstKey(t *testing.T, s issuer.Store) {
	created := race(t, func() (bool, error) {
		var made bool
		err := s.Update(ctx, func(tx issuer.Tx) error {
			made = false
			ks, err := tx.Keys()
			if err != nil || len(ks) > 0 {
				return err
			}
			made = true
			return tx.PutKey(issuer.KeyRecord{KID: fmt.Sprintf("k-%p", &made), PrivateJWK: json.RawMessage(`{}`), CreatedAt: time.Now()})
		})
		return made, err
	})
	view(t, s, func(tx issuer.Tx) error {
		ks, err := tx.Keys()
		if err != nil || len(ks) != 1 || created != 1 {
			return fmt.Errorf("%d keys created, %d in the store (%v)", created, len(ks), err)
		}
		return nil
	})
}
