package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/oid4vci"
	"github.com/loopbrug/paspoort/credentials/oid4vp"
	"github.com/loopbrug/paspoort/credentials/registry"
	"github.com/loopbrug/paspoort/wallet"
)

// personError is an error told to a person: its class, what happened and
// what to do, in the language of the command line. The error underneath
// stays reachable with errors.Is and errors.As; its Go text is not shown.
type personError struct {
	text string
	err  error
}

func (e *personError) Error() string { return e.text }
func (e *personError) Unwrap() error { return e.err }

func tell(err error, nl, en string) error {
	class := credentials.ClassName(err)
	if class == "" {
		class = "FMT"
	}
	return &personError{text: class + ": " + msg(nl, en), err: err}
}

// receiveError says what a failed receive means and which step or flag
// fixes it. org is the issuer's name.
func receiveError(err error, org string) error {
	if err == nil {
		return nil
	}
	var te *wallet.TxCodeError
	switch {
	case errors.As(err, &te) && te.AttemptsLeft == 0:
		return tell(err, fmt.Sprintf("de pincode was te vaak fout; dit aanbod werkt niet meer. Vraag %s om een nieuw aanbod.", org),
			fmt.Sprintf("the PIN was wrong too often; this offer no longer works. Ask %s for a new offer.", org))
	case errors.As(err, &te) && te.AttemptsLeft > 0:
		return tell(err, fmt.Sprintf("de pincode klopt niet. U kunt het nog %d keer proberen: geef de juiste met --tx-code.", te.AttemptsLeft),
			fmt.Sprintf("the PIN is not right. You can try %d more times: give the right one with --tx-code.", te.AttemptsLeft))
	case errors.Is(err, wallet.ErrWrongTxCode), errors.Is(err, wallet.ErrTxCodeRequired):
		return tell(err, "de pincode klopt niet of ontbreekt: geef de pincode die u apart kreeg met --tx-code.",
			"the PIN is wrong or missing: give the PIN you were sent with --tx-code.")
	case errors.Is(err, wallet.ErrOfferExpired):
		return tell(err, fmt.Sprintf("dit aanbod is verlopen. Vraag %s om een nieuw aanbod.", org), fmt.Sprintf("this offer has expired. Ask %s for a new offer.", org))
	case errors.Is(err, wallet.ErrOfferUsed):
		return tell(err, fmt.Sprintf("dit aanbod is al gebruikt of bestaat niet meer. Vraag %s om een nieuw aanbod.", org),
			fmt.Sprintf("this offer was already used or no longer exists. Ask %s for a new offer.", org))
	case errors.Is(err, wallet.ErrLoopbackRefused):
		return tell(err, "de link wijst naar deze computer (127.0.0.1/localhost). Dat mag alleen in een testomgeving: geef --allow-loopback.",
			"the link points at this computer (127.0.0.1/localhost). That is for test environments only: give --allow-loopback.")
	case errors.Is(err, wallet.ErrIssuerCertificateExpired):
		return tell(err, fmt.Sprintf("het certificaat waarmee %s het bewijs ondertekende is verlopen of nog niet geldig; er is niets opgeslagen. Vraag %s om bewijs met een geldig certificaat, of controleer de klok van deze computer.", org, org),
			fmt.Sprintf("the certificate %s signed the evidence with has expired or is not valid yet; nothing was kept. Ask %s for evidence with a valid certificate, or check this computer's clock.", org, org))
	case errors.Is(err, wallet.ErrIssuerCertificateUntrusted):
		return tell(err, fmt.Sprintf("het certificaat waarmee %s het bewijs ondertekende komt niet van een uitgever die u vertrouwt; er is niets opgeslagen. Vertrouwt u deze uitgever wel, geef dan het stamcertificaat met --issuer-anchors.", org),
			fmt.Sprintf("the certificate %s signed the evidence with does not come from an authority you trust; nothing was kept. If you do trust this issuer, give its root certificate with --issuer-anchors.", org))
	case errors.Is(err, wallet.ErrUntrustedCertificate):
		return tell(err, "het certificaat van de organisatie wordt niet vertrouwd. Gebruikt u een testomgeving, geef dan het CA-certificaat met --ca-file (bij paspoort dev: DATA/tls/ca.pem).",
			"the organisation's certificate is not trusted. In a test environment, give its CA certificate with --ca-file (with paspoort dev: DATA/tls/ca.pem).")
	case errors.Is(err, wallet.ErrIssuerUnreachable):
		return tell(err, "de organisatie is niet bereikbaar. Controleer de link en uw internetverbinding en probeer het later opnieuw.",
			"the organisation cannot be reached. Check the link and your internet connection, and try again later.")
	case errors.Is(err, wallet.ErrNoWalletProvider):
		return tell(err, fmt.Sprintf("%s vraagt een verklaring van de aanbieder van uw wallet; die is niet ingesteld. Geef het adres van uw walletaanbieder met --wallet-provider.", org),
			fmt.Sprintf("%s asks for a statement from your wallet's provider, and none is set. Give your wallet provider's URL with --wallet-provider.", org))
	case errors.Is(err, oid4vci.ErrInvalidOffer):
		return tell(err, "dit is geen geldige link van een aanbod. Kopieer de hele link (openid-credential-offer://…) opnieuw.",
			"this is not a valid offer link. Copy the whole link (openid-credential-offer://…) again.")
	}
	return tell(err, "het bewijs is niet ontvangen; er is niets opgeslagen. Vraag de organisatie om een nieuw aanbod.",
		"the evidence was not received; nothing was kept. Ask the organisation for a new offer.")
}

