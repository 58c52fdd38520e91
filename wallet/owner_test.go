package wallet_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/wallet"
)

// ownerCodes collects the owner codes a Server hands out.
type ownerCodes struct {
	mu    sync.Mutex
	codes []string
}

func (o *ownerCodes) add(c string) { o.mu.Lock(); defer o.mu.Unlock(); o.codes = append(o.codes, c) }

func (o *ownerCodes) last(t *testing.T) string {
	t.Helper()
	for range 100 { // Serve hands out the first code when it starts
		o.mu.Lock()
		n := len(o.codes)
		o.mu.Unlock()
		if n > 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.codes) == 0 {
		t.Fatal("no owner code handed out")
	}
	return o.codes[len(o.codes)-1]
}

func (c *client) unlockAsOwner(pass, code string) (int, map[string]any) {
	c.t.Helper()
	var info struct {
		CSRF string `json:"csrf_token"`
	}
	st, e := c.do(http.MethodPost, "/api/unlock", map[string]string{"passphrase": pass, "owner_code": code}, &info)
	if st == http.StatusOK {
		c.csrf = info.CSRF
	}
	return st, e
}

// Issue 11 #10: three wrong tries by another local process make every
// further attempt wait (1 s doubling up to 5 min); the owner, with the
// one-time code shown on the terminal that started the server, still gets
// in at once. The others' backoff is not weakened by it; a spent, wrong or
// missing code gives no way past; the owner path has a backoff of its own.
func TestOwnerCodePastTheLockout(t *testing.T) {
	codes := &ownerCodes{}
	a := startServer(t, wallet.ServerConfig{IdleTimeout: time.Minute, OwnerCode: codes.add}, nil)
	first := codes.last(t)
	if len(strings.ReplaceAll(first, "-", "")) != 20 || strings.Contains(a.logs.String(), first) {
		t.Fatalf("owner code %q (or it was logged)", first)
	}
	other := a.client(t)
	for i := range 3 {
		code, e := other.unlock("wrong passphrase " + string(rune('a'+i)))
		wantError(t, "another process's wrong passphrase", code, e, 401, "wrong_passphrase")
	}
	code, e := other.unlock(testPass)
	wantError(t, "others after three failures", code, e, 429, "too_many_attempts")

	owner := a.client(t)
	for _, tc := range []struct{ name, code string }{
		{"no code", ""},
		{"wrong code", "AAAAA-AAAAA-AAAAA-AAAAA"},
	} {
		code, e := owner.unlockAsOwner(testPass, tc.code)
		wantError(t, tc.name, code, e, 429, "too_many_attempts")
	}
	// typed in lower case, without dashes: still the code
	if code, e := owner.unlockAsOwner(testPass, strings.ToLower(strings.ReplaceAll(first, "-", ""))); code != http.StatusOK {
		t.Fatalf("owner with the code: %d %v", code, e)
	}
	second := codes.last(t)
	if second == first {
		t.Fatal("the owner code was not renewed after use")
	}
	// the others still wait; the spent code is no way past
	code, e = other.unlock(testPass)
	wantError(t, "others after the owner's unlock", code, e, 429, "too_many_attempts")
	code, e = a.client(t).unlockAsOwner(testPass, first)
	wantError(t, "spent owner code", code, e, 429, "too_many_attempts")

	// the owner path has its own backoff: three wrong passphrases with the
	// code make the code wait too, and do not add to the others' wait
	a.srv.Lock()
	for i := range 3 {
		code, e := owner.unlockAsOwner("wrong passphrase "+string(rune('a'+i)), second)
		wantError(t, "owner's wrong passphrase", code, e, 401, "wrong_passphrase")
	}
	code, e = owner.unlockAsOwner(testPass, second)
	wantError(t, "owner after three failures", code, e, 429, "too_many_attempts")
	a.clk.add(1100 * time.Millisecond)
	if code, e := other.unlock(testPass); code != http.StatusOK {
		t.Fatalf("others after their wait: %d %v", code, e)
	}
	if code, e := owner.unlockAsOwner(testPass, second); code != http.StatusOK {
		t.Fatalf("owner after the wait: %d %v", code, e)
	}
}
