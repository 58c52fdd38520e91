package sdjwt

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unsafe"

	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/limits"
	"github.com/loopbrug/paspoort/internal/strictjson"
)

// saltBytes is the salt length: 128 bits, as RFC 9901 §9.3 recommends.
const saltBytes = 16

// IssueOptions controls Issue.
type IssueOptions struct {
	// Typ is the "typ" header of the Issuer-signed JWT, such as "dc+sd-jwt".
	// Empty means no typ header.
	Typ string
	// Header holds extra protected header members; it may not set alg, typ
	// or kid.
	Header map[string]any
	// Disclose lists the JSON Pointers of the claims to make selectively
	// disclosable: object properties and array elements, at any depth. A
	// pointer below another one makes the inner claim disclosable inside the
	// outer disclosure (recursive disclosure, RFC 9901 §6.3).
	Disclose []string
	// Decoys is the number of decoy digests to add (§4.2.5). They are spread
	// over the objects that already have an "_sd" array, the top level first.
	Decoys int
}

// Issue creates an SD-JWT (RFC 9901 §4) from claims, signed with key, and
// returns it in its issuance form: "<JWT>~<D1>~…~<Dn>~". The payload gets
// "_sd_alg": "sha-256". Every "_sd" array is sorted, so the order of the
// digests reveals nothing about the order of the claims (§4.2.4.1). Claims
// must not contain the reserved names "_sd", "_sd_alg" or "...".
func Issue(key *jose.PrivateKey, claims map[string]any, opts IssueOptions) (string, error) {
	if key == nil {
		return "", fmt.Errorf("%w: no signing key", ErrMalformed)
	}
	if opts.Decoys < 0 || opts.Decoys > limits.MaxDigests/2 {
		return "", fmt.Errorf("%w: decoys must be between 0 and %d", ErrBadPath, limits.MaxDigests/2)
	}
	b := &builder{mark: make(map[string]bool, len(opts.Disclose))}
	var tokBuf [8]string // the tokens of one pointer at a time
	for _, p := range opts.Disclose {
		toks, err := appendTokens(tokBuf[:0], p)
		if err != nil {
			return "", err
		}
		if len(toks) == 0 {
			return "", fmt.Errorf("%w: the root cannot be selectively disclosable", ErrBadPath)
		}
		if err := resolve(claims, toks, p); err != nil {
			return "", err
		}
		b.mark[p] = true
	}
	if len(b.mark) > limits.MaxDisclosures {
		return "", fmt.Errorf("%w: more than %d disclosures", ErrTooLarge, limits.MaxDisclosures)
	}
	// Every disclosure goes into one buffer, each followed by "~", and
	// every digest into one arena: no string per disclosure.
	b.tail = make([]byte, 0, 128*len(b.mark))
	b.digests = &arena{buf: make([]byte, 0, 43*len(b.mark))}
	b.salts = make([]byte, saltBytes*len(b.mark))
	if _, err := rand.Read(b.salts); err != nil {
		return "", fmt.Errorf("read salts: %w", err)
	}
	payload, err := b.object(claims, "", 0)
	if err != nil {
		return "", err
	}
	if err := b.addDecoys(payload, opts.Decoys); err != nil {
		return "", err
	}
	payload["_sd_alg"] = "sha-256"
	// About 48 bytes per digest and a few hundred for the plain claims:
	// the buffer grows less often.
	body, err := strictjson.Append(make([]byte, 0, 512+48*len(b.mark)), payload)
	if err != nil {
		return "", fmt.Errorf("encode payload: %w", err)
	}
	// The JWT is signed into the output, which then takes the disclosures:
	// room for a header of 256 bytes and the signature, or it grows.
	out := make([]byte, 0, 256+base64.RawURLEncoding.EncodedLen(len(body))+1+86+64+1+len(b.tail))
	out, err = jose.AppendSign(out, key, opts.Typ, opts.Header, body)
	if err != nil {
		return "", fmt.Errorf("sign issuer JWT: %w", err)
	}
	out = append(out, '~')
	out = append(out, b.tail...)
	return unsafe.String(unsafe.SliceData(out), len(out)), nil // out is not touched again
}

// resolve checks that the pointer names a claim in claims.
func resolve(claims map[string]any, toks []string, p string) error {
	var cur any = claims
	for _, t := range toks {
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[t]
			if !ok {
				return fmt.Errorf("%w: %q", ErrUnknownPath, trunc(p))
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(t)
			if err != nil || i < 0 || i >= len(c) || strconv.Itoa(i) != t {
				return fmt.Errorf("%w: %q", ErrUnknownPath, trunc(p))
			}
			cur = c[i]
		default:
			return fmt.Errorf("%w: %q", ErrUnknownPath, trunc(p))
		}
	}
	return nil
}

type builder struct {
	mark    map[string]bool
	salts   []byte
	next    int     // salts used
	tail    []byte  // the encoded disclosures in creation order, each followed by "~"
	digests *arena  // backs the digests
	sds     [][]any // the _sd arrays created, top level first, for decoys
	objs    []map[string]any
	json    []byte // scratch buffer for disclose
	ptr     []byte // scratch pointer for mark lookups
}

