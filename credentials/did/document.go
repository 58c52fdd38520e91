package did

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/loopbrug/paspoort/internal/strictjson"
)

// MaxMethods bounds the number of verification methods in a document and
// the number of entries in each verification relationship.
const MaxMethods = 64

// Relationship is a verification relationship of DID Core §5.3.
type Relationship string

// The verification relationships of DID Core §5.3.
const (
	Authentication       Relationship = "authentication"
	AssertionMethod      Relationship = "assertionMethod"
	KeyAgreement         Relationship = "keyAgreement"
	CapabilityInvocation Relationship = "capabilityInvocation"
	CapabilityDelegation Relationship = "capabilityDelegation"
)

var relationships = []Relationship{Authentication, AssertionMethod, KeyAgreement, CapabilityInvocation, CapabilityDelegation}

// Document is a DID document (DID Core §5) in its JSON representation.
// Members the package does not model ("controller", "alsoKnownAs",
// "service", extensions) are kept verbatim in Unknown, so a document
// survives a parse and marshal round trip.
type Document struct {
	// Context is the "@context" member as raw JSON, nil if absent.
	Context json.RawMessage
	// ID is the DID the document describes.
	ID string
	// VerificationMethod lists the document's verification methods.
	VerificationMethod []VerificationMethod
	// Authentication lists the methods for authentication.
	Authentication []MethodRef
	// AssertionMethod lists the methods for issuing assertions
	// (credentials).
	AssertionMethod []MethodRef
	// KeyAgreement lists the methods for key agreement (encryption).
	KeyAgreement []MethodRef
	// CapabilityInvocation lists the methods for invoking capabilities.
	CapabilityInvocation []MethodRef
	// CapabilityDelegation lists the methods for delegating capabilities.
	CapabilityDelegation []MethodRef
	// Unknown holds every other member, as raw JSON.
	Unknown map[string]json.RawMessage
}

// VerificationMethod is a verification method (DID Core §5.2). Its key is
// in PublicKeyJWK or PublicKeyMultibase.
type VerificationMethod struct {
	// ID is the method's DID URL, absolute or relative to the document.
	ID string
	// Type is the method type: "JsonWebKey2020", "JsonWebKey", "Multikey",
	// "Ed25519VerificationKey2020", ….
	Type string
	// Controller is the DID that controls the method.
	Controller string
	// PublicKeyJWK is the "publicKeyJwk" member, nil if absent.
	PublicKeyJWK map[string]any
	// PublicKeyMultibase is the "publicKeyMultibase" member, empty if
	// absent.
	PublicKeyMultibase string
	// Unknown holds every other member, as raw JSON.
	Unknown map[string]json.RawMessage
}

// MethodRef is one entry of a verification relationship: either a
// reference (a DID URL) to a method of the document, or an embedded method.
// Exactly one of Ref and Embedded is set.
type MethodRef struct {
	// Ref is the referenced method's DID URL.
	Ref string
	// Embedded is a method defined inside the relationship.
	Embedded *VerificationMethod
}

// Refs returns references to the given method ids, for building documents.
func Refs(ids ...string) []MethodRef {
	out := make([]MethodRef, len(ids))
	for i, id := range ids {
		out[i] = MethodRef{Ref: id}
	}
	return out
}

// Relationship returns the entries of the verification relationship rel,
// or nil for an unknown relationship.
func (d *Document) Relationship(rel Relationship) []MethodRef {
	switch rel {
	case Authentication:
		return d.Authentication
	case AssertionMethod:
		return d.AssertionMethod
	case KeyAgreement:
		return d.KeyAgreement
	case CapabilityInvocation:
		return d.CapabilityInvocation
	case CapabilityDelegation:
		return d.CapabilityDelegation
	}
	return nil
}

func (d *Document) relationshipPtr(rel Relationship) *[]MethodRef {
	switch rel {
	case Authentication:
		return &d.Authentication
	case AssertionMethod:
		return &d.AssertionMethod
	case KeyAgreement:
		return &d.KeyAgreement
	case CapabilityInvocation:
		return &d.CapabilityInvocation
	case CapabilityDelegation:
		return &d.CapabilityDelegation
	}
	return nil
}

