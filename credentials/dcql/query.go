package dcql

import (
	"errors"
	"fmt"

	"github.com/loopbrug/paspoort/credentials"
)

// Credential Format Identifiers of OpenID4VP 1.0 Appendix B.
const (
	// FormatSDJWTVC is IETF SD-JWT VC (Appendix B.3), the only format this
	// package matches.
	FormatSDJWTVC = "dc+sd-jwt"
	// FormatMdoc is ISO mdoc (Appendix B.2).
	FormatMdoc = "mso_mdoc"
	// FormatJWTVC is a W3C VC secured with JWT (Appendix B.1.3).
	FormatJWTVC = "jwt_vc_json"
	// FormatLDPVC is a W3C VC secured with Data Integrity (Appendix B.1.3).
	FormatLDPVC = "ldp_vc"
)

// Bounds on a query, so that hostile input cannot make parsing or matching
// expensive (SECURITY.md rule 5). They are far above what any real query
// needs.
const (
	// MaxCredentialQueries bounds "credentials" and "credential_sets".
	MaxCredentialQueries = 64
	// MaxClaimsQueries bounds "claims" and "claim_sets" of one Credential
	// Query.
	MaxClaimsQueries = 128
	// MaxPathLength bounds one claims path pointer.
	MaxPathLength = 32
	// MaxValues bounds "values", "vct_values", "options" and the like.
	MaxValues = 64
	// MaxStringBytes bounds every string in a query.
	MaxStringBytes = 1024
	// MaxQueryBytes bounds a query document.
	MaxQueryBytes = 256 << 10
)

// Query is a DCQL query (§6).
type Query struct {
	// Credentials are the Credential Queries; REQUIRED, non-empty.
	Credentials []CredentialQuery `json:"credentials"`
	// CredentialSets are OPTIONAL constraints on which of the Credentials
	// to return; when absent, all of them are requested.
	CredentialSets []CredentialSetQuery `json:"credential_sets,omitempty"`
}

// CredentialQuery asks for one or more Credentials (§6.1).
type CredentialQuery struct {
	// ID identifies the query in the response ("vp_token" key) and in
	// "credential_sets": non-empty, [A-Za-z0-9_-] only, unique.
	ID string `json:"id"`
	// Format is the Credential Format Identifier, such as FormatSDJWTVC.
	Format string `json:"format"`
	// Multiple allows more than one Credential in the response.
	Multiple bool `json:"multiple,omitempty"`
	// Meta holds the format's metadata constraints; REQUIRED (may be empty
	// for formats other than dc+sd-jwt).
	Meta Meta `json:"meta"`
	// TrustedAuthorities are OPTIONAL hints on acceptable issuers.
	TrustedAuthorities []TrustedAuthority `json:"trusted_authorities,omitempty"`
	// RequireCryptographicHolderBinding is OPTIONAL and defaults to true;
	// read it with HolderBindingRequired. nil means absent (true).
	RequireCryptographicHolderBinding *bool `json:"require_cryptographic_holder_binding,omitempty"`
	// Claims are the requested claims; absent means no selectively
	// disclosable claim is requested.
	Claims []ClaimsQuery `json:"claims,omitempty"`
	// ClaimSets are alternative combinations of claim IDs, most preferred
	// first; only allowed with Claims.
	ClaimSets [][]string `json:"claim_sets,omitempty"`
}

// HolderBindingRequired reports the value of
// "require_cryptographic_holder_binding", true when absent.
func (c *CredentialQuery) HolderBindingRequired() bool {
	return c.RequireCryptographicHolderBinding == nil || *c.RequireCryptographicHolderBinding
}

// Meta is the "meta" object of a Credential Query. Its members are defined
// per format (Appendix B); members of other formats are ignored.
type Meta struct {
	// VCTValues are the acceptable SD-JWT VC "vct" values; REQUIRED and
	// non-empty for dc+sd-jwt (Appendix B.3.5).
	VCTValues []string `json:"vct_values,omitempty"`
	// DoctypeValue is the mdoc doctype; REQUIRED for mso_mdoc (B.2.3).
	DoctypeValue string `json:"doctype_value,omitempty"`
	// TypeValues are acceptable W3C VC type sets (B.1.1), for jwt_vc_json
	// and ldp_vc.
	TypeValues [][]string `json:"type_values,omitempty"`
}

