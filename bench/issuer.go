package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/loopbrug/paspoort/credentials/oid4vci"
	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/issuer"
	issuerpg "github.com/loopbrug/paspoort/issuer/pgstore"
)

// IssuerOptions set up an issuance load run.
type IssuerOptions struct {
	// Credentials is how many credentials to issue, Concurrency how many
	// wallets issue at once, Batch how many credentials one credential
	// request asks for (one proof key each).
	Credentials, Concurrency, Batch int
	// Profile, when set, receives a CPU profile of the timed phase.
	Profile io.Writer
	// Timer, when set, times the timed phase alone (a Go benchmark's
	// *testing.B).
	Timer Timer
	// Progress, when set, is told what is happening.
	Progress io.Writer
	// Store is a postgres:// URL of a scratch database the replicas share
	// (its issuer tables are created, and the run's records left in
	// them); empty for a badger store in a temporary folder.
	Store string
	// Replicas is how many issuers share Store (default 1). A flow
	// redeems its code at one replica and asks for its credential at the
	// next.
	Replicas int
}

// Issuer starts an issuer (badger store with synced writes, TLS on
// 127.0.0.1), creates the offers, then lets Concurrency wallets each
// redeem an offer (token), get a c_nonce, sign Batch key proofs and
// receive that many SD-JWT VCs, until Credentials are issued. A flow is
// one whole issuance: token + nonce + credential request.
func Issuer(ctx context.Context, o IssuerOptions) (Result, error) {
	var res Result
	err := runIssuer(ctx, o, func(round func(context.Context) (Result, error)) error {
		var err error
		res, err = round(ctx)
		return err
	})
	return res, err
}

// IssuerSoak runs Issuer's rounds against one issuer until d has passed:
// each round creates Credentials more offers and issues them.
func IssuerSoak(ctx context.Context, o IssuerOptions, d time.Duration) (SoakResult, error) {
	var res SoakResult
	progress := o.Progress
	o.Profile, o.Timer, o.Progress = nil, nil, nil
	err := runIssuer(ctx, o, func(round func(context.Context) (Result, error)) error {
		var err error
		res, err = Soak(ctx, d, progress, round)
		return err
	})
	return res, err
}

// runIssuer starts the issuer and lets drive run rounds against it.
func runIssuer(ctx context.Context, o IssuerOptions, drive func(round func(context.Context) (Result, error)) error) error {
	if o.Credentials < 1 || o.Concurrency < 1 || o.Batch < 1 || o.Batch > 100 {
		return fmt.Errorf("loadtest: credentials and concurrency must be positive, batch 1 to 100")
	}
	n, err := checkReplicas(o.Store, o.Replicas)
	if err != nil {
		return err
	}
	flows := (o.Credentials + o.Batch - 1) / o.Batch
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	master, _ := secret(32)
	_, admin := secret(32)
	srvs := make([]*Server, n)
	var is *issuer.Issuer // the first replica: offers are made there
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	for r := range srvs {
		srv, err := NewServer("issuer", o.Concurrency)
		if err != nil {
			return err
		}
		defer srv.Close()
		srvs[r] = srv
		var store issuer.Store
		if o.Store == "" {
			bs, err := issuer.OpenBadgerStore(srv.Dir, master, nil)
			if err != nil {
				return err
			}
			defer bs.Close()
			store = bs
		} else {
			db, err := openPool(ctx, o.Store, o.Concurrency)
			if err != nil {
				return err
			}
			ps, err := issuerpg.Open(ctx, db, master)
			if err != nil {
				db.Close()
				return err
			}
			defer ps.Close()
			store = ps
		}
		// Every replica has the first one's URL: the Credential Issuer
		// Identifier a load balancer would stand for.
		rep, err := issuer.New(ctx, store, issuer.Config{
			URL: srvs[0].URL, Name: map[string]string{"en": "bench"}, AdminToken: admin, AllowLoopback: true,
			BatchSize: max(o.Batch, 2), TLS: srv.TLS,
		})
		if err != nil {
			return err
		}
		if r == 0 {
			is = rep
		}
		wg.Add(1)
		go func() { defer wg.Done(); _ = rep.Serve(ctx, srv.Listener) }()
	}

	skill, _ := ppp.Lookup("skill")
	round := func(ctx context.Context) (Result, error) {
		codes := make([]string, flows)
		if err := Prepare(flows, 32, func(i int) error {
			of, err := is.CreateOffer(ctx, issuer.OfferRequest{Type: "skill", Claims: skill.Example()})
			if err != nil {
				return err
			}
			ref, err := oid4vci.ParseOfferURI(of.OfferURI)
			if err != nil {
				return err
			}
			codes[i] = ref.Offer.Grants.PreAuthorizedCode.PreAuthorizedCode
			return nil
		}); err != nil {
			return Result{}, fmt.Errorf("create offers: %w", err)
		}
		// Each wallet has its own proof keys, made before the timed phase.
		holders := make([][]*jose.PrivateKey, flows)
		if err := Prepare(flows, 8, func(i int) error {
			holders[i] = make([]*jose.PrivateKey, o.Batch)
			for j := range holders[i] {
				k, err := jose.GenerateKey(jose.ES256)
				if err != nil {
					return err
				}
				holders[i][j] = k
			}
			return nil
		}); err != nil {
			return Result{}, err
		}
		if o.Progress != nil {
			fmt.Fprintf(o.Progress, "%d offers created; issuing %d credentials with %d concurrent wallets on %d replica(s)…\n", flows, flows*o.Batch, o.Concurrency, n)
		}
		return Run(ctx, Load{Flows: flows, Concurrency: o.Concurrency, Profile: o.Profile, Timer: o.Timer}, func(ctx context.Context, i int) error {
			a, b := srvs[i%n], srvs[(i+1)%n]
			return IssueOne(ctx, Endpoint{a.Client, a.URL}, Endpoint{b.Client, b.URL}, srvs[0].URL, codes[i], holders[i])
		})
	}
	return drive(round)
}

