package jose

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"unsafe"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jws"

	"github.com/loopbrug/paspoort/internal/errclass"
	"github.com/loopbrug/paspoort/internal/limits"
	"github.com/loopbrug/paspoort/internal/strictjson"
)

// Errors about compact JWS.
var (
	// ErrMalformed reports a token that is not a well-formed compact JWS.
	ErrMalformed = errclass.New(errclass.ErrFormat, "malformed compact JWS")
	// ErrTooLarge reports a token over limits.MaxTokenBytes; it is refused
	// before it is split.
	ErrTooLarge = errclass.New(errclass.ErrLimit, "token too large")
	// ErrAlgNotAllowed reports a header "alg" outside the caller's allow-list
	// or different from the verification key's one algorithm.
	ErrAlgNotAllowed = errclass.New(errclass.ErrAlg, "algorithm not allowed")
	// ErrBadSignature reports a signature that does not verify.
	ErrBadSignature = errclass.New(errclass.ErrSignature, "signature does not verify")
	// ErrWrongType reports a header "typ" other than the one expected.
	ErrWrongType = errclass.New(errclass.ErrType, "wrong typ header")
)

// Header is a decoded JOSE header. Alg, Typ and Kid are copies of the members
// of the same name; Raw holds every member as decoded (numbers as
// json.Number).
type Header struct {
	Alg Alg
	Typ string
	Kid string
	Raw map[string]any
}

// JWS is a parsed, not yet verified, compact JWS.
type JWS struct {
	Header    Header
	Payload   []byte
	Signature []byte
	// signingInput is BASE64URL(header) "." BASE64URL(payload), a slice of
	// the token as received: the bytes that were signed.
	signingInput string
}

// SigningInput returns the bytes over which the signature is computed, as
// received.
func (j *JWS) SigningInput() string { return j.signingInput }

var (
	signers   = map[Alg]jws.Signer{}
	verifiers = map[Alg]jws.Verifier{}
)

func init() {
	for alg, jalg := range map[Alg]jwa.SignatureAlgorithm{ES256: jwa.ES256, EdDSA: jwa.EdDSA} {
		s, err := jws.NewSigner(jalg)
		if err != nil {
			panic(fmt.Sprintf("jose: jwx has no signer for %s: %v", alg, err))
		}
		v, err := jws.NewVerifier(jalg)
		if err != nil {
			panic(fmt.Sprintf("jose: jwx has no verifier for %s: %v", alg, err))
		}
		signers[alg], verifiers[alg] = s, v
	}
}

// Sign returns the compact JWS of payload signed with key. The protected
// header holds "alg" (the key's algorithm), "typ" (when not empty), "kid"
// (the key's ID, when not empty) and the members of extra, which may not
// override those three.
func Sign(key *PrivateKey, typ string, extra map[string]any, payload []byte) (string, error) {
	buf, err := AppendSign(nil, key, typ, extra, payload)
	if err != nil {
		return "", err
	}
	return unsafe.String(unsafe.SliceData(buf), len(buf)), nil // buf is not touched again
}

// AppendSign appends the compact JWS that Sign returns to dst, so that a
// caller building a longer string (an SD-JWT) needs no copy of it.
func AppendSign(dst []byte, key *PrivateKey, typ string, extra map[string]any, payload []byte) ([]byte, error) {
	var hb []byte
	if len(extra) == 0 {
		// The header strictjson.Marshal would write for the map of the
		// three members: sorted, compact.
		var hbuf [256]byte
		hb = append(hbuf[:0], `{"alg":`...)
		hb = strictjson.AppendString(hb, string(key.Alg()))
		if key.kid != "" {
			hb = append(hb, `,"kid":`...)
			hb = strictjson.AppendString(hb, key.kid)
		}
		if typ != "" {
			hb = append(hb, `,"typ":`...)
			hb = strictjson.AppendString(hb, typ)
		}
		hb = append(hb, '}')
	} else {
		h := make(map[string]any, len(extra)+3)
		for n, v := range extra {
			switch n {
			case "alg", "typ", "kid":
				return dst, fmt.Errorf("%w: extra header may not set %q", ErrMalformed, n)
			}
			h[n] = v
		}
		h["alg"] = string(key.Alg())
		if typ != "" {
			h["typ"] = typ
		}
		if key.kid != "" {
			h["kid"] = key.kid
		}
		var err error
		if hb, err = strictjson.Marshal(h); err != nil {
			return dst, fmt.Errorf("encode JOSE header: %w", err)
		}
	}
	return appendSignRaw(dst, key, hb, payload)
}