// shareError says what a failed request or presentation means.
func shareError(err error) error {
	if err == nil {
		return nil
	}
	var oa *wallet.OverAskingError
	switch {
	case errors.Is(err, wallet.ErrLoopbackRefused), errors.Is(err, wallet.ErrUntrustedCertificate), errors.Is(err, wallet.ErrIssuerUnreachable):
		return receiveError(err, "")
	case errors.Is(err, wallet.ErrNoUsableCopy):
		return tell(err, "dit bewijs is ingetrokken of verlopen; er is niets gedeeld. Vraag de uitgever om nieuw bewijs.",
			"this evidence is revoked or expired; nothing was shared. Ask the issuer for new evidence.")
	case errors.Is(err, wallet.ErrUsedCopyRefused):
		return tell(err, "alle kopieën van dit bewijs zijn al eens gedeeld; er is niets gedeeld. Vraag de uitgever om nieuwe kopieën.",
			"every copy of this evidence was shared before; nothing was shared. Ask the issuer for new copies.")
	case errors.Is(err, wallet.ErrNotSatisfiable):
		return tell(err, "u heeft niets van wat gevraagd wordt; er is niets gedeeld.", "you hold nothing that is asked for; nothing was shared.")
	case errors.Is(err, wallet.ErrVerifierUntrusted):
		return tell(err, "de wallet kon niet nagaan welke organisatie dit verzoek stuurt: haar certificaat is niet uitgegeven door een instantie die u vertrouwt, of is verlopen. Er is niets gedeeld. Vraag de organisatie om uitleg, of geef het vertrouwde basiscertificaat met --verifier-anchors.",
			"the wallet could not check which organisation sends this request: its certificate was not issued by an authority you trust, or has expired. Nothing was shared. Ask the organisation, or give the trusted root certificate with --verifier-anchors.")
	case errors.Is(err, oid4vp.ErrUnsigned):
		return tell(err, "het verzoek is niet ondertekend, dus niet na te gaan wie het stuurt; er is niets gedeeld. Alleen voor een testomgeving: geef --allow-redirect-uri-verifiers.",
			"the request is not signed, so who sent it cannot be checked; nothing was shared. For a test environment only: give --allow-redirect-uri-verifiers.")
	case errors.As(err, &oa):
		return tell(err, fmt.Sprintf("%s vraagt meer dan waarvoor zij in het register van %s staat (%s); er is niets getoond en niets gedeeld. Vraag de organisatie waarom.",
			oa.Verifier, oa.Consortium, claimList(oa)),
			fmt.Sprintf("%s asks for more than %s registered it for (%s); nothing was shown and nothing shared. Ask the organisation why.",
				oa.Verifier, oa.Consortium, claimList(oa)))
	case errors.Is(err, registry.ErrForeignRegistration):
		return tell(err, "het verzoek toont de inschrijving van een andere organisatie in een register: het is niet te vertrouwen. Er is niets gedeeld.",
			"the request shows another organisation's entry in a register: it cannot be trusted. Nothing was shared.")
	case errors.Is(err, registry.ErrNotRegistered):
		return tell(err, "het verzoek zegt dat de organisatie in een register staat dat u volgt, maar daar staat zij niet in. Er is niets gedeeld.",
			"the request says the organisation is in a register you follow, but it is not. Nothing was shared.")
	case errors.Is(err, wallet.ErrSelection):
		return tell(err, "die keuze past niet bij het verzoek: kijk de query-namen en credential-ids bij --select na (wallet present toont ze).",
			"that choice does not fit the request: check the query names and credential ids given to --select (wallet present lists them).")
	}
	return tell(err, "het verzoek is niet te vertrouwen of niet compleet; er is niets gedeeld. Vraag de organisatie om een nieuw verzoek.",
		"the request cannot be trusted or is incomplete; nothing was shared. Ask the organisation for a new request.")
}

// openError says what a failed unlock means and how to fix it.
func openError(err error) error {
	var pe *personError
	var ue *usageError
	switch {
	case err == nil || errors.As(err, &pe) || errors.As(err, &ue):
		return err
	case errors.Is(err, wallet.ErrWrongPassphrase):
		return tell(err, "dat is niet de wachtwoordzin van deze wallet (wrong passphrase). Probeer het opnieuw: --passphrase-file, PASPOORT_PASSPHRASE of de vraag op het scherm.",
			"that is not this wallet's passphrase. Try again: --passphrase-file, PASPOORT_PASSPHRASE or the prompt.")
	case errors.Is(err, wallet.ErrNotInitialised):
		return tell(err, "in deze map staat geen wallet (no wallet). Maak er een met 'paspoort wallet init', of kies de map met --dir.",
			"there is no wallet in this folder. Create one with 'paspoort wallet init', or choose the folder with --dir.")
	}
	return err
}

// claimList names the claims of an over-asking request in words.
func claimList(oa *wallet.OverAskingError) string {
	return strings.Join(oa.ClaimWords(cliLang), "; ")
}
