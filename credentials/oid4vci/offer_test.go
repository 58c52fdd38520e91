package oid4vci_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/oid4vci"
)

func TestParseOfferSpecExamples(t *testing.T) {
	o, err := oid4vci.ParseOffer(testdata(t, "vci-1.0-credential-offer-multiple-credentials.json"))
	if err != nil {
		t.Fatal(err)
	}
	g := o.Grants.PreAuthorizedCode
	if o.CredentialIssuer != "https://credential-issuer.example.com" || len(o.CredentialConfigurationIDs) != 2 ||
		g == nil || g.PreAuthorizedCode != "oaKazRN8I0IbtZ0C7JuMn5" || g.TxCode == nil || g.TxCode.Length != 4 || g.TxCode.InputMode != "numeric" {
		t.Fatalf("offer: %+v", o)
	}
	o, err = oid4vci.ParseOffer(testdata(t, "vci-1.0-credential-offer-by-reference.json"))
	if err != nil {
		t.Fatal(err)
	}
	if tx := o.Grants.PreAuthorizedCode.TxCode; tx == nil || *tx != (oid4vci.TxCode{}) {
		t.Fatalf("an empty tx_code object must still require a code: %+v", tx)
	}
}

func TestParseOfferURISpecExamples(t *testing.T) {
	ref, err := oid4vci.ParseOfferURI(string(testdata(t, "vci-1.0-offer-uri-by-value.txt")))
	if err != nil {
		t.Fatal(err)
	}
	if ref.Offer == nil || ref.URI != "" || ref.Offer.Grants.PreAuthorizedCode.TxCode.InputMode != "text" {
		t.Fatalf("by value: %+v", ref)
	}
	ref, err = oid4vci.ParseOfferURI(string(testdata(t, "vci-1.0-offer-uri-by-reference.txt")))
	if err != nil {
		t.Fatal(err)
	}
	if ref.Offer != nil || ref.URI != "https://server.example.com/credential-offer/GkurKxf5T0Y-mnPFCHqWOMiZi4VS138cQO_V7PZHAdM" {
		t.Fatalf("by reference: %+v", ref)
	}
	// HAIP §4.2: the same offer behind the haip:// scheme.
	haip := oid4vci.HAIPScheme + strings.TrimPrefix(string(testdata(t, "vci-1.0-offer-uri-by-reference.txt")), oid4vci.OfferScheme)
	if ref, err := oid4vci.ParseOfferURI(haip); err != nil || ref.URI == "" {
		t.Fatalf("haip:// offer %s: %+v %v", haip, ref, err)
	}
}

func TestOfferURIRoundTrip(t *testing.T) {
	o := &oid4vci.CredentialOffer{
		CredentialIssuer:           "https://issuer.example/tenant",
		CredentialConfigurationIDs: []string{"skill"},
		Grants: &oid4vci.Grants{PreAuthorizedCode: &oid4vci.PreAuthorizedCodeGrant{
			PreAuthorizedCode: "code&=?#",
			TxCode:            &oid4vci.TxCode{InputMode: oid4vci.InputModeNumeric, Length: 6, Description: "PIN uit de e-mail"},
		}},
	}
	uri, err := oid4vci.OfferURI(o)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(uri, "openid-credential-offer://?credential_offer=") {
		t.Fatalf("uri %s", uri)
	}
	ref, err := oid4vci.ParseOfferURI(uri)
	if err != nil {
		t.Fatal(err)
	}
	got := ref.Offer
	if got.CredentialIssuer != o.CredentialIssuer || got.Grants.PreAuthorizedCode.PreAuthorizedCode != "code&=?#" ||
		*got.Grants.PreAuthorizedCode.TxCode != *o.Grants.PreAuthorizedCode.TxCode {
		t.Fatalf("round trip: %+v", got)
	}
	byRef, err := oid4vci.OfferURIByReference("https://issuer.example/offers/abc")
	if err != nil {
		t.Fatal(err)
	}
	if ref, err := oid4vci.ParseOfferURI(byRef); err != nil || ref.URI != "https://issuer.example/offers/abc" {
		t.Fatalf("by reference round trip: %+v %v", ref, err)
	}
	if _, err := oid4vci.OfferURIByReference("http://issuer.example/o"); !errors.Is(err, oid4vci.ErrInvalidOffer) {
		t.Fatalf("http offer uri: %v", err)
	}
}

