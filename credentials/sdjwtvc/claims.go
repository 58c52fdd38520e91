package sdjwtvc

import (
	"fmt"
	"slices"
	"time"

	"github.com/loopbrug/paspoort/credentials/sdjwt"
	"github.com/loopbrug/paspoort/internal/jose"
)

// Typ is the "typ" header of an SD-JWT VC.
const Typ = "dc+sd-jwt"

// NeverDisclosable lists the registered claims that are used within the
// SD-JWT component and must not be included in disclosures
// (draft-ietf-oauth-sd-jwt-vc, "Registered JWT Claims").
var NeverDisclosable = []string{"iss", "nbf", "exp", "cnf", "vct", "vct#integrity", "status"}

// reserved are the claim names that Credential sets itself; Claims may not
// hold them.
var reserved = map[string]bool{
	"iss": true, "nbf": true, "exp": true, "cnf": true, "vct": true,
	"vct#integrity": true, "status": true, "iat": true, "sub": true,
	"_sd": true, "_sd_alg": true, "...": true,
}

// StatusRef is a credential's entry in a Token Status List: the
// "status": {"status_list": {"idx", "uri"}} claim.
type StatusRef struct {
	Index int
	URI   string
}

// Credential is what an issuer puts into an SD-JWT VC.
type Credential struct {
	// Issuer is "iss": an https URL or a DID. Required here, though the
	// draft makes it optional, because paspoort resolves keys through it.
	Issuer string
	// VCT is the credential type; required.
	VCT string
	// VCTIntegrity is "vct#integrity", optional.
	VCTIntegrity string
	// Subject is "sub", optional and selectively disclosable when listed
	// in Disclose.
	Subject string
	// IssuedAt is "iat"; zero means now.
	IssuedAt time.Time
	// NotBefore and Expires are "nbf" and "exp"; zero means absent.
	NotBefore, Expires time.Time
	// HolderKey is put into "cnf": {"jwk": …}; nil means no key binding.
	HolderKey *jose.PublicKey
	// Status is the status list entry, or nil.
	Status *StatusRef
	// Claims are the credential's own claims (the PPP claims).
	Claims map[string]any
	// Disclose lists the JSON Pointers to make selectively disclosable.
	// Nil means every top-level claim of Claims and every element of the
	// arrays among them. Pointers into NeverDisclosable claims are refused.
	Disclose []string
	// Decoys is the number of decoy digests.
	Decoys int
	// X5C, when set, is put into the protected header as "x5c": the
	// issuer's certificate chain, leaf first, without the anchor
	// (pki.X5C). The leaf's key must be the signing key.
	X5C []string
}

// Issue signs c as an SD-JWT VC with key and returns the issuance form.
func Issue(key *jose.PrivateKey, c Credential) (string, error) {
	if c.VCT == "" {
		return "", fmt.Errorf("%w: vct", ErrMissingClaim)
	}
	if c.Issuer == "" {
		return "", fmt.Errorf("%w: iss", ErrMissingClaim)
	}
	payload := make(map[string]any, len(c.Claims)+8)
	for k, v := range c.Claims {
		if reserved[k] {
			return "", fmt.Errorf("%w: claim %q is set by the SD-JWT VC profile", sdjwt.ErrBadPath, k)
		}
		payload[k] = v
	}
	iat := c.IssuedAt
	if iat.IsZero() {
		iat = time.Now()
	}
	payload["iss"] = c.Issuer
	payload["vct"] = c.VCT
	payload["iat"] = iat.Unix()
	if c.VCTIntegrity != "" {
		payload["vct#integrity"] = c.VCTIntegrity
	}
	if c.Subject != "" {
		payload["sub"] = c.Subject
	}
	if !c.NotBefore.IsZero() {
		payload["nbf"] = c.NotBefore.Unix()
	}
	if !c.Expires.IsZero() {
		payload["exp"] = c.Expires.Unix()
	}
	if c.HolderKey != nil {
		payload["cnf"] = map[string]any{"jwk": c.HolderKey.Map()}
	}
	if c.Status != nil {
		payload["status"] = map[string]any{"status_list": map[string]any{"idx": c.Status.Index, "uri": c.Status.URI}}
	}
	disclose := c.Disclose
	if disclose == nil {
		disclose = DefaultDisclosable(c.Claims)
	}
	for _, p := range disclose {
		toks, err := sdjwt.SplitPointer(p)
		if err != nil {
			return "", err
		}
		if len(toks) > 0 && (isNeverDisclosable(toks[0]) || toks[0] == "iat") {
			// iat too: SD-JWT VC lets it be disclosable, HAIP 1.0 §7 does
			// not, and paspoort issues it plain (rounded to the day).
			return "", fmt.Errorf("%w: %q must not be selectively disclosable", sdjwt.ErrBadPath, p)
		}
	}
	var header map[string]any
	if len(c.X5C) > 0 {
		header = map[string]any{"x5c": c.X5C}
	}
	return sdjwt.Issue(key, payload, sdjwt.IssueOptions{Typ: Typ, Header: header, Disclose: disclose, Decoys: c.Decoys})
}

func isNeverDisclosable(name string) bool { return slices.Contains(NeverDisclosable, name) }

// DefaultDisclosable returns the pointers of every top-level claim and of
// every element of each top-level array, sorted: everything selectively
// disclosable, one claim or one list element at a time.
func DefaultDisclosable(claims map[string]any) []string {
	var out []string
	for k, v := range claims {
		p := "/" + sdjwt.EscapePointerToken(k)
		out = append(out, p)
		if arr, ok := v.([]any); ok {
			for i := range arr {
				out = append(out, fmt.Sprintf("%s/%d", p, i))
			}
		}
	}
	slices.Sort(out)
	return out
}
