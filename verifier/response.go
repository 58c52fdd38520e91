package verifier

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/dcql"
	"github.com/loopbrug/paspoort/credentials/oid4vp"
	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/credentials/profile"
	"github.com/loopbrug/paspoort/credentials/sdjwt"
	"github.com/loopbrug/paspoort/credentials/sdjwtvc"
	"github.com/loopbrug/paspoort/credentials/statuslist"
	"github.com/loopbrug/paspoort/internal/jose"
)

// ResponseReply is what the response_uri answers the wallet (§8.2): the
// oid4vp.ResponseURIReply, with a redirect_uri carrying the response code
// when the request had one, plus the signed decision receipt (wallets
// ignore members they do not know).
type ResponseReply struct {
	oid4vp.ResponseURIReply
	// Receipt is the signed decision receipt for the holder.
	Receipt string `json:"receipt"`
	// TransactionID is not sent to the wallet; it is for the caller.
	TransactionID string `json:"-"`
}

// HandleResponse processes an authorization response, the form posted to
// the response_uri, in this order:
//
//  1. The transaction: for direct_post.jwt the kid of the JWE header
//     (oid4vp.ResponseKeyID) names it; otherwise the state does.
//  2. oid4vp.ParseResponse in the transaction's response mode: every
//     parameter once (SECURITY.md F.47), an encrypted response decrypted
//     with the transaction's ephemeral key (ECDH-ES, A128GCM/A256GCM, no
//     zip), and a plain vp_token refused where direct_post.jwt was asked
//     (ErrEncryptionRequired, C.31); vp_token an object of Credential
//     Query ids to arrays of presentations (§8.1). The state must be the
//     transaction's. More than one presentation for a Credential Query
//     without "multiple": true refuses the whole response
//     (dcql.ErrTooManyPresentations, FMT; §6.1, §8.1). A wallet's error response (§8.5) is returned as the
//     *oid4vp.ErrorResponse; when it carries the state of a pending,
//     unexpired transaction (the state is unguessable, so only the wallet
//     that fetched the request knows it), the transaction is recorded as
//     declined (access_denied) or ended (any other code): the desk stops
//     waiting. Without a known state it changes nothing.
//  3. A transaction already decided on is ErrReplay, whatever the bytes
//     (§14.1, C.23, C.27); an expired one is ErrTransactionExpired.
//  4. Every presentation is verified as an SD-JWT VC (sdjwtvc.Verify: typ,
//     alg, issuer key of a trusted issuer, signature, times, disclosures,
//     KB-JWT with aud = client_id and the transaction's nonce, sd_hash,
//     status); failures are recorded as rejections, not used. An issuer
//     off the trust list is resolved only when it is a did:jwk (no fetch,
//     no status list fetched); such a credential is kept only when it is
//     self-issued (iss is the did:jwk of its own cnf key) and of a type
//     that is self-issued by nature (the EVC portfolio), which in turn
//     counts only in that form (checkSelfIssued, TRUST otherwise).
//  5. What remains is re-checked against the query (dcql.CheckResponse):
//     presentations that disclose beyond it, or of another type, are
//     rejected too (C.33).
//  6. The profile is evaluated with the trust list per requirement, each
//     credential's assurance capped at its issuer's kind
//     (TrustList.IssuerAssurance) and a self-issued one's at self; the
//     gap becomes a plan. A credential whose issuer key came from an x5c
//     chain to Config.TrustAnchors is asked about as certified by that
//     anchor (certifiedID), never as its iss alone.
//  7. The decision is stored (needed claims only) by Store.Decide, which
//     spends the nonce atomically in the same write: of concurrent
//     responses to one transaction exactly one is decided on, the others
//     are ErrReplay. A response refused before this step (malformed, wrong
//     state, a trust list that cannot be had) leaves the transaction
//     answerable. Then the receipt is signed.
func (v *Verifier) HandleResponse(ctx context.Context, form url.Values) (*ResponseReply, error) {
	start := time.Now()
	res, err := v.handleResponse(ctx, form)
	v.metrics.verifyTime.Observe(time.Since(start).Seconds())
	if err != nil {
		var er *oid4vp.ErrorResponse
		if errors.As(err, &er) {
			v.metrics.responses.WithLabelValues("wallet_error").Inc()
			v.log.InfoContext(ctx, "wallet error response", "error", er.Code)
			return nil, err
		}
		v.metrics.responses.WithLabelValues(className(err)).Inc()
		v.log.WarnContext(ctx, "response refused", "class", className(err))
		return nil, err
	}
	return res, nil
}

