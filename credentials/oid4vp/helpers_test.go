package oid4vp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/dcql"
	"github.com/loopbrug/paspoort/credentials/did"
	"github.com/loopbrug/paspoort/credentials/oid4vp"
	"github.com/loopbrug/paspoort/internal/jose"
)

var now = time.Unix(1_760_000_000, 0)

// verifierFixture is a Verifier identified by a did:jwk, with an ephemeral
// response encryption key.
type verifierFixture struct {
	did      string
	clientID string
	key      *jose.PrivateKey
	encKey   *jose.EncryptionKey
}

func newVerifier(t testing.TB) *verifierFixture {
	t.Helper()
	k, err := jose.GenerateKey(jose.ES256)
	if err != nil {
		t.Fatal(err)
	}
	d, err := did.JWKFromKey(k.Public())
	if err != nil {
		t.Fatal(err)
	}
	ek, err := jose.GenerateEncryptionKey()
	if err != nil {
		t.Fatal(err)
	}
	return &verifierFixture{did: d, clientID: oid4vp.PrefixDecentralizedIdentifier + ":" + d, key: k.WithKeyID(d + "#0"), encKey: ek}
}

func readQuery(t testing.TB, name string) dcql.Query {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "dcql", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	q, err := dcql.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// request returns a valid direct_post.jwt request of v.
func (v *verifierFixture) request(t testing.TB, responseURI string) oid4vp.AuthorizationRequest {
	t.Helper()
	return oid4vp.AuthorizationRequest{
		ClientID:     v.clientID,
		ResponseType: oid4vp.ResponseTypeVPToken,
		ResponseMode: oid4vp.ResponseModeDirectPostJWT,
		ResponseURI:  responseURI,
		Nonce:        oid4vp.NewNonce(),
		State:        oid4vp.NewNonce(),
		DCQLQuery:    readQuery(t, "vp-1.0-dcql-simple.json"),
		ClientMetadata: &oid4vp.ClientMetadata{
			JWKS:                                &oid4vp.JWKS{Keys: []*jose.EncryptionPublicKey{v.encKey.Public()}},
			EncryptedResponseEncValuesSupported: []string{"A256GCM", "A128GCM"},
			VPFormatsSupported: map[string]oid4vp.VPFormat{
				dcql.FormatSDJWTVC: {SDJWTAlgValues: []string{"ES256"}, KBJWTAlgValues: []string{"ES256"}},
			},
		},
	}
}

func (v *verifierFixture) sign(t testing.TB, r oid4vp.AuthorizationRequest) string {
	t.Helper()
	tok, err := oid4vp.SignRequestObject(v.key, r, now, 5*time.Minute, oid4vp.URLPolicy{AllowLoopback: true})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func (v *verifierFixture) verifyOpts() oid4vp.VerifyOptions {
	return oid4vp.VerifyOptions{
		ClientID: v.clientID,
		Resolver: did.NewResolver(nil),
		Now:      now,
		URLs:     oid4vp.URLPolicy{AllowLoopback: true},
	}
}

// staticResolver is an in-memory DID resolver: DID URL → key.
type staticResolver map[string]*jose.PublicKey

func (s staticResolver) ResolveKey(_ context.Context, didURL string, _ did.Relationship) (*jose.PublicKey, error) {
	k, ok := s[didURL]
	if !ok {
		return nil, fmt.Errorf("%w: unknown key", credentials.ErrTrust)
	}
	return k, nil
}

var (
	webKeyOnce sync.Once
	webKeyVal  *jose.PrivateKey
)

// webKey is the key of did:web:verifier.example#key-1.
func webKey(t testing.TB) *jose.PrivateKey {
	webKeyOnce.Do(func() {
		k, err := jose.GenerateKey(jose.ES256)
		if err != nil {
			panic(err)
		}
		webKeyVal = k.WithKeyID("did:web:verifier.example#key-1")
	})
	return webKeyVal
}

// signForWeb signs a request of did:web:verifier.example whose response_uri
// is responseURI, bypassing SignRequestObject's own checks.
func signForWeb(t testing.TB, responseURI string) string {
	t.Helper()
	v := newVerifier(t)
	r := v.request(t, responseURI)
	r.ClientID = "decentralized_identifier:did:web:verifier.example"
	r.Audience = oid4vp.SelfIssuedAudience
	tok, err := jose.Sign(webKey(t), oid4vp.TypRequestObject, nil, []byte(mustJSON(t, r)))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// redirectRequest is a direct_post request of a redirect_uri client.
func redirectRequest(t testing.TB) oid4vp.AuthorizationRequest {
	return oid4vp.AuthorizationRequest{
		ClientID:     "redirect_uri:https://verifier.example/response",
		ResponseType: oid4vp.ResponseTypeVPToken,
		ResponseMode: oid4vp.ResponseModeDirectPost,
		ResponseURI:  "https://verifier.example/response",
		Nonce:        oid4vp.NewNonce(),
		DCQLQuery:    readQuery(t, "vp-1.0-dcql-simple.json"),
	}
}

func mod2(r oid4vp.AuthorizationRequest, f func(r *oid4vp.AuthorizationRequest)) oid4vp.AuthorizationRequest {
	f(&r)
	return r
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
