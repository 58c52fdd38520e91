package registry

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/loopbrug/paspoort/credentials/oid4vp"
	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/strictjson"
)

// Document is the register: the payload of the signed register JWT. Its
// JSON form is strict: every member listed here, no other, no duplicates.
type Document struct {
	// Consortium is the consortium that keeps the register.
	Consortium Consortium `json:"consortium"`
	// Version counts the signed registers of the consortium, from 1.
	Version uint64 `json:"version"`
	// IssuedAt and Expires are "iat" and "exp", in seconds since the epoch.
	IssuedAt int64 `json:"iat"`
	Expires  int64 `json:"exp"`
	// Prev is the base64url SHA-256 of the compact JWT of version
	// Version-1 (see Hash); empty for version 1 only.
	Prev string `json:"prev"`
	// NextKeys are the public keys allowed to sign version Version+1;
	// normally they include the key that signed this one.
	NextKeys []Key `json:"next_keys"`
	// Issuers are the issuers the consortium admits, with the PPP types
	// each may issue.
	Issuers []Issuer `json:"issuers"`
	// Verifiers are the verifiers the consortium admits, with the
	// profiles each may ask for.
	Verifiers []Verifier `json:"verifiers"`
}

// Consortium names the keeper of a register.
type Consortium struct {
	// ID is an https URL.
	ID string `json:"id"`
	// Name is its name in Dutch and English.
	Name Text `json:"name"`
}

// Text is a text in Dutch and in English; both are required.
type Text struct {
	NL string `json:"nl"`
	EN string `json:"en"`
}

// Get returns the text in lang ("nl" or "en"), Dutch for any other.
func (t Text) Get(lang string) string {
	if lang == "en" {
		return t.EN
	}
	return t.NL
}

// IssuerKind says what kind of organisation an issuer is.
type IssuerKind string

// The issuer kinds.
const (
	KindAssessor    IssuerKind = "assessor"
	KindEmployer    IssuerKind = "employer"
	KindSchool      IssuerKind = "school"
	KindEVCProvider IssuerKind = "evc-provider"
	// KindFunder commits training budgets: UWV, a sector fund, a
	// municipality. Its credentials carry no evidence of skills.
	KindFunder IssuerKind = "funder"
)

// IssuerKinds lists the issuer kinds.
var IssuerKinds = []IssuerKind{KindAssessor, KindEmployer, KindSchool, KindEVCProvider, KindFunder}

// VerifierKind says what a verifier asks evidence for.
type VerifierKind string

// The verifier kinds.
const (
	KindAdmission VerifierKind = "admission"
	KindHiring    VerifierKind = "hiring"
	KindGuidance  VerifierKind = "guidance"
	// KindRecognition is an EVC provider taking in portfolios.
	KindRecognition VerifierKind = "recognition"
)

// VerifierKinds lists the verifier kinds.
var VerifierKinds = []VerifierKind{KindAdmission, KindHiring, KindGuidance, KindRecognition}

// Issuer is an admitted issuer.
type Issuer struct {
	// ID is the issuer's "iss": a DID or an https URL.
	ID string `json:"id"`
	// Name is its name in Dutch and English.
	Name Text       `json:"name"`
	Kind IssuerKind `json:"kind"`
	// Types are the PPP type names ("skill", "level", …) it may issue.
	Types []string `json:"types"`
}

// Verifier is an admitted verifier.
type Verifier struct {
	// ClientID is the verifier's OpenID4VP client_id as it sends it:
	// "decentralized_identifier:" followed by its DID, or, for a verifier
	// identified by X.509 (HAIP), "x509_hash:" with its leaf's hash or
	// "x509_san_dns:" with its DNS name.
	ClientID string `json:"client_id"`
	// Name is its name in Dutch and English.
	Name Text         `json:"name"`
	Kind VerifierKind `json:"kind"`
	// Profiles are the requirement profiles it may ask with.
	Profiles []ProfileEntry `json:"profiles"`
}

// ProfileEntry is a requirement profile a verifier may use: its id, the
// versions (a Range) and the claims it may ask.
type ProfileEntry struct {
	ID       string  `json:"id"`
	Versions string  `json:"versions"`
	Claims   []Claim `json:"claims"`
}

// Claim is a credential type and the claim paths of it that may be asked.
type Claim struct {
	// Type is a PPP type name or, for other credentials, a vct URL.
	Type string `json:"type"`
	// Paths are claim paths (object member names). A path covers itself
	// and every path below it.
	Paths [][]string `json:"paths"`
}

// Key is a public signing key in a register (a JWK with "kid").
type Key struct{ *jose.PublicKey }

