package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestWalletPortfolio builds an EVC portfolio from the command line: a
// standard found by its Dutch name, an entry whose skill is found by its
// name, a file kept and written out again unchanged, the portfolio issued
// as a self-signed credential, and the refusals a person can run into,
// each with its class and what to do.
func TestWalletPortfolio(t *testing.T) {
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "w")
	pass := writeFile(t, tmp, "pass", "a long wallet passphrase\n")
	mustCLI(t, "", "wallet", "init", "--dir", dir, "--passphrase-file", pass)
	w := func(args ...string) []string {
		return append(append([]string{"wallet", "portfolio"}, args...), "--dir", dir, "--passphrase-file", pass)
	}

	out := mustCLI(t, "", w("new", "sportcoach")...)
	id := regexp.MustCompile(`Portfolio ([a-z2-7]{26}) gemaakt voor: sportcoach`).FindStringSubmatch(out)
	if id == nil || !strings.Contains(out, "instruct in sport (Engelse naam)") {
		t.Fatalf("new: %s", out)
	}
	out = mustCLI(t, "", w("add", id[1], "--skill", "instruct in sport", "--statement", "Ik geef twee keer per week training aan de jeugd.",
		"--context", "Vrijwillig jeugdtrainer bij SV Domstad", "--from", "2014-08-01")...)
	if !strings.Contains(out, "Onderdeel 1 toegevoegd: instruct in sport") {
		t.Fatalf("add: %s", out)
	}
	plan := bytes.Repeat([]byte("week 1: passen en trappen\n"), 40)
	file := writeFile(t, tmp, "trainingsplan.txt", string(plan))
	if out := mustCLI(t, "", w("attach", id[1], "--entry", "1", file)...); !strings.Contains(out, "Bestand trainingsplan.txt bewaard bij onderdeel 1") {
		t.Fatalf("attach: %s", out)
	}
	back := filepath.Join(tmp, "terug.txt")
	mustCLI(t, "", w("export-file", id[1], "--entry", "1", "--out", back)...)
	if got, err := os.ReadFile(back); err != nil || !bytes.Equal(got, plan) {
		t.Fatalf("export-file wrote %d bytes, %v", len(got), err)
	}
	if out := mustCLI(t, "", w("show", id[1])...); !strings.Contains(out, "Vrijwillig jeugdtrainer bij SV Domstad (sinds 2014-08-01)") || !strings.Contains(out, "bestand: trainingsplan.txt") {
		t.Fatalf("show: %s", out)
	}

	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"unknown standard", w("new", "astronaut"), exitUsage, "geen beroep gevonden"},
		{"crebo without a name", w("new", "25698"), exitRejected, "CLAIM: geef de naam van kwalificatiedossier 25698"},
		{"same skill again", w("add", id[1], "--skill", "instruct in sport", "--statement", "nog eens", "--context", "elders", "--from", "2015-01-01"), exitRejected, "CLAIM: er is al een onderdeel voor deze vaardigheid"},
		{"end before start", w("add", id[1], "--skill", "motivate in sports", "--statement", "motiveren", "--context", "club", "--from", "2015-01-01", "--until", "2014-01-01"), exitRejected, "ligt voor de begindatum"},
		{"no entry number", w("attach", id[1], file), exitUsage, "--entry"},
		{"no such entry", w("attach", id[1], "--entry", "7", file), exitRejected, "er is geen onderdeel 7"},
		{"no such portfolio", w("show", "abcdefghijklmnopqrstuvwxyz"), exitRejected, "portfolio list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errOut, code := cli(t, "", tt.args...)
			if code != tt.code || !strings.Contains(errOut, tt.stderr) {
				t.Fatalf("exit %d: %s", code, errOut)
			}
		})
	}

	if out := mustCLI(t, "", w("issue", id[1])...); !strings.Contains(out, "Portfolio uitgegeven als bewijs") || !strings.Contains(out, "2 kopieën") {
		t.Fatalf("issue: %s", out)
	}
	if _, errOut, code := cli(t, "", w("attach", id[1], "--entry", "1", file)...); code != exitRejected || !strings.Contains(errOut, "al uitgegeven") {
		t.Fatalf("attach after issue: exit %d: %s", code, errOut)
	}
	if out := mustCLI(t, "", w("list")...); !strings.Contains(out, "sportcoach  1 onderdelen  (uitgegeven)") {
		t.Fatalf("list: %s", out)
	}
	if out := mustCLI(t, "", "wallet", "list", "--dir", dir, "--passphrase-file", pass); !strings.Contains(out, "EVC-portfolio") {
		t.Fatalf("wallet list: %s", out)
	}
}
