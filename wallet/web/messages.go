package web

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/oid4vci"
	"github.com/loopbrug/paspoort/credentials/oid4vp"
	"github.com/loopbrug/paspoort/credentials/registry"
	"github.com/loopbrug/paspoort/wallet"
)

// messageFor says in words a person can act on what err means, in lang:
// what happened and what to do next. org names the organisation
// concerned ("" for the issuer in general). It never shows the error's
// own text, which is for logs.
func messageFor(err error, lang, org string) string {
	t := texts[lang]
	if org == "" {
		org = t["the_issuer"]
	}
	if m := signinMessage(err, t, org); m != "" {
		return m
	}
	var te *wallet.TxCodeError
	switch {
	case errors.As(err, &te) && te.AttemptsLeft == 0:
		return fmt.Sprintf(t["e_locked"], org)
	case errors.As(err, &te) && te.AttemptsLeft > 0:
		return fmt.Sprintf(t["e_tx_code"], te.AttemptsLeft)
	case errors.Is(err, wallet.ErrWrongTxCode), errors.Is(err, wallet.ErrTxCodeRequired):
		return t["e_tx_code_n"]
	case errors.Is(err, wallet.ErrOfferExpired):
		return fmt.Sprintf(t["e_expired"], org)
	case errors.Is(err, wallet.ErrOfferUsed):
		return fmt.Sprintf(t["e_used"], org)
	case errors.Is(err, wallet.ErrLoopbackRefused):
		return t["e_loopback"]
	case errors.Is(err, wallet.ErrIssuerCertificateExpired):
		return fmt.Sprintf(t["e_issuer_cert_exp"], org, org)
	case errors.Is(err, wallet.ErrIssuerCertificateUntrusted):
		return fmt.Sprintf(t["e_issuer_cert"], org, org)
	case errors.Is(err, wallet.ErrUntrustedCertificate):
		return t["e_cert"]
	case errors.Is(err, wallet.ErrIssuerUnreachable):
		return t["e_unreachable"]
	case errors.Is(err, wallet.ErrNoUsableCopy):
		return t["e_no_copy"]
	case errors.Is(err, wallet.ErrUsedCopyRefused):
		return t["used_refused"]
	case errors.Is(err, oid4vci.ErrInvalidOffer):
		return t["e_link"]
	case errors.Is(err, oid4vp.ErrInvalidRequest) && errors.Is(err, credentials.ErrFormat):
		return t["e_request"]
	}
	return ""
}

// receiveMessage is the message of a failed offer: messageFor, else the
// offer cannot be trusted.
func receiveMessage(err error, lang, org string) string {
	if m := messageFor(err, lang, org); m != "" {
		return m
	}
	if errors.Is(err, credentials.ErrFetch) {
		return texts[lang]["e_unreachable"]
	}
	return texts[lang]["e_offer"]
}

// shareMessage is the message of a failed request or presentation.
func shareMessage(err error, lang string) string {
	var oa *wallet.OverAskingError
	switch {
	case errors.As(err, &oa):
		return fmt.Sprintf(texts[lang]["e_overask"], oa.Verifier, oa.Consortium, strings.Join(oa.ClaimWords(lang), "; "), oa.Verifier)
	case errors.Is(err, registry.ErrForeignRegistration):
		return texts[lang]["e_foreign"]
	case errors.Is(err, registry.ErrNotRegistered):
		return texts[lang]["e_unlisted"]
	case errors.Is(err, wallet.ErrVerifierUntrusted):
		return texts[lang]["e_verifier_cert"]
	}
	if m := messageFor(err, lang, ""); m != "" {
		return m
	}
	if errors.Is(err, credentials.ErrFetch) {
		return texts[lang]["e_unreachable"]
	}
	return texts[lang]["e_request"]
}

// className is err's SECURITY.md class, for logs.
func className(err error) string { return credentials.ClassName(err) }

// hostOf is the host of a URL, or the URL when it has none.
func hostOf(u string) string {
	if p, err := url.Parse(u); err == nil && p.Hostname() != "" {
		return p.Hostname()
	}
	return u
}