// MarshalJSON writes the public JWK with "kid" and "alg".
func (k Key) MarshalJSON() ([]byte, error) {
	if k.PublicKey == nil {
		return nil, fmt.Errorf("%w: empty key", ErrMalformed)
	}
	return k.PublicKey.MarshalJSON()
}

// UnmarshalJSON reads a public JWK; private key material is refused.
func (k *Key) UnmarshalJSON(b []byte) error {
	p, err := jose.ParsePublicKey(b)
	if err != nil {
		return err
	}
	k.PublicKey = p
	return nil
}

// Parse reads a register document strictly (no duplicate or unknown
// members) and validates it (Validate). It does not verify anything: a
// register comes signed, see Follower.
func Parse(data []byte) (*Document, error) {
	if len(data) > MaxBytes {
		return nil, ErrTooLarge
	}
	var d Document
	if err := decodeStrict(data, &d); err != nil {
		return nil, err
	}
	if err := d.Validate(); err != nil {
		return nil, err
	}
	return &d, nil
}

// decodeStrict decodes JSON without duplicate members (strictjson) and
// without unknown ones.
func decodeStrict(data []byte, v any) error {
	if err := strictjson.Check(data); err != nil {
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: trailing data", ErrMalformed)
	}
	return nil
}

// Validate checks the document: an https consortium id, names in both
// languages, version from 1 with prev empty exactly for version 1, exp
// after iat, at least one ES256 next key, issuer ids that are DIDs or
// https URLs with known kinds and PPP types, verifier client_ids of the
// decentralized_identifier, x509_hash or x509_san_dns form with known
// kinds and valid profile
// entries. Duplicated ids give ErrDuplicateMember, anything else
// ErrMalformed.
func (d *Document) Validate() error {
	if err := d.validateHead(); err != nil {
		return err
	}
	if err := d.validateDraft(); err != nil {
		return err
	}
	return nil
}

// ValidateDraft checks what a draft of the consortium toolbox holds before
// it is signed: the consortium and the members (see Validate), not the
// version, times, prev or keys.
func (d *Document) ValidateDraft() error { return d.validateDraft() }

func (d *Document) validateHead() error {
	if d.Version < 1 {
		return fmt.Errorf("%w: version must be 1 or more", ErrMalformed)
	}
	if (d.Version == 1) != (d.Prev == "") {
		return fmt.Errorf("%w: prev must be empty for version 1 only", ErrMalformed)
	}
	if d.Prev != "" {
		if b, err := jose.DecodeSegment(d.Prev); err != nil || len(b) != 32 {
			return fmt.Errorf("%w: prev is not a base64url SHA-256", ErrMalformed)
		}
	}
	if d.IssuedAt <= 0 || d.Expires <= d.IssuedAt {
		return fmt.Errorf("%w: iat and exp must be set, exp after iat", ErrMalformed)
	}
	if len(d.NextKeys) == 0 {
		return fmt.Errorf("%w: next_keys is empty", ErrMalformed)
	}
	kids := make(map[string]bool, len(d.NextKeys))
	for i, k := range d.NextKeys {
		if k.PublicKey == nil || k.Alg() != jose.ES256 {
			return fmt.Errorf("%w: next_keys[%d] is not an ES256 key", ErrMalformed, i)
		}
		if kids[k.KeyID()] {
			return fmt.Errorf("%w: next_keys kid %q", ErrDuplicateMember, k.KeyID())
		}
		kids[k.KeyID()] = true
	}
	return nil
}

func (d *Document) validateDraft() error {
	if !isHTTPS(d.Consortium.ID) {
		return fmt.Errorf("%w: consortium.id must be an https URL", ErrMalformed)
	}
	if err := d.Consortium.Name.check("consortium.name"); err != nil {
		return err
	}
	seen := map[string]bool{}
	for i, is := range d.Issuers {
		if err := is.validate(); err != nil {
			return fmt.Errorf("issuers[%d]: %w", i, err)
		}
		if seen[is.ID] {
			return fmt.Errorf("%w: issuer %q", ErrDuplicateMember, is.ID)
		}
		seen[is.ID] = true
	}
	seen = map[string]bool{}
	for i, v := range d.Verifiers {
		if err := v.validate(); err != nil {
			return fmt.Errorf("verifiers[%d]: %w", i, err)
		}
		if seen[v.ClientID] {
			return fmt.Errorf("%w: verifier %q", ErrDuplicateMember, v.ClientID)
		}
		seen[v.ClientID] = true
	}
	return nil
}

func (t Text) check(what string) error {
	if strings.TrimSpace(t.NL) == "" || strings.TrimSpace(t.EN) == "" {
		return fmt.Errorf("%w: %s needs nl and en", ErrMalformed, what)
	}
	return nil
}

