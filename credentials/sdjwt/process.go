package sdjwt

import (
	"fmt"
	"strconv"

	"github.com/loopbrug/paspoort/internal/limits"
)

// Processed is the outcome of processing an SD-JWT's disclosures (§7.1
// steps 3 to 5).
type Processed struct {
	// Claims are the processed claims: every disclosed claim in place, every
	// "_sd" and "_sd_alg" removed, undisclosed array elements and decoys
	// dropped. Numbers are json.Number.
	Claims map[string]any
	// Disclosed lists, for each disclosure in the order received, the JSON
	// Pointer of the claim it disclosed.
	Disclosed []string
}

// maxProcessDepth bounds the recursion through nested objects, arrays and
// disclosures inside disclosures.
const maxProcessDepth = 2 * limits.MaxJSONDepth

type processor struct {
	byDigest map[string]int // digest → index into disclosures, or -1 for a digest met that no disclosure has
	discs    []*Disclosure
	paths    []string // per disclosure: the pointer it disclosed; "" = unused
	used     []bool
	met      int   // digests met in the payload
	ar       arena // the disclosed pointers
}

// Process applies the disclosures to the payload exactly as RFC 9901 §7.1
// steps 3 to 5 prescribe: the hash algorithm must be sha-256; every digest
// may appear once only; a disclosed name may not be "_sd" or "..." nor exist
// already; an array element disclosure may only be referenced from "...", an
// object property disclosure only from "_sd"; and every disclosure must be
// referenced. Process does not verify the signature: call it on a verified
// SD-JWT, or (as a holder) to see what one contains.
func (t *SDJWT) Process() (*Processed, error) {
	if v, ok := t.Payload["_sd_alg"]; ok {
		if s, isStr := v.(string); !isStr || s != "sha-256" {
			return nil, fmt.Errorf("%w: %v", ErrHashAlg, v)
		}
	}
	p := &processor{
		byDigest: make(map[string]int, len(t.Disclosures)),
		discs:    t.Disclosures,
		paths:    make([]string, len(t.Disclosures)),
		used:     make([]bool, len(t.Disclosures)),
	}
	for i, d := range t.Disclosures {
		if _, dup := p.byDigest[d.Digest]; dup {
			return nil, fmt.Errorf("%w: the same disclosure was sent twice", ErrDuplicateDigest)
		}
		p.byDigest[d.Digest] = i
	}
	claims, err := p.object(t.Payload, "", 0, true)
	if err != nil {
		return nil, err
	}
	for i, u := range p.used {
		if !u {
			return nil, fmt.Errorf("%w: disclosure %d", ErrUnreferencedDisclosure, i+1)
		}
	}
	return &Processed{Claims: claims, Disclosed: p.paths}, nil
}

// see records that the payload references dg and returns the index of its
// disclosure, or -1 when none was sent (a decoy, or a claim not disclosed).
// A digest met twice is refused (RFC 9901 §7.1 step 4).
func (p *processor) see(dg string) (int, error) {
	if p.met >= limits.MaxDigests {
		return 0, fmt.Errorf("%w: more than %d digests", ErrTooLarge, limits.MaxDigests)
	}
	p.met++
	i, found := p.byDigest[dg]
	switch {
	case !found:
		p.byDigest[dg] = -1
		return -1, nil
	case i < 0 || p.used[i]:
		return 0, ErrDuplicateDigest
	}
	return i, nil
}

// isContainer reports whether v is a JSON object or array.
func isContainer(v any) bool {
	switch v.(type) {
	case map[string]any, []any:
		return true
	}
	return false
}

func (p *processor) value(v any, path string, depth int) (any, error) {
	switch v := v.(type) {
	case map[string]any:
		return p.object(v, path, depth+1, false)
	case []any:
		return p.array(v, path, depth+1)
	default:
		return v, nil
	}
}

func (p *processor) object(in map[string]any, path string, depth int, top bool) (map[string]any, error) {
	if depth > maxProcessDepth {
		return nil, fmt.Errorf("%w: nested too deeply", ErrTooLarge)
	}
	size := len(in)
	if list, ok := in["_sd"].([]any); ok {
		size += len(list) // room for the disclosed claims: no rehash on the way
	}
	out := make(map[string]any, size)
	for k, v := range in {
		switch k {
		case "_sd":
			continue
		case "_sd_alg":
			if !top {
				return nil, fmt.Errorf("%w: _sd_alg below the top level at %q", ErrBadStructure, trunc(path))
			}
			continue
		}
		if !isContainer(v) {
			out[k] = v // a plain value needs no pointer
			continue
		}
		pv, err := p.value(v, path+"/"+EscapePointerToken(k), depth)
		if err != nil {
			return nil, err
		}
		out[k] = pv
	}
	sd, ok := in["_sd"]
	if !ok {
		return out, nil
	}
	list, ok := sd.([]any)
	if !ok {
		return nil, fmt.Errorf("%w: _sd is not an array at %q", ErrBadStructure, trunc(path))
	}
	for _, e := range list {
		dg, ok := e.(string)
		if !ok {
			return nil, fmt.Errorf("%w: _sd holds a non-string at %q", ErrBadStructure, trunc(path))
		}
		i, err := p.see(dg)
		if err != nil {
			return nil, err
		}
		if i < 0 {
			continue // a decoy, or a claim the holder did not disclose
		}
		d := p.discs[i]
		if d.ArrayElement {
			return nil, fmt.Errorf("%w: array element disclosure referenced from _sd", ErrBadDisclosure)
		}
		if d.Name == "_sd" || d.Name == "..." {
			return nil, fmt.Errorf("%w: %q", ErrClaimName, d.Name)
		}
		if _, exists := out[d.Name]; exists {
			return nil, fmt.Errorf("%w: %q already exists at %q", ErrClaimName, trunc(d.Name), trunc(path))
		}
		cp := p.ar.pointer(path, d.Name)
		p.used[i], p.paths[i] = true, cp
		pv, err := p.value(d.Value, cp, depth)
		if err != nil {
			return nil, err
		}
		out[d.Name] = pv
	}
	return out, nil
}

func (p *processor) array(in []any, path string, depth int) ([]any, error) {
	if depth > maxProcessDepth {
		return nil, fmt.Errorf("%w: nested too deeply", ErrTooLarge)
	}
	out := make([]any, 0, len(in))
	for _, e := range in {
		idx := path + "/" + strconv.Itoa(len(out))
		m, isObj := e.(map[string]any)
		ref, isRef := m["..."]
		if !isObj || !isRef {
			pv, err := p.value(e, idx, depth)
			if err != nil {
				return nil, err
			}
			out = append(out, pv)
			continue
		}
		if len(m) != 1 {
			return nil, fmt.Errorf("%w: \"...\" beside other members at %q", ErrBadStructure, trunc(path))
		}
		dg, ok := ref.(string)
		if !ok {
			return nil, fmt.Errorf("%w: \"...\" is not a string at %q", ErrBadStructure, trunc(path))
		}
		i, err := p.see(dg)
		if err != nil {
			return nil, err
		}
		if i < 0 {
			continue // a decoy, or an element the holder did not disclose
		}
		d := p.discs[i]
		if !d.ArrayElement {
			return nil, fmt.Errorf("%w: object property disclosure referenced from an array", ErrBadDisclosure)
		}
		p.used[i], p.paths[i] = true, idx
		pv, err := p.value(d.Value, idx, depth)
		if err != nil {
			return nil, err
		}
		out = append(out, pv)
	}
	return out, nil
}
