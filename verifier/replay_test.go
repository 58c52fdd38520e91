package verifier_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/loopbrug/paspoort/credentials/oid4vp"
	"github.com/loopbrug/paspoort/verifier"
)

// TestC23ConcurrentReplay: the same response posted 8 times at once is
// decided on exactly once; the others are refused as replays
// (SECURITY.md C.23: the nonce is spent atomically).
func TestC23ConcurrentReplay(t *testing.T) {
	is := newIssuer(t)
	e := newEnv(t, trustAll(is.did), oid4vp.ResponseModeDirectPostJWT)
	holder, creds := miranda(t, is)
	w := &wallet{t: t, e: e, key: holder, creds: creds}
	req := e.start(profileTeacher, nil)
	r := w.fetch(req.RequestURI)
	key, enc, err := r.EncryptionKey()
	if err != nil {
		t.Fatal(err)
	}
	form, err := oid4vp.AuthorizationResponse{VPToken: w.vpToken(r, r.ClientID, r.Nonce, false), State: r.State}.EncryptedForm(key, enc)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	codes := map[int]int{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := e.client.PostForm(r.ResponseURI, form)
			if err != nil {
				t.Error(err)
				return
			}
			var b strings.Builder
			buf := make([]byte, 4096)
			n, _ := resp.Body.Read(buf)
			b.Write(buf[:n])
			resp.Body.Close()
			mu.Lock()
			codes[resp.StatusCode]++
			mu.Unlock()
			if resp.StatusCode == http.StatusBadRequest && !strings.Contains(b.String(), "already answered") {
				t.Errorf("refusal %s", b.String())
			}
		}()
	}
	wg.Wait()
	if codes[http.StatusOK] != 1 || codes[http.StatusBadRequest] != 7 {
		t.Fatalf("status codes %v", codes)
	}
	if s := e.result(req.TransactionID); s.Status != verifier.TxDecided || s.Decision == nil {
		t.Fatalf("status %s", s.Status)
	}
}
