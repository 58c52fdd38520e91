package wallet

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"syscall"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/oid4vci"
	"github.com/loopbrug/paspoort/internal/safehttp"
)

// Errors of receiving, for what a person is told. Each also wraps the
// underlying error, so its class stays what it was.
var (
	// ErrWrongTxCode (KB): the transaction code (PIN) was wrong. The
	// error is a *TxCodeError that says how many attempts are left.
	ErrWrongTxCode = credentials.NewError(credentials.ErrKeyBinding, "wallet: wrong transaction code")
	// ErrOfferExpired (REPLAY): the offer has expired; ask the issuer for
	// a new one.
	ErrOfferExpired = credentials.NewError(credentials.ErrReplay, "wallet: the offer has expired")
	// ErrOfferUsed (REPLAY): the offer was already used (or is no longer
	// known to the issuer); ask the issuer for a new one.
	ErrOfferUsed = credentials.NewError(credentials.ErrReplay, "wallet: the offer was already used")
	// ErrIssuerUnreachable (FETCH): the issuer could not be reached
	// (connection refused, name not found, timeout).
	ErrIssuerUnreachable = credentials.NewError(credentials.ErrFetch, "wallet: the issuer cannot be reached")
	// ErrUntrustedCertificate (TRUST): the issuer's TLS certificate is not
	// trusted (unknown authority, wrong host, expired).
	ErrUntrustedCertificate = credentials.NewError(credentials.ErrTrust, "wallet: the issuer's certificate is not trusted")
	// ErrLoopbackRefused (FETCH): the offer points at this computer
	// (127.0.0.1, localhost), which the wallet refuses outside
	// development.
	ErrLoopbackRefused = credentials.NewError(credentials.ErrFetch, "wallet: addresses on this computer are refused")
)

// TxCodeError is a wrong transaction code with the attempts the issuer
// says are left (-1 when it does not say; 0 when the offer is now
// locked).
type TxCodeError struct {
	AttemptsLeft int
	err          error
}

func (e *TxCodeError) Error() string {
	if e.AttemptsLeft >= 0 {
		return fmt.Sprintf("%v (%d attempts left)", ErrWrongTxCode, e.AttemptsLeft)
	}
	return ErrWrongTxCode.Error()
}

// Unwrap returns ErrWrongTxCode and the issuer's error.
func (e *TxCodeError) Unwrap() []error { return []error{ErrWrongTxCode, e.err} }

// grantError turns the token endpoint's invalid_grant into what it means
// for the holder, from the paspoort_reason and attempts_left members an
// issuer may add (oid4vci.ErrorResponse).
func grantError(err error) error {
	var se *safehttp.StatusError
	if !errors.As(err, &se) || se.OAuth == nil || se.OAuth.Error != string(oid4vci.CodeInvalidGrant) {
		return err
	}
	left := -1
	if se.OAuth.AttemptsLeft != nil {
		left = *se.OAuth.AttemptsLeft
	}
	switch oid4vci.GrantReason(se.OAuth.Reason) {
	case oid4vci.GrantWrongTxCode:
		return &TxCodeError{AttemptsLeft: left, err: err}
	case oid4vci.GrantLocked:
		return &TxCodeError{AttemptsLeft: 0, err: err}
	case oid4vci.GrantExpired:
		return fmt.Errorf("%w: %w", ErrOfferExpired, err)
	case oid4vci.GrantUsed, oid4vci.GrantUnknown:
		return fmt.Errorf("%w: %w", ErrOfferUsed, err)
	}
	// An issuer that does not say why: a used or unknown code is the
	// common case (RFC 6749 §5.2 invalid_grant).
	return fmt.Errorf("%w: %w", ErrOfferUsed, err)
}

// receiveError adds to err the receiving error a person is told about:
// the issuer unreachable, its certificate untrusted, a loopback address
// refused, (fetching an offer by reference) an offer no longer served, or
// the x5c chain of the credential untrusted or out of date.
func receiveError(err error, offer bool) error {
	if err == nil {
		return nil
	}
	var (
		se    *safehttp.StatusError
		ua    x509.UnknownAuthorityError
		ci    x509.CertificateInvalidError
		he    x509.HostnameError
		cve   *tls.CertificateVerificationError
		dnse  *net.DNSError
		opErr *net.OpError
	)
	if ce := certificateError(err); ce != nil {
		return ce
	}
	switch {
	case errors.Is(err, ErrWrongTxCode), errors.Is(err, ErrOfferExpired), errors.Is(err, ErrOfferUsed):
		return err
	case errors.Is(err, safehttp.ErrLoopback):
		return fmt.Errorf("%w: %w", ErrLoopbackRefused, err)
	case errors.As(err, &ua), errors.As(err, &ci), errors.As(err, &he), errors.As(err, &cve):
		return fmt.Errorf("%w: %w", ErrUntrustedCertificate, err)
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH),
		errors.As(err, &dnse), errors.Is(err, safehttp.ErrTimeout), errors.As(err, &opErr) && opErr.Op == "dial":
		return fmt.Errorf("%w: %w", ErrIssuerUnreachable, err)
	case offer && errors.As(err, &se) && (se.Code == http.StatusNotFound || se.Code == http.StatusGone):
		return fmt.Errorf("%w: %w", ErrOfferUsed, err)
	case errors.As(err, &se) && se.Code >= 500:
		return fmt.Errorf("%w: %w", ErrIssuerUnreachable, err)
	}
	return err
}
