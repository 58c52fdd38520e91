package main

// The wallet's command line against the REAL issuer and the REAL verifier
// (wallet_e2e_test.go) over TLS on 127.0.0.1, trusted only through
// --ca-file: everything a script does, through run(), asserting exit codes
// and JSON outputs.

import (
	"crypto/tls"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials/profile"
	"github.com/loopbrug/paspoort/issuer"
	"github.com/loopbrug/paspoort/verifier"
)

// listEntry is the contract of "wallet list --json".
type listEntry struct {
	ID       string    `json:"id"`
	Type     string    `json:"type"`
	VCT      string    `json:"vct"`
	Issuer   string    `json:"issuer"`
	IssuedAt time.Time `json:"issued_at"`
	Status   string    `json:"status"`
}

// presentOutput is what "wallet present" prints and "wallet history
// --json" lists.
type presentOutput struct {
	Presentation historyEntry `json:"presentation"`
}

type historyEntry struct {
	ID          string    `json:"id"`
	Time        time.Time `json:"time"`
	Verifier    string    `json:"verifier"`
	Outcome     string    `json:"outcome"`
	Credentials []struct {
		CredentialID string   `json:"credential_id"`
		QueryID      string   `json:"query_id"`
		VCT          string   `json:"vct"`
		Issuer       string   `json:"issuer"`
		Claims       []string `json:"claims"`
	} `json:"credentials"`
}

func decodeJSON(t *testing.T, what, out string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("%s: %v: %s", what, err, out)
	}
}