// Endpoint is where a replica answers: its base URL and a client that
// trusts it.
type Endpoint struct {
	Client *http.Client
	URL    string
}

// IssueOne runs one wallet issuance: token at tok, then nonce and
// credential at cred (the same replica or another), with proofs for the
// Credential Issuer Identifier aud. It returns an error unless every
// credential asked for came back.
func IssueOne(ctx context.Context, tok, cred Endpoint, aud, code string, holders []*jose.PrivateKey) error {
	_, err := IssueCredentials(ctx, tok, cred, aud, code, holders)
	return err
}

// IssueCredentials is IssueOne returning the credentials.
func IssueCredentials(ctx context.Context, tokAt, credAt Endpoint, aud, code string, holders []*jose.PrivateKey) ([]string, error) {
	tr := oid4vci.TokenRequest{GrantType: oid4vci.GrantTypePreAuthorizedCode, PreAuthorizedCode: code}
	b, err := post(ctx, tokAt.Client, tokAt.URL+"/token", "application/x-www-form-urlencoded", "", tr.Form().Encode())
	if err != nil {
		return nil, err
	}
	tok, err := oid4vci.ParseTokenResponse(b)
	if err != nil {
		return nil, err
	}
	if b, err = post(ctx, credAt.Client, credAt.URL+"/nonce", "", "", ""); err != nil {
		return nil, err
	}
	nr, err := oid4vci.ParseNonceResponse(b)
	if err != nil {
		return nil, err
	}
	proofs := make([]string, len(holders))
	for i, h := range holders {
		if proofs[i], err = oid4vci.BuildProof(h, oid4vci.ProofOptions{Audience: aud, Nonce: nr.CNonce}); err != nil {
			return nil, err
		}
	}
	body, _ := json.Marshal(oid4vci.CredentialRequest{CredentialConfigurationID: "skill", Proofs: &oid4vci.Proofs{JWT: proofs}})
	if b, err = post(ctx, credAt.Client, credAt.URL+"/credential", "application/json", tok.AccessToken, string(body)); err != nil {
		return nil, err
	}
	cr, err := oid4vci.ParseCredentialResponse(b)
	if err != nil {
		return nil, err
	}
	if len(cr.Credentials) != len(holders) {
		return nil, fmt.Errorf("%d credentials for %d proofs", len(cr.Credentials), len(holders))
	}
	out := make([]string, len(cr.Credentials))
	for i, c := range cr.Credentials {
		out[i] = c.Credential
	}
	return out, nil
}

// post sends a POST and returns the body of a 200 answer.
func post(ctx context.Context, hc *http.Client, uri, ctype, bearer, body string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, uri, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("%s: HTTP %d: %.200s", req.URL.Path, resp.StatusCode, b)
	}
	return b, err
}
