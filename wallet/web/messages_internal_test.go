package web

import (
	"fmt"
	"strings"
	"testing"

	"github.com/loopbrug/paspoort/credentials/pki"
	"github.com/loopbrug/paspoort/wallet"
)

// An issuer certificate the wallet does not trust, or one out of date,
// each has its own message in Dutch and English, naming the organisation,
// saying nothing was kept and what to do; neither the general offer
// message nor the error's own text is shown.
func TestIssuerCertificateMessages(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		nl, en []string
	}{
		{"untrusted", fmt.Errorf("verify credential copy 0: %w: %w", wallet.ErrIssuerCertificateUntrusted, pki.ErrUntrusted),
			[]string{"Het bewijs van School", "niet komt van een instantie die u vertrouwt", "Er is niets opgeslagen", "Vertrouwt u School wel?", "--issuer-anchors"},
			[]string{"The evidence from School", "does not come from an authority you trust", "Nothing was kept", "Do you trust School?", "--issuer-anchors"}},
		{"expired", fmt.Errorf("verify credential copy 0: %w: %w", wallet.ErrIssuerCertificateExpired, pki.ErrExpired),
			[]string{"waarmee School het bewijs ondertekende is verlopen of nog niet geldig", "Er is niets opgeslagen", "Vraag School om bewijs met een geldig certificaat", "klok"},
			[]string{"The certificate School signed the evidence with has expired", "Nothing was kept", "Ask School for evidence with a valid certificate", "clock"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for lang, want := range map[string][]string{"nl": tc.nl, "en": tc.en} {
				got := receiveMessage(tc.err, lang, "School")
				for _, w := range want {
					if !strings.Contains(got, w) {
						t.Errorf("%s: %q lacks %q", lang, got, w)
					}
				}
				if got == texts[lang]["e_offer"] || strings.Contains(got, "wallet:") || strings.Contains(got, "pki") || strings.Contains(got, "%!") {
					t.Errorf("%s: %q", lang, got)
				}
			}
			// without the organisation's name: "the issuer"
			if got := receiveMessage(tc.err, "nl", ""); !strings.Contains(got, texts["nl"]["the_issuer"]) {
				t.Errorf("no organisation: %q", got)
			}
		})
	}
}
