package verifier

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/skip2/go-qrcode"

	"github.com/loopbrug/paspoort/credentials/dcql"
	"github.com/loopbrug/paspoort/credentials/profile"
	"github.com/loopbrug/paspoort/internal/jose"
)

// Response modes (OpenID4VP 1.0 §8.2, §8.3).
const (
	ModeDirectPost    = "direct_post"
	ModeDirectPostJWT = "direct_post.jwt"
)

// TypRequestObject is the "typ" of a signed request object (§5, RFC 9101).
const TypRequestObject = "oauth-authz-req+jwt"

// randomToken returns n random bytes, base64url-encoded.
func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("verifier: crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashToken(s string) string {
	h := sha256.Sum256([]byte(s))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

func equalHash(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// Query derives the DCQL query of a profile: one Credential Query per
// alternative of each requirement, asking for the credential type and
// exactly the claims its predicate reads (with "values" where the
// predicate fixes them), and one optional Credential Set Query per
// requirement whose options are its alternatives. Every set is optional so
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
			cq := dcql.CredentialQuery{ID: id, Format: dcql.FormatSDJWTVC, Meta: dcql.Meta{VCTValues: []string{a.VCT}}}
			for _, c := range a.Claims {
				path := make([]any, len(c.Path))
				for i, s := range c.Path {
					path[i] = s
				}
				cq.Claims = append(cq.Claims, dcql.ClaimsQuery{Path: path, Values: c.Values})
			}
			q.Credentials = append(q.Credentials, cq)
			options = append(options, []string{id})
			owner[id] = n.Requirement
		}
		q.CredentialSets = append(q.CredentialSets, dcql.CredentialSetQuery{Options: options, Required: dcql.Bool(false)})
	}
	return q, owner
}

// RequestOptions are per-request choices.
type RequestOptions struct {
	// ResponseMode overrides the configured response mode.
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
	// code): client_id and request_uri.
	RequestURI string `json:"request_uri"`
	// RequestObjectURI is where the signed request object is served.
	RequestObjectURI string `json:"request_object_uri"`
	// ExpiresAt is the end of the transaction's lifetime.
	ExpiresAt string `json:"expires_at"`
}

// requestObject is the payload of the signed request object (§5.1, §8.2).
type requestObject struct {
	Iss            string         `json:"iss"`
	Aud            string         `json:"aud"`
	ClientID       string         `json:"client_id"`
	ResponseType   string         `json:"response_type"`
	ResponseMode   string         `json:"response_mode"`
	ResponseURI    string         `json:"response_uri"`
	Nonce          string         `json:"nonce"`
	State          string         `json:"state"`
	DCQLQuery      dcql.Query     `json:"dcql_query"`
	ClientMetadata map[string]any `json:"client_metadata"`
	Iat            int64          `json:"iat"`
	Exp            int64          `json:"exp"`
}

