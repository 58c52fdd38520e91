package sdjwt

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/loopbrug/paspoort/internal/jose"
)

// TypKB is the "typ" of a Key Binding JWT (RFC 9901 §4.3).
const TypKB = "kb+jwt"

// Selection names the claims a holder discloses.
type Selection struct {
	// All discloses every disclosure.
	All bool
	// Paths are JSON Pointers into the processed claims. Selecting a claim
	// brings the disclosures of its parents (without which it cannot be
	// read) and of everything below it.
	Paths []string
}

// SelectAll discloses everything; SelectNone nothing selectively
// disclosable.
var (
	SelectAll  = Selection{All: true}
	SelectNone = Selection{}
)

// Select returns the disclosures to present for sel, in the order the
// issuer sent them. Every path must name a claim of the processed SD-JWT:
// a typo never silently discloses less than the holder meant.
func (t *SDJWT) Select(sel Selection) ([]*Disclosure, error) {
	proc, err := t.Process()
	if err != nil {
		return nil, err
	}
	if sel.All {
		return t.Disclosures, nil
	}
	for _, p := range sel.Paths {
		toks, err := SplitPointer(p)
		if err != nil {
			return nil, err
		}
		if err := resolve(proc.Claims, toks, p); err != nil {
			return nil, err
		}
	}
	var out []*Disclosure
	for i, d := range t.Disclosures {
		dp := proc.Disclosed[i]
		for _, p := range sel.Paths {
			// The disclosure is the claim, one of its parents, or below it.
			if isWithin(p, dp) || isWithin(dp, p) {
				out = append(out, d)
				break
			}
		}
	}
	return out, nil
}

// KeyBindingOptions are the claims of a Key Binding JWT.
type KeyBindingOptions struct {
	// Key is the holder's private key, the one in the SD-JWT's cnf.jwk.
	Key *jose.PrivateKey
	// Audience is the verifier ("aud"), such as its client_id.
	Audience string
	// Nonce is the verifier's fresh nonce.
	Nonce string
	// IssuedAt is "iat"; zero means now.
	IssuedAt time.Time
}

// Present builds a presentation of the issued SD-JWT with the disclosures
// sel names. With kb non-nil it appends a Key Binding JWT (§4.3) whose
// sd_hash covers exactly the presented SD-JWT; otherwise the result ends in
// "~".
func Present(issued string, sel Selection, kb *KeyBindingOptions) (string, error) {
	t, err := Parse(issued)
	if err != nil {
		return "", err
	}
	if t.KeyBinding != nil {
		return "", fmt.Errorf("%w: already has a key binding JWT", ErrMalformed)
	}
	ds, err := t.Select(sel)
	if err != nil {
		return "", err
	}
	jwt := t.presented[:strings.IndexByte(t.presented, '~')]
	var sb strings.Builder
	sb.WriteString(jwt)
	sb.WriteByte('~')
	for _, d := range ds {
		sb.WriteString(d.Encoded)
		sb.WriteByte('~')
	}
	presented := sb.String()
	if kb == nil {
		return presented, nil
	}
	kbJWT, err := SignKeyBinding(presented, *kb)
	if err != nil {
		return "", err
	}
	return presented + kbJWT, nil
}

// SignKeyBinding signs a Key Binding JWT for presented (an SD-JWT ending in
// "~"): header {"alg", "typ": "kb+jwt"} with no key of its own, payload
// {"iat", "aud", "nonce", "sd_hash"}.
func SignKeyBinding(presented string, o KeyBindingOptions) (string, error) {
	if o.Key == nil {
		return "", fmt.Errorf("%w: no holder key", ErrKeyBindingJWT)
	}
	if o.Audience == "" || o.Nonce == "" {
		return "", fmt.Errorf("%w: audience and nonce are required", ErrKeyBindingJWT)
	}
	if !strings.HasSuffix(presented, "~") {
		return "", fmt.Errorf("%w: the presented SD-JWT must end in '~'", ErrMalformed)
	}
	iat := o.IssuedAt
	if iat.IsZero() {
		iat = time.Now()
	}
	payload, err := json.Marshal(struct {
		IAT    int64  `json:"iat"`
		Aud    string `json:"aud"`
		Nonce  string `json:"nonce"`
		SDHash string `json:"sd_hash"`
	}{iat.Unix(), o.Audience, o.Nonce, SDHash(presented)})
	if err != nil {
		return "", fmt.Errorf("encode key binding JWT: %w", err)
	}
	// The KB-JWT names no key: the verifier takes the key from cnf only.
	tok, err := jose.Sign(o.Key.WithKeyID(""), TypKB, nil, payload)
	if err != nil {
		return "", fmt.Errorf("sign key binding JWT: %w", err)
	}
	return tok, nil
}
