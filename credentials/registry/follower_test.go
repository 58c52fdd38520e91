package registry_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/registry"
	"github.com/loopbrug/paspoort/internal/jose"
)

// resign replaces the header and payload of a token and signs it again
// with k, as a hostile publisher holding k could.
func resign(t *testing.T, k *jose.PrivateKey, header, payload string) string {
	t.Helper()
	tok, err := jose.SignRaw(k, []byte(header), []byte(payload))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestAcceptFirstHostile(t *testing.T) {
	k1, other := newKey(t), newKey(t)
	good := sign(t, baseDoc(k1), k1)
	parts := strings.Split(good, ".")
	hdr := fmt.Sprintf(`{"alg":"ES256","typ":%q,"kid":%q}`, registry.Type, k1.KeyID())
	payload := func(mut func(string) string) string {
		b, _ := jose.DecodeSegment(parts[1])
		return mut(string(b))
	}
	expired := baseDoc(k1)
	expired.Expires = t0.Add(-time.Hour).Unix()
	expired.IssuedAt = t0.Add(-2 * time.Hour).Unix()
	future := baseDoc(k1)
	future.IssuedAt = t0.Add(time.Hour).Unix()
	dupIssuer := baseDoc(k1)
	dupIssuer.Issuers = append(dupIssuer.Issuers, dupIssuer.Issuers[0])
	dupVerifier := baseDoc(k1)
	dupVerifier.Verifiers = append(dupVerifier.Verifiers, dupVerifier.Verifiers[0])
	dupJSON := payload(func(s string) string { return `{"version":1,` + s[1:] })
	unknownMember := payload(func(s string) string { return `{"extra":1,` + s[1:] })

	tests := []struct {
		name    string
		token   string
		wantErr []error
	}{
		{"good", good, nil},
		{"bad signature", parts[0] + "." + parts[1] + "." + strings.Repeat("A", 86), []error{jose.ErrBadSignature, credentials.ErrSignature}},
		{"payload swapped", parts[0] + "." + jose.EncodeSegment([]byte(payload(func(s string) string { return strings.Replace(s, "Toetsbureau", "Nepbureau", 1) }))) + "." + parts[2], []error{credentials.ErrSignature}},
		{"unknown key", sign(t, baseDoc(other), other), []error{registry.ErrUnknownKey, credentials.ErrTrust}},
		{"pinned key under another kid", resign(t, other, hdr, payload(func(s string) string { return s })), []error{credentials.ErrSignature}},
		{"no kid", resign(t, k1, fmt.Sprintf(`{"alg":"ES256","typ":%q}`, registry.Type), payload(func(s string) string { return s })), []error{registry.ErrUnknownKey}},
		{"wrong typ", resign(t, k1, fmt.Sprintf(`{"alg":"ES256","typ":"JWT","kid":%q}`, k1.KeyID()), payload(func(s string) string { return s })), []error{jose.ErrWrongType, credentials.ErrType}},
		{"trust list typ", resign(t, k1, fmt.Sprintf(`{"alg":"ES256","typ":"paspoort-trust-list+jwt","kid":%q}`, k1.KeyID()), payload(func(s string) string { return s })), []error{credentials.ErrType}},
		{"alg none", jose.EncodeSegment([]byte(`{"alg":"none","typ":"`+registry.Type+`"}`)) + "." + parts[1] + ".", []error{credentials.ErrAlg}},
		{"expired", sign(t, expired, k1), []error{registry.ErrExpired, credentials.ErrClaim}},
		{"issued in the future", sign(t, future, k1), []error{registry.ErrNotYetValid, credentials.ErrClaim}},
		{"duplicated issuer", resign(t, k1, hdr, mustJSON(t, dupIssuer)), []error{registry.ErrDuplicateMember, credentials.ErrFormat}},
		{"duplicated verifier", resign(t, k1, hdr, mustJSON(t, dupVerifier)), []error{registry.ErrDuplicateMember, credentials.ErrFormat}},
		{"duplicated JSON member", resign(t, k1, hdr, dupJSON), []error{credentials.ErrFormat}},
		{"unknown member", resign(t, k1, hdr, unknownMember), []error{registry.ErrMalformed, credentials.ErrFormat}},
		{"version 1.0", resign(t, k1, hdr, payload(func(s string) string { return strings.Replace(s, `"version":1,`, `"version":1.0,`, 1) })), []error{registry.ErrMalformed, credentials.ErrFormat}},
		{"version as a string", resign(t, k1, hdr, payload(func(s string) string { return strings.Replace(s, `"version":1,`, `"version":"1",`, 1) })), []error{credentials.ErrFormat}},
		{"private key in next_keys", resign(t, k1, hdr, payload(func(s string) string { return strings.Replace(s, `"kty"`, `"d":"AAAA","kty"`, 1) })), []error{credentials.ErrFormat}},
		{"oversized", good + strings.Repeat("A", registry.MaxBytes), []error{registry.ErrTooLarge, credentials.ErrLimit}},
		{"not a JWS", "hello", []error{credentials.ErrFormat}},
		{"JWE", "a.b.c.d.e", []error{credentials.ErrFormat}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := follower(t, k1)
			r, err := f.Accept([]byte(tt.token), t0)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Accept: %v", err)
				}
				if r.Version != 1 || f.State().Hash != registry.Hash(tt.token) {
					t.Fatalf("accepted %d, state %+v", r.Version, f.State())
				}
				return
			}
			for _, w := range tt.wantErr {
				if !errors.Is(err, w) {
					t.Errorf("Accept = %v, want %v", err, w)
				}
			}
			if f.Current() != nil || f.State().Version != 0 {
				t.Error("a refused register changed the follower")
			}
		})
	}
}

