package verifier

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/dcql"
	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/credentials/profile"
	"github.com/loopbrug/paspoort/credentials/sdjwt"
	"github.com/loopbrug/paspoort/credentials/sdjwtvc"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/limits"
	"github.com/loopbrug/paspoort/internal/strictjson"
)

// AuthorizationResponse is what arrived at the response_uri: either the
// plain parameters (direct_post: vp_token and state) or the encrypted
// "response" (direct_post.jwt).
type AuthorizationResponse struct {
	VPToken  string
	State    string
	Response string
}

// ResponseResult is what the response endpoint answers the wallet.
type ResponseResult struct {
	// RedirectURI, when the request had one, carries the response code.
	RedirectURI string `json:"redirect_uri,omitempty"`
	// Receipt is the signed decision receipt for the holder.
	Receipt string `json:"receipt"`
	// TransactionID is not sent to the wallet; it is for the caller.
	TransactionID string `json:"-"`
}

// HandleResponse processes an authorization response, in this order:
//
//  1. direct_post.jwt: the JWE's kid names the transaction; the response
//     is decrypted with its ephemeral key (ECDH-ES, A128GCM/A256GCM only,
//     no zip; SECURITY.md C.31) and the state inside must be its state.
//     direct_post: the state names the transaction, which must not have
//     asked for direct_post.jwt (no downgrade, C.31).
//  2. The transaction is consumed atomically: a second response, even a
//     byte-different one, is ErrReplay (§14.1, C.23, C.27). An expired one
//     is ErrTransactionExpired.
//  3. vp_token is a JSON object of Credential Query ids to arrays of
//     presentations (§8.1).
//  4. Every presentation is verified as an SD-JWT VC (sdjwtvc.Verify: typ,
//     alg, issuer key of a trusted issuer, signature, times, disclosures,
//     KB-JWT with aud = client_id and the transaction's nonce, sd_hash,
//     status); failures are recorded as rejections, not used.
//  5. What remains is re-checked against the query (dcql.CheckResponse):
//     presentations that disclose beyond it, or of another type, are
//     rejected too (C.33).
//  6. The profile is evaluated with the trust list per requirement; the
//     gap becomes a plan; the decision is stored (needed claims only) and
//     a receipt signed.
func (v *Verifier) HandleResponse(ctx context.Context, ar AuthorizationResponse) (*ResponseResult, error) {
	start := time.Now()
	res, err := v.handleResponse(ctx, ar)
	v.metrics.verifyTime.Observe(time.Since(start).Seconds())
	if err != nil {
		v.metrics.responses.WithLabelValues(className(err)).Inc()
		v.log.WarnContext(ctx, "response refused", "class", className(err))
		return nil, err
	}
	return res, nil
}