// ParseDocument parses a DID document in its JSON representation. Parsing
// is strict (internal/strictjson: duplicate members, bad UTF-8 and deep
// nesting refused) and case-sensitive. "id" must be a DID; each
// verification method needs string "id", "type" and "controller" members,
// an object "publicKeyJwk" and a string "publicKeyMultibase" if present;
// relationship entries are strings or embedded methods. At most MaxMethods
// methods and entries per relationship are accepted. ParseDocument checks
// form only: whether the document is bound to a DID and which keys it
// authorises is checked on resolution.
func ParseDocument(data []byte) (*Document, error) {
	v, err := strictjson.Decode(data)
	if err != nil {
		return nil, fmt.Errorf("parse DID document: %w", err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: not a JSON object", ErrInvalidDocument)
	}
	return documentFromMap(m)
}

func documentFromMap(m map[string]any) (*Document, error) {
	d := &Document{}
	id, ok := m["id"].(string)
	if !ok {
		return nil, fmt.Errorf("%w: \"id\" missing or not a string", ErrInvalidDocument)
	}
	if _, err := Parse(id); err != nil {
		return nil, fmt.Errorf("%w: \"id\": %w", ErrInvalidDocument, err)
	}
	d.ID = id
	for name, v := range m {
		switch name {
		case "id":
		case "@context":
			raw, err := marshal(v)
			if err != nil {
				return nil, fmt.Errorf("%w: \"@context\": %v", ErrInvalidDocument, err)
			}
			d.Context = raw
		case "verificationMethod":
			arr, ok := v.([]any)
			if !ok {
				return nil, fmt.Errorf("%w: \"verificationMethod\" is not an array", ErrInvalidDocument)
			}
			if len(arr) > MaxMethods {
				return nil, fmt.Errorf("%w: more than %d verification methods", ErrInvalidDocument, MaxMethods)
			}
			for i, e := range arr {
				vm, err := methodFromValue(e)
				if err != nil {
					return nil, fmt.Errorf("verificationMethod[%d]: %w", i, err)
				}
				d.VerificationMethod = append(d.VerificationMethod, *vm)
			}
		default:
			if p := d.relationshipPtr(Relationship(name)); p != nil {
				refs, err := refsFromValue(name, v)
				if err != nil {
					return nil, err
				}
				*p = refs
				continue
			}
			raw, err := marshal(v)
			if err != nil {
				return nil, fmt.Errorf("%w: %q: %v", ErrInvalidDocument, name, err)
			}
			if d.Unknown == nil {
				d.Unknown = make(map[string]json.RawMessage)
			}
			d.Unknown[name] = raw
		}
	}
	return d, nil
}

func refsFromValue(name string, v any) ([]MethodRef, error) {
	arr, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("%w: %q is not an array", ErrInvalidDocument, name)
	}
	if len(arr) > MaxMethods {
		return nil, fmt.Errorf("%w: %q has more than %d entries", ErrInvalidDocument, name, MaxMethods)
	}
	out := make([]MethodRef, 0, len(arr))
	for i, e := range arr {
		switch e := e.(type) {
		case string:
			out = append(out, MethodRef{Ref: e})
		case map[string]any:
			vm, err := methodFromValue(e)
			if err != nil {
				return nil, fmt.Errorf("%s[%d]: %w", name, i, err)
			}
			out = append(out, MethodRef{Embedded: vm})
		default:
			return nil, fmt.Errorf("%w: %s[%d] is neither a reference nor a method", ErrInvalidDocument, name, i)
		}
	}
	return out, nil
}

func methodFromValue(v any) (*VerificationMethod, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: verification method is not an object", ErrInvalidDocument)
	}
	vm := &VerificationMethod{}
	for name, v := range m {
		var ok bool
		switch name {
		case "id":
			vm.ID, ok = v.(string)
		case "type":
			vm.Type, ok = v.(string)
		case "controller":
			vm.Controller, ok = v.(string)
		case "publicKeyJwk":
			vm.PublicKeyJWK, ok = v.(map[string]any)
		case "publicKeyMultibase":
			vm.PublicKeyMultibase, ok = v.(string)
		default:
			raw, err := marshal(v)
			if err != nil {
				return nil, fmt.Errorf("%w: %q: %v", ErrInvalidDocument, name, err)
			}
			if vm.Unknown == nil {
				vm.Unknown = make(map[string]json.RawMessage)
			}
			vm.Unknown[name] = raw
			ok = true
		}
		if !ok {
			return nil, fmt.Errorf("%w: verification method member %q has the wrong type", ErrInvalidDocument, name)
		}
	}
	if vm.ID == "" || vm.Type == "" || vm.Controller == "" {
		return nil, fmt.Errorf("%w: verification method needs \"id\", \"type\" and \"controller\"", ErrInvalidDocument)
	}
	return vm, nil
}

