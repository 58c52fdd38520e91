package main

// HAIP issuer trust end to end: the REAL issuer signing with an x5c chain
// from a development authority (pki.NewDevAuthority, Issue), the paspoort
// wallet receiving with issuer anchors (wallet.WithIssuerAnchors), and the
// REAL verifier with trust anchors (verifier.Config.TrustAnchors) and a
// trust list entry naming the anchor. Each on a TLS listener on 127.0.0.1.

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io/fs"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/pki"
	"github.com/loopbrug/paspoort/credentials/profile"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/kv"
	"github.com/loopbrug/paspoort/internal/safehttp"
	"github.com/loopbrug/paspoort/issuer"
	"github.com/loopbrug/paspoort/verifier"
	"github.com/loopbrug/paspoort/verifier/profiles"
	"github.com/loopbrug/paspoort/wallet"
)

// x5cIssuer is a real issuer on 127.0.0.1 whose signing key an authority
// certifies for its URL; recertify restarts it on the same store, URL and
// key with a chain from another authority.
type x5cIssuer struct {
	base  string
	store issuer.Store
	cur   atomic.Pointer[issuer.Issuer]
	// skew is added to the issuer's clock (a certificate that expires
	// while the issuer runs).
	skew atomic.Int64
}

// now is the issuer's clock.
func (x *x5cIssuer) now() time.Time { return time.Now().Add(time.Duration(x.skew.Load())) }

func startX5CIssuer(t *testing.T, cert tls.Certificate, a *pki.Authority, leaf pki.LeafConfig) *x5cIssuer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	x := &x5cIssuer{base: "https://" + ln.Addr().String()}
	st, err := issuer.OpenBadgerStore(t.TempDir(), bytes.Repeat([]byte{9}, 32), nil)
	if err != nil {
		t.Fatal(err)
	}
	x.store = st
	x.recertify(t, a, leaf)
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		x.cur.Load().Handler().ServeHTTP(w, r)
	})}
	go func() {
		_ = srv.Serve(tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}))
	}()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		st.Close()
	})
	return x
}

// recertify (re)starts the issuer with its current key certified by a.
func (x *x5cIssuer) recertify(t *testing.T, a *pki.Authority, leaf pki.LeafConfig) {
	t.Helper()
	ctx := context.Background()
	k, err := issuer.CurrentKey(ctx, x.store, "")
	if err != nil {
		t.Fatal(err)
	}
	leaf.URIs = []string{x.base}
	c, err := a.Issue(k.Crypto(), leaf)
	if err != nil {
		t.Fatal(err)
	}
	is, err := issuer.New(ctx, x.store, issuer.Config{
		URL: x.base, Name: map[string]string{"nl": "Testbureau Vakmanschap", "en": "Craftsmanship Assessors"},
		Types: []string{"level", "skill"}, AdminToken: e2eAdminToken, AllowLoopback: true,
		X5CChain: []*x509.Certificate{c},
	}, issuer.WithClock(x.now))
	if err != nil {
		t.Fatal(err)
	}
	x.cur.Store(is)
}

// offer makes an offer of a level and a skill credential.
func (x *x5cIssuer) offer(t *testing.T) *issuer.Offer {
	t.Helper()
	const meetinstrumenten = "http://data.europa.eu/esco/skill/b92758d4-4591-4df1-9ceb-f907aa71ebd9"
	level, _ := json.Marshal(claimsOf(t, "level", nil))
	skill, _ := json.Marshal(claimsOf(t, "skill", map[string]any{"skill": meetinstrumenten, "skill_label": "use measurement instruments"}))
	o, err := x.cur.Load().CreateOffer(context.Background(), issuer.OfferRequest{Credentials: []issuer.OfferCredential{
		{Type: "level", Claims: level}, {Type: "skill", Claims: skill},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// revokeAll revokes every credential the issuer issued.
func (x *x5cIssuer) revokeAll(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	recs, err := x.cur.Load().ListCredentials(ctx, "", 100)
	if err != nil || len(recs) == 0 {
		t.Fatalf("issued credentials: %d, %v", len(recs), err)
	}
	for _, r := range recs {
		if _, err := x.cur.Load().SetStatus(ctx, r.ID, issuer.StatusRevoked); err != nil {
			t.Fatal(err)
		}
	}
}

// startAnchoredVerifier runs the real verifier with the installatiemonteur
// profile, trust anchors and a trust list, on its clock.
func startAnchoredVerifier(t *testing.T, cert tls.Certificate, rt http.RoundTripper, anchors *pki.Anchors, trust []verifier.TrustedIssuer, now func() time.Time, requireAnchored bool) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "https://" + ln.Addr().String()
	db, err := kv.Open(kv.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	seal := make([]byte, 32)
	_, _ = rand.Read(seal)
	st, err := verifier.NewBadgerStore(db, seal)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := fs.ReadFile(profiles.FS, "installatiemonteur.yaml")
	p, err := profile.Parse("installatiemonteur.yaml", b)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = fs.ReadFile(profiles.FS, p.Catalogue+".catalogue.yaml")
	cat, err := profile.ParseCatalogue(p.Catalogue+".catalogue.yaml", b)
	if err != nil {
		t.Fatal(err)
	}
	key, _ := jose.GenerateKey(jose.ES256)
	fetcher, err := safehttp.New(safehttp.WithAllowLoopback(), safehttp.WithTransport(rt))
	if err != nil {
		t.Fatal(err)
	}
	v, err := verifier.New(st, verifier.Config{
		BaseURL: base, SigningKey: key, Profiles: []*profile.Profile{p}, Catalogues: []*profile.Catalogue{cat},
		Trust: verifier.StaticTrust{List: &verifier.TrustList{Issuers: trust}}, TrustAnchors: anchors,
		AdminToken: e2eAdminToken, RequireAnchoredIssuers: requireAnchored,
	}, verifier.WithAllowLoopback(), verifier.WithFetcher(fetcher), verifier.WithClock(now))
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: v.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		_ = srv.Serve(tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}))
	}()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		db.Close()
	})
	return base
}

