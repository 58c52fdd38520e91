package devstack_test

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/loopbrug/paspoort/devstack"
	"github.com/loopbrug/paspoort/wallet"
)

// startStack starts a stack on random ports in dir and stops it when the
// test ends.
func startStack(t *testing.T, dir string, serveWallet bool) *devstack.Stack {
	t.Helper()
	return startStackOn(t, dir, serveWallet, devstack.ProfileDID)
}

// startStackOn is startStack on a profile (devstack.ProfileHAIP, …).
func startStackOn(t *testing.T, dir string, serveWallet bool, profile string) *devstack.Stack {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s, err := devstack.New(ctx, devstack.Options{Dir: dir, ServeWallet: serveWallet, Profile: profile})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	return s
}

// The whole story over real HTTPS between real services with badger
// stores: every step verified, admission with a learning plan, hiring; in
// plain Dutch by default and in English.
func TestDemo(t *testing.T) {
	tests := []struct {
		lang string
		want []string
	}{
		{"nl", []string{
			"gecontroleerd en bewaard: Werk- en denkniveau van Assessment Centrum Loopbrug",
			"gecontroleerd en bewaard: Werkervaring van NS Reizigers",
			"haar wallet volgt het register van Loopbrug Domstad",
			"volgens het register: Stedelijk College Domstad (werving), lid van Loopbrug Domstad",
			"Uitzendbureau Snelwerk vraagt ook gegevens, maar staat in geen register",
			"haar wallet weigert het verzoek",
			"besluit van Hogeschool Domstad: AKKOORD",
			"nog te leren: ",
			"leerplan (Hogeschool Domstad",
			"volgende instroom:",
			"besluit van Stedelijk College Domstad: AKKOORD",
			"Elke stap is gecontroleerd",
		}},
		{"en", []string{
			"verified and stored: Working and thinking level from Assessment Centrum Loopbrug",
			"verified and stored: Work experience from NS Reizigers",
			"decision of Hogeschool Domstad: ACCEPTED",
			"learning plan",
			"next intake:",
			"verified and stored: Completed learning from Hogeschool Domstad",
			"decision of Stedelijk College Domstad: ACCEPTED",
			"Every step verified",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			s := startStack(t, t.TempDir(), false)
			var out bytes.Buffer
			if err := devstack.Demo(context.Background(), s, &out, tt.lang); err != nil {
				t.Fatalf("demo: %v\n%s", err, out.String())
			}
			for _, want := range tt.want {
				if !strings.Contains(out.String(), want) {
					t.Errorf("output lacks %q\n%s", want, out.String())
				}
			}
			if tt.lang == "nl" {
				for _, english := range []string{"verified", "decision", "learning plan", "score", "required"} {
					if strings.Contains(out.String(), english) {
						t.Errorf("Dutch story says %q", english)
					}
				}
			}
		})
	}
}

// Willem's story: from WW through EVC to admission, over real HTTPS
// between real services: the portfolio reviewed into an
// Ervaringscertificaat, admission on assessor-level evidence with his
// months as a coach summed across two credentials and no club name
// shared, a plan that starts now, and the training budget refused the
// second time.
func TestDemoWillem(t *testing.T) {
	s := startStack(t, t.TempDir(), false)
	var out bytes.Buffer
	if err := devstack.RunStory(context.Background(), s, &out, "nl", devstack.StoryWillem); err != nil {
		t.Fatalf("demo: %v\n%s", err, out.String())
	}
	for _, want := range []string{
		"portfolio door Willem zelf ondertekend",
		"besluit van EVC Centrum Domstad: AKKOORD",
		"instruct in sport: aangetoond, niveau 4",
		"gecontroleerd en bewaard: Ervaringscertificaat (EVC) van EVC Centrum Domstad",
		"gecontroleerd en bewaard: Leerbudget van UWV",
		"besluit van Hogeschool Domstad: AKKOORD",
		"hij kan direct beginnen",
		"de naam van de club is niet gedeeld",
		"het leerbudget al gebruikt is: niet meegeteld",
		"gecontroleerd en bewaard: Werkplekleren van Basisschool De Regenboog",
		"Elke stap is gecontroleerd: Willem",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q\n%s", want, out.String())
		}
	}
	// From August 2014 to today, the 2018–2019 overlap counted once.
	if !regexp.MustCompile(`1[4-9]\d maanden als sportcoach, uit 2 bewijzen`).MatchString(out.String()) {
		t.Errorf("no aggregate of two credentials\n%s", out.String())
	}
	if strings.Contains(out.String(), "Miranda") {
		t.Errorf("Willem's story names Miranda\n%s", out.String())
	}
}

// Both stories on the HAIP profile: every credential received over the
// authorization code flow (PAR, PKCE, DPoP, the holder signing in on the
// issuer's page, a Wallet Attestation and a Key Attestation from the
// wallet provider), signed with x5c under the development anchor; every
// presentation to a verifier identified by x509_hash, over
// direct_post.jwt, trusting the register's issuers as the anchor
// certifies them. The outcomes are those of the DID profile.
func TestDemoHAIP(t *testing.T) {
	for _, tc := range []struct {
		story string
		want  []string
	}{
		{devstack.StoryMiranda, []string{
			"zij meldt zich aan op de pagina van Assessment Centrum Loopbrug",
			"gecontroleerd en bewaard: Werk- en denkniveau van Assessment Centrum Loopbrug",
			"besluit van Hogeschool Domstad: AKKOORD",
			"besluit van Stedelijk College Domstad: AKKOORD",
			"Elke stap is gecontroleerd",
		}},
		{devstack.StoryWillem, []string{
			"hij meldt zich aan op de pagina van SV Domstad",
			"besluit van EVC Centrum Domstad: AKKOORD",
			"besluit van Hogeschool Domstad: AKKOORD",
			"het leerbudget al gebruikt is: niet meegeteld",
			"Elke stap is gecontroleerd: Willem",
		}},
	} {
		t.Run(tc.story, func(t *testing.T) {
			s := startStackOn(t, t.TempDir(), false, devstack.ProfileHAIP)
			var out bytes.Buffer
			if err := devstack.RunStory(context.Background(), s, &out, "nl", tc.story); err != nil {
				t.Fatalf("demo: %v\n%s", err, out.String())
			}
			for _, want := range tc.want {
				if !strings.Contains(out.String(), want) {
					t.Errorf("output lacks %q\n%s", want, out.String())
				}
			}
			for _, v := range s.Verifiers {
				if !strings.HasPrefix(v.Verifier.ClientID(), "x509_hash:") {
					t.Errorf("verifier %s has client_id %s", v.Key, v.Verifier.ClientID())
				}
			}
			if tc.story != devstack.StoryMiranda {
				return
			}
			w, err := wallet.OpenDir(context.Background(), s.Wallet.Dir, []byte(s.Wallet.Passphrase), s.WalletOptions()...)
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			cs := w.Credentials()
			if len(cs) == 0 {
				t.Fatal("Miranda's wallet is empty")
			}
			for _, c := range cs {
				if len(c.AuthorityKeyIDs) == 0 {
					t.Errorf("%s from %s was not received as certified by the anchor (no x5c chain)", c.Type, c.IssuerName)
				}
			}
		})
	}
}