func mustJSON(t *testing.T, d *registry.Document) string {
	t.Helper()
	// Build the payload the way Sign does, skipping Validate, to present a
	// hostile but well-signed document.
	b, err := marshalNoValidate(d)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// chain is a consortium's published versions, v[1] onwards.
type chain struct {
	docs []*registry.Document
	toks []string
}

func (c *chain) add(t *testing.T, d *registry.Document, k *jose.PrivateKey) {
	t.Helper()
	if len(c.docs) == 0 {
		c.docs, c.toks = []*registry.Document{nil}, []string{""}
	}
	c.docs = append(c.docs, d)
	c.toks = append(c.toks, sign(t, d, k))
}

func (c *chain) last() (*registry.Document, string) {
	return c.docs[len(c.docs)-1], c.toks[len(c.toks)-1]
}

func (c *chain) fetch(_ context.Context, n uint64) ([]byte, error) {
	if n == 0 || n >= uint64(len(c.toks)) {
		return nil, fmt.Errorf("no version %d", n)
	}
	return []byte(c.toks[n]), nil
}

func TestAcceptChainHostile(t *testing.T) {
	k1, k2, k3 := newKey(t), newKey(t), newKey(t)
	var c chain
	c.add(t, baseDoc(k1, k2), k1) // v1: next k1, k2
	d1, tok1 := c.last()

	v2 := next(d1, tok1, k1)
	wrongPrev := next(d1, tok1, k1)
	wrongPrev.Prev = registry.Hash("something else")
	fork := next(d1, tok1, k1)
	fork.Issuers = fork.Issuers[:1]
	v3skip := next(v2, sign(t, v2, k1), k1)
	otherConsortium := next(d1, tok1, k1)
	otherConsortium.Consortium.ID = "https://other.example.nl"

	tests := []struct {
		name    string
		steps   []string
		wantErr []error
	}{
		{"next version", []string{sign(t, v2, k1)}, nil},
		{"next version by announced k2", []string{sign(t, v2, k2)}, nil},
		{"same version again", []string{tok1}, nil},
		{"unannounced key", []string{sign(t, v2, k3)}, []error{registry.ErrUnannouncedKey, credentials.ErrTrust}},
		{"prev-hash mismatch", []string{sign(t, wrongPrev, k1)}, []error{registry.ErrPrevHash, credentials.ErrTrust}},
		{"rollback", []string{sign(t, v2, k1), tok1}, []error{registry.ErrRollback, credentials.ErrTrust}},
		{"same version other bytes", []string{sign(t, v2, k1), sign(t, fork, k1)}, []error{registry.ErrForked, credentials.ErrTrust}},
		{"gap", []string{v3tok(t, v3skip, k1)}, []error{registry.ErrGap, credentials.ErrTrust}},
		{"other consortium", []string{sign(t, otherConsortium, k1)}, []error{registry.ErrOtherConsortium, credentials.ErrTrust}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := follower(t, k1)
			if _, err := f.Accept([]byte(tok1), t0); err != nil {
				t.Fatal(err)
			}
			var err error
			for _, s := range tt.steps {
				if _, err = f.Accept([]byte(s), t0); err != nil {
					break
				}
			}
			if tt.wantErr == nil && err != nil {
				t.Fatalf("Accept: %v", err)
			}
			for _, w := range tt.wantErr {
				if !errors.Is(err, w) {
					t.Errorf("Accept = %v, want %v", err, w)
				}
			}
		})
	}
}

func v3tok(t *testing.T, d *registry.Document, k *jose.PrivateKey) string { return sign(t, d, k) }

