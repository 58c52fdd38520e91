package verifier_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials/registry"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/safehttp"
	"github.com/loopbrug/paspoort/verifier"
)

// registerHost serves signed registers by URL, as a consortium's server
// would, and counts the fetches.
type registerHost struct {
	mu      sync.Mutex
	byURL   map[string]string
	fetches int
}

func (h *registerHost) Get(_ context.Context, u, _ string) (*safehttp.Response, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.fetches++
	tok, ok := h.byURL[u]
	if !ok {
		return nil, fmt.Errorf("404 %s", u)
	}
	return &safehttp.Response{Body: []byte(tok)}, nil
}

func (h *registerHost) publish(base string, version uint64, tok string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.byURL[base+"/register.jwt"] = tok
	h.byURL[fmt.Sprintf("%s/register/%d.jwt", base, version)] = tok
}

func registerDoc(t *testing.T, now time.Time, version uint64, prev string, next *jose.PrivateKey) *registry.Document {
	t.Helper()
	return &registry.Document{
		Consortium: registry.Consortium{ID: "https://register.domstad.example", Name: registry.Text{NL: "Loopbrug Domstad", EN: "Loopbrug Domstad"}},
		Version:    version, Prev: prev,
		IssuedAt: now.Add(-time.Minute).Unix(), Expires: now.Add(24 * time.Hour).Unix(),
		NextKeys: []registry.Key{{PublicKey: next.Public()}},
		Issuers: []registry.Issuer{{ID: "did:web:assessor.example", Name: registry.Text{NL: "Assessment Centrum", EN: "Assessment Centre"},
			Kind: registry.KindAssessor, Types: []string{"skill", "level"}}},
		Verifiers: []registry.Verifier{{ClientID: "decentralized_identifier:did:web:school.example", Name: registry.Text{NL: "Hogeschool", EN: "University"},
			Kind: registry.KindAdmission, Profiles: []registry.ProfileEntry{{ID: "p", Versions: "*", Claims: []registry.Claim{{Type: "level", Paths: [][]string{{"level"}}}}}}}},
	}
}

// TestRegisterTrust: a verifier following a register trusts its issuers
// for their types, finds its own entry, follows a key rotation across a
// version it missed, and fails closed when the register expires.
func TestRegisterTrust(t *testing.T) {
	now := time.Now()
	k1, _ := jose.GenerateKey(jose.ES256)
	k2, _ := jose.GenerateKey(jose.ES256)
	host := &registerHost{byURL: map[string]string{}}
	const base = "https://register.domstad.example"
	v1 := registerDoc(t, now, 1, "", k1)
	tok1, err := registry.Sign(v1, k1)
	if err != nil {
		t.Fatal(err)
	}
	host.publish(base, 1, tok1)
	clock := now
	rt := &verifier.RegisterTrust{Sources: []verifier.RegisterSource{{URL: base + "/register.jwt", Keys: []*jose.PublicKey{k1.Public()}}},
		Fetcher: host, RefreshAfter: time.Minute, Now: func() time.Time { return clock }}
	tl, err := rt.TrustList(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !tl.Trusted("did:web:assessor.example", "level") || tl.Trusted("did:web:assessor.example", "learning") || tl.Trusted("did:web:other.example", "level") {
		t.Fatalf("trust list from the register: %+v", tl)
	}
	regs := rt.Registrations("decentralized_identifier:did:web:school.example")
	if len(regs) != 1 || regs[0].Consortium != base || regs[0].Register != base+"/register.jwt" {
		t.Fatalf("registrations: %+v", regs)
	}
	if rt.Registrations("decentralized_identifier:did:web:stranger.example") != nil {
		t.Fatal("a stranger has a registration")
	}
	// Cached within RefreshAfter.
	n := host.fetches
	if _, err := rt.TrustList(context.Background()); err != nil || host.fetches != n {
		t.Fatalf("refetched within the refresh time: %v", err)
	}

	// Version 2 (signed by k1, naming k2) and 3 (signed by k2, admitting
	// another type): the verifier saw neither and walks the chain.
	v2 := registerDoc(t, now, 2, registry.Hash(tok1), k2)
	tok2, _ := registry.Sign(v2, k1)
	v3 := registerDoc(t, now, 3, registry.Hash(tok2), k2)
	v3.Issuers[0].Types = append(v3.Issuers[0].Types, "learning")
	tok3, _ := registry.Sign(v3, k2)
	host.publish(base, 2, tok2)
	host.publish(base, 3, tok3)
	clock = clock.Add(2 * time.Minute)
	if tl, err = rt.TrustList(context.Background()); err != nil || !tl.Trusted("did:web:assessor.example", "learning") {
		t.Fatalf("after rotation: %v, %+v", err, tl)
	}

	// A version 4 signed by the retired k1 is refused; the accepted one
	// stays in force.
	v4 := registerDoc(t, now, 4, registry.Hash(tok3), k1)
	tok4, _ := registry.Sign(v4, k1)
	host.publish(base, 4, tok4)
	clock = clock.Add(2 * time.Minute)
	if tl, err = rt.TrustList(context.Background()); err != nil || !tl.Trusted("did:web:assessor.example", "learning") {
		t.Fatalf("a refused refresh dropped the accepted register: %v", err)
	}

	// Past exp, with no good refresh: nothing is trusted.
	clock = now.Add(48 * time.Hour)
	if _, err := rt.TrustList(context.Background()); !errors.Is(err, verifier.ErrNoRegister) {
		t.Fatalf("expired register: %v", err)
	}
}

// TestRequestCarriesRegistration: the request object of a registered
// verifier names its entry in verifier_info.
func TestRequestCarriesRegistration(t *testing.T) {
	reg := registry.Registration{Consortium: "https://register.domstad.example", Register: "https://register.domstad.example/register.jwt"}
	e := newEnvWith(t, envOptions{mode: "direct_post.jwt", config: func(c *verifier.Config) { c.Registrations = fixedRegistrations{reg} }})
	v := e.v
	req, err := v.CreateRequest(context.Background(), "tweedegraads-lerarenopleiding", verifier.RequestOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ro, err := v.RequestObject(context.Background(), req.TransactionID, "")
	if err != nil {
		t.Fatal(err)
	}
	j, err := jose.ParseCompact(ro)
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		ClientID     string `json:"client_id"`
		VerifierInfo []struct {
			Format string          `json:"format"`
			Data   json.RawMessage `json:"data"`
		} `json:"verifier_info"`
	}
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		t.Fatal(err)
	}
	if len(p.VerifierInfo) != 1 || p.VerifierInfo[0].Format != registry.VerifierInfoFormat {
		t.Fatalf("verifier_info: %+v", p.VerifierInfo)
	}
	got, err := registry.ParseRegistration(p.VerifierInfo[0].Data)
	if err != nil || got.ClientID != p.ClientID || got.Consortium != reg.Consortium {
		t.Fatalf("registration %+v (%v) for %s", got, err, p.ClientID)
	}
	if !strings.HasPrefix(p.ClientID, "decentralized_identifier:") {
		t.Fatalf("client_id %s", p.ClientID)
	}
}

// fixedRegistrations names the verifier in one register, whatever its
// client_id.
type fixedRegistrations []registry.Registration

func (f fixedRegistrations) Registrations(clientID string) []registry.Registration {
	out := make([]registry.Registration, len(f))
	for i, r := range f {
		r.ClientID = clientID
		out[i] = r
	}
	return out
}
