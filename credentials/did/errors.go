package did

import "github.com/loopbrug/paspoort/credentials"

// Errors returned by the package. Each belongs to one class of credentials
// (FMT, ALG, TRUST or FETCH); errors from the fetcher (FETCH, LIMIT) and
// from internal/jose (FMT, ALG) are passed through wrapped.
var (
	// ErrInvalidDID reports a malformed DID or DID URL (DID Core §3.1, §3.2).
	ErrInvalidDID = credentials.NewError(credentials.ErrFormat, "invalid DID")
	// ErrUnsupportedMethod reports a DID method other than jwk, key and web.
	ErrUnsupportedMethod = credentials.NewError(credentials.ErrFormat, "unsupported DID method")
	// ErrInvalidMultikey reports a did:key or publicKeyMultibase value with a
	// bad multibase prefix, bad base58btc, an unknown or malformed multicodec
	// header, a wrong key length or a point off the curve.
	ErrInvalidMultikey = credentials.NewError(credentials.ErrFormat, "invalid multibase key")
	// ErrInvalidDocument reports a DID document that is not well-formed:
	// members of the wrong type, a malformed id, too many methods.
	ErrInvalidDocument = credentials.NewError(credentials.ErrFormat, "invalid DID document")
	// ErrUnsupportedMethodType reports a verification method whose type or
	// key representation paspoort does not use.
	ErrUnsupportedMethodType = credentials.NewError(credentials.ErrAlg, "unsupported verification method type")
	// ErrIDNHost reports a did:web host with an internationalised (punycode)
	// label, refused against homographs (SECURITY.md E.44).
	ErrIDNHost = credentials.NewError(credentials.ErrFormat, "internationalised did:web host refused")
	// ErrHostRefused reports a did:web host that is an IP literal or a
	// localhost name (SECURITY.md E.40).
	ErrHostRefused = credentials.NewError(credentials.ErrFetch, "did:web host refused")
	// ErrWebDisabled reports a did:web DID given to a Resolver without a
	// WebResolver.
	ErrWebDisabled = credentials.NewError(credentials.ErrFetch, "did:web resolution is not enabled")
	// ErrDocumentID reports a DID document whose "id" is not the DID that
	// was resolved (SECURITY.md E.42).
	ErrDocumentID = credentials.NewError(credentials.ErrTrust, "DID document id does not match the DID")
	// ErrForeignMethod reports a verification method whose id or controller
	// belongs to another DID (SECURITY.md E.42).
	ErrForeignMethod = credentials.NewError(credentials.ErrTrust, "verification method of a foreign DID")
	// ErrRelativeDIDURL reports a key ID that is a relative DID URL where an
	// absolute one is needed (SECURITY.md E.42).
	ErrRelativeDIDURL = credentials.NewError(credentials.ErrTrust, "relative DID URL")
	// ErrUnknownKey reports a DID URL that names no verification method of
	// the document.
	ErrUnknownKey = credentials.NewError(credentials.ErrTrust, "unknown verification method")
	// ErrAmbiguousMethod reports a document with two verification methods of
	// the same id.
	ErrAmbiguousMethod = credentials.NewError(credentials.ErrTrust, "duplicate verification method id")
	// ErrNotAuthorized reports a verification method that the requested
	// verification relationship does not reference (SECURITY.md E.42).
	ErrNotAuthorized = credentials.NewError(credentials.ErrTrust, "verification method not authorised for the relationship")
)
