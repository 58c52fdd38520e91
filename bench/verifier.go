package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"sync"
	"time"

	"github.com/loopbrug/paspoort/credentials/dcql"
	"github.com/loopbrug/paspoort/credentials/did"
	"github.com/loopbrug/paspoort/credentials/oid4vp"
	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/credentials/profile"
	"github.com/loopbrug/paspoort/credentials/sdjwt"
	"github.com/loopbrug/paspoort/credentials/sdjwtvc"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/kv"
	"github.com/loopbrug/paspoort/verifier"
	verifierpg "github.com/loopbrug/paspoort/verifier/pgstore"
)

// VerifierOptions set up a verification load run.
type VerifierOptions struct {
	// Presentations is how many responses are posted, Concurrency from
	// how many clients at once.
	Presentations, Concurrency int
	// Disclosures is the number of disclosures in each presentation: a
	// learning credential's skills array and Disclosures-1 ESCO skills,
	// 2 to MaxDisclosures.
	Disclosures int
	// ResponseMode is oid4vp.ResponseModeDirectPostJWT (the default) or
	// oid4vp.ResponseModeDirectPost.
	ResponseMode string
	// Profile, when set, receives a CPU profile of the timed phase.
	Profile io.Writer
	// Timer, when set, times the timed phase alone (a Go benchmark's
	// *testing.B).
	Timer Timer
	// Progress, when set, is told what is happening.
	Progress io.Writer
	// Store is a postgres:// URL of a scratch database the replicas share
	// (its verifier tables are created, and the run's transactions left in
	// them); empty for a badger store in a temporary folder.
	Store string
	// Replicas is how many verifiers share Store (default 1), with one
	// signing and sealing key. Transactions are created at the first and
	// answered at each in turn.
	Replicas int
	// Targets, when set, are running verifier replicas to load instead of
	// verifiers started here (Store and Replicas then stay unset, and
	// Disclosures is not used): transactions for TargetProfile are made
	// through their admin API and answered with Credential, bound to
	// Holder, which the targets must trust and the profile accept. Each
	// answer is posted to the next target after the one that made it.
	Targets Targets
	// TargetProfile is the id of the profile the targets ask for.
	TargetProfile string
	// Credential is the SD-JWT VC presented to the targets, Holder its
	// holder's key.
	Credential string
	Holder     *jose.PrivateKey
	// Acked, when set, receives a DecisionAck per response acknowledged
	// with a receipt, as it is acknowledged.
	Acked *AckLog
}

// MaxDisclosures is the most VerifierOptions.Disclosures can be: one for
// the array and one per ESCO skill shipped, and at most 512 (the
// credential's other claims and decoy digests must fit under the SD-JWT
// limit of 1024 disclosures).
func MaxDisclosures() int { return min(len(ppp.ESCOSkills())+1, 512) }

// benchProfile asks for a learning credential's skills, at least %d.
const benchProfile = `id: bench
version: "1"
kind: admission
title: {nl: Meting, en: Benchmark}
purpose: {nl: Meting van de verificatiesnelheid, en: Measuring verification throughput}
requirements:
  - id: vaardigheden
    title: {nl: Vaardigheden, en: Skills}
    required: true
    type: learning
    claims: [skills]
    predicate: size(skills) >= %d
`

// Verifier starts a verifier (badger store with synced writes, TLS on
// 127.0.0.1) with a profile that asks for one learning credential's
// skills and a trust list naming one issuer (did:jwk). It creates the
// transactions and lets a wallet answer each with one ES256 SD-JWT VC
// presentation of Disclosures disclosures and a KB-JWT, encrypted to the
// transaction's ECDH-ES key for direct_post.jwt. Then Concurrency clients
// post the responses to the response_uri. A flow is one response:
// decrypted, verified (signature, KB-JWT audience and nonce, sd_hash,
// times, trusted issuer), re-checked against the DCQL query, decided on,
// stored (nonce spent and decision synced to disk in one commit) and
// answered with a signed receipt. Afterwards the first and last
// transactions must have been accepted. With o.Targets it starts nothing
// and loads those replicas instead (see VerifierOptions.Targets).
func Verifier(ctx context.Context, o VerifierOptions) (Result, error) {
	var res Result
	err := runVerifier(ctx, o, func(round func(context.Context) (Result, error)) error {
		var err error
		res, err = round(ctx)
		return err
	})
	return res, err
}

// VerifierSoak runs Verifier's rounds against one verifier until d has
// passed: each round creates Presentations more transactions, answers
// and posts them.
func VerifierSoak(ctx context.Context, o VerifierOptions, d time.Duration) (SoakResult, error) {
	var res SoakResult
	progress := o.Progress
	o.Profile, o.Timer, o.Progress = nil, nil, nil
	err := runVerifier(ctx, o, func(round func(context.Context) (Result, error)) error {
		var err error
		res, err = Soak(ctx, d, progress, round)
		return err
	})
	return res, err
}