// SignRaw signs with an already encoded header. The header's "alg" must be
// the key's algorithm; it is not checked here, so callers use Sign unless they
// build the header themselves for speed.
func SignRaw(key *PrivateKey, header, payload []byte) (string, error) {
	buf, err := appendSignRaw(nil, key, header, payload)
	if err != nil {
		return "", err
	}
	return unsafe.String(unsafe.SliceData(buf), len(buf)), nil // buf is not touched again
}

// appendSignRaw appends the compact JWS of header and payload to dst.
func appendSignRaw(dst []byte, key *PrivateKey, header, payload []byte) ([]byte, error) {
	start := len(dst)
	hl, pl := b64.EncodedLen(len(header)), b64.EncodedLen(len(payload))
	// Room for the signature's encoding (86 bytes for ES256 and EdDSA)
	// and, for ES256, the raw signature after it.
	dst = slices.Grow(dst, hl+1+pl+1+b64.EncodedLen(es256SigLen)+es256SigLen)
	dst = dst[:start+hl+1+pl]
	b64.Encode(dst[start:], header)
	dst[start+hl] = '.'
	b64.Encode(dst[start+hl+1:], payload)
	input := dst[start:]
	if key.ec != nil {
		// ES256 on crypto/ecdsa directly (es256.go): the raw signature is
		// appended past the room for its encoding, then encoded into it.
		enc := len(dst) + 1
		end := enc + b64.EncodedLen(es256SigLen)
		out, err := appendSignES256(dst[:end], key.ec, input)
		if err != nil {
			return dst[:start], fmt.Errorf("sign %s: %w", key.Alg(), err)
		}
		out[enc-1] = '.'
		b64.Encode(out[enc:end], out[end:])
		return out[:end], nil
	}
	sig, err := signers[key.Alg()].Sign(input, key.ed)
	if err != nil {
		return dst[:start], fmt.Errorf("sign %s: %w", key.Alg(), err)
	}
	dst = append(dst, '.')
	return b64.AppendEncode(dst, sig), nil
}

// ParseCompact parses a compact JWS without verifying it. In order: the size
// limit, exactly three segments (a JWE's five, a JSON serialisation or stray
// characters are refused), canonical base64url in each, a header that is a
// JSON object without duplicate members, with a string "alg", string "typ"
// and "kid" when present, a "kid" within limits.MaxKidBytes, and no "crit"
// (paspoort understands no critical extension, RFC 7515 §4.1.11). The payload
// is returned as bytes; the caller decodes it.
func ParseCompact(token string) (*JWS, error) {
	if len(token) > limits.MaxTokenBytes {
		return nil, ErrTooLarge
	}
	if n := strings.Count(token, "."); n != 2 {
		if n == 4 {
			return nil, fmt.Errorf("%w: a JWE where a JWS is expected", ErrMalformed)
		}
		return nil, fmt.Errorf("%w: %d segments, want 3", ErrMalformed, n+1)
	}
	d1 := strings.IndexByte(token, '.')
	d2 := d1 + 1 + strings.IndexByte(token[d1+1:], '.')
	hseg, pseg, sseg := token[:d1], token[d1+1:d2], token[d2+1:]
	if hseg == "" {
		return nil, fmt.Errorf("%w: empty header", ErrMalformed)
	}
	// One buffer for the three decoded segments; each is capped so that
	// appending to Payload or Signature cannot reach the next one, and the
	// header, never exposed as bytes, is decoded in place.
	buf := make([]byte, 0, b64.DecodedLen(len(hseg))+b64.DecodedLen(len(pseg))+b64.DecodedLen(len(sseg)))
	buf, err := AppendDecodeSegment(buf, hseg)
	if err != nil {
		return nil, fmt.Errorf("%w: header: %w", ErrMalformed, err)
	}
	hb := buf[:len(buf):len(buf)]
	n := len(buf)
	if buf, err = AppendDecodeSegment(buf, pseg); err != nil {
		return nil, fmt.Errorf("%w: payload: %w", ErrMalformed, err)
	}
	payload := buf[n:len(buf):len(buf)]
	n = len(buf)
	if buf, err = AppendDecodeSegment(buf, sseg); err != nil {
		return nil, fmt.Errorf("%w: signature: %w", ErrMalformed, err)
	}
	sig := buf[n:len(buf):len(buf)]
	h, err := parseHeader(hb)
	if err != nil {
		return nil, err
	}
	return &JWS{Header: h, Payload: payload, Signature: sig, signingInput: token[:d2]}, nil
}