// TestRotation: v1 names k2 only; v2 signed by k2 is accepted; v2 names
// only k2, so v3 signed by k1 is refused and v3 signed by k2 accepted.
func TestRotation(t *testing.T) {
	k1, k2 := newKey(t), newKey(t)
	d1 := baseDoc(k2)
	tok1 := sign(t, d1, k1)
	f := follower(t, k1)
	mustAccept(t, f, tok1, t0)
	d2 := next(d1, tok1, k2)
	if _, err := f.Accept([]byte(sign(t, d2, k1)), t0); !errors.Is(err, registry.ErrUnannouncedKey) {
		t.Fatalf("v2 by the retired k1: %v, want ErrUnannouncedKey", err)
	}
	tok2 := sign(t, d2, k2)
	mustAccept(t, f, tok2, t0)
	d3 := next(d2, tok2, k2)
	if _, err := f.Accept([]byte(sign(t, d3, k1)), t0); !errors.Is(err, registry.ErrUnannouncedKey) || !errors.Is(err, credentials.ErrTrust) {
		t.Fatalf("v3 by k1 after v2 named only k2: %v, want ErrUnannouncedKey", err)
	}
	r := mustAccept(t, f, sign(t, d3, k2), t0)
	if r.Version != 3 || r.KeyID != k2.KeyID() {
		t.Fatalf("got version %d by %s", r.Version, r.KeyID)
	}

	// The persisted state resumes: the same v3 again, then v4.
	g, err := registry.NewFollower(nil, registry.WithState(f.State()))
	if err != nil {
		t.Fatal(err)
	}
	mustAccept(t, g, r.Token, t0)
	mustAccept(t, g, sign(t, next(d3, r.Token, k2), k2), t0)
}

func mustAccept(t *testing.T, f *registry.Follower, tok string, now time.Time) *registry.Register {
	t.Helper()
	r, err := f.Accept([]byte(tok), now)
	if err != nil {
		t.Fatalf("Accept: %v", err)
	}
	return r
}

// TestUpdateWalksTheChain: a follower at v1 meets v5, signed by a key
// rotated in at v3; it fetches v2–v4 (expired by now) and accepts v5.
func TestUpdateWalksTheChain(t *testing.T) {
	k1, k2 := newKey(t), newKey(t)
	var c chain
	c.add(t, baseDoc(k1), k1)
	for v := 2; v <= 5; v++ {
		d, tok := c.last()
		signer, nextKey := k1, k1
		if v == 3 {
			nextKey = k2
		}
		if v >= 4 {
			signer, nextKey = k2, k2
		}
		c.add(t, next(d, tok, nextKey), signer)
	}
	f := follower(t, k1)
	mustAccept(t, f, c.toks[1], t0)
	_, latest := c.last()
	if _, err := f.Accept([]byte(latest), t0); !errors.Is(err, registry.ErrGap) {
		t.Fatalf("Accept over a gap: %v, want ErrGap", err)
	}
	later := t0.Add(30*24*time.Hour + 3*time.Hour + time.Minute) // v1–v4 expired, v5 not
	r, err := f.Update(context.Background(), []byte(latest), c.fetch, later)
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if r.Version != 5 || f.State().Version != 5 {
		t.Fatalf("at version %d", f.State().Version)
	}

	// A tampered intermediate stops the walk and changes nothing.
	g := follower(t, k1)
	mustAccept(t, g, c.toks[1], t0)
	bad := c
	bad.toks = append([]string(nil), c.toks...)
	bad.toks[3] = sign(t, c.docs[3], newKey(t))
	if _, err := g.Update(context.Background(), []byte(latest), bad.fetch, later); !errors.Is(err, registry.ErrUnannouncedKey) {
		t.Fatalf("Update over a forged v3: %v, want ErrUnannouncedKey", err)
	}
	if g.State().Version != 1 {
		t.Fatalf("a failed walk moved the state to %d", g.State().Version)
	}
	// An expired latest is refused even after a good walk.
	if _, err := g.Update(context.Background(), []byte(latest), c.fetch, later.Add(365*24*time.Hour)); !errors.Is(err, registry.ErrExpired) {
		t.Fatalf("Update to an expired latest: %v, want ErrExpired", err)
	}
}

func TestNewFollowerRefuses(t *testing.T) {
	ed, err := jose.GenerateKey(jose.EdDSA)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		keys    []*jose.PublicKey
		opts    []registry.Option
		wantErr error
	}{
		{"no key", nil, nil, registry.ErrUnknownKey},
		{"EdDSA key", []*jose.PublicKey{ed.Public()}, nil, jose.ErrAlgNotAllowed},
		{"incomplete state", nil, []registry.Option{registry.WithState(registry.State{Version: 3})}, registry.ErrMalformed},
		{"http consortium", []*jose.PublicKey{newKey(t).Public()}, []registry.Option{registry.WithConsortium("http://x.example")}, registry.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := registry.NewFollower(tt.keys, tt.opts...); !errors.Is(err, tt.wantErr) {
				t.Fatalf("NewFollower = %v, want %v", err, tt.wantErr)
			}
		})
	}
}