// MarshalJSON writes the document: the modelled members, then every
// Unknown member not shadowed by one of them. Empty lists are omitted.
// It does not escape HTML characters, though json.Marshal, which re-encodes
// what a MarshalJSON method returns, does.
func (d *Document) MarshalJSON() ([]byte, error) {
	out := make(map[string]any, len(d.Unknown)+8)
	for k, v := range d.Unknown {
		out[k] = v
	}
	if len(d.Context) > 0 {
		out["@context"] = d.Context
	}
	out["id"] = d.ID
	if len(d.VerificationMethod) > 0 {
		vms := make([]*VerificationMethod, len(d.VerificationMethod))
		for i := range d.VerificationMethod {
			vms[i] = &d.VerificationMethod[i]
		}
		out["verificationMethod"] = vms
	}
	for _, rel := range relationships {
		if refs := d.Relationship(rel); len(refs) > 0 {
			out[string(rel)] = refs
		}
	}
	return marshal(out)
}

// MarshalJSON writes the method with its Unknown members.
func (vm *VerificationMethod) MarshalJSON() ([]byte, error) {
	out := make(map[string]any, len(vm.Unknown)+5)
	for k, v := range vm.Unknown {
		out[k] = v
	}
	out["id"] = vm.ID
	out["type"] = vm.Type
	out["controller"] = vm.Controller
	if vm.PublicKeyJWK != nil {
		out["publicKeyJwk"] = vm.PublicKeyJWK
	}
	if vm.PublicKeyMultibase != "" {
		out["publicKeyMultibase"] = vm.PublicKeyMultibase
	}
	return marshal(out)
}

// MarshalJSON writes the reference as a string or the embedded method as an
// object.
func (r MethodRef) MarshalJSON() ([]byte, error) {
	if r.Embedded != nil {
		return r.Embedded.MarshalJSON()
	}
	return marshal(r.Ref)
}

// UnmarshalJSON parses data with ParseDocument.
func (d *Document) UnmarshalJSON(data []byte) error {
	p, err := ParseDocument(data)
	if err != nil {
		return err
	}
	*d = *p
	return nil
}

// marshal is json.Marshal without HTML escaping, so that "&" in a URL
// stays as written.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidDocument, err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Clone returns a deep copy of d.
func (d *Document) Clone() *Document {
	if d == nil {
		return nil
	}
	c := &Document{
		Context: bytes.Clone(d.Context),
		ID:      d.ID,
		Unknown: cloneRaw(d.Unknown),
	}
	if d.VerificationMethod != nil {
		c.VerificationMethod = make([]VerificationMethod, len(d.VerificationMethod))
		for i := range d.VerificationMethod {
			c.VerificationMethod[i] = *d.VerificationMethod[i].clone()
		}
	}
	for _, rel := range relationships {
		src := d.Relationship(rel)
		if src == nil {
			continue
		}
		dst := make([]MethodRef, len(src))
		for i, r := range src {
			dst[i] = MethodRef{Ref: r.Ref}
			if r.Embedded != nil {
				dst[i].Embedded = r.Embedded.clone()
			}
		}
		*c.relationshipPtr(rel) = dst
	}
	return c
}

func (vm *VerificationMethod) clone() *VerificationMethod {
	c := *vm
	c.Unknown = cloneRaw(vm.Unknown)
	if vm.PublicKeyJWK != nil {
		c.PublicKeyJWK, _ = cloneValue(vm.PublicKeyJWK).(map[string]any)
	}
	return &c
}

func cloneRaw(m map[string]json.RawMessage) map[string]json.RawMessage {
	if m == nil {
		return nil
	}
	c := make(map[string]json.RawMessage, len(m))
	for k, v := range m {
		c[k] = bytes.Clone(v)
	}
	return c
}

// cloneValue deep-copies a value decoded from JSON.
func cloneValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		c := maps.Clone(v)
		for k, e := range c {
			c[k] = cloneValue(e)
		}
		return c
	case []any:
		c := slices.Clone(v)
		for i, e := range c {
			c[i] = cloneValue(e)
		}
		return c
	}
	return v
}