func TestParseOfferURIRefuses(t *testing.T) {
	long := strings.Repeat("a", oid4vci.MaxTxCodeDescription+1)
	for name, uri := range map[string]string{
		"both":             string(testdata(t, "neg-offer-uri-both.txt")),
		"neither":          "openid-credential-offer://?x=1",
		"repeated":         "openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fa.example%2F1&credential_offer_uri=https%3A%2F%2Fa.example%2F2",
		"http reference":   "openid-credential-offer://?credential_offer_uri=http%3A%2F%2Fa.example%2Fo",
		"fragment in ref":  "openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fa.example%2Fo%23x",
		"other scheme":     "javascript://?credential_offer_uri=https%3A%2F%2Fa.example%2Fo",
		"not json":         "openid-credential-offer://?credential_offer=%7B",
		"duplicate":        "openid-credential-offer://?credential_offer=" + escape(`{"credential_issuer":"https://a.example","credential_issuer":"https://b.example","credential_configuration_ids":["x"]}`),
		"case variant":     "openid-credential-offer://?credential_offer=" + escape(string(testdata(t, "neg-offer-case-variant.json"))),
		"http issuer":      "openid-credential-offer://?credential_offer=" + escape(`{"credential_issuer":"http://a.example","credential_configuration_ids":["x"]}`),
		"issuer query":     "openid-credential-offer://?credential_offer=" + escape(`{"credential_issuer":"https://a.example?x=1","credential_configuration_ids":["x"]}`),
		"no ids":           "openid-credential-offer://?credential_offer=" + escape(`{"credential_issuer":"https://a.example","credential_configuration_ids":[]}`),
		"duplicate ids":    "openid-credential-offer://?credential_offer=" + escape(`{"credential_issuer":"https://a.example","credential_configuration_ids":["x","x"]}`),
		"empty code":       "openid-credential-offer://?credential_offer=" + escape(`{"credential_issuer":"https://a.example","credential_configuration_ids":["x"],"grants":{"urn:ietf:params:oauth:grant-type:pre-authorized_code":{"pre-authorized_code":""}}}`),
		"bad input mode":   "openid-credential-offer://?credential_offer=" + escape(`{"credential_issuer":"https://a.example","credential_configuration_ids":["x"],"grants":{"urn:ietf:params:oauth:grant-type:pre-authorized_code":{"pre-authorized_code":"c","tx_code":{"input_mode":"emoji"}}}}`),
		"long description": "openid-credential-offer://?credential_offer=" + escape(`{"credential_issuer":"https://a.example","credential_configuration_ids":["x"],"grants":{"urn:ietf:params:oauth:grant-type:pre-authorized_code":{"pre-authorized_code":"c","tx_code":{"description":"`+long+`"}}}}`),
		"too long":         "openid-credential-offer://?credential_offer_uri=" + strings.Repeat("a", oid4vci.MaxOfferURIBytes),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := oid4vci.ParseOfferURI(uri)
			if !errors.Is(err, oid4vci.ErrInvalidOffer) || !errors.Is(err, credentials.ErrFormat) {
				t.Fatalf("got %v, want ErrInvalidOffer (FMT)", err)
			}
		})
	}
}

func escape(s string) string {
	r := strings.NewReplacer("%", "%25", "&", "%26", "#", "%23", "+", "%2B", " ", "%20", "?", "%3F")
	return r.Replace(s)
}
