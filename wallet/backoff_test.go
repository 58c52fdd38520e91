package wallet_test

import (
	"testing"
	"time"

	"github.com/loopbrug/paspoort/wallet"
)

func TestUnlockBackoff(t *testing.T) {
	var b wallet.UnlockBackoff
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	want := []time.Duration{0, 0, 1 * time.Second, 2 * time.Second, 4 * time.Second}
	for i, w := range want {
		b.Failed(now)
		if got := b.Wait(now); got != w {
			t.Fatalf("after %d failures wait %v, want %v", i+1, got, w)
		}
	}
	for range 30 {
		b.Failed(now)
	}
	if got := b.Wait(now); got != 5*time.Minute {
		t.Fatalf("capped wait %v", got)
	}
	if b.Wait(now.Add(5*time.Minute)) != 0 {
		t.Fatal("still waiting after the delay")
	}
	b.Succeeded()
	if b.Wait(now) != 0 {
		t.Fatal("a success did not reset")
	}
}