// transactionFor finds the transaction a response form is for.
func (v *Verifier) transactionFor(ctx context.Context, form url.Values) (*Transaction, error) {
	if _, ok := form["response"]; ok {
		kid, err := oid4vp.ResponseKeyID(form)
		if err != nil {
			return nil, fmt.Errorf("response: %w", err)
		}
		tx, err := v.store.TransactionByKID(ctx, kid)
		if err != nil {
			return nil, fmt.Errorf("response kid: %w", ErrUnknownTransaction)
		}
		return tx, nil
	}
	states := form["state"]
	if len(states) != 1 || states[0] == "" {
		return nil, fmt.Errorf("no state and no response: %w", ErrMalformedResponse)
	}
	tx, err := v.store.TransactionByState(ctx, states[0])
	if err != nil {
		return nil, fmt.Errorf("state: %w", ErrUnknownTransaction)
	}
	return tx, nil
}

func (v *Verifier) handleResponse(ctx context.Context, form url.Values) (*ResponseReply, error) {
	if _, ok := form["error"]; ok {
		// A wallet's error response (§8.5), in either mode unencrypted.
		_, err := oid4vp.ParseResponse(form, oid4vp.ResponseExpectation{Mode: oid4vp.ResponseModeDirectPost})
		v.declined(ctx, err)
		return nil, err
	}
	tx, err := v.transactionFor(ctx, form)
	if err != nil {
		return nil, err
	}
	if tx.Status != TxPending {
		// Answered already: refused before any work (Decide would refuse
		// it at the end anyway).
		return nil, fmt.Errorf("transaction: %w", ErrReplay)
	}
	exp := oid4vp.ResponseExpectation{Mode: tx.ResponseMode}
	if tx.ResponseMode == oid4vp.ResponseModeDirectPostJWT {
		if exp.Key, err = jose.ParseEncryptionKey(tx.EncryptionKey); err != nil {
			return nil, fmt.Errorf("transaction key: %w", err)
		}
	}
	ar, err := oid4vp.ParseResponse(form, exp)
	if err != nil {
		return nil, fmt.Errorf("authorization response: %w", err)
	}
	if ar.State == "" || !equalHash(ar.State, tx.State) {
		return nil, fmt.Errorf("state of the response: %w", ErrUnknownTransaction)
	}
	now := v.now()
	if !now.Before(tx.Expires) {
		return nil, fmt.Errorf("transaction %s: %w", tx.ID, ErrTransactionExpired)
	}
	p, ok := v.profiles[tx.ProfileID]
	if !ok {
		return nil, fmt.Errorf("profile %q: %w", tx.ProfileID, ErrUnknownProfile)
	}
	d, err := v.decide(ctx, tx, p, ar.VPToken, now)
	if err != nil {
		return nil, err
	}
	code, codeHash := "", ""
	if tx.RedirectURI != "" {
		code = oid4vp.NewNonce()
		codeHash = hashToken(code)
	}
	// Spend the nonce: of concurrent responses to one transaction only
	// the first to get here is decided on.
	if err := v.store.Decide(ctx, tx, d, codeHash, v.cfg.Retention); errors.Is(err, ErrReplay) {
		return nil, fmt.Errorf("transaction: %w", ErrReplay)
	} else if err != nil {
		return nil, fmt.Errorf("store decision: %w", err)
	}
	rc, err := v.signReceipt(d, p)
	if err != nil {
		return nil, err
	}
	v.metrics.responses.WithLabelValues(string(d.Outcome)).Inc()
	v.log.InfoContext(ctx, "decision", "transaction", tx.ID, "profile", p.ID, "outcome", string(d.Outcome), "rejected", len(d.Rejected))
	out := &ResponseReply{Receipt: rc, TransactionID: tx.ID}
	switch {
	case code != "":
		if out.RedirectURI, err = oid4vp.RedirectWithResponseCode(tx.RedirectURI, code, v.urls); err != nil {
			return nil, fmt.Errorf("redirect_uri: %w", err)
		}
	case oid4vp.IsX509(v.prefix):
		// HAIP 1.0 §5: "The Verifier MUST return redirect_uri". A
		// transaction made without one sends the holder's browser to the
		// verifier's own page that says the answer arrived; it carries no
		// response code, as nothing is to be fetched with it.
		out.RedirectURI = strings.TrimSuffix(v.cfg.BaseURL, "/") + PathDone
	}
	return out, nil
}

