package ppp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/internal/schema"
)

// Sentinel errors. Each belongs to a class of the credentials package.
var (
	// ErrInvalidClaims reports a claims document that does not match its
	// credential type: not JSON, not UTF-8, a duplicate member, a schema
	// violation, an ESCO URI outside the shipped subset, or dates in the
	// wrong order. It belongs to credentials.ErrClaim; the *ValidationError
	// that wraps it says which fields are wrong.
	ErrInvalidClaims = credentials.NewError(credentials.ErrClaim, "claims do not match the credential type schema")
	// ErrUnknownType reports a type name or vct that is not a PPP type. It
	// belongs to credentials.ErrFormat.
	ErrUnknownType = credentials.NewError(credentials.ErrFormat, "unknown PPP credential type")
	// ErrClaimsTooLarge reports a claims document larger than
	// MaxClaimsSize. It belongs to credentials.ErrLimit.
	ErrClaimsTooLarge = credentials.NewError(credentials.ErrLimit, "claims document too large")
)

// MaxClaimsSize is the largest claims document Validate accepts, in bytes.
const MaxClaimsSize = 256 << 10

// maxDepth is the deepest nesting of arrays and objects Validate accepts.
// The PPP types nest three levels deep.
const maxDepth = 16

// FieldError is one problem in a claims document.
type FieldError struct {
	// Pointer is the RFC 6901 JSON Pointer of the offending value, or of
	// the missing or unexpected member; "" is the whole document.
	Pointer string
	// Reason says what is wrong, in English.
	Reason string
}

// String returns the error as `"/pointer": reason`.
func (f FieldError) String() string {
	return strconv.Quote(f.Pointer) + ": " + f.Reason
}

// ValidationError lists every problem found in a claims document of the
// credential type Type. It unwraps to ErrInvalidClaims.
type ValidationError struct {
	Type   string
	Fields []FieldError
}

// Error implements error.
func (e *ValidationError) Error() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "ppp: invalid %s claims", e.Type)
	for i, f := range e.Fields {
		if i == 0 {
			sb.WriteString(": ")
		} else {
			sb.WriteString("; ")
		}
		sb.WriteString(f.String())
	}
	return sb.String()
}

// Unwrap returns ErrInvalidClaims.
func (e *ValidationError) Unwrap() error { return ErrInvalidClaims }

func invalid(typ string, fields ...FieldError) *ValidationError {
	slices.SortStableFunc(fields, func(a, b FieldError) int { return strings.Compare(a.Pointer, b.Pointer) })
	return &ValidationError{Type: typ, Fields: slices.Compact(fields)}
}

// Validate checks the claims document claims (a JSON object) against the
// credential type typeName, in this order: size limit (ErrClaimsTooLarge),
// UTF-8, JSON syntax, duplicate members and nesting depth; the type's JSON
// Schema; then the checks a schema cannot express (ESCO URIs in the shipped
// subset, EQF level matching the NLQF level, end date not before start
// date), which run only when the schema is met. Problems are reported as a
// *ValidationError, which wraps ErrInvalidClaims. An unknown typeName gives
// ErrUnknownType. Validate is safe for concurrent use.
func Validate(typeName string, claims []byte) error {
	t, ok := Lookup(typeName)
	if !ok {
		return unknownType(typeName)
	}
	if len(claims) > MaxClaimsSize {
		return fmt.Errorf("validate %s claims: %d bytes, limit %d: %w", typeName, len(claims), MaxClaimsSize, ErrClaimsTooLarge)
	}
	if !utf8.Valid(claims) {
		return invalid(typeName, FieldError{Pointer: "", Reason: "document is not valid UTF-8"})
	}
	if fe := checkJSON(claims); fe != nil {
		return invalid(typeName, *fe)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(claims))
	if err != nil {
		return invalid(typeName, FieldError{Reason: "invalid JSON: " + err.Error()})
	}
	return t.validate(doc)
}

// ValidateMap is Validate for a claims set held as a map, such as the
// claims an issuer's admin API received. The values must marshal to JSON.
func ValidateMap(typeName string, claims map[string]any) error {
	if _, ok := Lookup(typeName); !ok {
		return unknownType(typeName)
	}
	if claims == nil {
		return invalid(typeName, FieldError{Reason: "claims are missing"})
	}
	b, err := json.Marshal(claims)
	if err != nil {
		return invalid(typeName, FieldError{Reason: "claims cannot be encoded as JSON: " + err.Error()})
	}
	return Validate(typeName, b)
}

