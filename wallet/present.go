package wallet

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/dcql"
	"github.com/loopbrug/paspoort/credentials/oid4vp"
	"github.com/loopbrug/paspoort/credentials/pki"
	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/credentials/profile"
	"github.com/loopbrug/paspoort/credentials/sdjwt"
)

// Errors of the OpenID4VP client.
var (
	// ErrNotSatisfiable (CLAIM): the wallet holds no credentials that
	// satisfy the request; nothing is sent.
	ErrNotSatisfiable = credentials.NewError(credentials.ErrClaim, "wallet: no credentials satisfy the request")
	// ErrSelection (FMT): a selection that names a query or credential the
	// request does not offer, or leaves a required query unanswered.
	ErrSelection = credentials.NewError(credentials.ErrFormat, "wallet: invalid selection")
	// ErrNoUsableCopy (STATUS): a credential to be presented has expired,
	// or every one of its copies is known revoked or suspended; nothing is
	// sent.
	ErrNoUsableCopy = credentials.NewError(credentials.ErrStatus, "wallet: no valid copy of the credential (revoked, suspended or expired)")
	// ErrUsedCopyRefused (REPLAY): with WithFreshCopiesOnly, every valid
	// copy of a credential to be presented was presented before; nothing
	// is sent. Ask the issuer for fresh copies.
	ErrUsedCopyRefused = credentials.NewError(credentials.ErrReplay, "wallet: every copy of the credential was shown before")
	// ErrVerifierUntrusted (TRUST): an x509_hash or x509_san_dns verifier
	// whose certificate chain does not validate to the wallet's verifier
	// anchors (WithVerifierAnchors): another or no anchor, a certificate
	// out of date or not allowed to sign, or no anchors configured.
	// Nothing is sent. It wraps the underlying error (pki's sentinels,
	// oid4vp.ErrNoVerifierAnchors).
	ErrVerifierUntrusted = credentials.NewError(credentials.ErrTrust, "wallet: the verifier's certificate could not be checked")
)

// WithVerifierAnchors trusts the certificates of anchors as the roots of
// verifiers identified by X.509 (OpenID4VP 1.0 §5.9.3 x509_hash and
// x509_san_dns; HAIP 1.0 §5): a request whose "x5c" chain validates to
// one of them is accepted, and its leaf names the organisation to the
// holder. Default: none, so such requests are refused
// (ErrVerifierUntrusted).
func WithVerifierAnchors(anchors *pki.Anchors) Option {
	return func(c *config) error {
		if anchors == nil {
			return errors.New("wallet: nil verifier anchors")
		}
		c.verifierAnchors = anchors
		return nil
	}
}

// VerifierCertificate is what the validated certificate chain of an X.509
// verifier says: the organisation to name to the holder, and the details
// for the "Technische details" fold.
type VerifierCertificate struct {
	// Organisation is the leaf's subject organisation (O), else its
	// common name (CN): the name the consent screen shows.
	Organisation string `json:"organisation"`
	// Subject is the leaf's full subject; Anchor the subject of the trust
	// anchor the chain validated to.
	Subject string `json:"subject"`
	Anchor  string `json:"anchor"`
	// Hash is the leaf's x509_hash (base64url SHA-256 of its DER).
	Hash string `json:"hash"`
	// NotAfter is the end of the leaf's validity.
	NotAfter time.Time `json:"not_after"`
}

// verifierCertificate describes a validated chain.
func verifierCertificate(v *pki.Verified) *VerifierCertificate {
	leaf := v.Leaf
	org := ""
	if len(leaf.Subject.Organization) > 0 {
		org = displayName(strings.Join(leaf.Subject.Organization, ", "))
	}
	if org == "" {
		org = displayName(leaf.Subject.CommonName)
	}
	vc := &VerifierCertificate{Organisation: org, Subject: displayName(leaf.Subject.String()), Hash: pki.X509Hash(leaf), NotAfter: leaf.NotAfter}
	if len(v.Path) > 0 {
		vc.Anchor = displayName(v.Path[len(v.Path)-1].Subject.String())
	}
	return vc
}