func devAuthority(t *testing.T) *pki.Authority {
	t.Helper()
	a, err := pki.NewDevAuthority(pki.AuthorityConfig{})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func anchorSet(t *testing.T, as ...*pki.Authority) *pki.Anchors {
	t.Helper()
	var certs []*x509.Certificate
	for _, a := range as {
		certs = append(certs, a.Cert)
	}
	s, err := pki.NewAnchors(certs...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestHAIPIssuerTrustEndToEnd: an issuer certified by a development
// anchor issues over OpenID4VCI, the wallet receives with that anchor as
// an issuer anchor and presents over OpenID4VP to a verifier whose trust
// list names the anchor: the decision uses both credentials. Hostile rows:
// a chain to an anchor the wallet or the verifier does not trust (TRUST),
// a leaf expired by the time it is received or presented (CLAIM), a
// status list signed under another anchor than the credential (STATUS),
// and a revoked credential (STATUS).
func TestHAIPIssuerTrustEndToEnd(t *testing.T) {
	cert, pool := loopbackCert(t)
	rt := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
	trusted, second, stranger := devAuthority(t), devAuthority(t), devAuthority(t)
	// A leaf valid for two hours from an hour ago; three hours on it has
	// expired.
	short := pki.LeafConfig{NotBefore: time.Now().Add(-time.Hour), Validity: 2 * time.Hour}
	const skew = 3 * time.Hour
	later := func() time.Time { return time.Now().Add(skew) }

	tests := []struct {
		name          string
		certifiedBy   *pki.Authority
		leaf          pki.LeafConfig
		walletAnchors []*pki.Authority
		// expiredWhileRunning moves the issuer's and the wallet's clocks on
		// by skew after the issuer started.
		expiredWhileRunning bool
		presentClock        func() time.Time // the wallet's and the verifier's when presenting
		after               func(t *testing.T, x *x5cIssuer)
		// wantReceive is the receive error, with its class; wantPresent the
		// wallet's refusal to present.
		wantReceive, receiveClass, wantPresent error
		// hint is what the person's message must name.
		hint string
		// requireAnchored: the verifier asks for trusted_authorities aki.
		requireAnchored bool
		// rejected is the class of the verifier's rejections, "" for none.
		rejected string
	}{
		{name: "accepted", certifiedBy: trusted, walletAnchors: []*pki.Authority{trusted}},
		{name: "accepted, the verifier asks for trusted_authorities aki", certifiedBy: trusted, walletAnchors: []*pki.Authority{trusted}, requireAnchored: true},
		{name: "CLAIM: a wallet that did not validate the chain cannot match trusted_authorities", certifiedBy: trusted, requireAnchored: true,
			wantPresent: wallet.ErrNotSatisfiable},
		{name: "TRUST: wallet refuses a chain to an anchor it does not trust", certifiedBy: stranger, walletAnchors: []*pki.Authority{trusted},
			wantReceive: wallet.ErrIssuerCertificateUntrusted, receiveClass: credentials.ErrTrust, hint: "--issuer-anchors"},
		{name: "TRUST: verifier refuses a chain to an anchor it does not trust", certifiedBy: stranger, walletAnchors: []*pki.Authority{trusted, stranger},
			rejected: "TRUST"},
		{name: "CLAIM: wallet refuses a leaf that expired while the issuer ran", certifiedBy: trusted, leaf: short, walletAnchors: []*pki.Authority{trusted}, expiredWhileRunning: true,
			wantReceive: wallet.ErrIssuerCertificateExpired, receiveClass: credentials.ErrClaim, hint: "verlopen"},
		{name: "CLAIM: verifier refuses a leaf expired since it was received", certifiedBy: trusted, leaf: short, walletAnchors: []*pki.Authority{trusted}, presentClock: later,
			rejected: "CLAIM"},
		{name: "STATUS: status list signed under another anchor", certifiedBy: trusted, walletAnchors: []*pki.Authority{trusted},
			after: func(t *testing.T, x *x5cIssuer) { x.recertify(t, second, pki.LeafConfig{}) }, rejected: "STATUS"},
		{name: "STATUS: revoked credential, the wallet does not present it", certifiedBy: trusted, walletAnchors: []*pki.Authority{trusted},
			after: func(t *testing.T, x *x5cIssuer) { x.revokeAll(t) }, wantPresent: wallet.ErrNoUsableCopy},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			x := startX5CIssuer(t, cert, tt.certifiedBy, tt.leaf)
			present := time.Now
			if tt.presentClock != nil {
				present = tt.presentClock
			}
			ver := startAnchoredVerifier(t, cert, rt, anchorSet(t, trusted, second), []verifier.TrustedIssuer{
				{Anchor: pki.X509Hash(trusted.Cert), ID: x.base, Types: []string{"level", "skill"}, Kind: "assessor"},
			}, present, tt.requireAnchored)

			dir := t.TempDir()
			opts := []wallet.Option{wallet.WithAllowLoopback(), wallet.WithTransportUnsafe(rt),
				wallet.WithKDFParams(wallet.KDFParams{Time: 1, MemoryKiB: wallet.MinKDFMemoryKiB, Threads: 1})}
			if tt.walletAnchors != nil {
				opts = append(opts, wallet.WithIssuerAnchors(anchorSet(t, tt.walletAnchors...)))
			}
			recvOpts := opts
			if tt.expiredWhileRunning {
				x.skew.Store(int64(skew))
				recvOpts = append(recvOpts[:len(recvOpts):len(recvOpts)], wallet.WithClock(later))
			}
			w, err := wallet.Init(ctx, dir, []byte("a long wallet passphrase"), recvOpts...)
			if err != nil {
				t.Fatal(err)
			}
			// A wallet with issuer anchors reads the issuer's signed
			// metadata first (HAIP §4.1), so an untrusted or expired chain
			// is refused there, before anything is requested, with the
			// same error as on receipt.
			o, err := w.ResolveOffer(ctx, x.offer(t).OfferURIByReference)
			var got []*wallet.Credential
			switch {
			case err == nil:
				got, err = w.Receive(ctx, o, wallet.ReceiveOptions{})
			case tt.wantReceive == nil:
				t.Fatalf("resolve offer: %v", err)
			}
			if tt.wantReceive != nil {
				if !errors.Is(err, tt.wantReceive) || !errors.Is(err, tt.receiveClass) || len(w.Credentials()) != 0 {
					t.Fatalf("receive: %v (%d kept), want %v (%v)", err, len(w.Credentials()), tt.wantReceive, tt.receiveClass)
				}
				// And the person is told which flag fixes it.
				if msg := receiveError(err, "Testbureau").Error(); !strings.HasPrefix(msg, credentials.ClassName(tt.receiveClass)+":") || !strings.Contains(msg, tt.hint) {
					t.Fatalf("message %q", msg)
				}
				w.Close()
				return
			}
			if err != nil || len(got) != 2 {
				t.Fatalf("receive: %d, %v", len(got), err)
			}
			if tt.after != nil {
				tt.after(t, x)
			}
			if tt.presentClock != nil {
				w.Close()
				if w, err = wallet.OpenDir(ctx, dir, []byte("a long wallet passphrase"), append(opts[:len(opts):len(opts)], wallet.WithClock(tt.presentClock))...); err != nil {
					t.Fatal(err)
				}
			}
			defer w.Close()

			var req verifier.Request
			admin := &http.Client{Transport: rt, Timeout: 20 * time.Second}
			adminJSON(t, admin, http.MethodPost, ver+"/admin/transactions", map[string]string{"profile": "installatiemonteur"}, &req)
			pr, err := w.ReadRequest(ctx, req.RequestURI)
			if err != nil {
				t.Fatalf("read request: %v", err)
			}
			_, err = w.Present(ctx, pr, &wallet.Selection{IncludeOptional: true})
			if tt.wantPresent != nil {
				if !errors.Is(err, tt.wantPresent) {
					t.Fatalf("present: %v, want %v", err, tt.wantPresent)
				}
				return
			}
			if err != nil {
				t.Fatalf("present: %v", err)
			}
			var st verifier.Status
			adminJSON(t, admin, http.MethodGet, ver+"/admin/transactions/"+req.TransactionID+"?wait=5s", nil, &st)
			d := st.Decision
			if d == nil {
				t.Fatalf("no decision: %+v", st)
			}
			met := map[string]bool{}
			for _, r := range d.Requirements {
				met[r.ID] = r.Status == profile.StatusMet
			}
			if tt.rejected == "" {
				if len(d.Rejected) != 0 || len(d.Credentials) != 2 || !met["werk-en-denkniveau"] || !met["meetinstrumenten"] {
					t.Fatalf("decision: rejected %+v, credentials %d, requirements %+v", d.Rejected, len(d.Credentials), d.Requirements)
				}
				return
			}
			if len(d.Rejected) != 2 || len(d.Credentials) != 0 || met["werk-en-denkniveau"] || met["meetinstrumenten"] {
				t.Fatalf("decision: rejected %+v, credentials %d", d.Rejected, len(d.Credentials))
			}
			for _, r := range d.Rejected {
				if r.Class != tt.rejected {
					t.Fatalf("rejected %+v, want class %s", d.Rejected, tt.rejected)
				}
			}
		})
	}
}
