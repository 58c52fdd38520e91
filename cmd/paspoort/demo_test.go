package main

import (
	"strings"
	"testing"
)

// paspoort demo runs the whole story in-process and exits 0 with every key
// step printed; a bad flag is a usage error.
func TestDemoCommand(t *testing.T) {
	out, errOut, code := cli(t, "", "demo", "--data", t.TempDir(), "--lang", "en")
	if code != 0 {
		t.Fatalf("demo: exit %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{
		"verified and stored: Talents from Assessment Centrum Loopbrug",
		"verified and stored: Drives from Assessment Centrum Loopbrug",
		"verified and stored: Working and thinking level from Assessment Centrum Loopbrug",
		"verified and stored: Work experience from NS Reizigers",
		"her wallet follows the register of Loopbrug Domstad",
		"according to the register: Hogeschool Domstad (admission), member of Loopbrug Domstad",
		"Uitzendbureau Snelwerk asks too, but is in no register",
		"her wallet refuses the request",
		"her wallet says: accepted (nothing was sent)",
		"gap: give constructive feedback",
		"decision of Hogeschool Domstad: ACCEPTED",
		"learning plan (Hogeschool Domstad",
		"next intake: ",
		"verified and stored: Completed learning from Hogeschool Domstad",
		"decision of Stedelijk College Domstad: ACCEPTED",
		"hired: ",
		"Every step verified",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	if _, _, code := cli(t, "", "demo", "--lang", "fr"); code != exitUsage {
		t.Errorf("--lang fr: exit %d, want %d", code, exitUsage)
	}
}