// disclose encodes the disclosure [salt, name, v] (or [salt, v] for an array
// element, when element is true), appends it to b.tail and returns its
// digest. It writes the JSON itself: the salt is base64url, which needs no
// escaping, and name and v go through strictjson's encoder.
func (b *builder) disclose(name string, element bool, v any) (any, error) {
	salt := b.salts[b.next*saltBytes : (b.next+1)*saltBytes]
	b.next++
	j := append(b.json[:0], '[', '"')
	j = base64.RawURLEncoding.AppendEncode(j, salt)
	j = append(j, '"', ',')
	if !element {
		j = strictjson.AppendString(j, name)
		j = append(j, ',')
	}
	j, err := strictjson.Append(j, v)
	if err != nil {
		return nil, fmt.Errorf("encode disclosure: %w", err)
	}
	b.json = append(j, ']')
	start := len(b.tail)
	b.tail = base64.RawURLEncoding.AppendEncode(b.tail, b.json)
	sum := sha256.Sum256(b.tail[start:])
	b.tail = append(b.tail, '~')
	dg := b.digests.take(43) // base64url of 32 bytes, unpadded
	base64.RawURLEncoding.Encode(dg, sum[:])
	return unsafe.String(&dg[0], len(dg)), nil
}

// value returns v as it goes into the payload or a disclosure. Objects and
// arrays are rebuilt with their own disclosures; their pointer (the parent's
// pointer and token) is built only for them.
func (b *builder) value(v any, parent, token string, depth int) (any, error) {
	if depth > limits.MaxJSONDepth {
		return nil, fmt.Errorf("%w: claims nested too deeply", ErrTooLarge)
	}
	switch v := v.(type) {
	case map[string]any:
		return b.object(v, parent+"/"+EscapePointerToken(token), depth+1)
	case []any:
		return b.array(v, parent+"/"+EscapePointerToken(token), depth+1)
	default:
		return v, nil
	}
}

// appendPointer appends the JSON Pointer parent + "/" + escaped token.
func appendPointer(dst []byte, parent, token string) []byte {
	dst = append(dst, parent...)
	dst = append(dst, '/')
	for i := 0; i < len(token); i++ {
		switch c := token[i]; c {
		case '~':
			dst = append(dst, '~', '0')
		case '/':
			dst = append(dst, '~', '1')
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

func (b *builder) object(in map[string]any, path string, depth int) (map[string]any, error) {
	var sd []any
	// Sorted keys keep the order of disclosures (and salts) deterministic.
	keys := make([]string, 0, len(in))
	for k := range in {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	// First pass: which members are disclosed, looked up with a scratch
	// pointer so that no pointer string is built for a scalar member.
	var small [32]bool
	marked := small[:0]
	if len(keys) > len(small) {
		marked = make([]bool, 0, len(keys))
	}
	kept := 0
	for _, k := range keys {
		switch k {
		case "_sd", "_sd_alg", "...":
			return nil, fmt.Errorf("%w: claim name %q is reserved", ErrBadPath, k)
		}
		b.ptr = appendPointer(b.ptr[:0], path, k)
		m := b.mark[string(b.ptr)]
		marked = append(marked, m)
		if !m {
			kept++
		}
	}
	out := make(map[string]any, kept+1)
	for i, k := range keys {
		v, err := b.value(in[k], path, k, depth)
		if err != nil {
			return nil, err
		}
		if !marked[i] {
			out[k] = v
			continue
		}
		dg, err := b.disclose(k, false, v)
		if err != nil {
			return nil, err
		}
		sd = append(sd, dg)
	}
	if sd != nil {
		slices.SortFunc(sd, func(a, c any) int { return strings.Compare(a.(string), c.(string)) })
		out["_sd"] = sd
		b.objs = append(b.objs, out)
	}
	return out, nil
}

func (b *builder) array(in []any, path string, depth int) ([]any, error) {
	out := make([]any, len(in))
	for i, e := range in {
		idx := strconv.Itoa(i)
		v, err := b.value(e, path, idx, depth)
		if err != nil {
			return nil, err
		}
		b.ptr = appendPointer(b.ptr[:0], path, idx)
		if !b.mark[string(b.ptr)] {
			out[i] = v
			continue
		}
		dg, err := b.disclose("", true, v)
		if err != nil {
			return nil, err
		}
		out[i] = map[string]any{"...": dg}
	}
	return out, nil
}

// addDecoys adds n decoy digests: the digests of random values, which no
// disclosure can match (§4.2.5). The top level gets them when no object has
// an "_sd" array yet.
func (b *builder) addDecoys(top map[string]any, n int) error {
	if n == 0 {
		return nil
	}
	// b.objs lists the objects with an "_sd" array in the order they were
	// finished; the top level, when it has one, is finished last.
	nested := b.objs
	if _, ok := top["_sd"]; ok {
		nested = nested[:len(nested)-1]
	}
	objs := append([]map[string]any{top}, nested...)
	rnd := make([]byte, saltBytes*n)
	if _, err := rand.Read(rnd); err != nil {
		return fmt.Errorf("read decoys: %w", err)
	}
	for i := 0; i < n; i++ {
		o := objs[i%len(objs)]
		dg := digest(jose.EncodeSegment(rnd[i*saltBytes : (i+1)*saltBytes]))
		sd, _ := o["_sd"].([]any)
		o["_sd"] = append(sd, dg)
	}
	for _, o := range objs {
		if sd, ok := o["_sd"].([]any); ok {
			slices.SortFunc(sd, func(a, c any) int { return strings.Compare(a.(string), c.(string)) })
		}
	}
	return nil
}