// An overstapper's whole wallet on the command line: init; receive an offer
// (by reference, with a tx_code, level and skill) from the real issuer over
// https trusted through --ca-file (refused without it, a --ca-file that is
// no certificate is a usage error); list --json with the contract fields,
// every credential valid against the issuer's status list; present to the
// real verifier (did:web client, signed request, encrypted response) with
// --yes --include-optional, and the verifier decides on both credentials;
// history --json; export, import into a second folder, and present from
// there; a redirect_uri: verifier on plain http only with
// --allow-redirect-uri-verifiers.
func TestWalletCLIWithRealIssuerAndVerifier(t *testing.T) {
	cert, pool := loopbackCert(t)
	rt := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
	admin := &http.Client{Transport: rt, Timeout: 20 * time.Second}
	iss := startRealIssuer(t, cert)
	ver := startRealVerifier(t, cert, rt, iss)

	tmp := t.TempDir()
	caFile := writeFile(t, tmp, "ca.pem", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]})))
	pass := writeFile(t, tmp, "pass", "a long wallet passphrase\n")
	pass2 := writeFile(t, tmp, "pass2", "the other machine's passphrase\n")
	backupPass := writeFile(t, tmp, "bpass", "backup passphrase!\n")
	dir, dir2 := filepath.Join(tmp, "w"), filepath.Join(tmp, "w2")
	w1 := []string{"--dir", dir, "--passphrase-file", pass, "--allow-loopback"}
	net1 := append(slices.Clone(w1), "--ca-file", caFile)

	const meetinstrumenten = "http://data.europa.eu/esco/skill/b92758d4-4591-4df1-9ceb-f907aa71ebd9"
	var offer issuer.Offer
	adminJSON(t, admin, http.MethodPost, iss+"/admin/offers", map[string]any{
		"credentials": []map[string]any{
			{"type": "level", "claims": claimsOf(t, "level", nil)},
			{"type": "skill", "claims": claimsOf(t, "skill", map[string]any{"skill": meetinstrumenten, "skill_label": "use measurement instruments"})},
		},
		"tx_code": true, "subject_ref": "cli-e2e",
	}, &offer)
	if offer.TxCode == "" || offer.OfferURIByReference == "" {
		t.Fatalf("offer %+v", offer)
	}

	mustCLI(t, "", append([]string{"wallet", "init"}, w1...)...)

	// receive: the issuer's certificate is trusted only through --ca-file
	receive := []string{"wallet", "receive", offer.OfferURIByReference, "--tx-code", offer.TxCode, "--copies", "2"}
	if _, errOut, code := cli(t, "", append(slices.Clone(receive), w1...)...); code != exitRejected || !strings.Contains(errOut, "TRUST: het certificaat") || !strings.Contains(errOut, "--ca-file") {
		t.Fatalf("receive without --ca-file: exit %d: %s", code, errOut)
	}
	if _, errOut, code := cli(t, "", append(slices.Clone(receive), append(slices.Clone(w1), "--ca-file", pass)...)...); code != exitUsage || !strings.Contains(errOut, "--ca-file") {
		t.Fatalf("receive with a --ca-file that holds no certificate: exit %d: %s", code, errOut)
	}
	if out := mustCLI(t, "", append([]string{"wallet", "list", "--json", "--offline"}, w1...)...); strings.TrimSpace(out) != "[]" {
		t.Fatalf("refused receives stored something: %s", out)
	}
	out := mustCLI(t, "", append(slices.Clone(receive), net1...)...)
	ids := strings.Fields(out)
	if len(ids) != 2 {
		t.Fatalf("receive printed %q", out)
	}

	// list --json: the contract fields, every copy checked VALID
	var list []listEntry
	decodeJSON(t, "list", mustCLI(t, "", append([]string{"wallet", "list", "--json"}, net1...)...), &list)
	types := map[string]string{}
	for _, e := range list {
		if !slices.Contains(ids, e.ID) || e.Issuer != iss || e.Status != "valid" || e.IssuedAt.IsZero() || !strings.Contains(e.VCT, "/vct/"+e.Type+"/") {
			t.Fatalf("list entry %+v (received %v, issuer %s)", e, ids, iss)
		}
		types[e.Type] = e.ID
	}
	if len(list) != 2 || types["level"] == "" || types["skill"] == "" {
		t.Fatalf("list %+v", list)
	}

	// present to the real verifier
	present := func(args ...string) (presentOutput, verifier.Status) {
		t.Helper()
		var req verifier.Request
		adminJSON(t, admin, http.MethodPost, ver+"/admin/transactions", map[string]string{"profile": "installatiemonteur"}, &req)
		var po presentOutput
		decodeJSON(t, "present", mustCLI(t, "", append([]string{"wallet", "present", req.RequestURI, "--yes", "--include-optional"}, args...)...), &po)
		var st verifier.Status
		adminJSON(t, admin, http.MethodGet, ver+"/admin/transactions/"+req.TransactionID+"?wait=5s", nil, &st)
		return po, st
	}
	checkDecision := func(st verifier.Status) {
		t.Helper()
		if st.Decision == nil || len(st.Decision.Rejected) != 0 || len(st.Decision.Credentials) != 2 {
			t.Fatalf("decision %+v", st)
		}
		met := map[string]bool{}
		for _, r := range st.Decision.Requirements {
			met[r.ID] = r.Status == profile.StatusMet
		}
		if !met["werk-en-denkniveau"] || !met["meetinstrumenten"] {
			t.Fatalf("requirements %+v", st.Decision.Requirements)
		}
	}
	po, st := present(net1...)
	checkDecision(st)
	if po.Presentation.Outcome != "sent" || !strings.HasPrefix(po.Presentation.Verifier, "decentralized_identifier:did:web:127.0.0.1") || len(po.Presentation.Credentials) != 2 {
		t.Fatalf("present printed %+v", po)
	}

	// history --json: the presentation, with what was disclosed from which credential
	var hist []historyEntry
	decodeJSON(t, "history", mustCLI(t, "", append([]string{"wallet", "history", "--json"}, w1...)...), &hist)
	if len(hist) != 1 || hist[0].ID != po.Presentation.ID || hist[0].Verifier != po.Presentation.Verifier || hist[0].Outcome != "sent" || len(hist[0].Credentials) != 2 {
		t.Fatalf("history %+v", hist)
	}
	for _, s := range hist[0].Credentials {
		if !slices.Contains(ids, s.CredentialID) || s.Issuer != iss || len(s.Claims) == 0 {
			t.Fatalf("history entry %+v", s)
		}
	}

	// export, import into a second folder (another machine), present from there
	backup := filepath.Join(tmp, "backup.jwe")
	mustCLI(t, "", append([]string{"wallet", "export", backup, "--backup-passphrase-file", backupPass}, w1...)...)
	w2 := []string{"--dir", dir2, "--passphrase-file", pass2, "--allow-loopback"}
	var imp struct {
		Imported []string `json:"imported"`
		History  int      `json:"history"`
	}
	decodeJSON(t, "import", mustCLI(t, "", append([]string{"wallet", "import", backup, "--backup-passphrase-file", backupPass}, w2...)...), &imp)
	if slices.Sort(imp.Imported); len(imp.Imported) != 2 || imp.History != 1 {
		t.Fatalf("import %+v", imp)
	}
	var list2 []listEntry
	decodeJSON(t, "list", mustCLI(t, "", append([]string{"wallet", "list", "--json"}, append(slices.Clone(w2), "--ca-file", caFile)...)...), &list2)
	if len(list2) != 2 || list2[0].Status != "valid" || list2[1].Status != "valid" {
		t.Fatalf("imported list %+v", list2)
	}
	po2, st2 := present(append(slices.Clone(w2), "--ca-file", caFile)...)
	checkDecision(st2)
	if len(po2.Presentation.Credentials) != 2 {
		t.Fatalf("present from the imported wallet printed %+v", po2)
	}

	// a paspoort dev verifier: redirect_uri: client, unsigned request, plain http
	dev := startVerifier(t, nil, rt, iss)
	var req verifier.Request
	adminJSON(t, admin, http.MethodPost, dev+"/admin/transactions", map[string]string{"profile": "installatiemonteur"}, &req)
	if _, errOut, code := cli(t, "", append([]string{"wallet", "present", req.RequestURI, "--yes", "--include-optional"}, net1...)...); code != exitRejected || !strings.Contains(errOut, "niet ondertekend") || !strings.Contains(errOut, "--allow-redirect-uri-verifiers") {
		t.Fatalf("redirect_uri verifier without --allow-redirect-uri-verifiers: exit %d: %s", code, errOut)
	}
	var none verifier.Status
	adminJSON(t, admin, http.MethodGet, dev+"/admin/transactions/"+req.TransactionID, nil, &none)
	if none.Decision != nil {
		t.Fatalf("the wallet sent something to a refused verifier: %+v", none)
	}
	adminJSON(t, admin, http.MethodPost, dev+"/admin/transactions", map[string]string{"profile": "installatiemonteur"}, &req)
	decodeJSON(t, "present", mustCLI(t, "", append([]string{"wallet", "present", req.RequestURI, "--yes", "--include-optional", "--allow-redirect-uri-verifiers"}, net1...)...), &po)
	adminJSON(t, admin, http.MethodGet, dev+"/admin/transactions/"+req.TransactionID+"?wait=5s", nil, &st)
	checkDecision(st)
	if !strings.HasPrefix(po.Presentation.Verifier, "redirect_uri:http://127.0.0.1") {
		t.Fatalf("present printed %+v", po)
	}
}
