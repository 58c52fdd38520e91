package main

// The decision commands against the REAL issuer and verifier
// (wallet_e2e_test.go): share, and the verifier's signed decision is kept,
// listed, shown in plain Dutch (or English with --lang en), checked
// offline, and kept through export and import.

import (
	"crypto/tls"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/issuer"
	"github.com/loopbrug/paspoort/verifier"
	"github.com/loopbrug/paspoort/wallet"
)

func TestWalletDecisionsCLI(t *testing.T) {
	cert, pool := loopbackCert(t)
	rt := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
	admin := &http.Client{Transport: rt, Timeout: 20 * time.Second}
	iss := startRealIssuer(t, cert)
	ver := startRealVerifier(t, cert, rt, iss)

	tmp := t.TempDir()
	caFile := writeFile(t, tmp, "ca.pem", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]})))
	pass := writeFile(t, tmp, "pass", "a long wallet passphrase\n")
	backupPass := writeFile(t, tmp, "bpass", "backup passphrase!\n")
	w1 := []string{"--dir", filepath.Join(tmp, "w"), "--passphrase-file", pass, "--allow-loopback"}
	net1 := append(slices.Clone(w1), "--ca-file", caFile)

	const meetinstrumenten = "http://data.europa.eu/esco/skill/b92758d4-4591-4df1-9ceb-f907aa71ebd9"
	var offer issuer.Offer
	adminJSON(t, admin, http.MethodPost, iss+"/admin/offers", map[string]any{
		"credentials": []map[string]any{
			{"type": "level", "claims": claimsOf(t, "level", nil)},
			{"type": "skill", "claims": claimsOf(t, "skill", map[string]any{"skill": meetinstrumenten, "skill_label": "use measurement instruments"})},
		},
		"tx_code": true, "subject_ref": "decisions-e2e",
	}, &offer)
	mustCLI(t, "", append([]string{"wallet", "init"}, w1...)...)
	mustCLI(t, "", append([]string{"wallet", "receive", offer.OfferURIByReference, "--tx-code", offer.TxCode, "--copies", "2"}, net1...)...)

	// no decisions yet
	if out := mustCLI(t, "", append([]string{"wallet", "decisions"}, w1...)...); !strings.Contains(out, "nog geen besluiten") {
		t.Fatalf("empty list: %s", out)
	}

	// share: the decision comes back signed, is verified and kept
	var req verifier.Request
	adminJSON(t, admin, http.MethodPost, ver+"/admin/transactions", map[string]string{"profile": "installatiemonteur"}, &req)
	out, errOut, code := cli(t, "", append([]string{"wallet", "present", req.RequestURI, "--yes", "--include-optional"}, net1...)...)
	if code != exitOK || !strings.Contains(errOut, "Besluit ontvangen van Installatiebedrijf Van Dijk & Zonen: Aangenomen.") {
		t.Fatalf("present: exit %d: %s", code, errOut)
	}
	var po struct {
		Presentation wallet.Presentation `json:"presentation"`
	}
	decodeJSON(t, "present", out, &po)
	if po.Presentation.Decision == nil || po.Presentation.Decision.Payload.Jti != req.TransactionID {
		t.Fatalf("present printed %+v", po.Presentation)
	}
	id := po.Presentation.ID

	// decisions: a table with date, name (not the DID), title, outcome
	out = mustCLI(t, "", append([]string{"wallet", "decisions"}, w1...)...)
	for _, want := range []string{"ORGANISATIE", "Installatiebedrijf Van Dijk & Zonen", "Monteur verwarmings- en ventilatietechniek", "Aangenomen", id[:8]} {
		if !strings.Contains(out, want) {
			t.Errorf("decisions: no %q in\n%s", want, out)
		}
	}
	var list []wallet.Presentation
	decodeJSON(t, "decisions", mustCLI(t, "", append([]string{"wallet", "decisions", "--json"}, w1...)...), &list)
	if len(list) != 1 || list[0].ID != id || list[0].Decision == nil {
		t.Fatalf("decisions --json %+v", list)
	}

	// show: plain Dutch, the gap and the onboarding plan; nothing technical
	out = mustCLI(t, "", append([]string{"wallet", "decision", "show", id[:10]}, w1...)...)
	for _, want := range []string{"Uitkomst: AANGENOMEN", "Werk- en denkniveau NLQF 2 of hoger (verplicht): VOLDAAN", "NIET AANGETOOND",
		"Wat u nog moet leren:", "install heating boiler (Engels)", "Inwerkplan: Installatiebedrijf Van Dijk & Zonen", " EC", "Eerstvolgende start: "} {
		if !strings.Contains(out, want) {
			t.Errorf("show: no %q in\n%s", want, out)
		}
	}
	for _, leak := range []string{"did:", "http://data.europa.eu", "not_proven", "onboarding_plan", "/vct/"} {
		if strings.Contains(out, leak) {
			t.Errorf("show leaks %q:\n%s", leak, out)
		}
	}
	out = mustCLI(t, "", append([]string{"wallet", "decision", "show", id, "--lang", "en"}, w1...)...)
	for _, want := range []string{"Outcome: HIRED", "Onboarding plan:", "Next start: "} {
		if !strings.Contains(out, want) {
			t.Errorf("show --lang en: no %q in\n%s", want, out)
		}
	}
	var one wallet.Presentation
	decodeJSON(t, "show --json", mustCLI(t, "", append([]string{"wallet", "decision", "show", id, "--json"}, w1...)...), &one)
	if one.ID != id || one.Decision.Payload.Plan == nil || one.Decision.Payload.Plan.Kind != "onboarding_plan" {
		t.Fatalf("show --json %+v", one)
	}

	// verify: offline, signed by the employer
	out = mustCLI(t, "", append([]string{"wallet", "decision", "verify", id[:12]}, w1...)...)
	if !strings.HasPrefix(out, "Handtekening klopt: dit besluit is ondertekend door Installatiebedrijf Van Dijk & Zonen op ") {
		t.Fatalf("verify: %s", out)
	}
	cases := []struct {
		args     []string
		wantCode int
		want     string
	}{
		{[]string{"wallet", "decision", "verify", "ffffffff"}, exitRejected, "FMT: er is geen besluit met nummer \"ffffffff\""},
		{[]string{"wallet", "decision", "show", "ffffffff"}, exitRejected, "paspoort wallet decisions"},
		{[]string{"wallet", "decision", "show", id, "--lang", "de"}, exitUsage, "--lang"},
		{[]string{"wallet", "decision", "verify"}, exitUsage, "arg(s)"},
	}
	for _, tc := range cases {
		_, errOut, code := cli(t, "", append(tc.args, w1...)...)
		if code != tc.wantCode || !strings.Contains(errOut, tc.want) || strings.Contains(errOut, "wallet: ") {
			t.Errorf("%v: exit %d: %s", tc.args, code, errOut)
		}
	}

	// export and import into another folder: the decision comes along and verifies
	backup := filepath.Join(tmp, "backup.jwe")
	mustCLI(t, "", append([]string{"wallet", "export", backup, "--backup-passphrase-file", backupPass}, w1...)...)
	w2 := []string{"--dir", filepath.Join(tmp, "w2"), "--passphrase-file", pass, "--allow-loopback"}
	mustCLI(t, "", append([]string{"wallet", "import", backup, "--backup-passphrase-file", backupPass}, w2...)...)
	if out := mustCLI(t, "", append([]string{"wallet", "decision", "verify", id}, w2...)...); !strings.HasPrefix(out, "Handtekening klopt") {
		t.Fatalf("verify after import: %s", out)
	}
}