// TrustedAuthority is a Trusted Authorities Query (§6.1.1).
type TrustedAuthority struct {
	// Type is "aki", "etsi_tl", "openid_federation" or another type.
	Type string `json:"type"`
	// Values are the type-specific values; non-empty.
	Values []string `json:"values"`
}

// CredentialSetQuery is a Credential Set Query (§6.2).
type CredentialSetQuery struct {
	// Options are alternative sets of Credential Query IDs; non-empty.
	Options [][]string `json:"options"`
	// Required is OPTIONAL and defaults to true; read it with IsRequired.
	Required *bool `json:"required,omitempty"`
}

// IsRequired reports the value of "required", true when absent.
func (s *CredentialSetQuery) IsRequired() bool { return s.Required == nil || *s.Required }

// ClaimsQuery asks for one claim (§6.3).
type ClaimsQuery struct {
	// ID identifies the claim in "claim_sets"; REQUIRED when the Credential
	// Query has claim_sets.
	ID string `json:"id,omitempty"`
	// Path is a claims path pointer (§7): a non-empty array whose elements
	// are string (an object key), nil (every array element) or int (an
	// array index, non-negative).
	Path []any `json:"path"`
	// Values are OPTIONAL expected values: string, int64 (or int) or bool.
	Values []any `json:"values,omitempty"`
}

// Bool returns a pointer to b, for the optional boolean members.
func Bool(b bool) *bool { return &b }

// Errors about queries. Every one is credentials.ErrFormat through
// ErrInvalidQuery, and comes wrapped in a *FieldError naming the member.
var (
	// ErrInvalidQuery (FMT) is the family of every query error.
	ErrInvalidQuery = credentials.NewError(credentials.ErrFormat, "invalid DCQL query")
	// ErrSyntax: not JSON, duplicate members, or a member of the wrong type.
	ErrSyntax = fmt.Errorf("%w: bad JSON or member type", ErrInvalidQuery)
	// ErrMissing: a REQUIRED member is absent or empty.
	ErrMissing = fmt.Errorf("%w: required member missing or empty", ErrInvalidQuery)
	// ErrBadID: an id that is empty or outside [A-Za-z0-9_-].
	ErrBadID = fmt.Errorf("%w: invalid id", ErrInvalidQuery)
	// ErrDuplicate: an id used twice, or the same claim path twice.
	ErrDuplicate = fmt.Errorf("%w: duplicate", ErrInvalidQuery)
	// ErrBadPath: a claims path pointer that is empty or holds something
	// other than strings, nulls and non-negative integers.
	ErrBadPath = fmt.Errorf("%w: invalid claims path pointer", ErrInvalidQuery)
	// ErrBadValue: a "values" element other than a string, integer or bool.
	ErrBadValue = fmt.Errorf("%w: invalid value", ErrInvalidQuery)
	// ErrUnknownReference: claim_sets naming no claim, credential_sets naming
	// no credential, or claim_sets without claims.
	ErrUnknownReference = fmt.Errorf("%w: unknown reference", ErrInvalidQuery)
	// ErrQueryLimit (LIMIT): the query is over one of the Max* bounds.
	ErrQueryLimit = credentials.NewError(credentials.ErrLimit, "DCQL query over a size limit")
)

// FieldError is a query error at one member, such as
// "credentials[1].claims[0].path".
type FieldError struct {
	// Field is the member, in JavaScript-like notation.
	Field string
	// Reason says what is wrong, without echoing long input.
	Reason string
	// Err is one of the package's sentinels.
	Err error
}

func (e *FieldError) Error() string {
	if e.Reason == "" {
		return fmt.Sprintf("dcql: %s: %v", e.Field, e.Err)
	}
	return fmt.Sprintf("dcql: %s: %v: %s", e.Field, e.Err, e.Reason)
}

// Unwrap returns the sentinel.
func (e *FieldError) Unwrap() error { return e.Err }

func fieldErr(field string, err error, format string, args ...any) error {
	return &FieldError{Field: field, Err: err, Reason: fmt.Sprintf(format, args...)}
}

// IsFieldError reports whether err carries a *FieldError and returns it.
func IsFieldError(err error) (*FieldError, bool) {
	var fe *FieldError
	ok := errors.As(err, &fe)
	return fe, ok
}