func (v *Verifier) handleResponse(ctx context.Context, ar AuthorizationResponse) (*ResponseResult, error) {
	vpToken, state := ar.VPToken, ar.State
	var tx *Transaction
	var err error
	switch {
	case ar.Response != "":
		if ar.VPToken != "" || ar.State != "" {
			return nil, fmt.Errorf("response together with vp_token or state: %w", ErrMalformedResponse)
		}
		h, _, err := jose.ParseJWEHeader(ar.Response, limits.MaxTokenBytes)
		if err != nil {
			return nil, fmt.Errorf("response: %w", err)
		}
		if tx, err = v.store.TransactionByKID(ctx, h.Kid); err != nil {
			return nil, fmt.Errorf("response kid: %w", ErrUnknownTransaction)
		}
		if tx.ResponseMode != ModeDirectPostJWT || len(tx.EncryptionKey) == 0 {
			return nil, fmt.Errorf("encrypted response to a %s request: %w", tx.ResponseMode, ErrResponseMode)
		}
		key, err := jose.ParseEncryptionKey(tx.EncryptionKey)
		if err != nil {
			return nil, fmt.Errorf("transaction key: %w", err)
		}
		plain, err := jose.DecryptECDHES(ar.Response, key, []jose.Enc{jose.A128GCM, jose.A256GCM})
		if err != nil {
			return nil, fmt.Errorf("decrypt response: %w", err)
		}
		var inner map[string]any
		if err := strictjson.Unmarshal(plain, &inner); err != nil {
			return nil, fmt.Errorf("decrypted response: %w: %w", ErrMalformedResponse, err)
		}
		s, _ := inner["state"].(string)
		if s == "" || !equalHash(s, tx.State) {
			return nil, fmt.Errorf("state inside the response: %w", ErrUnknownTransaction)
		}
		state = s
		switch t := inner["vp_token"].(type) {
		case map[string]any:
			b, err := strictjson.Marshal(t)
			if err != nil {
				return nil, fmt.Errorf("vp_token: %w", ErrMalformedResponse)
			}
			vpToken = string(b)
		case string:
			vpToken = t
		default:
			return nil, fmt.Errorf("vp_token missing: %w", ErrMalformedResponse)
		}
	case state != "":
		if tx, err = v.store.TransactionByState(ctx, state); err != nil {
			return nil, fmt.Errorf("state: %w", ErrUnknownTransaction)
		}
		if tx.ResponseMode != ModeDirectPost {
			return nil, fmt.Errorf("plain response where %s was required: %w", tx.ResponseMode, ErrResponseMode)
		}
	default:
		return nil, fmt.Errorf("no state and no response: %w", ErrMalformedResponse)
	}
	// Consume first: whatever follows, this transaction is answered.
	tx, err = v.store.ConsumeState(ctx, state)
	if errors.Is(err, ErrReplay) {
		return nil, fmt.Errorf("transaction: %w", ErrReplay)
	}
	if err != nil {
		return nil, fmt.Errorf("consume transaction: %w", ErrUnknownTransaction)
	}
	now := v.now()
	if !now.Before(tx.Expires) {
		return nil, fmt.Errorf("transaction %s: %w", tx.ID, ErrTransactionExpired)
	}
	p, ok := v.profiles[tx.ProfileID]
	if !ok {
		return nil, fmt.Errorf("profile %q: %w", tx.ProfileID, ErrUnknownProfile)
	}
	presentations, err := parseVPToken(vpToken)
	if err != nil {
		return nil, err
	}
	d, err := v.decide(ctx, tx, p, presentations, now)
	if err != nil {
		return nil, err
	}
	code := ""
	codeHash := ""
	if tx.RedirectURI != "" {
		code = randomToken(32)
		codeHash = hashToken(code)
	}
	if err := v.store.SaveDecision(ctx, tx.ID, d, codeHash, v.cfg.Retention); err != nil {
		return nil, fmt.Errorf("store decision: %w", err)
	}
	rc, err := v.signReceipt(d)
	if err != nil {
		return nil, err
	}
	v.metrics.responses.WithLabelValues(string(d.Outcome)).Inc()
	v.log.InfoContext(ctx, "decision", "transaction", tx.ID, "profile", p.ID, "outcome", string(d.Outcome), "rejected", len(d.Rejected))
	out := &ResponseResult{Receipt: rc, TransactionID: tx.ID}
	if code != "" {
		out.RedirectURI = tx.RedirectURI + "#response_code=" + code
	}
	return out, nil
}

// parseVPToken reads the vp_token: a JSON object whose members are arrays
// of one or more presentation strings (§8.1).
func parseVPToken(s string) (map[string][]string, error) {
	if s == "" || len(s) > 4*limits.MaxTokenBytes {
		return nil, fmt.Errorf("vp_token empty or too large: %w", ErrMalformedResponse)
	}
	var raw map[string]any
	if err := strictjson.Unmarshal([]byte(s), &raw); err != nil || raw == nil {
		return nil, fmt.Errorf("vp_token is not a JSON object: %w", ErrMalformedResponse)
	}
	if len(raw) > dcql.MaxCredentialQueries {
		return nil, fmt.Errorf("vp_token has too many members: %w", credentials.ErrLimit)
	}
	out := make(map[string][]string, len(raw))
	for k, v := range raw {
		arr, ok := v.([]any)
		if !ok || len(arr) == 0 || len(arr) > 16 {
			return nil, fmt.Errorf("vp_token member %q is not an array of 1 to 16 presentations: %w", k, ErrMalformedResponse)
		}
		for _, e := range arr {
			str, ok := e.(string)
			if !ok || str == "" {
				return nil, fmt.Errorf("vp_token member %q holds a non-string presentation: %w", k, ErrMalformedResponse)
			}
			out[k] = append(out[k], str)
		}
	}
	return out, nil
}