func unknownType(name string) error {
	return fmt.Errorf("%w %q (valid types: %s)", ErrUnknownType, name, strings.Join(Names(), ", "))
}

// validate runs the schema and the extra checks on a parsed document.
func (t Type) validate(doc any) error {
	sch, err := t.def.compiled()
	if err != nil {
		return fmt.Errorf("validate %s claims: %w", t.Name, err)
	}
	if err := sch.Validate(doc); err != nil {
		var ve *jsonschema.ValidationError
		if !errors.As(err, &ve) {
			return invalid(t.Name, FieldError{Reason: err.Error()})
		}
		return invalid(t.Name, schemaFields(ve)...)
	}
	// JSON Schema counts 3.0 and 1e1 as integers; encoding/json does not.
	canon, err := json.Marshal(canonicalNumbers(doc))
	if err != nil {
		return invalid(t.Name, FieldError{Reason: "claims cannot be re-encoded: " + err.Error()})
	}
	c := t.def.newClaim()
	if err := json.Unmarshal(canon, c); err != nil {
		return invalid(t.Name, decodeField(err))
	}
	fields := c.check()
	if m, ok := doc.(map[string]any); ok {
		fields = append(fields, t.checkProvenance(m, validationNow())...)
	}
	if len(fields) > 0 {
		return invalid(t.Name, fields...)
	}
	return nil
}

// validationNow is the clock Validate checks dates against; tests set it.
var validationNow = time.Now

// dateLeeway is how far in the future an assessment date may lie: a day,
// for an issuer west of the holder or a clock a little ahead.
const dateLeeway = 24 * time.Hour

// checkProvenance checks what dates an assessment and who made it: no
// assessment date in the future or before the type's scale existed
// (Type.Since), and no assurance above "self" on a self-declared result.
func (t Type) checkProvenance(doc map[string]any, now time.Time) []FieldError {
	var out []FieldError
	since, hasSince := t.Since()
	for _, name := range []string{"assessed_on", "completed_on", "given_on", "prepared_on", "stated_on"} {
		s, ok := doc[name].(string)
		if !ok {
			continue
		}
		d, err := ParseDate(s)
		if err != nil {
			continue // the schema's format check reported it
		}
		switch {
		case d.Time().After(now.Add(dateLeeway)):
			out = append(out, FieldError{Pointer: "/" + name, Reason: fmt.Sprintf("date %s is in the future", d)})
		case hasSince && d.Before(since):
			out = append(out, FieldError{Pointer: "/" + name, Reason: fmt.Sprintf("date %s is before %s credentials existed (%s)", d, t.Name, since)})
		}
	}
	if m, _ := doc["method"].(string); Method(m) == MethodSelfDeclared {
		if a, ok := doc["assurance"].(string); ok && Assurance(a) != AssuranceSelf {
			out = append(out, FieldError{Pointer: "/assurance", Reason: fmt.Sprintf("a self-declared result has assurance self, not %s", a)})
		}
	}
	return out
}

// canonicalNumbers rewrites, in place, every json.Number in v that is a
// whole number written with a fraction or exponent (3.0, 1e1) as a plain
// integer, so that it decodes into a Go int.
func canonicalNumbers(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = canonicalNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = canonicalNumbers(e)
		}
	case json.Number:
		if !strings.ContainsAny(string(x), ".eE") {
			return x
		}
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
			return x
		}
		return json.Number(strconv.FormatInt(int64(f), 10))
	}
	return v
}

// compileSchema compiles one embedded schema, asserting formats.
func compileSchema(name string, b []byte) (*jsonschema.Schema, error) {
	if len(b) == 0 {
		return nil, fmt.Errorf("compile %s schema: not embedded", name)
	}
	sch, err := schema.Compile(VCTBase+name+"/v1/schema.json", b)
	if err != nil {
		return nil, fmt.Errorf("compile %s schema: %w", name, err)
	}
	return sch, nil
}

var printer = message.NewPrinter(language.English)

