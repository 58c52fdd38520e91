package web

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/wallet"
)

// Issue 11 #1: a passphrase check in progress (which holds unlockMu for
// the whole argon2id derivation) does not stall the pages of a session
// that is open: pages never take unlockMu.
func TestPagesDoNotWaitForAnUnlock(t *testing.T) {
	dir := t.TempDir()
	kdf := wallet.WithKDFParams(wallet.KDFParams{Time: 1, MemoryKiB: wallet.MinKDFMemoryKiB, Threads: 1})
	w, err := wallet.Init(context.Background(), dir, []byte("a long wallet passphrase"), kdf)
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	store, err := wallet.OpenStore(dir, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	d, err := New(Config{Store: store, WalletOptions: []wallet.Option{kdf}})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Lock()
	srv := httptest.NewServer(d.Handler())
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := hc.PostForm(srv.URL+"/unlock", url.Values{"passphrase": {"a long wallet passphrase"}})
	if err != nil || res.StatusCode != http.StatusSeeOther {
		t.Fatalf("unlock: %v %v", res, err)
	}
	res.Body.Close()

	d.unlockMu.Lock() // an unlock is deriving its key
	defer d.unlockMu.Unlock()
	done := make(chan int, 1)
	go func() {
		res, err := hc.Get(srv.URL + "/history")
		if err != nil {
			done <- 0
			return
		}
		res.Body.Close()
		done <- res.StatusCode
	}()
	select {
	case code := <-done:
		if code != http.StatusOK {
			t.Fatalf("history during an unlock: %d", code)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the history page waited for the unlock in progress")
	}
}
