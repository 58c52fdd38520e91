package replicas_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/bench"
)

// TestKillReplicaUnderLoad: the built binary's "issuer bench --target"
// issues across two issuer replicas, and wallets answer presentations
// across two verifier replicas, while one replica of each is killed with
// SIGKILL. Every issuance the bench acknowledged has its one credential
// record with the status index the wallet got, no offer has two, no
// status index is given twice; every acknowledged decision is there, and
// no answer is decided twice.
func TestKillReplicaUnderLoad(t *testing.T) {
	e := newEnv(t)
	i1, i2, issuerURL := e.issuers()

	const flows = 300
	ackedFile := filepath.Join(e.dir, "issued.jsonl")
	res, acked := e.benchKilling(i2, ackedFile, flows/10, "issuer", "bench", "-n", strconv.Itoa(flows), "--concurrency", "6",
		"--target", i1.base, "--target", i2.base, "--admin-token-file", e.token, "--ca-file", e.cert, "--timeout", "5s", "--acked-file", ackedFile)
	var out struct {
		Credentials int `json:"credentials"`
		Failed      int `json:"failed_flows"`
	}
	if err := json.Unmarshal(res, &out); err != nil {
		t.Fatalf("bench output %q: %v", res, err)
	}
	var acks []bench.IssuanceAck
	for _, l := range acked {
		var a bench.IssuanceAck
		if err := json.Unmarshal([]byte(l), &a); err != nil {
			t.Fatalf("acked line %q: %v", l, err)
		}
		acks = append(acks, a)
	}
	if len(acks) != out.Credentials || out.Credentials+out.Failed != flows {
		t.Fatalf("bench: %d credentials and %d failed flows of %d, %d acknowledged in --acked-file", out.Credentials, out.Failed, flows, len(acks))
	}
	if len(acks) == 0 || out.Failed == 0 {
		t.Fatalf("%d of %d issuances acknowledged: the kill did not fall under load", len(acks), flows)
	}

	records := e.credentials(i1)
	perOffer := map[string][]credRecord{}
	index := map[[2]int]string{}
	for _, r := range records {
		perOffer[r.OfferID] = append(perOffer[r.OfferID], r)
		k := [2]int{r.StatusList, r.StatusIndex}
		if other, dup := index[k]; dup {
			t.Errorf("status index %v given to %s and %s", k, other, r.ID)
		}
		index[k] = r.ID
	}
	for id, rs := range perOffer {
		if len(rs) > 1 {
			t.Errorf("offer %s has %d credentials", id, len(rs))
		}
	}
	seen := map[string]bool{}
	for _, a := range acks {
		if seen[a.OfferID] {
			t.Errorf("offer %s acknowledged twice", a.OfferID)
		}
		seen[a.OfferID] = true
		rs := perOffer[a.OfferID]
		if len(rs) != 1 {
			t.Errorf("offer %s: the wallet got its credential but the issuer has %d records", a.OfferID, len(rs))
			continue
		}
		if want := issuerURL + "/status/" + strconv.Itoa(rs[0].StatusList); a.StatusURI != want || a.StatusIndex != rs[0].StatusIndex {
			t.Errorf("offer %s: the wallet's credential has status %s #%d, the issuer's record %s #%d", a.OfferID, a.StatusURI, a.StatusIndex, want, rs[0].StatusIndex)
		}
	}
	t.Logf("issuer: %d of %d issuances acknowledged around the kill, %d records", len(acks), flows, len(records))

	// The verifiers, the same way: the built binary's "verifier bench
	// --target" answers transactions with a credential of the issuers.
	v1, v2 := e.verifiers(issuerURL)
	cred, holder := e.issueForWallet(i1, i1, issuerURL)
	credFile, holderFile := filepath.Join(e.dir, "skill.sdjwt"), filepath.Join(e.dir, "holder.jwk")
	hk, err := json.Marshal(holder)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(credFile, []byte(cred), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(holderFile, hk, 0o600); err != nil {
		t.Fatal(err)
	}
	const answers = 200
	vackedFile := filepath.Join(e.dir, "decided.jsonl")
	res, acked = e.benchKilling(v2, vackedFile, answers/10, "verifier", "bench", "-n", strconv.Itoa(answers), "--concurrency", "6",
		"--target", v1.base, "--target", v2.base, "--admin-token-file", e.token, "--ca-file", e.cert, "--timeout", "5s",
		"--profile", "skill-check", "--credential", credFile, "--holder-key", holderFile, "--acked-file", vackedFile)
	var vout struct {
		Presentations int `json:"presentations"`
		Failed        int `json:"failed"`
	}
	if err := json.Unmarshal(res, &vout); err != nil {
		t.Fatalf("bench output %q: %v", res, err)
	}
	if len(acked) != vout.Presentations || vout.Presentations+vout.Failed != answers {
		t.Fatalf("bench: %d presentations and %d failed of %d, %d acknowledged in --acked-file", vout.Presentations, vout.Failed, answers, len(acked))
	}
	if len(acked) == 0 || vout.Failed == 0 {
		t.Fatalf("%d of %d answers acknowledged: the kill did not fall under load", len(acked), answers)
	}
	decided := map[string]bool{}
	for _, l := range acked {
		var a bench.DecisionAck
		if err := json.Unmarshal([]byte(l), &a); err != nil {
			t.Fatalf("acked line %q: %v", l, err)
		}
		if decided[a.TransactionID] {
			t.Errorf("transaction %s acknowledged twice", a.TransactionID)
		}
		decided[a.TransactionID] = true
		var st struct {
			Status   string `json:"status"`
			Decision *struct {
				Outcome   string    `json:"outcome"`
				DecidedAt time.Time `json:"decided_at"`
			} `json:"decision"`
		}
		if code := e.adminCall(http.MethodGet, v1.base+"/admin/transactions/"+a.TransactionID, nil, &st); code != http.StatusOK {
			t.Errorf("acknowledged transaction %s at the survivor: HTTP %d", a.TransactionID, code)
			continue
		}
		switch {
		case st.Status != "decided" || st.Decision == nil || st.Decision.Outcome != "accepted":
			t.Errorf("acknowledged transaction %s at the survivor: %s %+v", a.TransactionID, st.Status, st.Decision)
		case st.Decision.DecidedAt.Unix() != a.DecidedAt:
			t.Errorf("transaction %s: the receipt says decided at %d, the survivor %v: decided again", a.TransactionID, a.DecidedAt, st.Decision.DecidedAt)
		}
	}
	t.Logf("verifier: %d of %d answers acknowledged around the kill", len(acked), answers)
}

// benchKilling runs the built binary with args (a bench pointed at the
// replicas), SIGKILLs victim once ackedFile has atLeast lines, and
// returns the bench's standard output and the lines of ackedFile once it
// has exited. The bench must succeed: some flows did.
func (e *env) benchKilling(victim *replica, ackedFile string, atLeast int, args ...string) ([]byte, []string) {
	e.t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, append(args, "--lang", "en")...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	lines := func() []string {
		b, _ := os.ReadFile(ackedFile)
		return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")[:bytes.Count(b, []byte("\n"))]
	}
	deadline := time.After(2 * time.Minute)
	var err error
wait:
	for {
		select {
		case err = <-exited:
			e.t.Fatalf("%s exited (%v) before %d acknowledgements, with %d: the kill did not fall under load\n%s", args[0], err, atLeast, len(lines()), stderr.String())
		case <-deadline:
			_ = cmd.Process.Kill()
			e.t.Fatalf("%s: %d acknowledgements after 2 minutes\n%s", args[0], len(lines()), stderr.String())
		case <-time.After(2 * time.Millisecond):
			if len(lines()) >= atLeast {
				break wait
			}
		}
	}
	if err := victim.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		e.t.Fatal(err)
	}
	<-victim.done
	select {
	case err = <-exited:
	case <-time.After(2 * time.Minute):
		_ = cmd.Process.Kill()
		e.t.Fatalf("%s still running 2 minutes after the kill: it hangs on the dead replica\n%s", args[0], stderr.String())
	}
	if err != nil {
		e.t.Fatalf("%s after the kill: %v\n%s", args[0], err, stderr.String())
	}
	e.t.Logf("%s: %s", args[0], strings.TrimSpace(stderr.String()))
	return stdout.Bytes(), lines()
}
