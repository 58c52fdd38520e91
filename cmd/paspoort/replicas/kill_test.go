package replicas_test

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/bench"
	"github.com/loopbrug/paspoort/credentials/oid4vci"
	"github.com/loopbrug/paspoort/credentials/ppp"
)

// TestKillReplicaUnderLoad: wallets issue across two issuer replicas, and
// answer presentations across two verifier replicas, while one replica
// of each is killed with SIGKILL. Every issuance a wallet got an answer
// for has its one credential record, no offer has two, no status index
// is given twice; every acknowledged decision is there, and no answer is
// decided twice.
func TestKillReplicaUnderLoad(t *testing.T) {
	e := newEnv(t)
	i1, i2, issuerURL := e.issuers()
	hc := e.client()
	ctx := context.Background()
	eps := []bench.Endpoint{{Client: hc, URL: i1.base}, {Client: hc, URL: i2.base}}

	const flows = 48
	skill, _ := ppp.Lookup("skill")
	type offer struct{ id, code string }
	offers := make([]offer, flows)
	for i := range offers {
		var of struct {
			ID       string `json:"id"`
			OfferURI string `json:"offer_uri"`
		}
		if st := e.adminCall(http.MethodPost, i1.base+"/admin/offers", map[string]any{"type": "skill", "claims": json.RawMessage(skill.Example())}, &of); st/100 != 2 {
			t.Fatalf("offer: HTTP %d", st)
		}
		ref, err := oid4vci.ParseOfferURI(of.OfferURI)
		if err != nil {
			t.Fatal(err)
		}
		offers[i] = offer{of.ID, ref.Offer.Grants.PreAuthorizedCode.PreAuthorizedCode}
	}
	acked := make([]bool, flows)
	var done atomic.Int64
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < flows; i = int(next.Add(1)) - 1 {
				err := bench.IssueOne(ctx, eps[i%2], eps[(i+1)%2], issuerURL, offers[i].code, holderKeys(t))
				acked[i] = err == nil
				done.Add(1)
			}
		}()
	}
	for done.Load() < flows/3 {
		time.Sleep(5 * time.Millisecond)
	}
	if err := i2.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	<-i2.done

	records := e.credentials(i1)
	perOffer := map[string]int{}
	index := map[[2]int]string{}
	for _, r := range records {
		perOffer[r.OfferID]++
		k := [2]int{r.StatusList, r.StatusIndex}
		if other, dup := index[k]; dup {
			t.Errorf("status index %v given to %s and %s", k, other, r.ID)
		}
		index[k] = r.ID
	}
	nacked := 0
	for i, o := range offers {
		switch n := perOffer[o.id]; {
		case n > 1:
			t.Errorf("offer %d has %d credentials", i, n)
		case acked[i] && n != 1:
			t.Errorf("offer %d: the wallet got its credential but the issuer has %d records", i, n)
		}
		if acked[i] {
			nacked++
		}
	}
	if nacked == 0 || nacked == flows {
		t.Fatalf("%d of %d issuances acknowledged: the kill did not fall under load", nacked, flows)
	}
	t.Logf("issuer: %d of %d issuances acknowledged around the kill, %d records", nacked, flows, len(records))

	// The verifiers, the same way.
	v1, v2 := e.verifiers(issuerURL)
	cred, holder := e.issueForWallet(i1, i1, issuerURL)
	const answers = 40
	ids := make([]string, answers)
	forms := make([]map[string][]string, answers)
	for i := range ids {
		ids[i], forms[i] = e.answered(v1, cred, holder)
	}
	vacked := make([]bool, answers)
	done.Store(0)
	next.Store(0)
	vs := []*replica{v1, v2}
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < answers; i = int(next.Add(1)) - 1 {
				st, _ := e.postResponse(hc, vs[i%2], forms[i])
				vacked[i] = st == http.StatusOK
				done.Add(1)
			}
		}()
	}
	for done.Load() < answers/3 {
		time.Sleep(5 * time.Millisecond)
	}
	if err := v2.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	<-v2.done
	vn := 0
	for _, a := range vacked {
		if a {
			vn++
		}
	}
	if vn == 0 || vn == answers {
		t.Fatalf("%d of %d answers acknowledged: the kill did not fall under load", vn, answers)
	}
	t.Logf("verifier: %d of %d answers acknowledged around the kill", vn, answers)
	for i, id := range ids {
		st, _ := e.postResponse(hc, v1, forms[i])
		switch {
		case vacked[i] && st != http.StatusBadRequest:
			t.Errorf("answer %d was acknowledged, then accepted again at the survivor: HTTP %d", i, st)
		case !vacked[i] && st != http.StatusOK && st != http.StatusBadRequest:
			t.Errorf("answer %d, not acknowledged, posted again: HTTP %d", i, st)
		}
		if status, outcome := e.status(v1, id); status != "decided" || outcome != "accepted" {
			t.Errorf("answer %d (acknowledged %v): %s %s", i, vacked[i], status, outcome)
		}
	}
}