// decide verifies the presentations and evaluates the profile.
func (v *Verifier) decide(ctx context.Context, tx *Transaction, p *profile.Profile, pres oid4vp.VPToken, now time.Time) (*Decision, error) {
	tl, err := v.cfg.Trust.TrustList(ctx)
	if err != nil {
		return nil, fmt.Errorf("trust list: %w", err)
	}
	q, err := v.query(tx)
	if err != nil {
		return nil, err
	}
	// §6.1, §8.1: without "multiple": true a Credential Query is answered
	// by exactly one presentation; more is a malformed response, refused
	// whole before anything is verified or decided.
	for _, cq := range q.Credentials {
		if n := len(pres[cq.ID]); n > 1 && !cq.Multiple {
			return nil, fmt.Errorf("vp_token: %w: %d for %q", dcql.ErrTooManyPresentations, n, cq.ID)
		}
	}
	d := &Decision{TransactionID: tx.ID, Profile: p.ID, ProfileVersion: p.Version, Rejected: []Rejection{}, Credentials: []string{}, DecidedAt: now.UTC()}
	vcts := map[string][]string{}
	for _, cq := range q.Credentials {
		vcts[cq.ID] = cq.Meta.VCTValues
	}
	type verified struct {
		qid  string
		idx  int
		res  *sdjwtvc.Result
		hash string
		self bool
	}
	var ok []verified
	presented := map[string][]dcql.Presented{}
	for _, qid := range sortedKeys(pres) {
		accept, known := vcts[qid]
		for i, raw := range pres[qid] {
			if !known {
				d.Rejected = append(d.Rejected, Rejection{QueryID: qid, Index: i, Class: "FMT", Reason: "no such credential query"})
				continue
			}
			vctx := ctx
			if singleUse(accept) {
				// A credential used up when redeemed is checked against
				// its issuer's current status list, not the cached one.
				vctx = statuslist.Fresh(ctx)
			}
			r, err := v.sdjwt.Verify(vctx, raw, sdjwtvc.Policy{
				KeyBinding: sdjwt.KeyBindingPolicy{Required: true, Audience: tx.ClientID, Nonce: tx.Nonce},
				AcceptVCT:  accept,
			})
			if err != nil {
				class := className(err)
				v.metrics.presentations.WithLabelValues(class).Inc()
				d.Rejected = append(d.Rejected, Rejection{QueryID: qid, Index: i, Class: class, Reason: genericReason(err)})
				continue
			}
			self := selfIssued(r.Issuer, r.IssuerKey, r.HolderKey)
			typeName := ""
			if t, found := ppp.LookupVCT(r.VCT); found {
				typeName = t.Name
			}
			if err := checkSelfIssued(tl, typeName, trustID(r), self); err != nil {
				v.metrics.presentations.WithLabelValues("TRUST").Inc()
				d.Rejected = append(d.Rejected, Rejection{QueryID: qid, Index: i, Class: "TRUST", Reason: genericReason(err)})
				continue
			}
			v.metrics.presentations.WithLabelValues("ok").Inc()
			issuerJWT, _, _ := strings.Cut(raw, "~")
			h := hashToken(issuerJWT)
			ok = append(ok, verified{qid, i, r, h, self})
			p := dcql.Presented{
				Format: dcql.FormatSDJWTVC, VCT: r.VCT, Claims: r.Claims, Disclosed: r.Disclosed,
				HolderBinding: r.KeyBinding != nil, Key: h,
			}
			if r.CertifiedBy != nil {
				p.AuthorityKeyIDs = r.CertifiedBy.AuthorityKeyIDs()
			}
			presented[qid] = append(presented[qid], p)
		}
	}
	// Re-check against the query (C.33): drop what goes beyond it.
	bad := map[[2]any]string{}
	if _, err := dcql.CheckResponse(q, presented); err != nil {
		for _, e := range unwrapAll(err) {
			var pe *dcql.PresentationError
			if errors.As(e, &pe) {
				bad[[2]any{pe.QueryID, pe.Index}] = className(pe.Err)
			}
		}
	}
	idxInQuery := map[string]int{}
	var creds []profile.Credential
	for _, vf := range ok {
		j := idxInQuery[vf.qid]
		idxInQuery[vf.qid]++
		if class, isBad := bad[[2]any{vf.qid, j}]; isBad {
			d.Rejected = append(d.Rejected, Rejection{QueryID: vf.qid, Index: vf.idx, Class: class, Reason: "presentation does not fit the query (type, or claims beyond what was asked)"})
			continue
		}
		c := profile.Credential{ID: vf.hash, VCT: vf.res.VCT, Issuer: vf.res.Issuer, IssuedAt: vf.res.IssuedAt,
			Claims: vf.res.Claims, For: []string{tx.QueryRequirements[vf.qid]}, SelfIssued: vf.self}
		if id := trustID(vf.res); id != vf.res.Issuer {
			// Trusted as certified by its anchor, never as its iss (nor
			// as certified by an iss that poses as such).
			c.TrustAs = id
		}
		creds = append(creds, c)
		if !slices.Contains(d.Credentials, vf.hash) {
			d.Credentials = append(d.Credentials, vf.hash)
		}
	}
	res := p.Evaluate(creds, profile.Options{Now: now, Trusted: trustedFor(tl), IssuerAssurance: tl.IssuerAssurance})
	d.Outcome, d.Score, d.Requirements, d.Gap = res.Outcome, res.Score, res.Requirements, res.Gap
	if len(res.Gap) > 0 {
		if c, ok := v.catalogues[p.Catalogue]; ok {
			var gap []string
			for _, g := range res.Gap {
				gap = append(gap, g.Skill)
			}
			d.LearningPlan = c.Plan(gap, ppp.DateOf(now))
			d.PlanKind = "learning_plan"
			if p.Kind == profile.KindHiring {
				d.PlanKind = "onboarding_plan"
			}
		}
	}
	return d, nil
}

