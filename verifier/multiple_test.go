package verifier_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials/dcql"
	"github.com/loopbrug/paspoort/credentials/oid4vp"
	"github.com/loopbrug/paspoort/verifier"
)

// Two presentations for one Credential Query without "multiple": true are
// refused as malformed (FMT): OpenID4VP 1.0 §6.1 (multiple defaults to
// false) and §8.1 ("When multiple is omitted, or set to false, the array
// MUST contain only one Presentation"). Nothing is decided; the
// transaction stays answerable and a correct response is then accepted.
func TestSeveralPresentationsForOneQuery(t *testing.T) {
	for _, mode := range []string{oid4vp.ResponseModeDirectPost, oid4vp.ResponseModeDirectPostJWT} {
		t.Run(mode, func(t *testing.T) {
			is := newIssuer(t)
			e := newEnv(t, trustAll(is.did), mode)
			holder, creds := miranda(t, is)
			now := time.Now()
			second := []string{is.issue(t, "level", holder, now.Add(-time.Hour), now.Add(365*24*time.Hour), example(t, "level"))}
			w := &wallet{t: t, e: e, key: holder, creds: creds}
			req := e.start(profileTeacher, nil)
			r := w.fetch(req.RequestURI)
			good := w.vpToken(r, r.ClientID, r.Nonce, false)
			extra := (&wallet{t: t, e: e, key: holder, creds: second}).vpToken(r, r.ClientID, r.Nonce, false)
			if len(extra) != 1 {
				t.Fatalf("want the second level credential under one query, got %d", len(extra))
			}
			bad := oid4vp.VPToken{}
			for qid, ps := range good {
				bad[qid] = append(bad[qid], ps...)
			}
			for qid, ps := range extra {
				if len(good[qid]) != 1 {
					t.Fatalf("query %q: %d presentations in the good response", qid, len(good[qid]))
				}
				bad[qid] = append(bad[qid], ps...)
			}

			// Through the library: the typed error.
			form := formFor(t, r, bad)
			if _, err := e.v.HandleResponse(context.Background(), form); !errors.Is(err, dcql.ErrTooManyPresentations) {
				t.Fatalf("HandleResponse: %v, want ErrTooManyPresentations", err)
			}
			// Over HTTP: 400 invalid_request.
			if code, body := w.post(r, bad, ""); code != http.StatusBadRequest || errorCode(body) != "invalid_request" {
				t.Fatalf("two presentations for one query: %d %s", code, body)
			}
			if s := e.statusNow(req.TransactionID); s.Status != verifier.TxPending || s.Decision != nil {
				t.Fatalf("status %s after a refused response", s.Status)
			}
			if code, body := w.post(r, good, ""); code != http.StatusOK {
				t.Fatalf("the correct response after a refused one: %d %s", code, body)
			}
		})
	}
}

func formFor(t *testing.T, r request, vp oid4vp.VPToken) map[string][]string {
	t.Helper()
	resp := oid4vp.AuthorizationResponse{VPToken: vp, State: r.State}
	if r.ResponseMode == oid4vp.ResponseModeDirectPostJWT {
		key, enc, err := r.EncryptionKey()
		if err != nil {
			t.Fatal(err)
		}
		f, err := resp.EncryptedForm(key, enc)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	f, err := resp.Form()
	if err != nil {
		t.Fatal(err)
	}
	return f
}