// A decision that does not verify is reported with its class, what it
// means and what to do, in the language asked for; the class stays
// available to errors.Is.
func TestDecisionFailedMessage(t *testing.T) {
	for _, tc := range []struct {
		lang, want string
	}{
		{"nl", "SIG: de handtekening van dit besluit klopt niet. Het besluit is na het ondertekenen veranderd, of het is niet door Hogeschool Domstad ondertekend. Vertrouw dit besluit niet; vraag de organisatie om het besluit opnieuw"},
		{"en", "SIG: the signature of this decision is not valid."},
	} {
		err := fmt.Errorf("%w: changed", wallet.ErrDecisionSignature)
		e := &decisionFailed{msg: fmt.Sprintf(dtext(tc.lang, "verify.bad"), credentials.ClassName(err), "Hogeschool Domstad"), err: err}
		if !strings.HasPrefix(e.Error(), tc.want) || !errors.Is(e, credentials.ErrSignature) {
			t.Errorf("%s: %v", tc.lang, e)
		}
		var out strings.Builder
		code := exitOK
		if e != nil {
			out.WriteString(oneLine(e.Error()))
			code = exitRejected
		}
		if code != exitRejected || strings.Contains(out.String(), "wallet:") {
			t.Errorf("%s: %s", tc.lang, out.String())
		}
	}
}