// untrustedChain reports whether err says the chain of an X.509 verifier
// could not be checked against the wallet's anchors.
func untrustedChain(err error) bool {
	for _, e := range []error{oid4vp.ErrNoVerifierAnchors, pki.ErrUntrusted, pki.ErrNotAuthorized, pki.ErrKeyUsage, pki.ErrExpired, pki.ErrNotYetValid} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// PresentationRequest is a verified OpenID4VP request with what the wallet
// could share, for the holder's consent. Nothing has been sent yet.
type PresentationRequest struct {
	// ClientID is the verifier's full client_id (the KB-JWT audience).
	ClientID string `json:"client_id"`
	// Verifier is the verifier's identifier: its DID, or its URL for a
	// redirect_uri client. Show it escaped.
	Verifier string `json:"verifier"`
	// ResponseURI is where the response goes.
	ResponseURI string `json:"response_uri"`
	// ResponseMode is direct_post or direct_post.jwt (encrypted).
	ResponseMode string `json:"response_mode"`
	// Queries lists, per DCQL Credential Query, the credentials that
	// satisfy it and the claims each would disclose.
	Queries []QueryOptions `json:"queries"`
	// Satisfied reports whether every required query can be answered.
	Satisfied bool `json:"satisfied"`
	// Missing lists the ids of required queries nothing satisfies.
	Missing []string `json:"missing,omitempty"`
	// VerifierName is the organisation's name to show: for an X.509
	// verifier the organisation its certificate names, else the request's
	// client_metadata client_name, else the name in its profile, else
	// the host of its response_uri (a register the wallet follows
	// overrides each). Never a DID.
	VerifierName string `json:"verifier_name"`
	// Certificate is, for an x509_hash or x509_san_dns verifier, what its
	// validated certificate says; nil otherwise.
	Certificate *VerifierCertificate `json:"certificate,omitempty"`
	// Profile is the requirement profile the request is for, when the
	// request names one (client_metadata paspoort_profile) at the
	// verifier's own origin and it could be fetched; nil otherwise.
	Profile *profile.Profile `json:"profile,omitempty"`
	// Match is the private match of the wallet against Profile, made
	// before anything is shared: what the holder can and cannot prove.
	Match *profile.Result `json:"match,omitempty"`
	// Registration is what the registers the wallet follows say of the
	// verifier: its registered name, kind and consortium, or that it is
	// in none of them.
	Registration *Registration `json:"registration,omitempty"`
	// Protected lists the claims asked that are protected in hiring and
	// admission (age, nationality, sex, …), each with the legal ground the
	// verifier gives, if any: the consent screen flags them.
	Protected []ProtectedClaim `json:"protected,omitempty"`

	req      *oid4vp.AuthorizationRequest
	matches  map[string][]dcql.CredentialMatch
	defaults map[string][]dcql.CredentialMatch
}

// QueryOptions are the choices for one Credential Query.
type QueryOptions struct {
	QueryID string `json:"query_id"`
	// Required is false for a query only an optional credential set asks
	// for: it is shared only when the holder includes it.
	Required bool `json:"required"`
	// Multiple reports that several credentials may be shared.
	Multiple bool `json:"multiple"`
	// Options are the matching credentials, the default first.
	Options []CredentialOption `json:"options"`
	// Requirement is the profile requirement the query answers, when the
	// request's profile is known (a paspoort verifier names each query
	// after its requirement); Needed says whether the profile requires
	// it ("verplicht"). Without a profile Needed is Required.
	Requirement *profile.Requirement `json:"requirement,omitempty"`
	Needed      bool                 `json:"needed"`
}

// requirementFor returns the requirement of p a Credential Query id
// stands for: a paspoort verifier names a query after its requirement's
// id (dots as underscores), with "__" and the type appended when the
// requirement has alternatives.
func requirementFor(p *profile.Profile, queryID string) *profile.Requirement {
	if p == nil {
		return nil
	}
	base, _, _ := strings.Cut(queryID, "__")
	for i := range p.Requirements {
		if strings.ReplaceAll(p.Requirements[i].ID, ".", "_") == base {
			return &p.Requirements[i]
		}
	}
	return nil
}

// CredentialOption is one credential that satisfies a query.
type CredentialOption struct {
	CredentialID string `json:"credential_id"`
	// Type is the PPP type name, empty outside the PPP.
	Type   string `json:"type,omitempty"`
	VCT    string `json:"vct"`
	Issuer string `json:"issuer"`
	// IssuerName is the issuer's display name, if known.
	IssuerName string `json:"issuer_name,omitempty"`
	// Claims are the JSON Pointers of the claims that would be disclosed.
	Claims []string `json:"claims"`
	// IssuedAt is when the issuer signed it.
	IssuedAt time.Time `json:"issued_at"`
	// Copies and Unused count its batch copies and those never shown.
	// With no unused copy left, a presentation reuses a copy already
	// shown, which lets the verifiers that saw both link them.
	Copies int `json:"copies"`
	Unused int `json:"copies_unused"`
	// More are the claims the holder may choose to add (the verifier's
	// later claim set offers them, such as the employer of a job counted
	// in a total): JSON Pointers, disclosed only when the Selection says
	// so (Selection.More).
	More []string `json:"more,omitempty"`

	values map[string]any        // Claims' and More's values, by pointer
	more   *dcql.CredentialMatch // the match with More added
}

// MoreValues returns the claims the holder may choose to add, as a person
// reads them.
func (o CredentialOption) MoreValues(lang string) []ppp.Value {
	out := make([]ppp.Value, 0, len(o.More))
	for _, ptr := range o.More {
		out = append(out, ppp.Describe(o.VCT, ptr, o.values[ptr], lang))
	}
	return out
}

// Values returns the claims that would be disclosed, as a person reads
// them in lang ("nl" or "en"): labels from the type's metadata, ESCO
// labels, levels and dates written out (ppp.Describe).
func (o CredentialOption) Values(lang string) []ppp.Value {
	out := make([]ppp.Value, 0, len(o.Claims))
	for _, ptr := range o.Claims {
		out = append(out, ppp.Describe(o.VCT, ptr, o.values[ptr], lang))
	}
	return out
}

// maxVerifierName bounds the name a request may give itself.
const maxVerifierName = 120

// displayName cleans a name a request gives: control characters dropped,
// spaces collapsed, at most maxVerifierName runes.
func displayName(s string) string {
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
	if r := []rune(s); len(r) > maxVerifierName {
		s = string(r[:maxVerifierName]) + "…"
	}
	return s
}

// requestProfile fetches the profile a request names, only from the
// verifier's own origin (that of its response_uri), and matches the
// wallet against it privately. Any failure leaves pr without a profile:
// the consent screen then shows the query alone.
func (w *Wallet) requestProfile(ctx context.Context, pr *PresentationRequest, ref string) {
	if ref == "" || !sameOrigin(ref, pr.ResponseURI) {
		return
	}
	res, err := w.noRedirect.Get(ctx, ref, "application/json")
	if err != nil {
		w.cfg.logger.InfoContext(ctx, "profile not fetched", "class", credentials.ClassName(err))
		return
	}
	p, err := profile.Parse("profile.json", res.Body)
	if err != nil {
		w.cfg.logger.InfoContext(ctx, "profile refused", "class", credentials.ClassName(err))
		return
	}
	pr.Profile, pr.Match = p, w.MatchProfile(ctx, p, time.Time{})
}

// ReadRequest fetches and checks an OpenID4VP request (an openid4vp:// URI
// or its https form, by request_uri) and matches it against the wallet's
// credentials. It sends nothing but the request_uri fetch, and refuses a
// request that fails any check (SECURITY.md C.32). In order:
//
//  1. the invocation URI (oid4vp.ParseInvocationURI);
//  2. the Request Object fetched from request_uri, with a fresh
//     wallet_nonce POSTed when request_uri_method is post (§5.10), through
//     a fetcher that follows no redirect (a 3xx is refused);
//  3. oid4vp.VerifyRequestObject: typ, signature by a key of the client's
//     DID (authentication) or, for x509_hash and x509_san_dns, by the leaf
//     of an x5c chain that validates to the verifier anchors
//     (WithVerifierAnchors; ErrVerifierUntrusted otherwise) and matches
//     the client_id, the client_id identical to the URI's, wallet_nonce
//     echoed, aud/exp/iat, response_uri allowed by the client identifier
//     prefix, a valid DCQL query;
//  4. DCQL matching against the stored credentials (MatchQuery).
func (w *Wallet) ReadRequest(ctx context.Context, requestURI string) (*PresentationRequest, error) {
	pol := oid4vp.URLPolicy{AllowLoopback: w.cfg.allowLoopback}
	inv, err := oid4vp.ParseInvocationURI(requestURI, pol)
	if err != nil {
		return nil, err
	}
	walletNonce := ""
	var body []byte
	if inv.RequestURIMethod == oid4vp.RequestURIMethodPost {
		walletNonce = oid4vp.NewNonce()
		res, err := w.noRedirect.PostForm(ctx, inv.RequestURI, oid4vp.RequestURIPost{WalletNonce: walletNonce}.Form(), oid4vp.MediaTypeRequestObject)
		if err != nil {
			return nil, fmt.Errorf("fetch request object: %w", err)
		}
		body = res.Body
	} else {
		res, err := w.noRedirect.Get(ctx, inv.RequestURI, oid4vp.MediaTypeRequestObject)
		if err != nil {
			return nil, fmt.Errorf("fetch request object: %w", err)
		}
		body = res.Body
	}
	vr, err := oid4vp.VerifyRequestObject(ctx, string(body), oid4vp.VerifyOptions{
		ClientID: inv.ClientID, WalletNonce: walletNonce, Resolver: w.did, URLs: pol, Now: w.cfg.now(),
		AllowRedirectURIPrefixUnsafe: w.cfg.redirectURI, VerifierAnchors: w.cfg.verifierAnchors,
	})
	if err != nil {
		if prefix, _, _ := strings.Cut(inv.ClientID, ":"); oid4vp.IsX509(prefix) && untrustedChain(err) {
			return nil, fmt.Errorf("%w: %w", ErrVerifierUntrusted, err)
		}
		return nil, err
	}
	r := vr.Request
	m, err := w.MatchQuery(r.DCQLQuery)
	if err != nil && !m.Satisfied && len(m.Missing) == 0 {
		return nil, err
	}
	pr := &PresentationRequest{
		ClientID: r.ClientID, Verifier: vr.ClientID.Identifier, ResponseURI: r.ResponseURI, ResponseMode: r.ResponseMode,
		Satisfied: m.Satisfied, Missing: m.Missing, req: r, matches: m.Matches, defaults: m.Presentation,
	}
	if md := r.ClientMetadata; md != nil {
		pr.VerifierName = displayName(md.ClientName)
		w.requestProfile(ctx, pr, md.PaspoortProfile)
	}
	if vr.Chain != nil {
		// The certificate's name was checked by the anchor's authority;
		// client_name is only what the request says of itself.
		pr.Certificate = verifierCertificate(vr.Chain)
		if pr.Certificate.Organisation != "" {
			pr.VerifierName = pr.Certificate.Organisation
		}
	}
	if pr.VerifierName == "" && pr.Profile != nil {
		pr.VerifierName = displayName(pr.Profile.Verifier)
	}
	if pr.VerifierName == "" {
		if u, err := url.Parse(pr.ResponseURI); err == nil {
			pr.VerifierName = u.Hostname()
		}
	}
	required := requiredQueries(r.DCQLQuery)
	for _, cq := range r.DCQLQuery.Credentials {
		qo := QueryOptions{QueryID: cq.ID, Required: required[cq.ID], Multiple: cq.Multiple, Needed: required[cq.ID],
			Requirement: requirementFor(pr.Profile, cq.ID)}
		if qo.Requirement != nil {
			qo.Needed = qo.Requirement.Required
		}
		for _, cm := range m.Matches[cq.ID] {
			c, err := w.Credential(cm.CandidateID)
			if err != nil {
				continue
			}
			o := CredentialOption{CredentialID: c.ID, Type: c.Type, VCT: c.VCT, Issuer: c.Issuer, IssuerName: c.IssuerName, Claims: slices.Clone(cm.Paths),
				IssuedAt: c.IssuedAt, Copies: c.Copies, Unused: c.Unused, values: map[string]any{}}
			if mm, ok := w.moreMatch(&cq, cm); ok {
				o.more = &mm
				for _, ptr := range mm.Paths {
					if !slices.Contains(cm.Paths, ptr) {
						o.More = append(o.More, ptr)
					}
				}
			}
			for _, ptr := range append(slices.Clone(cm.Paths), o.More...) {
				if v, ok := ppp.ClaimAt(c.Claims, ptr); ok {
					o.values[ptr] = v
				}
			}
			qo.Options = append(qo.Options, o)
		}
		pr.Queries = append(pr.Queries, qo)
	}
	pr.Protected = protectedClaims(r.DCQLQuery, pr.Profile)
	if err := w.checkRegistration(ctx, pr, r); err != nil {
		return nil, err
	}
	w.cfg.logger.InfoContext(ctx, "presentation request", "verifier", pr.Verifier, "satisfied", pr.Satisfied)
	return pr, nil
}

// requiredQueries returns the ids of the Credential Queries that a required
// credential set names (all of them when there are no credential sets).
func requiredQueries(q dcql.Query) map[string]bool {
	out := map[string]bool{}
	if len(q.CredentialSets) == 0 {
		for _, c := range q.Credentials {
			out[c.ID] = true
		}
		return out
	}
	for _, s := range q.CredentialSets {
		if !s.IsRequired() {
			continue
		}
		for _, opt := range s.Options {
			for _, id := range opt {
				out[id] = true
			}
		}
	}
	return out
}

// Selection is what the holder agreed to share: per Credential Query id,
// the ids of the credentials to present. A nil Selection means the
// default: the first matching credential for each required query (every
// one when the query allows multiple), and for queries only optional
// credential sets ask for, nothing unless Include names them.
type Selection struct {
	Credentials map[string][]string
	// Include names optional queries to answer by default.
	Include []string
	// IncludeOptional answers, by default, every optional Credential Set
	// Query the wallet can satisfy, each with its first satisfiable option
	// (OpenID4VP §6.4.2; dcql.Result.Presentation). A verifier that marks
	// every set optional, so that the decision can name what is missing,
	// gets everything the holder has for it, and no more than one option
	// per set.
	IncludeOptional bool
	// More names, by query id, the credentials whose additional claims
	// (CredentialOption.More) the holder chose to disclose as well.
	More map[string][]string
}

// moreMatch returns the match of the first later claim set that discloses
// everything cm does and more: what the holder may choose to add.
func (w *Wallet) moreMatch(cq *dcql.CredentialQuery, cm dcql.CredentialMatch) (dcql.CredentialMatch, bool) {
	if cm.ClaimSet < 0 {
		return dcql.CredentialMatch{}, false
	}
	cands := w.candidates()
	i := slices.IndexFunc(cands, func(c candidate) bool { return c.ID == cm.CandidateID })
	if i < 0 {
		return dcql.CredentialMatch{}, false
	}
	cand := cands[i]
	for from := cm.ClaimSet + 1; from < len(cq.ClaimSets); {
		mm, ok := dcql.MatchCredentialFrom(cq, &cand, from)
		if !ok {
			return dcql.CredentialMatch{}, false
		}
		if len(mm.Paths) > len(cm.Paths) && !slices.ContainsFunc(cm.Paths, func(p string) bool { return !slices.Contains(mm.Paths, p) }) {
			mm.Candidate = cm.Candidate
			return mm, true
		}
		from = mm.ClaimSet + 1
	}
	return dcql.CredentialMatch{}, false
}

// PresentResult is what was sent to whom.
type PresentResult struct {
	// Presentation is the history entry recorded.
	Presentation Presentation `json:"presentation"`
	// RedirectURI is where the verifier asks the holder's browser to go
	// (with a response_code), if anywhere.
	RedirectURI string `json:"redirect_uri,omitempty"`
	// Decision is the verifier's signed decision, verified and kept in
	// the history entry; nil when none came back or it was not kept.
	Decision *Decision `json:"decision,omitempty"`
	// DecisionNotKept says why a decision that came back was not kept
	// (its error class: credentials.ClassName); nil otherwise.
	DecisionNotKept error `json:"-"`
	// DecisionRefused is the error class of DecisionNotKept ("SIG",
	// "TRUST", …), for JSON clients; empty when nothing was refused.
	DecisionRefused string `json:"decision_refused,omitempty"`
}

// Present builds and sends the response the holder consented to: for each
// selected credential a copy whose status is not known to be revoked or
// suspended, preferring one known valid, and of those an unused (or least
// used) one (the status of every copy is checked first, CheckStatus; when a
// status list cannot be fetched the last known status counts; a credential
// that has expired or has no such copy is ErrNoUsableCopy and nothing is
// sent), presented with sdjwt.Present, disclosing exactly the claims the query matched, with a
// KB-JWT whose aud is the client_id and nonce the request's (RFC 9901
// §4.3); the vp_token posted to the response_uri as direct_post, or as an
// ECDH-ES JWE to the verifier's key for direct_post.jwt (OpenID4VP §8.2,
// §8.3). The presentation is recorded in the history, and the copies used
// are counted.
func (w *Wallet) Present(ctx context.Context, pr *PresentationRequest, sel *Selection) (*PresentResult, error) {
	chosen, err := pr.resolve(sel)
	if err != nil {
		return nil, err
	}
	if len(chosen) == 0 {
		if len(pr.defaults) > 0 {
			return nil, fmt.Errorf("%w: the request asks only for optional credentials; include them (Selection.Include, IncludeOptional; --include, --include-optional)", ErrNotSatisfiable)
		}
		return nil, ErrNotSatisfiable
	}
	// Every copy is chosen before anything is built or sent: a credential
	// with no usable copy refuses the whole presentation.
	picked := map[string]*holderCopy{}
	for _, qid := range sortedKeys(chosen) {
		for _, cm := range chosen[qid] {
			if picked[cm.CandidateID] != nil {
				continue
			}
			known, err := w.knownStatus(ctx, cm.CandidateID)
			if err != nil {
				return nil, err
			}
			if picked[cm.CandidateID], err = w.pickCopy(ctx, cm.CandidateID, known); err != nil {
				return nil, err
			}
		}
	}
	type use struct {
		id    string
		index int
	}
	var uses []use
	token := oid4vp.VPToken{}
	entry := Presentation{Verifier: pr.ClientID, VerifierName: pr.VerifierName, ResponseURI: pr.ResponseURI}
	if pr.Profile != nil {
		entry.Purpose = pr.Profile.Purpose.Get("nl")
	}
	for _, qid := range sortedKeys(chosen) {
		for _, cm := range chosen[qid] {
			hc := picked[cm.CandidateID]
			p, err := sdjwt.Present(hc.sdjwt, sdjwt.Selection{Paths: cm.Paths}, &sdjwt.KeyBindingOptions{
				Key: hc.key, Audience: pr.ClientID, Nonce: pr.req.Nonce, IssuedAt: w.cfg.now(),
			})
			if err != nil {
				return nil, fmt.Errorf("present credential %s: %w", cm.CandidateID, err)
			}
			token[qid] = append(token[qid], p)
			uses = append(uses, use{cm.CandidateID, hc.index})
			c, _ := w.Credential(cm.CandidateID)
			sh := Shared{CredentialID: cm.CandidateID, QueryID: qid, Claims: slices.Clone(cm.Paths)}
			if c != nil {
				sh.VCT, sh.Issuer = c.VCT, c.Issuer
			}
			entry.Credentials = append(entry.Credentials, sh)
		}
	}
	resp := oid4vp.AuthorizationResponse{VPToken: token, State: pr.req.State}
	var form url.Values
	if pr.ResponseMode == oid4vp.ResponseModeDirectPostJWT {
		key, enc, err := pr.req.EncryptionKey()
		if err != nil {
			return nil, err
		}
		if form, err = resp.EncryptedForm(key, enc); err != nil {
			return nil, err
		}
	} else if form, err = resp.Form(); err != nil {
		return nil, err
	}
	res, err := w.noRedirect.PostForm(ctx, pr.ResponseURI, form, "application/json")
	if err != nil {
		entry.Outcome = "rejected"
		if _, herr := w.Record(ctx, entry); herr != nil {
			w.cfg.logger.WarnContext(ctx, "history not recorded", "error", herr.Error())
		}
		return nil, fmt.Errorf("post response: %w", err)
	}
	out := &PresentResult{}
	if len(res.Body) > 0 {
		reply, err := oid4vp.ParseResponseURIReply(res.Body, oid4vp.URLPolicy{AllowLoopback: w.cfg.allowLoopback})
		if err == nil {
			out.RedirectURI = reply.RedirectURI
		}
	}
	// The verifier's receipt is verified before it is kept (docs/receipt.md).
	if entry.Decision, out.DecisionNotKept = w.keepDecision(ctx, pr, res.Body); out.DecisionNotKept != nil {
		out.DecisionRefused = credentials.ClassName(out.DecisionNotKept)
		if out.DecisionRefused == "" {
			out.DecisionRefused = "FMT"
		}
		w.cfg.logger.WarnContext(ctx, "decision not kept", "class", out.DecisionRefused)
	}
	entry.Outcome = "sent"
	if out.Presentation, err = w.Record(ctx, entry); err != nil {
		return nil, err
	}
	out.Decision = out.Presentation.Decision
	for _, u := range uses {
		if err := w.markUsed(ctx, u.id, u.index); err != nil {
			return out, err
		}
	}
	w.cfg.logger.InfoContext(ctx, "presentation sent", "verifier", pr.Verifier, "credentials", len(uses))
	return out, nil
}

// Decline tells the verifier that the holder refused (error access_denied,
// OpenID4VP §8.5). Nothing else is sent.
func (w *Wallet) Decline(ctx context.Context, pr *PresentationRequest) error {
	e := &oid4vp.ErrorResponse{Code: oid4vp.CodeAccessDenied, State: pr.req.State}
	if _, err := w.noRedirect.PostForm(ctx, pr.ResponseURI, e.Form(), "application/json"); err != nil {
		return fmt.Errorf("post error response: %w", err)
	}
	return nil
}

// resolve turns a selection into matches, checking it against the request.
func (pr *PresentationRequest) resolve(sel *Selection) (map[string][]dcql.CredentialMatch, error) {
	required := map[string]bool{}
	for _, q := range pr.Queries {
		required[q.QueryID] = q.Required
	}
	out := map[string][]dcql.CredentialMatch{}
	if sel == nil || sel.Credentials == nil {
		if !pr.Satisfied {
			return nil, fmt.Errorf("%w: missing %v", ErrNotSatisfiable, pr.Missing)
		}
		var include []string
		optional := false
		if sel != nil {
			include, optional = sel.Include, sel.IncludeOptional
		}
		for qid, ms := range pr.defaults {
			if required[qid] || optional || slices.Contains(include, qid) {
				out[qid] = ms
			}
		}
		for _, qid := range include {
			if _, ok := out[qid]; !ok {
				if ms := pr.matches[qid]; len(ms) > 0 {
					out[qid] = ms[:1]
				} else {
					return nil, fmt.Errorf("%w: nothing matches query %q", ErrSelection, qid)
				}
			}
		}
		return out, nil
	}
	for qid, ids := range sel.Credentials {
		q := pr.query(qid)
		if q == nil {
			return nil, fmt.Errorf("%w: no query %q", ErrSelection, qid)
		}
		if len(ids) > 1 && !q.Multiple {
			return nil, fmt.Errorf("%w: query %q takes one credential", ErrSelection, qid)
		}
		for _, id := range ids {
			i := slices.IndexFunc(pr.matches[qid], func(m dcql.CredentialMatch) bool { return m.CandidateID == id })
			if i < 0 {
				return nil, fmt.Errorf("%w: credential %q does not satisfy query %q", ErrSelection, id, qid)
			}
			m := pr.matches[qid][i]
			if sel.More != nil && slices.Contains(sel.More[qid], id) {
				o := q.option(id)
				if o == nil || o.more == nil {
					return nil, fmt.Errorf("%w: credential %q has nothing more to show for query %q", ErrSelection, id, qid)
				}
				m = *o.more
			}
			out[qid] = append(out[qid], m)
		}
	}
	return out, nil
}

func (q *QueryOptions) option(id string) *CredentialOption {
	for i := range q.Options {
		if q.Options[i].CredentialID == id {
			return &q.Options[i]
		}
	}
	return nil
}

func (pr *PresentationRequest) query(id string) *QueryOptions {
	for i := range pr.Queries {
		if pr.Queries[i].QueryID == id {
			return &pr.Queries[i]
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