// runVerifier starts the verifier and lets drive run rounds against it.
func runVerifier(ctx context.Context, o VerifierOptions, drive func(round func(context.Context) (Result, error)) error) error {
	if o.ResponseMode == "" {
		o.ResponseMode = oid4vp.ResponseModeDirectPostJWT
	}
	switch {
	case o.Presentations < 1 || o.Concurrency < 1:
		return fmt.Errorf("loadtest: presentations and concurrency must be positive")
	case o.Disclosures < 2 || o.Disclosures > MaxDisclosures():
		return fmt.Errorf("loadtest: disclosures must be 2 to %d", MaxDisclosures())
	case o.ResponseMode != oid4vp.ResponseModeDirectPost && o.ResponseMode != oid4vp.ResponseModeDirectPostJWT:
		return fmt.Errorf("loadtest: response mode %q", o.ResponseMode)
	}
	if o.Targets.set() {
		return runVerifierTargets(ctx, o, drive)
	}
	n, err := checkReplicas(o.Store, o.Replicas)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	issDID, cred, holder, err := benchCredential(o.Disclosures)
	if err != nil {
		return err
	}
	prof, err := profile.Parse("bench.yaml", fmt.Appendf(nil, benchProfile, o.Disclosures-1))
	if err != nil {
		return err
	}
	seal, _ := secret(32)
	signing, err := jose.GenerateKey(jose.ES256)
	if err != nil {
		return err
	}
	_, admin := secret(32)
	srvs := make([]*Server, n)
	var v *verifier.Verifier // the first replica: transactions are created there
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	for r := range srvs {
		srv, err := NewServer("verifier", o.Concurrency)
		if err != nil {
			return err
		}
		defer srv.Close()
		srvs[r] = srv
		var store verifier.Store
		if o.Store == "" {
			db, err := kv.Open(kv.Options{Dir: srv.Dir})
			if err != nil {
				return fmt.Errorf("open store: %w", err)
			}
			defer db.Close()
			if store, err = verifier.NewBadgerStore(db, seal); err != nil {
				return err
			}
		} else {
			db, err := openPool(ctx, o.Store, o.Concurrency)
			if err != nil {
				return err
			}
			ps, err := verifierpg.Open(ctx, db, seal)
			if err != nil {
				db.Close()
				return err
			}
			defer ps.Close()
			store = ps
		}
		// Every replica has the first one's URL, as behind a load
		// balancer: its client_id and response_uri.
		rep, err := verifier.New(store, verifier.Config{
			BaseURL: srvs[0].URL, SigningKey: signing, Profiles: []*profile.Profile{prof},
			Trust:      verifier.StaticTrust{List: &verifier.TrustList{Issuers: []verifier.TrustedIssuer{{ID: issDID, Types: []string{"learning"}}}}},
			AdminToken: admin, ResponseMode: o.ResponseMode,
		}, verifier.WithAllowLoopback(), verifier.WithLogger(slog.New(slog.DiscardHandler)))
		if err != nil {
			return err
		}
		if r == 0 {
			v = rep
		}
		wg.Add(1)
		go func() { defer wg.Done(); _ = rep.Serve(ctx, srv.Listener, verifier.ServerConfig{TLS: srv.TLS}) }()
	}

	round := func(ctx context.Context) (Result, error) {
		// The wallet's responses, made beforehand: creating a request and
		// presenting are the wallet's work, not what is measured.
		ids := make([]string, o.Presentations)
		forms := make([]string, o.Presentations)
		if err := Prepare(o.Presentations, 8, func(i int) error {
			var err error
			ids[i], forms[i], err = answer(ctx, v, cred, holder)
			return err
		}); err != nil {
			return Result{}, fmt.Errorf("prepare responses: %w", err)
		}
		if o.Progress != nil {
			fmt.Fprintf(o.Progress, "%d transactions answered by the wallet; posting them with %d concurrent clients to %d replica(s)…\n", o.Presentations, o.Concurrency, n)
		}
		res, err := Run(ctx, Load{Flows: o.Presentations, Concurrency: o.Concurrency, Profile: o.Profile, Timer: o.Timer}, func(ctx context.Context, i int) error {
			srv := srvs[i%n]
			b, err := post(ctx, srv.Client, srv.URL+"/response", "application/x-www-form-urlencoded", "", forms[i])
			if err != nil {
				return err
			}
			return ackReceipt(srv.URL, b, ids[i], o.Acked)
		})
		if err != nil || res.Failed > 0 {
			return res, err
		}
		// Not only accepted: decided, and the profile met.
		for _, i := range []int{0, o.Presentations - 1} {
			st, err := v.Result(ctx, ids[i], 0)
			if err != nil {
				return res, err
			}
			if st.Decision == nil || st.Decision.Outcome != profile.OutcomeAccepted {
				return res, fmt.Errorf("loadtest: transaction %d was not accepted (status %s)", i, st.Status)
			}
		}
		return res, nil
	}
	return drive(round)
}

