package web

import (
	"fmt"
	"strings"
	"testing"

	"github.com/loopbrug/paspoort/wallet"
)

// Each way a sign-in at the issuer can fail has its own message, in
// Dutch and English, naming the organisation and what to do next; the
// error's own text is not in it.
func TestSigninMessages(t *testing.T) {
	tests := []struct {
		err      error
		nl, en   string
		noErrTxt string
	}{
		{wallet.ErrAuthorizationDenied, "U heeft het aanbod geweigerd op de website van School", "You declined the offer on the website of School", "refused"},
		{fmt.Errorf("%w: another state", wallet.ErrAuthorizationResponse), "Het antwoord dat terugkwam van School hoort niet bij uw aanvraag", "does not belong to your request", "state"},
		{fmt.Errorf("start: %w", wallet.ErrNoWalletProvider), "School vraagt een verklaring van de aanbieder van uw wallet", "(--wallet-provider)", "attestation"},
	}
	for _, tc := range tests {
		t.Run(tc.err.Error(), func(t *testing.T) {
			for lang, want := range map[string]string{"nl": tc.nl, "en": tc.en} {
				got := receiveMessage(tc.err, lang, "School")
				if !strings.Contains(got, want) || strings.Contains(got, tc.noErrTxt) || strings.Contains(got, "wallet:") {
					t.Errorf("%s: %q", lang, got)
				}
			}
		})
	}
}
