package main

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/issuer"
	"github.com/loopbrug/paspoort/wallet"
)

// Receiving against the real issuer, each failure a person can meet comes
// back as the wallet error its message is made from: a wrong PIN with the
// attempts left (and the right PIN still works after it), a locked offer,
// an offer already used, an issuer that is not there, a certificate not
// trusted, and this computer's address refused outside development.
// maxAttempts is the issuer's default MaxTxCodeAttempts.
const maxAttempts = 5

func TestReceiveErrorsWithRealIssuer(t *testing.T) {
	ctx := context.Background()
	cert, pool := loopbackCert(t)
	rt := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
	admin := &http.Client{Transport: rt, Timeout: 20 * time.Second}
	iss := startRealIssuer(t, cert)
	newOffer := func() issuer.Offer {
		var offer issuer.Offer
		if code := adminJSON(t, admin, http.MethodPost, iss+"/admin/offers", map[string]any{
			"credentials": []map[string]any{{"type": "level", "claims": claimsOf(t, "level", nil)}}, "tx_code": true,
		}, &offer); code != http.StatusCreated {
			t.Fatalf("offer: %d", code)
		}
		return offer
	}
	kdf := wallet.WithKDFParams(wallet.KDFParams{Time: 1, MemoryKiB: wallet.MinKDFMemoryKiB, Threads: 1})
	open := func(opts ...wallet.Option) *wallet.Wallet {
		w, err := wallet.Init(ctx, t.TempDir(), []byte("a long wallet passphrase"), append(opts, kdf)...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { w.Close() })
		return w
	}
	w := open(wallet.WithAllowLoopback(), wallet.WithTransportUnsafe(rt))

	// Wrong PINs: attempts counted down, then the right one still works;
	// the same offer again is used.
	offer := newOffer()
	o, err := w.ResolveOffer(ctx, offer.OfferURIByReference)
	if err != nil {
		t.Fatal(err)
	}
	var te *wallet.TxCodeError
	_, err = w.Receive(ctx, o, wallet.ReceiveOptions{TxCode: "000000x"})
	if !errors.Is(err, wallet.ErrWrongTxCode) || !errors.As(err, &te) || te.AttemptsLeft != maxAttempts-1 {
		t.Fatalf("wrong PIN: %v", err)
	}
	if _, err := w.Receive(ctx, o, wallet.ReceiveOptions{TxCode: offer.TxCode}); err != nil {
		t.Fatalf("right PIN after a wrong one: %v", err)
	}
	if _, err := w.Receive(ctx, o, wallet.ReceiveOptions{TxCode: offer.TxCode}); !errors.Is(err, wallet.ErrOfferUsed) {
		t.Fatalf("used offer: %v", err)
	}
	if _, err := w.ResolveOffer(ctx, offer.OfferURIByReference); !errors.Is(err, wallet.ErrOfferUsed) {
		t.Fatalf("used offer's link: %v", err)
	}

	// Locked after the last attempt.
	offer = newOffer()
	o, err = w.ResolveOffer(ctx, offer.OfferURIByReference)
	if err != nil {
		t.Fatal(err)
	}
	for i := maxAttempts - 1; i >= 0; i-- {
		_, err = w.Receive(ctx, o, wallet.ReceiveOptions{TxCode: "000000x"})
		if !errors.As(err, &te) || te.AttemptsLeft != i {
			t.Fatalf("attempt with %d left: %v", i, err)
		}
	}
	if _, err = w.Receive(ctx, o, wallet.ReceiveOptions{TxCode: offer.TxCode}); !errors.As(err, &te) || te.AttemptsLeft != 0 {
		t.Fatalf("locked offer: %v", err)
	}

	// Not there, not trusted, not allowed.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gone := "https://" + ln.Addr().String()
	ln.Close()
	offer = newOffer()
	tests := []struct {
		name    string
		w       *wallet.Wallet
		link    string
		wantErr error
		class   error
	}{
		{"issuer not there", w, "openid-credential-offer://?credential_offer_uri=" + gone + "/offers/x", wallet.ErrIssuerUnreachable, credentials.ErrFetch},
		{"certificate not trusted", open(wallet.WithAllowLoopback()), offer.OfferURIByReference, wallet.ErrUntrustedCertificate, credentials.ErrTrust},
		{"loopback outside development", open(wallet.WithTransportUnsafe(rt)), offer.OfferURIByReference, wallet.ErrLoopbackRefused, credentials.ErrFetch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.w.ResolveOffer(ctx, tt.link)
			if !errors.Is(err, tt.wantErr) || !errors.Is(err, tt.class) {
				t.Fatalf("got %v, want %v", err, tt.wantErr)
			}
		})
	}
}
