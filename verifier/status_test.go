package verifier_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials/oid4vp"
	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/credentials/profile"
	"github.com/loopbrug/paspoort/credentials/sdjwtvc"
	"github.com/loopbrug/paspoort/credentials/statuslist"
	"github.com/loopbrug/paspoort/internal/jose"
)

// statusIssuer serves the issuer's Token Status List over TLS on
// 127.0.0.1, signed with the issuer's key (statuslist.SignToken), with
// herd-privacy size (statuslist.HerdPrivacyMinEntries entries).
type statusIssuer struct {
	srv     *httptest.Server
	uri     string
	fetches atomic.Int32
}

func newStatusIssuer(t testing.TB, is *issuer, statuses map[int]statuslist.Status) *statusIssuer {
	t.Helper()
	l, err := statuslist.New(1, statuslist.HerdPrivacyMinEntries)
	if err != nil {
		t.Fatal(err)
	}
	for idx, s := range statuses {
		if err := l.Set(idx, s); err != nil {
			t.Fatal(err)
		}
	}
	si := &statusIssuer{}
	si.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		si.fetches.Add(1)
		if r.URL.Path != "/statuslists/1" {
			http.NotFound(w, r)
			return
		}
		now := time.Now()
		tok, err := statuslist.SignToken(is.key, statuslist.Token{Subject: si.uri, IssuedAt: now, Expires: now.Add(time.Hour), TTL: 10 * time.Minute, List: l})
		if err != nil {
			http.Error(w, "sign", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/statuslist+jwt")
		w.Write([]byte(tok))
	}))
	t.Cleanup(si.srv.Close)
	si.uri = si.srv.URL + "/statuslists/1"
	return si
}

// issueWithStatus issues a credential of typ whose status is entry idx of
// the list at uri.
func (is *issuer) issueWithStatus(t testing.TB, typ string, holder *jose.PrivateKey, uri string, idx int) string {
	t.Helper()
	now := time.Now()
	raw, err := sdjwtvc.Issue(is.key, sdjwtvc.Credential{Issuer: is.did, VCT: vctOf(t, typ), HolderKey: holder.Public(),
		IssuedAt: now.Add(-time.Hour), Expires: now.Add(24 * time.Hour), Status: &sdjwtvc.StatusRef{Index: idx, URI: uri}, Claims: example(t, typ)})
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestRevokedCredential: a credential whose entry in its issuer's status
// list is INVALID is refused with STATUS and proves nothing; one whose
// entry is VALID is used. The list is fetched once for both (cached per
// issuer and URI), by the verifier, over HTTPS (SECURITY.md D.37, D.39).
func TestRevokedCredential(t *testing.T) {
	is := newIssuer(t)
	const revoked, valid = 4711, 42
	si := newStatusIssuer(t, is, map[int]statuslist.Status{revoked: statuslist.Invalid})
	e := newEnv(t, trustAll(is.did), oid4vp.ResponseModeDirectPostJWT)
	holder, creds := miranda(t, is, "goal", "skill", "talent", "agility")
	creds = append(creds,
		is.issueWithStatus(t, "level", holder, si.uri, revoked),
		is.issueWithStatus(t, "learning", holder, si.uri, valid))
	d, _ := run(t, e, &wallet{t: t, e: e, key: holder, creds: creds}, false)
	if d.Outcome != profile.OutcomeRefused {
		t.Fatalf("outcome %s", d.Outcome)
	}
	if len(d.Rejected) != 1 || d.Rejected[0].Class != "STATUS" || !strings.HasPrefix(d.Rejected[0].QueryID, reqLevel) {
		t.Fatalf("rejected %+v", d.Rejected)
	}
	if r := statusOf(t, d, reqLevel); r.Status != profile.StatusNotProven || r.Reason != profile.ReasonNoCredential {
		t.Fatalf("level: %+v", r)
	}
	if r := statusOf(t, d, reqClassroom); r.Status != profile.StatusMet {
		t.Fatalf("classroom management (learning, VALID): %+v", r)
	}
	if n := si.fetches.Load(); n != 1 {
		t.Fatalf("status list fetched %d times, want 1", n)
	}
}

func vctOf(t testing.TB, typ string) string {
	t.Helper()
	tp, ok := ppp.Lookup(typ)
	if !ok {
		t.Fatalf("type %s", typ)
	}
	return tp.VCT
}