// CreateRequest creates a transaction for the profile: a fresh nonce (256
// bits, single use) and state, the DCQL query, for direct_post.jwt an
// ephemeral ECDH-ES key, and the signed request object. It returns the
// openid4vp:// link.
func (v *Verifier) CreateRequest(ctx context.Context, profileID string, ro RequestOptions) (*Request, error) {
	p, ok := v.profiles[profileID]
	if !ok {
		return nil, fmt.Errorf("profile %q: %w", profileID, ErrUnknownProfile)
	}
	mode := ro.ResponseMode
	if mode == "" {
		mode = v.cfg.ResponseMode
	}
	if mode != ModeDirectPost && mode != ModeDirectPostJWT {
		return nil, fmt.Errorf("response mode %q: %w", mode, ErrResponseMode)
	}
	if ro.RedirectURI != "" {
		u, err := url.Parse(ro.RedirectURI)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Fragment != "" {
			return nil, fmt.Errorf("redirect_uri must be an absolute http(s) URL without fragment: %w", ErrMalformedResponse)
		}
	}
	now := v.now()
	q, owner := Query(p)
	tx := &Transaction{
		ID: randomToken(16), ProfileID: p.ID, ProfileVersion: p.Version, ClientID: v.clientID,
		Nonce: randomToken(32), State: randomToken(32), ResponseMode: mode,
		Query: q, QueryRequirements: owner, RedirectURI: ro.RedirectURI,
		Created: now, Expires: now.Add(v.cfg.TransactionTTL), Status: TxPending,
	}
	meta := map[string]any{
		"vp_formats_supported": map[string]any{
			dcql.FormatSDJWTVC: map[string]any{
				"sd-jwt_alg_values": []string{"ES256", "EdDSA"},
				"kb-jwt_alg_values": []string{"ES256", "EdDSA"},
			},
		},
	}
	if mode == ModeDirectPostJWT {
		ek, err := jose.GenerateEncryptionKey()
		if err != nil {
			return nil, fmt.Errorf("response encryption key: %w", err)
		}
		ek = ek.WithKeyID(randomToken(16))
		kb, err := json.Marshal(ek)
		if err != nil {
			return nil, fmt.Errorf("response encryption key: %w", err)
		}
		tx.EncryptionKey, tx.EncryptionKID = kb, ek.KeyID()
		pub := ek.Public().Map()
		meta["jwks"] = map[string]any{"keys": []any{pub}}
		meta["encrypted_response_enc_values_supported"] = []string{string(jose.A128GCM), string(jose.A256GCM)}
	}
	payload, err := json.Marshal(requestObject{
		Iss: v.clientID, Aud: "https://self-issued.me/v2", ClientID: v.clientID,
		ResponseType: "vp_token", ResponseMode: mode, ResponseURI: v.responseURI,
		Nonce: tx.Nonce, State: tx.State, DCQLQuery: q, ClientMetadata: meta,
		Iat: now.Unix(), Exp: tx.Expires.Unix(),
	})
	if err != nil {
		return nil, fmt.Errorf("encode request object: %w", err)
	}
	tx.RequestObject, err = jose.Sign(v.key, TypRequestObject, nil, payload)
	if err != nil {
		return nil, fmt.Errorf("sign request object: %w", err)
	}
	if err := v.store.CreateTransaction(ctx, tx, v.cfg.TransactionTTL+v.cfg.TransactionTTL/2); err != nil {
		return nil, fmt.Errorf("store transaction: %w", err)
	}
	v.metrics.transactions.WithLabelValues(p.ID).Inc()
	v.log.InfoContext(ctx, "request created", "transaction", tx.ID, "profile", p.ID, "response_mode", mode)
	objURI := v.cfg.BaseURL + "/request/" + tx.ID
	link := "openid4vp://?" + url.Values{"client_id": {v.clientID}, "request_uri": {objURI}}.Encode()
	return &Request{TransactionID: tx.ID, RequestURI: link, RequestObjectURI: objURI, ExpiresAt: tx.Expires.UTC().Format("2006-01-02T15:04:05Z")}, nil
}

// RequestObject returns the signed request object of a pending
// transaction, for the request_uri endpoint.
func (v *Verifier) RequestObject(ctx context.Context, id string) (string, error) {
	tx, err := v.store.Transaction(ctx, id)
	if err != nil {
		return "", fmt.Errorf("transaction: %w", ErrUnknownTransaction)
	}
	if tx.Status != TxPending || !v.now().Before(tx.Expires) {
		return "", fmt.Errorf("transaction no longer pending: %w", ErrUnknownTransaction)
	}
	return tx.RequestObject, nil
}

// QRCode returns a PNG QR code of link, size pixels wide.
func QRCode(link string, size int) ([]byte, error) {
	png, err := qrcode.Encode(link, qrcode.Medium, size)
	if err != nil {
		return nil, fmt.Errorf("QR code: %w", err)
	}
	return png, nil
}
