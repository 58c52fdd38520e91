package did_test

import (
	"context"
	"fmt"

	"github.com/loopbrug/paspoort/credentials/did"
	"github.com/loopbrug/paspoort/internal/jose"
)

func Example() {
	// An issuer names its key with a did:jwk; a verifier resolves the
	// token's kid to that key.
	priv, err := jose.GenerateKey(jose.ES256)
	if err != nil {
		panic(err)
	}
	issuer, err := did.JWKFromKey(priv.Public())
	if err != nil {
		panic(err)
	}
	kid := issuer + "#0"

	r := did.NewResolver(nil) // no did:web
	key, err := r.ResolveKey(context.Background(), kid, did.AssertionMethod)
	if err != nil {
		panic(err)
	}
	fmt.Println(key.Equal(priv.Public()), key.KeyID() == kid, key.Alg())
	// Output: true true ES256
}

func ExampleWebURL() {
	u, err := did.WebURL("did:web:example.com%3A3000:user:alice")
	fmt.Println(u, err)
	_, err = did.WebURL("did:web:169.254.169.254")
	fmt.Println(err)
	// Output:
	// https://example.com:3000/user/alice/did.json <nil>
	// did:web host refused: IP literal
}
