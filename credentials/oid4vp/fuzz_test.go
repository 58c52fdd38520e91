package oid4vp_test

import (
	"context"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/oid4vp"
	"github.com/loopbrug/paspoort/credentials/pki"
	"github.com/loopbrug/paspoort/internal/jose"
)

func vector(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSpecRequestExamples parses the spec's request object payloads (§5.6,
// §8.2, the decentralized_identifier example with its response mode changed
// to direct_post), the spec's direct_post body and Response URI reply.
func TestSpecRequestExamples(t *testing.T) {
	for _, name := range []string{"vp-1.0-request-object-direct-post.json", "vp-1.0-request-object-client-id-did.json"} {
		r, err := oid4vp.ParseAuthorizationRequest(vector(t, name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, err := r.Validate(oid4vp.ValidateOptions{}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		// The spec's nonce has 72 bits: fine for a Wallet to accept, too
		// little for our Verifier to send.
		if _, err := r.Validate(oid4vp.ValidateOptions{Verifier: true}); !errors.Is(err, oid4vp.ErrInvalidRequest) {
			t.Fatalf("%s as Verifier: %v", name, err)
		}
	}
	form, err := url.ParseQuery(strings.TrimSpace(string(vector(t, "vp-1.0-direct-post-response.txt"))))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := oid4vp.ParseResponse(form, oid4vp.ResponseExpectation{Mode: oid4vp.ResponseModeDirectPost})
	if err != nil || resp.VPToken["my_credential"][0] != "eyJhbGci...QMA" || resp.State != "eyJhb-6-sVA" {
		t.Fatalf("%+v %v", resp, err)
	}
	if _, err := oid4vp.ParseResponseURIReply(vector(t, "vp-1.0-response-uri-reply.json"), oid4vp.URLPolicy{}); err != nil {
		t.Fatal(err)
	}
}

// FuzzVerifyRequestObject feeds arbitrary request objects to the Wallet's
// verification: no panic, every error of a class. Seeds are the spec's
// payloads signed by a did:jwk Verifier, and unsigned, and the committed
// x5c request objects (x509_hash, x509_san_dns), which every token is also
// tried against with their anchor and client_id.
func FuzzVerifyRequestObject(f *testing.F) {
	v := newVerifier(f)
	for _, name := range []string{"vp-1.0-request-object-direct-post.json", "vp-1.0-request-object-client-id-did.json"} {
		p := vector(f, name)
		s, err := jose.Sign(v.key, oid4vp.TypRequestObject, nil, p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(s)
		f.Add(jose.EncodeSegment([]byte(`{"alg":"none","typ":"oauth-authz-req+jwt"}`)) + "." + jose.EncodeSegment(p) + ".")
	}
	f.Add(v.sign(f, v.request(f, "https://verifier.example/response")))
	anchors, err := pki.ParseAnchorsPEM(vector(f, "x509-anchor.pem"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range x509Vectors {
		f.Add(strings.TrimSpace(string(vector(f, name))))
	}
	opts := v.verifyOpts()
	unsafeOpts := opts
	unsafeOpts.AllowRedirectURIPrefixUnsafe = true
	f.Fuzz(func(t *testing.T, tok string) {
		for _, o := range []oid4vp.VerifyOptions{opts, unsafeOpts, x509VectorOpts(t, tok, anchors)} {
			if o.ClientID == "" {
				continue
			}
			r, err := oid4vp.VerifyRequestObject(context.Background(), tok, o)
			if err != nil {
				if credentials.Class(err) == nil {
					t.Fatalf("error without class: %v", err)
				}
				if r != nil {
					t.Fatal("request with an error")
				}
				continue
			}
			if oid4vp.IsX509(r.ClientID.Prefix) && (r.Chain == nil || (r.ClientID.Prefix == oid4vp.PrefixX509Hash && pki.X509Hash(r.Chain.Leaf) != r.ClientID.Identifier)) {
				t.Fatal("x509 request accepted without a chain that matches its client_id")
			}
		}
	})
}

// FuzzParseAuthorizationRequest feeds arbitrary request payloads to the
// strict decoder and Validate.
func FuzzParseAuthorizationRequest(f *testing.F) {
	for _, name := range []string{"vp-1.0-request-object-direct-post.json", "vp-1.0-request-object-client-id-did.json"} {
		f.Add(vector(f, name))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := oid4vp.ParseAuthorizationRequest(b)
		if err != nil {
			if credentials.Class(err) == nil {
				t.Fatalf("error without class: %v", err)
			}
			return
		}
		if _, err := r.Validate(oid4vp.ValidateOptions{}); err != nil && credentials.Class(err) == nil {
			t.Fatalf("validate error without class: %v", err)
		}
	})
}

// FuzzParseResponse feeds arbitrary form bodies to the Verifier's response
// parsing in both modes.
func FuzzParseResponse(f *testing.F) {
	key, err := jose.GenerateEncryptionKey()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(strings.TrimSpace(string(vector(f, "vp-1.0-direct-post-response.txt"))))
	enc, _ := oid4vp.AuthorizationResponse{VPToken: sampleToken, State: "s"}.EncryptedForm(key.Public(), jose.A128GCM)
	f.Add(enc.Encode())
	f.Add((&oid4vp.ErrorResponse{Code: "access_denied", State: "s"}).Form().Encode())
	f.Fuzz(func(t *testing.T, body string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		for _, mode := range []string{oid4vp.ResponseModeDirectPost, oid4vp.ResponseModeDirectPostJWT} {
			r, err := oid4vp.ParseResponse(form, oid4vp.ResponseExpectation{Mode: mode, Key: key})
			var er *oid4vp.ErrorResponse
			if err != nil && !errors.As(err, &er) && credentials.Class(err) == nil {
				t.Fatalf("error without class: %v", err)
			}
			if err == nil && (r == nil || len(r.VPToken) == 0) {
				t.Fatal("accepted an empty response")
			}
		}
	})
}

// FuzzParseInvocationURI feeds arbitrary links to ParseInvocationURI.
func FuzzParseInvocationURI(f *testing.F) {
	f.Add(oid4vp.InvocationRequest{ClientID: "decentralized_identifier:did:web:verifier.example", RequestURI: "https://verifier.example/r", RequestURIMethod: "post"}.URI())
	f.Add("openid4vp://?client_id=redirect_uri%3Ahttps%3A%2F%2Fv.example%2Fcb&request_uri=https%3A%2F%2Fv.example%2Fr")
	f.Fuzz(func(t *testing.T, s string) {
		r, err := oid4vp.ParseInvocationURI(s, oid4vp.URLPolicy{})
		if err != nil {
			if credentials.Class(err) == nil {
				t.Fatalf("error without class: %v", err)
			}
			return
		}
		if r.ClientID == "" || r.RequestURI == "" {
			t.Fatal("accepted without client_id or request_uri")
		}
	})
}
