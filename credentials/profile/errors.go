package profile

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/loopbrug/paspoort/credentials"
)

// Sentinel errors. Each belongs to a class of the credentials package.
var (
	// ErrInvalid reports a profile or catalogue document that is not valid:
	// not YAML or JSON, a schema violation, an unknown credential type or
	// claim, a predicate that does not compile or type-check, an ESCO URI
	// outside the shipped subset. It belongs to credentials.ErrFormat; the
	// *ValidationError that wraps it says where.
	ErrInvalid = credentials.NewError(credentials.ErrFormat, "invalid requirement profile document")
	// ErrTooLarge reports a document over MaxDocumentSize, or one with more
	// requirements, alternatives, claims or modules than the limits allow.
	// It belongs to credentials.ErrLimit.
	ErrTooLarge = credentials.NewError(credentials.ErrLimit, "requirement profile document too large")
	// ErrProtectedClaim reports a profile that reads a claim of a protected
	// category (ppp.Protected) without a legal ground (the fairness guard).
	// It belongs to credentials.ErrClaim; the document is also ErrInvalid.
	ErrProtectedClaim = credentials.NewError(credentials.ErrClaim, "protected claim asked without a legal ground")
)

// FieldError is one problem in a document, with the line it is on.
type FieldError struct {
	// Line is the 1-based line of the offending value in the document, or
	// 0 when it is not known.
	Line int
	// Path names the value, such as "requirements[2].predicate"; "" is the
	// whole document.
	Path string
	// Reason says what is wrong, in English.
	Reason string

	err error // a sentinel beside ErrInvalid, such as ErrProtectedClaim
}

// String returns "line: path: reason" (parts that are unknown are left out).
func (f FieldError) String() string {
	var b strings.Builder
	if f.Line > 0 {
		b.WriteString(strconv.Itoa(f.Line))
		b.WriteString(": ")
	}
	if f.Path != "" {
		b.WriteString(f.Path)
		b.WriteString(": ")
	}
	b.WriteString(f.Reason)
	return b.String()
}

// ValidationError lists every problem found in a document. Its message has
// one line per problem in the form "name:line: path: reason", such as
// "profile.yaml:12: requirements[2].predicate: undeclared reference to
// 'levl'". It unwraps to ErrInvalid.
type ValidationError struct {
	// Name is the document's name as given to Parse (usually a file name).
	Name string
	// Fields are the problems, in document order.
	Fields []FieldError
}

// Error implements error.
func (e *ValidationError) Error() string {
	var b strings.Builder
	for i, f := range e.Fields {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Name)
		if f.Line > 0 {
			fmt.Fprintf(&b, ":%d", f.Line)
		}
		b.WriteString(": ")
		if f.Path != "" {
			b.WriteString(f.Path)
			b.WriteString(": ")
		}
		b.WriteString(f.Reason)
	}
	return b.String()
}

// Unwrap returns ErrInvalid.
func (e *ValidationError) Unwrap() []error {
	out := []error{ErrInvalid}
	for _, f := range e.Fields {
		if f.err != nil && !slices.Contains(out, f.err) {
			out = append(out, f.err)
		}
	}
	return out
}