func isHTTPS(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "https" && u.Host != "" && u.User == nil && u.Fragment == ""
}

// IsIssuerID reports whether s may be an issuer id: a DID or an https URL.
func IsIssuerID(s string) bool {
	if strings.HasPrefix(s, "did:") {
		return validDID(s)
	}
	return isHTTPS(s)
}

// validDID checks the DID syntax loosely: did:method:specific-id with a
// lower-case method and no white space.
func validDID(s string) bool {
	rest, ok := strings.CutPrefix(s, "did:")
	if !ok {
		return false
	}
	method, id, ok := strings.Cut(rest, ":")
	if !ok || method == "" || id == "" || strings.ContainsAny(s, " \t\r\n") {
		return false
	}
	for _, c := range method {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// IsClientID reports whether s is a client_id a register accepts, exactly
// as the verifier sends it (OpenID4VP 1.0 §5.9.3): "decentralized_identifier:"
// followed by a DID, or an X.509 client_id ("x509_hash:" and the leaf's
// base64url SHA-256, "x509_san_dns:" and a DNS name). A redirect_uri
// client_id authenticates nothing and is never a member.
func IsClientID(s string) bool {
	if did, ok := strings.CutPrefix(s, oid4vp.PrefixDecentralizedIdentifier+":"); ok {
		return validDID(did)
	}
	c, err := oid4vp.ParseClientID(s, oid4vp.URLPolicy{})
	return err == nil && oid4vp.IsX509(c.Prefix)
}

func (is *Issuer) validate() error {
	if !IsIssuerID(is.ID) {
		return fmt.Errorf("%w: id %q must be a DID or an https URL", ErrMalformed, is.ID)
	}
	if err := is.Name.check("name"); err != nil {
		return err
	}
	if !slices.Contains(IssuerKinds, is.Kind) {
		return fmt.Errorf("%w: unknown issuer kind %q", ErrMalformed, is.Kind)
	}
	if len(is.Types) == 0 {
		return fmt.Errorf("%w: types is empty", ErrMalformed)
	}
	for j, t := range is.Types {
		if _, ok := ppp.Lookup(t); !ok {
			return fmt.Errorf("%w: types[%d]: unknown PPP type %q", ErrMalformed, j, t)
		}
		if slices.Contains(is.Types[:j], t) {
			return fmt.Errorf("%w: type %q twice", ErrDuplicateMember, t)
		}
	}
	return nil
}

func (v *Verifier) validate() error {
	if !IsClientID(v.ClientID) {
		return fmt.Errorf("%w: client_id %q must be %s:<DID>", ErrMalformed, v.ClientID, oid4vp.PrefixDecentralizedIdentifier)
	}
	if err := v.Name.check("name"); err != nil {
		return err
	}
	if !slices.Contains(VerifierKinds, v.Kind) {
		return fmt.Errorf("%w: unknown verifier kind %q", ErrMalformed, v.Kind)
	}
	type key struct{ id, versions string }
	seen := map[key]bool{}
	for j, p := range v.Profiles {
		if p.ID == "" {
			return fmt.Errorf("%w: profiles[%d].id is empty", ErrMalformed, j)
		}
		if _, err := ParseRange(p.Versions); err != nil {
			return fmt.Errorf("profiles[%d]: %w", j, err)
		}
		if seen[key{p.ID, p.Versions}] {
			return fmt.Errorf("%w: profile %q %q", ErrDuplicateMember, p.ID, p.Versions)
		}
		seen[key{p.ID, p.Versions}] = true
		for k, c := range p.Claims {
			if err := c.validate(); err != nil {
				return fmt.Errorf("profiles[%d].claims[%d]: %w", j, k, err)
			}
		}
	}
	return nil
}

func (c *Claim) validate() error {
	if _, ok := ppp.Lookup(c.Type); !ok && !isHTTPS(c.Type) {
		return fmt.Errorf("%w: type %q is neither a PPP type nor a vct URL", ErrMalformed, c.Type)
	}
	if len(c.Paths) == 0 {
		return fmt.Errorf("%w: paths is empty", ErrMalformed)
	}
	for _, p := range c.Paths {
		if len(p) == 0 || slices.Contains(p, "") {
			return fmt.Errorf("%w: empty claim path or path element", ErrMalformed)
		}
	}
	return nil
}

// IssuedAtTime returns iat as a time.
func (d *Document) IssuedAtTime() time.Time { return time.Unix(d.IssuedAt, 0) }

// ExpiresTime returns exp as a time.
func (d *Document) ExpiresTime() time.Time { return time.Unix(d.Expires, 0) }
