package verifier

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/skip2/go-qrcode"

	"github.com/loopbrug/paspoort/credentials/dcql"
	"github.com/loopbrug/paspoort/credentials/oid4vp"
	"github.com/loopbrug/paspoort/credentials/profile"
	"github.com/loopbrug/paspoort/credentials/registry"
	"github.com/loopbrug/paspoort/internal/jose"
)

func hashToken(s string) string {
	h := sha256.Sum256([]byte(s))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

func equalHash(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// profileQuery is a profile's DCQL query, derived once when the verifier
// starts: its JSON as every transaction stores it, the same parsed back
// (as a transaction read from the store has it, numbers as json.Number),
// and the requirement each Credential Query serves.
type profileQuery struct {
	json   []byte
	parsed dcql.Query
	owner  map[string]string
}

func newProfileQuery(p *profile.Profile) (*profileQuery, error) {
	q, owner := Query(p)
	b, err := json.Marshal(q)
	if err != nil {
		return nil, fmt.Errorf("encode dcql_query: %w", err)
	}
	parsed, err := dcql.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("dcql_query: %w", err)
	}
	return &profileQuery{json: b, parsed: parsed, owner: owner}, nil
}

// query returns the DCQL query of a transaction: its profile's, parsed
// once, when the transaction holds that very query (always, while the
// profile is unchanged), else the transaction's own, parsed now.
func (v *Verifier) query(tx *Transaction) (dcql.Query, error) {
	if pq, ok := v.queries[tx.ProfileID]; ok && bytes.Equal(tx.QueryJSON, pq.json) {
		return pq.parsed, nil
	}
	return tx.DCQLQuery()
}

// Query derives the DCQL query of a profile: one Credential Query per
// alternative of each requirement, asking for the credential type and
// exactly the claims its predicate reads (with "values" where the
// predicate fixes them) and the provenance claims its min_assurance or
// max_age needs, and one optional Credential Set Query per requirement
// whose options are its alternatives. An aggregate's query has "multiple":
// true (OpenID4VP 1.0 §6.1): every experience credential in the
// occupation may answer. Claims a credential may lack (profile.ClaimNeed
// Optional) and claims the holder may choose to add (HolderChoice) are
// expressed with "claim_sets" (§6.1, §6.4.1): the wallet uses the first
// set it can satisfy, so the sets run from every optional claim to none,
// each first without and then with the holder-choice claims. Every set is optional so
// that a wallet answers with what the holder has and the decision can say
// what is missing; whether a requirement is required is for the decision.
// The second result maps each Credential Query id to its requirement id.
func Query(p *profile.Profile) (dcql.Query, map[string]string) {
	var q dcql.Query
	owner := map[string]string{}
	for _, n := range p.Needs() {
		base := strings.ReplaceAll(n.Requirement, ".", "_")
		var options [][]string
		for _, a := range n.Alternatives {
			id := base
			if len(n.Alternatives) > 1 {
				id = base + "__" + a.Type
			}
			cq := dcql.CredentialQuery{ID: id, Format: dcql.FormatSDJWTVC, Multiple: a.Multiple, Meta: dcql.Meta{VCTValues: []string{a.VCT}}}
			sets := claimSets(a.Claims)
			for _, c := range a.Claims {
				path := make([]any, len(c.Path))
				for i, s := range c.Path {
					path[i] = s
				}
				cl := dcql.ClaimsQuery{Path: path, Values: c.Values}
				if sets != nil {
					cl.ID = claimID(c)
				}
				cq.Claims = append(cq.Claims, cl)
			}
			cq.ClaimSets = sets
			q.Credentials = append(q.Credentials, cq)
			options = append(options, []string{id})
			owner[id] = n.Requirement
		}
		q.CredentialSets = append(q.CredentialSets, dcql.CredentialSetQuery{Options: options, Required: dcql.Bool(false)})
	}
	return q, owner
}

// claimID is the DCQL claim id of a claim need: its path joined by "_"
// (PPP claim names are [a-z0-9_]).
func claimID(c profile.ClaimNeed) string { return strings.Join(c.Path, "_") }

// claimSets returns the "claim_sets" of an alternative's claims, or nil
// when every claim is needed: the needed claims with every subset of the
// optional ones, largest first (in claim order within a size), then the
// same sets with the holder-choice claims added. A wallet picks the first
// it can satisfy (§6.4.1), so it discloses every optional claim the
// credential has, and the holder-choice claims only when the holder
// chooses a later set.
func claimSets(claims []profile.ClaimNeed) [][]string {
	var base, opt, choice []string
	for _, c := range claims {
		switch {
		case c.HolderChoice:
			choice = append(choice, claimID(c))
		case c.Optional:
			opt = append(opt, claimID(c))
		default:
			base = append(base, claimID(c))
		}
	}
	if len(opt) == 0 && len(choice) == 0 {
		return nil
	}
	// Subsets of the optional claims, largest first, in claim order.
	var subsets [][]string
	var pick func(start, size int, cur []string)
	pick = func(start, size int, cur []string) {
		if len(cur) == size {
			subsets = append(subsets, slices.Clone(cur))
			return
		}
		for i := start; i < len(opt); i++ {
			pick(i+1, size, append(cur, opt[i]))
		}
	}
	for size := len(opt); size >= 0; size-- {
		pick(0, size, nil)
	}
	extras := [][]string{nil}
	if len(choice) > 0 {
		extras = append(extras, choice)
	}
	var out [][]string
	for _, extra := range extras {
		for _, sub := range subsets {
			set := append(slices.Clone(base), sub...)
			out = append(out, append(set, extra...))
		}
	}
	return out
}

// RequestOptions are per-request choices.
type RequestOptions struct {
	// ResponseMode overrides the configured response mode:
	// oid4vp.ResponseModeDirectPost or oid4vp.ResponseModeDirectPostJWT.
	ResponseMode string
	// RedirectURI, when set, is where the wallet sends the holder's
	// browser after responding, with "#response_code=…" appended; the
	// result is then released at /result/{id} only with that code.
	RedirectURI string
}

// Request is a created authorization request.
type Request struct {
	// TransactionID identifies the transaction in the admin API.
	TransactionID string `json:"transaction_id"`
	// RequestURI is the openid4vp:// link for the wallet (also in the QR
	// code): client_id, request_uri and request_uri_method.
	RequestURI string `json:"request_uri"`
	// RequestObjectURI is where the request object is served.
	RequestObjectURI string `json:"request_object_uri"`
	// ExpiresAt is the end of the transaction's lifetime.
	ExpiresAt string `json:"expires_at"`
}

// vpFormats is the verifier's vp_formats_supported (Appendix B.3.4).
var vpFormats = map[string]oid4vp.VPFormat{
	dcql.FormatSDJWTVC: {SDJWTAlgValues: []string{"ES256", "EdDSA"}, KBJWTAlgValues: []string{"ES256", "EdDSA"}},
}

// CreateRequest creates a transaction for the profile: a fresh nonce (256
// bits, single use) and state, the DCQL query and, for direct_post.jwt, an
// ephemeral ECDH-ES key whose kid names the transaction. The request
// object itself is made when the wallet fetches it (RequestObject), so
// that it can echo a wallet_nonce. It returns the openid4vp:// link.
func (v *Verifier) CreateRequest(ctx context.Context, profileID string, ro RequestOptions) (*Request, error) {
	p, ok := v.profiles[profileID]
	if !ok {
		return nil, fmt.Errorf("profile %q: %w", profileID, ErrUnknownProfile)
	}
	mode := ro.ResponseMode
	if mode == "" {
		mode = v.cfg.ResponseMode
	}
	if mode != oid4vp.ResponseModeDirectPost && mode != oid4vp.ResponseModeDirectPostJWT {
		return nil, fmt.Errorf("response mode %q: %w", mode, ErrResponseMode)
	}
	if oid4vp.IsX509(v.prefix) && mode != oid4vp.ResponseModeDirectPostJWT {
		return nil, fmt.Errorf("response mode %q: HAIP 1.0 §5 requires direct_post.jwt for an X.509 verifier: %w", mode, ErrResponseMode)
	}
	if ro.RedirectURI != "" {
		if _, err := oid4vp.RedirectWithResponseCode(ro.RedirectURI, oid4vp.NewNonce(), v.urls); err != nil {
			return nil, fmt.Errorf("redirect_uri must be an absolute https URL without fragment: %w", err)
		}
	}
	now := v.now()
	pq := v.queries[p.ID]
	tx := &Transaction{
		ID: oid4vp.NewNonce()[:22], ProfileID: p.ID, ProfileVersion: p.Version, ClientID: v.clientID,
		Nonce: oid4vp.NewNonce(), State: oid4vp.NewNonce(), ResponseMode: mode,
		Query: pq.parsed, QueryJSON: pq.json, QueryRequirements: pq.owner, RedirectURI: ro.RedirectURI,
		Created: now, Expires: now.Add(v.cfg.TransactionTTL), Status: TxPending,
	}
	if mode == oid4vp.ResponseModeDirectPostJWT {
		ek, err := jose.GenerateEncryptionKey()
		if err != nil {
			return nil, fmt.Errorf("response encryption key: %w", err)
		}
		ek = ek.WithKeyID(oid4vp.NewNonce()[:22])
		kb, err := json.Marshal(ek)
		if err != nil {
			return nil, fmt.Errorf("response encryption key: %w", err)
		}
		tx.EncryptionKey, tx.EncryptionKID = kb, ek.KeyID()
	}
	// Make the request object once now, so that a request this verifier
	// cannot sign or a wallet would refuse fails here and not at the
	// wallet.
	if _, err := v.requestObject(tx, ""); err != nil {
		return nil, err
	}
	if err := v.store.CreateTransaction(ctx, tx, v.cfg.TransactionTTL+v.cfg.TransactionTTL/2); err != nil {
		return nil, fmt.Errorf("store transaction: %w", err)
	}
	v.metrics.transactions.WithLabelValues(p.ID).Inc()
	v.log.InfoContext(ctx, "request created", "transaction", tx.ID, "profile", p.ID, "response_mode", mode)
	return &Request{TransactionID: tx.ID, RequestURI: v.link(tx.ID), RequestObjectURI: v.requestObjectURI(tx.ID),
		ExpiresAt: tx.Expires.UTC().Format("2006-01-02T15:04:05Z")}, nil
}

// requestObjectURI is where the request object of transaction id is served.
func (v *Verifier) requestObjectURI(id string) string { return v.cfg.BaseURL + "/request/" + id }

// link is the openid4vp:// link of a transaction (§5, RFC 9101 §5.2).
func (v *Verifier) link(id string) string {
	return oid4vp.InvocationRequest{ClientID: v.clientID, RequestURI: v.requestObjectURI(id), RequestURIMethod: v.cfg.RequestURIMethod}.URI()
}

// authorizationRequest returns the Authorization Request of a transaction
// (§5.1, §8.2, §8.3).
func (v *Verifier) authorizationRequest(tx *Transaction) (oid4vp.AuthorizationRequest, error) {
	q, err := v.query(tx)
	if err != nil {
		return oid4vp.AuthorizationRequest{}, err
	}
	r := oid4vp.AuthorizationRequest{
		ClientID: tx.ClientID, ResponseType: oid4vp.ResponseTypeVPToken, ResponseMode: tx.ResponseMode,
		ResponseURI: v.responseURI, Nonce: tx.Nonce, State: tx.State, DCQLQuery: q,
		ClientMetadata: &oid4vp.ClientMetadata{VPFormatsSupported: vpFormats,
			PaspoortProfile: v.cfg.BaseURL + "/profiles/" + url.PathEscape(tx.ProfileID)},
	}
	if p, ok := v.profiles[tx.ProfileID]; ok {
		r.ClientMetadata.ClientName = p.Verifier
	}
	if v.cfg.Registrations != nil {
		for _, reg := range v.cfg.Registrations.Registrations(tx.ClientID) {
			data, err := json.Marshal(reg)
			if err != nil {
				return r, fmt.Errorf("registration: %w", err)
			}
			r.VerifierInfo = append(r.VerifierInfo, oid4vp.VerifierInfo{Format: registry.VerifierInfoFormat, Data: data})
		}
	}
	if tx.ResponseMode == oid4vp.ResponseModeDirectPostJWT {
		ek, err := jose.ParseEncryptionKey(tx.EncryptionKey)
		if err != nil {
			return r, fmt.Errorf("transaction key: %w", err)
		}
		r.ClientMetadata.JWKS = &oid4vp.JWKS{Keys: []*jose.EncryptionPublicKey{ek.Public()}}
		r.ClientMetadata.EncryptedResponseEncValuesSupported = []string{string(jose.A128GCM), string(jose.A256GCM)}
	}
	return r, nil
}

// requestObject makes the request object of a transaction, echoing
// walletNonce when the wallet sent one (§5.10): signed with the verifier's
// DID key (oid4vp.SignRequestObject) for a decentralized_identifier
// client, with the key its certificate chain certifies and the chain in
// "x5c" for an x509_hash or x509_san_dns one, unsigned
// (oid4vp.EncodeUnsignedRequestObject) for a redirect_uri one.
func (v *Verifier) requestObject(tx *Transaction, walletNonce string) (string, error) {
	r, err := v.authorizationRequest(tx)
	if err != nil {
		return "", err
	}
	r.WalletNonce = walletNonce
	now := v.now()
	var ro string
	if v.prefix == oid4vp.PrefixRedirectURI {
		ro, err = oid4vp.EncodeUnsignedRequestObject(r, now, v.urls)
	} else {
		ro, err = oid4vp.SignRequestObject(v.key, r, now, tx.Expires.Sub(now), v.urls, v.chain...)
	}
	if err != nil {
		return "", fmt.Errorf("request object: %w", err)
	}
	return ro, nil
}

// RequestObject returns the request object of a pending transaction, for
// the request_uri endpoint: fetched with GET (walletNonce empty) or, for
// request_uri_method post, POSTed with a wallet_nonce that it echoes
// (§5.10).
func (v *Verifier) RequestObject(ctx context.Context, id, walletNonce string) (string, error) {
	tx, err := v.store.Transaction(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return "", fmt.Errorf("transaction: %w", ErrUnknownTransaction)
	}
	if err != nil {
		return "", fmt.Errorf("transaction: %w", err)
	}
	if tx.Status != TxPending || !v.now().Before(tx.Expires) {
		return "", fmt.Errorf("transaction no longer pending: %w", ErrUnknownTransaction)
	}
	return v.requestObject(tx, walletNonce)
}

// QRCode returns a PNG QR code of link, size pixels wide.
func QRCode(link string, size int) ([]byte, error) {
	png, err := qrcode.Encode(link, qrcode.Medium, size)
	if err != nil {
		return nil, fmt.Errorf("QR code: %w", err)
	}
	return png, nil
}