// decide verifies the presentations and evaluates the profile.
func (v *Verifier) decide(ctx context.Context, tx *Transaction, p *profile.Profile, pres map[string][]string, now time.Time) (*Decision, error) {
	tl, err := v.cfg.Trust.TrustList(ctx)
	if err != nil {
		return nil, fmt.Errorf("trust list: %w", err)
	}
	d := &Decision{TransactionID: tx.ID, Profile: p.ID, ProfileVersion: p.Version, Rejected: []Rejection{}, Credentials: []string{}, DecidedAt: now.UTC()}
	vcts := map[string][]string{}
	for _, cq := range tx.Query.Credentials {
		vcts[cq.ID] = cq.Meta.VCTValues
	}
	type verified struct {
		qid  string
		idx  int
		res  *sdjwtvc.Result
		hash string
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
			r, err := v.sdjwt.Verify(ctx, raw, sdjwtvc.Policy{
				KeyBinding: sdjwt.KeyBindingPolicy{Required: true, Audience: tx.ClientID, Nonce: tx.Nonce},
				AcceptVCT:  accept,
			})
			if err != nil {
				v.metrics.presentations.WithLabelValues(className(err)).Inc()
				d.Rejected = append(d.Rejected, Rejection{QueryID: qid, Index: i, Class: className(err), Reason: genericReason(err)})
				continue
			}
			v.metrics.presentations.WithLabelValues("ok").Inc()
			issuerJWT, _, _ := strings.Cut(raw, "~")
			sum := sha256.Sum256([]byte(issuerJWT))
			h := base64.RawURLEncoding.EncodeToString(sum[:])
			ok = append(ok, verified{qid, i, r, h})
			presented[qid] = append(presented[qid], dcql.Presented{
				Format: dcql.FormatSDJWTVC, VCT: r.VCT, Claims: r.Claims, Disclosed: r.Disclosed,
				HolderBinding: r.KeyBinding != nil, Key: h,
			})
		}
	}
	// Re-check against the query (C.33): drop what goes beyond it.
	bad := map[[2]any]string{}
	if _, err := dcql.CheckResponse(tx.Query, presented); err != nil {
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
		creds = append(creds, profile.Credential{ID: vf.hash, VCT: vf.res.VCT, Issuer: vf.res.Issuer, IssuedAt: vf.res.IssuedAt,
			Claims: vf.res.Claims, For: []string{tx.QueryRequirements[vf.qid]}})
		if !slices.Contains(d.Credentials, vf.hash) {
			d.Credentials = append(d.Credentials, vf.hash)
		}
	}
	res := p.Evaluate(creds, profile.Options{Now: now, Trusted: tl.Trusted})
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
	names := map[error]string{
		credentials.ErrFormat: "FMT", credentials.ErrAlg: "ALG", credentials.ErrSignature: "SIG",
		credentials.ErrTrust: "TRUST", credentials.ErrType: "TYP", credentials.ErrClaim: "CLAIM",
		credentials.ErrDisclosure: "DISC", credentials.ErrKeyBinding: "KB", credentials.ErrReplay: "REPLAY",
		credentials.ErrStatus: "STATUS", credentials.ErrFetch: "FETCH", credentials.ErrLimit: "LIMIT",
	}
	if n, ok := names[credentials.Class(err)]; ok {
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