// schemaFields flattens a schema validation error into field errors, one
// per failing leaf. A missing or unexpected member is reported at its own
// pointer, not at the object that holds it.
func schemaFields(ve *jsonschema.ValidationError) []FieldError {
	var out []FieldError
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		loc := pointer(e.InstanceLocation)
		switch k := e.ErrorKind.(type) {
		case *kind.Required:
			for _, m := range k.Missing {
				out = append(out, FieldError{Pointer: loc + "/" + escapeToken(m), Reason: "required claim is missing"})
			}
		case *kind.AdditionalProperties:
			for _, p := range k.Properties {
				out = append(out, FieldError{Pointer: loc + "/" + escapeToken(p), Reason: "claim is not defined for this credential type"})
			}
		default:
			out = append(out, FieldError{Pointer: loc, Reason: e.ErrorKind.LocalizedString(printer)})
		}
	}
	walk(ve)
	return out
}

// decodeField turns a json.Unmarshal error of a document that met the
// schema (such as 3.0 for an integer) into a field error.
func decodeField(err error) FieldError {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		ptr := ""
		if te.Field != "" {
			for _, p := range strings.Split(te.Field, ".") {
				ptr += "/" + escapeToken(p)
			}
		}
		return FieldError{Pointer: ptr, Reason: fmt.Sprintf("value %s cannot be read as %s", te.Value, te.Type)}
	}
	return FieldError{Reason: err.Error()}
}

// pointer builds an RFC 6901 JSON Pointer from reference tokens.
func pointer(tokens []string) string {
	var sb strings.Builder
	for _, t := range tokens {
		sb.WriteByte('/')
		sb.WriteString(escapeToken(t))
	}
	return sb.String()
}

// escapeToken escapes a reference token as RFC 6901 section 3 says.
func escapeToken(s string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}

// frame is one open object or array in checkJSON.
type frame struct {
	object bool
	keys   map[string]struct{}
	key    string // object: the member being read
	keyed  bool   // object: key was read, its value not yet
	index  int    // array: the index of the next element
	ptr    string // pointer of this container
}

// checkJSON checks that b is one well-formed JSON value, with no duplicate
// object members (RFC 8259 section 4 leaves them undefined, so we refuse
// them) and no nesting deeper than maxDepth. It returns the first problem.
func checkJSON(b []byte) *FieldError {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var stack []*frame
	// child returns the pointer of the value about to be read.
	child := func() string {
		if len(stack) == 0 {
			return ""
		}
		f := stack[len(stack)-1]
		if f.object {
			return f.ptr + "/" + escapeToken(f.key)
		}
		return f.ptr + "/" + strconv.Itoa(f.index)
	}
	// done marks the value just read as complete in its parent.
	done := func() {
		if len(stack) > 0 && !stack[len(stack)-1].object {
			stack[len(stack)-1].index++
		}
	}
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			if len(stack) > 0 {
				return &FieldError{Reason: "invalid JSON: unexpected end of document"}
			}
			return &FieldError{Reason: "invalid JSON: empty document"}
		}
		if err != nil {
			return &FieldError{Pointer: child(), Reason: "invalid JSON: " + syntaxReason(err, dec)}
		}
		top := len(stack) - 1
		// In an object, a string token in key position is a member name.
		if top >= 0 && stack[top].object {
			if _, isDelim := tok.(json.Delim); !isDelim && !stack[top].keyed {
				k, _ := tok.(string)
				f := stack[top]
				if _, dup := f.keys[k]; dup {
					return &FieldError{Pointer: f.ptr + "/" + escapeToken(k), Reason: fmt.Sprintf("duplicate member %q", k)}
				}
				f.keys[k] = struct{}{}
				f.key = k
				f.keyed = true
				continue
			}
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			if len(stack) >= maxDepth {
				return &FieldError{Pointer: child(), Reason: fmt.Sprintf("nested deeper than %d levels", maxDepth)}
			}
			stack = append(stack, &frame{object: tok == json.Delim('{'), keys: map[string]struct{}{}, ptr: child()})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		// A complete value was read.
		if len(stack) > 0 && stack[len(stack)-1].object {
			stack[len(stack)-1].key = ""
			stack[len(stack)-1].keyed = false
		}
		done()
		if len(stack) == 0 {
			break
		}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return &FieldError{Reason: "invalid JSON: data after the top-level value"}
	}
	return nil
}

// syntaxReason describes a decoding error with its byte offset.
func syntaxReason(err error, dec *json.Decoder) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%s (at byte %d)", se.Error(), se.Offset)
	}
	return fmt.Sprintf("%s (at byte %d)", err.Error(), dec.InputOffset())
}
