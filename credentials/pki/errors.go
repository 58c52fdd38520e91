package pki

import "github.com/loopbrug/paspoort/credentials"

// Errors returned by this package, each of the class named in its comment.
var (
	// ErrMalformed (FMT): a certificate that is not DER, an x5c member that
	// is not standard base64 or not an array of strings.
	ErrMalformed = credentials.NewError(credentials.ErrFormat, "malformed X.509 certificate or x5c")
	// ErrBadPEM (FMT): PEM input with a block that is not a certificate,
	// or text that is not PEM at all.
	ErrBadPEM = credentials.NewError(credentials.ErrFormat, "bad PEM")
	// ErrNoCertificates (FMT): PEM input or an x5c without any certificate.
	ErrNoCertificates = credentials.NewError(credentials.ErrFormat, "no certificate")
	// ErrPrivateKeyInChain (FMT): a private key where a certificate belongs
	// (a key file given as a chain or anchor set). The key is not parsed.
	ErrPrivateKeyInChain = credentials.NewError(credentials.ErrFormat, "private key where a certificate belongs")
	// ErrTooManyCertificates (LIMIT): an x5c or chain of more than
	// MaxChainLength certificates.
	ErrTooManyCertificates = credentials.NewError(credentials.ErrLimit, "too many certificates")
	// ErrCertificateTooLarge (LIMIT): a certificate over MaxCertificateBytes.
	ErrCertificateTooLarge = credentials.NewError(credentials.ErrLimit, "certificate too large")
	// ErrUntrusted (TRUST): the chain does not lead to a configured anchor,
	// carries the anchor itself, or has a self-signed leaf (SECURITY.md A.3).
	ErrUntrusted = credentials.NewError(credentials.ErrTrust, "certificate chain does not lead to a trusted anchor")
	// ErrNotAuthorized (TRUST): a certificate in the chain is used for what
	// it may not do: an intermediate that is not a CA, a path longer than
	// a CA's pathLenConstraint, or a leaf name outside an issuer's name
	// constraints (RFC 5280 §4.2.1.9, §4.2.1.10).
	ErrNotAuthorized = credentials.NewError(credentials.ErrTrust, "certificate not authorised for this use")
	// ErrKeyUsage (TRUST): the leaf's keyUsage lacks digitalSignature (or
	// the extension is absent), so its key may not sign JWTs (RFC 5280
	// §4.2.1.3).
	ErrKeyUsage = credentials.NewError(credentials.ErrTrust, "leaf certificate may not be used for digital signatures")
	// ErrExpired (CLAIM): a certificate of the chain is past its notAfter.
	ErrExpired = credentials.NewError(credentials.ErrClaim, "certificate expired")
	// ErrNotYetValid (CLAIM): a certificate of the chain is before its
	// notBefore.
	ErrNotYetValid = credentials.NewError(credentials.ErrClaim, "certificate not yet valid")
	// ErrNameMismatch (TRUST): an identifier (a client_id, an iss) is not
	// among the leaf's subject alternative names.
	ErrNameMismatch = credentials.NewError(credentials.ErrTrust, "name not in the leaf certificate's subject alternative names")
	// ErrBadConfig (FMT): an Authority or leaf asked for with bad options
	// (no name, a bad URI, a key other than P-256).
	ErrBadConfig = credentials.NewError(credentials.ErrFormat, "bad certificate options")
)
