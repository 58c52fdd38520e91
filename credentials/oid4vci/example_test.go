package oid4vci_test

import (
	"fmt"

	"github.com/loopbrug/paspoort/credentials/oid4vci"
	"github.com/loopbrug/paspoort/internal/jose"
)

// A wallet proves possession of its key for a c_nonce; the issuer verifies
// the proof and binds the credential to the proven key.
func Example() {
	offerURI := "openid-credential-offer://?credential_offer=%7B%22credential_issuer%22%3A%22https%3A%2F%2Fissuer.example%22%2C%22credential_configuration_ids%22%3A%5B%22skill%22%5D%2C%22grants%22%3A%7B%22urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code%22%3A%7B%22pre-authorized_code%22%3A%22c0de%22%2C%22tx_code%22%3A%7B%22length%22%3A6%7D%7D%7D%7D"
	ref, err := oid4vci.ParseOfferURI(offerURI)
	if err != nil {
		panic(err)
	}
	offer := ref.Offer
	fmt.Println("issuer:", offer.CredentialIssuer, "offers:", offer.CredentialConfigurationIDs)
	fmt.Println("tx_code digits:", offer.Grants.PreAuthorizedCode.TxCode.Length)

	holder, _ := jose.GenerateKey(jose.ES256)
	proof, err := oid4vci.BuildProof(holder, oid4vci.ProofOptions{Audience: offer.CredentialIssuer, Nonce: "n-0S6_WzA2Mj"})
	if err != nil {
		panic(err)
	}
	p, err := oid4vci.VerifyProof(proof, oid4vci.ProofPolicy{
		Audience: "https://issuer.example", Algs: []jose.Alg{jose.ES256}, NonceRequired: true,
	})
	if err != nil {
		panic(err)
	}
	fmt.Println("proven key is the holder's:", p.Key.Equal(holder.Public()), "nonce:", p.Nonce)
	// Output:
	// issuer: https://issuer.example offers: [skill]
	// tx_code digits: 6
	// proven key is the holder's: true nonce: n-0S6_WzA2Mj
}