// benchCredential issues the one credential of the run: a learning
// credential with disclosures-1 ESCO skills, from a did:jwk issuer, bound
// to the holder's key.
func benchCredential(disclosures int) (issDID, cred string, holder *jose.PrivateKey, err error) {
	issKey, err := jose.GenerateKey(jose.ES256)
	if err != nil {
		return "", "", nil, err
	}
	if issDID, err = did.JWKFromKey(issKey.Public()); err != nil {
		return "", "", nil, err
	}
	if holder, err = jose.GenerateKey(jose.ES256); err != nil {
		return "", "", nil, err
	}
	learning, _ := ppp.Lookup("learning")
	var claims map[string]any
	if err := json.Unmarshal(learning.Example(), &claims); err != nil {
		return "", "", nil, err
	}
	var skills []any
	for _, s := range ppp.ESCOSkills()[:disclosures-1] {
		skills = append(skills, s.URI)
	}
	claims["skills"] = skills
	now := time.Now()
	cred, err = sdjwtvc.Issue(issKey.WithKeyID(issDID+"#0"), sdjwtvc.Credential{
		Issuer: issDID, VCT: learning.VCT, HolderKey: holder.Public(),
		IssuedAt: now.Add(-time.Minute), Expires: now.Add(24 * time.Hour), Claims: claims,
	})
	if err != nil {
		return "", "", nil, fmt.Errorf("issue the credential: %w", err)
	}
	return issDID, cred, holder, nil
}

// answer creates a transaction and the wallet's response to it: the
// request object read, the DCQL query matched against the one credential,
// the matched claims presented with a KB-JWT for the verifier's client_id
// and nonce, and the form body to post (encrypted for direct_post.jwt).
func answer(ctx context.Context, v *verifier.Verifier, cred string, holder *jose.PrivateKey) (string, string, error) {
	req, err := v.CreateRequest(ctx, "bench", verifier.RequestOptions{})
	if err != nil {
		return "", "", err
	}
	ro, err := v.RequestObject(ctx, req.TransactionID, "")
	if err != nil {
		return "", "", err
	}
	jws, err := jose.ParseCompact(ro)
	if err != nil {
		return "", "", err
	}
	r, err := oid4vp.ParseAuthorizationRequest(jws.Payload)
	if err != nil {
		return "", "", err
	}
	form, err := Respond(r, cred, holder)
	if err != nil {
		return "", "", err
	}
	return req.TransactionID, form.Encode(), nil
}

// Respond is the wallet's answer to the authorization request r with its
// one credential: the DCQL query matched, the matched claims presented
// with a KB-JWT for r's client_id and nonce, as the form to post to the
// response_uri (encrypted for direct_post.jwt).
func Respond(r *oid4vp.AuthorizationRequest, cred string, holder *jose.PrivateKey) (url.Values, error) {
	s, err := sdjwt.Parse(cred)
	if err != nil {
		return nil, err
	}
	p, err := s.Process()
	if err != nil {
		return nil, err
	}
	vct, _ := p.Claims["vct"].(string)
	m, err := dcql.Match(r.DCQLQuery, []dcql.Candidate{{ID: "c", Format: dcql.FormatSDJWTVC, VCT: vct, Claims: p.Claims, HolderBinding: true}})
	if err != nil {
		return nil, err
	}
	vp := oid4vp.VPToken{}
	for qid, ms := range m.Presentation {
		for _, mt := range ms {
			pres, err := sdjwt.Present(cred, sdjwt.Selection{Paths: mt.Paths}, &sdjwt.KeyBindingOptions{Key: holder, Audience: r.ClientID, Nonce: r.Nonce})
			if err != nil {
				return nil, err
			}
			vp[qid] = append(vp[qid], pres)
		}
	}
	if len(vp) != 1 {
		return nil, fmt.Errorf("loadtest: the credential does not match the query")
	}
	resp := oid4vp.AuthorizationResponse{VPToken: vp, State: r.State}
	var form url.Values
	if r.ResponseMode == oid4vp.ResponseModeDirectPostJWT {
		key, enc, kerr := r.EncryptionKey()
		if kerr != nil {
			return nil, kerr
		}
		form, err = resp.EncryptedForm(key, enc)
	} else {
		form, err = resp.Form()
	}
	if err != nil {
		return nil, err
	}
	return form, nil
}
