package issuer

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"strings"
	"time"

	"github.com/loopbrug/paspoort/credentials/dpop"
	"github.com/loopbrug/paspoort/credentials/oid4vci"
)

// DPoP (RFC 9449) at the issuer: the token endpoint binds access tokens to
// the key of the request's DPoP proof, and the credential endpoint then
// accepts them only with the "DPoP" scheme and a fresh proof by that key.
// Every DPoP proof must carry a server nonce (RFC 9449 §8, §9): the
// issuer hands them out in the DPoP-Nonce header of its token, nonce and
// credential responses and of its use_dpop_nonce errors. The nonces are
// stateless (a MAC keyed from the store's nonce key, so every replica
// accepts them); a proof's jti is recorded as a single-use record in the
// issuer's Store (Tx.UseNonce), so replicas sharing the store share the
// replay cache.

// dpopNonceTTL is the lifetime of a DPoP server nonce.
const dpopNonceTTL = 5 * time.Minute

// initDPoP derives the DPoP nonce key from the store's nonce key.
func (is *Issuer) initDPoP() error {
	m := hmac.New(sha256.New, is.nonceKey)
	m.Write([]byte("paspoort dpop nonce key"))
	n, err := dpop.NewNonces(m.Sum(nil), dpopNonceTTL)
	if err != nil {
		return err
	}
	is.dpopNonces = n
	return nil
}

// DPoPNonce returns a fresh DPoP server nonce.
func (is *Issuer) DPoPNonce() string { return is.dpopNonces.New(is.now()) }

// storeReplay is the DPoP jti replay cache on the issuer's Store.
type storeReplay struct{ is *Issuer }

func (r storeReplay) Use(ctx context.Context, key string, expires time.Time) (bool, error) {
	var fresh bool
	err := r.is.store.Update(ctx, func(tx Tx) error {
		var err error
		fresh, err = tx.UseNonce(hashSecret(key), expires)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("record DPoP proof: %w", err)
	}
	return fresh, nil
}

// verifyDPoP checks the DPoP header values of a request to the endpoint
// path p (its public URL under the issuer's URL) against the issuer's
// policy: a server nonce is required; accessToken and boundJKT as in
// dpop.Policy.
func (is *Issuer) verifyDPoP(ctx context.Context, values []string, method, p, accessToken, boundJKT string) (*dpop.Proof, error) {
	pr, err := dpop.Verify(ctx, values, dpop.Policy{
		Method: method, URL: is.endpoint(p), Algs: is.cfg.DPoPAlgs, Now: is.now(),
		Nonces: is.dpopNonces, AccessToken: accessToken, BoundJKT: boundJKT,
	}, storeReplay{is})
	if err != nil {
		return nil, fmt.Errorf("DPoP proof: %w", err)
	}
	return pr, nil
}

// Access is how a request to the credential endpoint presents its access
// token: the Authorization scheme ("Bearer" or "DPoP", RFC 6750 §2.1, RFC
// 9449 §7.1), the token, and the values of the DPoP header.
type Access struct {
	Scheme string
	Token  string
	DPoP   []string
}

// ParseAuthorization reads an Authorization header value of the Bearer or
// DPoP scheme (scheme names compared case-insensitively, RFC 9110 §11.1).
// It returns the zero Access for anything else.
func ParseAuthorization(h string) Access {
	scheme, tok, ok := strings.Cut(h, " ")
	tok = strings.TrimSpace(tok)
	if !ok || tok == "" {
		return Access{}
	}
	switch {
	case strings.EqualFold(scheme, "Bearer"):
		return Access{Scheme: "Bearer", Token: tok}
	case strings.EqualFold(scheme, dpop.Scheme):
		return Access{Scheme: dpop.Scheme, Token: tok}
	}
	return Access{}
}

// checkAccess applies RFC 9449 §7 to a token record: a DPoP-bound token
// needs the DPoP scheme and a proof by its key with ath; a token that is
// not bound is refused under the DPoP scheme and, with RequireDPoP, at
// all.
func (is *Issuer) checkAccess(ctx context.Context, a Access, t *TokenRecord) error {
	switch {
	case t.JKT == "" && a.Scheme == dpop.Scheme:
		return fmt.Errorf("%w: the access token is not DPoP-bound", oid4vci.ErrInvalidToken)
	case t.JKT == "" && is.cfg.RequireDPoP:
		return fmt.Errorf("%w: this issuer accepts DPoP-bound access tokens only", oid4vci.ErrInvalidToken)
	case t.JKT == "":
		return nil
	case a.Scheme != dpop.Scheme:
		return fmt.Errorf("%w: a DPoP-bound access token was sent as a Bearer token", oid4vci.ErrInvalidToken)
	}
	_, err := is.verifyDPoP(ctx, a.DPoP, "POST", "/credential", a.Token, t.JKT)
	return err
}