// parseHeader decodes a header it owns: its strings may share b.
func parseHeader(b []byte) (Header, error) {
	var raw map[string]any
	if err := strictjson.UnmarshalOwned(b, &raw); err != nil {
		return Header{}, fmt.Errorf("%w: header: %w", ErrMalformed, err)
	}
	if raw == nil {
		return Header{}, fmt.Errorf("%w: header is not an object", ErrMalformed)
	}
	h := Header{Raw: raw}
	alg, ok := raw["alg"].(string)
	if !ok {
		return Header{}, fmt.Errorf("%w: header has no string \"alg\"", ErrMalformed)
	}
	h.Alg = Alg(alg)
	if v, present := raw["typ"]; present {
		if h.Typ, ok = v.(string); !ok {
			return Header{}, fmt.Errorf("%w: \"typ\" is not a string", ErrMalformed)
		}
	}
	if v, present := raw["kid"]; present {
		if h.Kid, ok = v.(string); !ok {
			return Header{}, fmt.Errorf("%w: \"kid\" is not a string", ErrMalformed)
		}
		if len(h.Kid) > limits.MaxKidBytes {
			return Header{}, fmt.Errorf("%w: \"kid\" too long", errclass.ErrLimit)
		}
	}
	if _, present := raw["crit"]; present {
		return Header{}, fmt.Errorf("%w: unsupported critical header parameters", ErrMalformed)
	}
	return h, nil
}

// Verify checks the signature with key. The header "alg" must be on allowed
// (compared case-sensitively; "none" and MACs are never supported) and must be
// the key's one algorithm (RFC 8725 §3.1, §2.1). allowed may not be empty.
func (j *JWS) Verify(key *PublicKey, allowed []Alg) error {
	if err := CheckAlg(j.Header.Alg, allowed); err != nil {
		return err
	}
	if key == nil {
		return fmt.Errorf("%w: no verification key", errclass.ErrTrust)
	}
	if j.Header.Alg != key.alg {
		return fmt.Errorf("%w: header alg %q does not fit a %s key", ErrAlgNotAllowed, truncate(string(j.Header.Alg)), key.alg)
	}
	if len(j.Signature) == 0 {
		return ErrBadSignature
	}
	// The signing input is read, never written: no copy of it is made.
	input := unsafe.Slice(unsafe.StringData(j.signingInput), len(j.signingInput))
	if key.alg == ES256 {
		if !verifyES256(key.ec, input, j.Signature) {
			return ErrBadSignature
		}
		return nil
	}
	if err := verifiers[key.alg].Verify(input, j.Signature, key.Crypto()); err != nil {
		return ErrBadSignature
	}
	return nil
}

// CheckAlg reports whether alg is on allowed and supported.
func CheckAlg(alg Alg, allowed []Alg) error {
	if len(allowed) == 0 {
		return fmt.Errorf("%w: empty allow-list", ErrAlgNotAllowed)
	}
	if !slices.Contains(allowed, alg) {
		return fmt.Errorf("%w: %q", ErrAlgNotAllowed, truncate(string(alg)))
	}
	if _, ok := verifiers[alg]; !ok {
		return fmt.Errorf("%w: %q", ErrAlgNotAllowed, truncate(string(alg)))
	}
	return nil
}

// CheckType reports whether the header "typ" is exactly typ.
func (j *JWS) CheckType(typ string) error {
	if j.Header.Typ != typ {
		return fmt.Errorf("%w: got %q, want %q", ErrWrongType, truncate(j.Header.Typ), typ)
	}
	return nil
}

// DecodePayloadShared is DecodePayload without the private copy: the
// strings in v share j.Payload, which the caller must then never write.
// For a JWS from ParseCompact, whose Payload nothing else holds.
func (j *JWS) DecodePayloadShared(v any) error {
	if err := strictjson.UnmarshalOwned(j.Payload, v); err != nil {
		return fmt.Errorf("%w: payload: %w", ErrMalformed, err)
	}
	return nil
}

// DecodePayload decodes the payload strictly (see strictjson) into v.
func (j *JWS) DecodePayload(v any) error {
	// Decoded from a private copy, the payload's strings share one
	// allocation instead of one each.
	if err := strictjson.UnmarshalOwned(bytes.Clone(j.Payload), v); err != nil {
		return fmt.Errorf("%w: payload: %w", ErrMalformed, err)
	}
	return nil
}
