package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
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
	// Targets, when set, are running issuer replicas to load instead of
	// issuers started here (Store and Replicas then stay unset): offers
	// are made through their admin API, and each flow redeems its code at
	// one target and asks for its credential at the next.
	Targets Targets
	// Acked, when set, receives an IssuanceAck per credential a wallet
	// received, as it is received.
	Acked *AckLog
}

// Issuer starts an issuer (badger store with synced writes, TLS on
// 127.0.0.1), or takes o.Targets, creates the offers, then lets
// Concurrency wallets each redeem an offer (token), get a c_nonce, sign
// Batch key proofs and receive that many SD-JWT VCs, until Credentials
// are issued. A flow is one whole issuance: token + nonce + credential
// request.
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

// runIssuer starts the issuer replicas, or takes the targets, and lets
// drive run rounds against them.
func runIssuer(ctx context.Context, o IssuerOptions, drive func(round func(context.Context) (Result, error)) error) error {
	if o.Credentials < 1 || o.Concurrency < 1 || o.Batch < 1 || o.Batch > 100 {
		return fmt.Errorf("loadtest: credentials and concurrency must be positive, batch 1 to 100")
	}
	if err := o.Targets.check(o.Store, o.Replicas); err != nil {
		return err
	}
	flows := (o.Credentials + o.Batch - 1) / o.Batch
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var eps []Endpoint
	var offers func(ctx context.Context, n int) ([]issuerOffer, error)
	if o.Targets.set() {
		eps = o.Targets.endpoints(o.Concurrency)
		offers = func(ctx context.Context, n int) ([]issuerOffer, error) {
			return targetOffers(ctx, o.Targets, eps, n)
		}
	} else {
		var is *issuer.Issuer
		var stop func()
		var err error
		if eps, is, stop, err = startIssuers(ctx, o); err != nil {
			return err
		}
		defer stop()
		offers = func(ctx context.Context, n int) ([]issuerOffer, error) {
			out := make([]issuerOffer, n)
			skill, _ := ppp.Lookup("skill")
			return out, Prepare(n, 32, func(i int) error {
				of, err := is.CreateOffer(ctx, issuer.OfferRequest{Type: "skill", Claims: skill.Example()})
				if err != nil {
					return err
				}
				out[i], err = parseOffer(of)
				return err
			})
		}
	}
	n := len(eps)

	round := func(ctx context.Context) (Result, error) {
		ofs, err := offers(ctx, flows)
		if err != nil {
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
			of := ofs[i]
			creds, err := IssueCredentials(ctx, eps[i%n], eps[(i+1)%n], of.issuer, of.code, holders[i])
			if err != nil {
				return err
			}
			if o.Acked != nil {
				for _, c := range creds {
					a, err := issuanceAck(of.id, c)
					if err != nil {
						return err
					}
					o.Acked.add(a)
				}
			}
			return nil
		})
	}
	return drive(round)
}

// startIssuers starts the replicas of o in this process and returns
// where they answer, the first replica (where offers are made), and stop,
// which stops them and removes what they kept.
func startIssuers(ctx context.Context, o IssuerOptions) (eps []Endpoint, is *issuer.Issuer, stop func(), err error) {
	n, err := checkReplicas(o.Store, o.Replicas)
	if err != nil {
		return nil, nil, nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var closers []func()
	stop = func() {
		cancel()
		wg.Wait()
		for _, c := range slices.Backward(closers) {
			c()
		}
	}
	defer func() {
		if err != nil {
			stop()
		}
	}()
	master, _ := secret(32)
	_, admin := secret(32)
	eps = make([]Endpoint, n)
	for r := range eps {
		srv, err := NewServer("issuer", o.Concurrency)
		if err != nil {
			return nil, nil, nil, err
		}
		closers = append(closers, func() { srv.Close() })
		eps[r] = Endpoint{Client: srv.Client, URL: srv.URL}
		var store issuer.Store
		if o.Store == "" {
			bs, err := issuer.OpenBadgerStore(srv.Dir, master, nil)
			if err != nil {
				return nil, nil, nil, err
			}
			closers = append(closers, func() { bs.Close() })
			store = bs
		} else {
			db, err := openPool(ctx, o.Store, o.Concurrency)
			if err != nil {
				return nil, nil, nil, err
			}
			ps, err := issuerpg.Open(ctx, db, master)
			if err != nil {
				db.Close()
				return nil, nil, nil, err
			}
			closers = append(closers, func() { ps.Close() })
			store = ps
		}
		// Every replica has the first one's URL: the Credential Issuer
		// Identifier a load balancer would stand for.
		rep, err := issuer.New(ctx, store, issuer.Config{
			URL: eps[0].URL, Name: map[string]string{"en": "bench"}, AdminToken: admin, AllowLoopback: true,
			BatchSize: max(o.Batch, 2), TLS: srv.TLS,
		})
		if err != nil {
			return nil, nil, nil, err
		}
		if r == 0 {
			is = rep
		}
		wg.Add(1)
		go func() { defer wg.Done(); _ = rep.Serve(ctx, srv.Listener) }()
	}
	return eps, is, stop, nil
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
		return nil, fmt.Errorf("%w: %s: %w", ErrTargetDown, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrTargetDown, req.URL.Path, err)
	}
	if resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("%s: HTTP %d: %.200s", req.URL.Path, resp.StatusCode, b)
	}
	return b, err
}
