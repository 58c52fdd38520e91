package registry

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/strictjson"
)

// Type is the "typ" header of a signed register.
const Type = "paspoort-register+jwt"

// Alg is the one signature algorithm of registers.
const Alg = jose.ES256

// MaxBytes bounds a signed register (the compact JWT); a larger one is
// refused with ErrTooLarge before it is parsed.
const MaxBytes = 1 << 20

// Register is a signed register that a Follower accepted: its document,
// the token as received (without surrounding white space), its Hash and the
// kid of the key that signed it. It is immutable.
type Register struct {
	Document
	// Token is the compact JWT.
	Token string
	// Hash is Hash(Token): the next version's prev.
	Hash string
	// KeyID is the "kid" of the signing key.
	KeyID string
}

// Sign validates doc and returns it as a compact JWS signed with key:
// header {"alg":"ES256","typ":Type,"kid":key's ID}, payload the document.
// key must be an ES256 key with a key ID.
func Sign(doc *Document, key *jose.PrivateKey) (string, error) {
	if key == nil || key.Alg() != Alg || key.KeyID() == "" {
		return "", fmt.Errorf("%w: a register is signed with an ES256 key with a kid", jose.ErrAlgNotAllowed)
	}
	if err := doc.Validate(); err != nil {
		return "", err
	}
	payload, err := json.Marshal(doc)
	if err != nil {
		return "", fmt.Errorf("encode register: %w", err)
	}
	tok, err := jose.Sign(key, Type, nil, payload)
	if err != nil {
		return "", fmt.Errorf("sign register: %w", err)
	}
	if len(tok) > MaxBytes {
		return "", fmt.Errorf("%w: %d bytes", ErrTooLarge, len(tok))
	}
	return tok, nil
}

// Hash returns the base64url (no padding) SHA-256 of token, the compact
// JWT without surrounding white space: what the next version names in
// prev.
func Hash(token string) string {
	h := sha256.Sum256([]byte(strings.TrimSpace(token)))
	return jose.EncodeSegment(h[:])
}

// parsed is a register parsed and checked up to its signature key.
type parsed struct {
	jws     *jose.JWS
	token   string
	version uint64
}

// parseToken checks, in this order: size (MaxBytes), compact JWS framing,
// typ (Type), alg (ES256 only), and reads the version from the payload,
// not yet verified.
func parseToken(raw []byte) (*parsed, error) {
	if len(raw) > MaxBytes {
		return nil, ErrTooLarge
	}
	tok := strings.TrimSpace(string(raw))
	j, err := jose.ParseCompact(tok)
	if err != nil {
		return nil, fmt.Errorf("register: %w", err)
	}
	if err := j.CheckType(Type); err != nil {
		return nil, fmt.Errorf("register: %w", err)
	}
	if err := jose.CheckAlg(j.Header.Alg, []jose.Alg{Alg}); err != nil {
		return nil, fmt.Errorf("register: %w", err)
	}
	var peek struct {
		Version json.Number `json:"version"`
	}
	if err := strictjson.Unmarshal(j.Payload, &peek); err != nil {
		return nil, fmt.Errorf("%w: payload: %w", ErrMalformed, err)
	}
	v, err := strconvUint(peek.Version)
	if err != nil {
		return nil, err
	}
	return &parsed{jws: j, token: tok, version: v}, nil
}

func strconvUint(n json.Number) (uint64, error) {
	v, err := strconv.ParseUint(string(n), 10, 64)
	if err != nil || v == 0 || strconv.FormatUint(v, 10) != string(n) {
		return 0, fmt.Errorf("%w: version must be a whole number from 1", ErrMalformed)
	}
	return v, nil
}

// verify checks the signature with the key of keys whose kid is the
// header's (notFound when there is none) and then decodes and validates
// the document.
func (p *parsed) verify(keys []Key, notFound error) (*Register, error) {
	kid := p.jws.Header.Kid
	i := slices.IndexFunc(keys, func(k Key) bool { return kid != "" && k.KeyID() == kid })
	if i < 0 {
		return nil, fmt.Errorf("%w: kid %q", notFound, truncate(kid))
	}
	if err := p.jws.Verify(keys[i].PublicKey, []jose.Alg{Alg}); err != nil {
		return nil, fmt.Errorf("register: %w", err)
	}
	var d Document
	if err := decodeStrict(p.jws.Payload, &d); err != nil {
		return nil, err
	}
	if err := d.Validate(); err != nil {
		return nil, err
	}
	return &Register{Document: d, Token: p.token, Hash: Hash(p.token), KeyID: kid}, nil
}

func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