// trustedFor is the trust decision of an evaluation: the trust list, and
// for a type that counts only as self-issued (the portfolio) yes, since
// decide passes on only the self-issued ones (checkSelfIssued), whose
// assurance profile caps at self.
func trustedFor(tl *TrustList) func(issuer, typeName string) bool {
	return func(issuer, typeName string) bool {
		if t, ok := ppp.Lookup(typeName); ok && t.SelfIssued() {
			return true
		}
		return tl.Trusted(issuer, typeName)
	}
}

// unwrapAll flattens an errors.Join tree one level deep.
func unwrapAll(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, unwrapAll(e)...)
		}
		return out
	}
	return []error{err}
}

// className names the error class of err as SECURITY.md does.
func className(err error) string {
	// A status list that could not be used is a STATUS failure whatever
	// the reason it wraps (SECURITY.md D.37; statuslist.Checker).
	if errors.Is(err, credentials.ErrStatus) {
		return "STATUS"
	}
	// So is any failure of the key binding, a wrong KB-JWT typ included
	// (SECURITY.md C.24: typ ≠ kb+jwt → KB).
	if errors.Is(err, credentials.ErrKeyBinding) {
		return "KB"
	}
	if n := credentials.ClassName(err); n != "" {
		return n
	}
	return "ERROR"
}

// genericReason says what failed without echoing input or claims
// (SECURITY.md H.55).
func genericReason(err error) string {
	switch className(err) {
	case "SIG":
		return "signature does not verify"
	case "TRUST":
		return "issuer or key not trusted"
	case "KB":
		return "key binding invalid (audience, nonce, time, sd_hash or key)"
	case "STATUS":
		return "credential revoked, suspended or status unavailable"
	case "CLAIM":
		return "credential expired, not yet valid, or missing a required claim"
	case "ALG":
		return "algorithm not allowed"
	case "TYP":
		return "wrong token type"
	case "DISC":
		return "invalid disclosure"
	case "LIMIT":
		return "too large"
	}
	return "malformed presentation"
}

// declined records a wallet's error response (§8.5) on the transaction
// whose state it carries, when that transaction is still pending: the
// holder declined (access_denied) or the wallet could not answer. Any
// other error response changes nothing.
func (v *Verifier) declined(ctx context.Context, err error) {
	var er *oid4vp.ErrorResponse
	if !errors.As(err, &er) || er.State == "" {
		return
	}
	tx, terr := v.store.TransactionByState(ctx, er.State)
	if terr != nil || tx.Status != TxPending || !equalHash(er.State, tx.State) || !v.now().Before(tx.Expires) {
		return
	}
	if derr := v.store.Decide(ctx, tx, nil, "", v.cfg.Retention); derr != nil {
		v.log.InfoContext(ctx, "wallet error response not recorded", "transaction", tx.ID, "class", className(derr))
		return
	}
	v.log.InfoContext(ctx, "holder declined", "transaction", tx.ID, "error", string(er.Code))
}

// singleUse reports whether a query accepts a single-use PPP type (a
// training budget), whose status is checked afresh.
func singleUse(vcts []string) bool {
	for _, vct := range vcts {
		if t, ok := ppp.LookupVCT(vct); ok && t.SingleUse() {
			return true
		}
	}
	return false
}
