package oid4vp

import (
	"context"
	"crypto/x509"
	"fmt"
	"strings"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/did"
	"github.com/loopbrug/paspoort/credentials/pki"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/limits"
)

// KeyResolver resolves the key that signed a Request Object of a
// decentralized_identifier client: the verification method didURL (the
// "kid") of the client's DID document, by the DID method's resolution
// (§5.9.3), authorised for rel. *did.Resolver implements it.
type KeyResolver interface {
	ResolveKey(ctx context.Context, didURL string, rel did.Relationship) (*jose.PublicKey, error)
}

// SignRequestObject signs a Request Object (the Verifier side), header
// "typ" oauth-authz-req+jwt, for a client_id of one of these prefixes
// (§5.9.3):
//
//   - decentralized_identifier: "kid" the key's ID, which must be a DID URL
//     of the client_id's DID; chain must be empty;
//   - x509_hash, x509_san_dns: chain is the Verifier's certificate chain,
//     leaf first, without the trust anchor, put in the "x5c" header (RFC
//     7515 §4.1.6); the leaf must certify key, and its hash be the
//     x509_hash, or the x509_san_dns name be one of its dNSName SANs. No
//     "kid" is sent: the Wallet takes the key from the leaf.
//
// It validates the request first (as a Verifier: nonce entropy included),
// sets "aud" to SelfIssuedAudience, and sets "iat" (and "exp" = iat + ttl
// when ttl > 0). Errors are ErrClientID (or the request's own).
func SignRequestObject(key *jose.PrivateKey, r AuthorizationRequest, now time.Time, ttl time.Duration, pol URLPolicy, chain ...*x509.Certificate) (string, error) {
	cid, err := r.Validate(ValidateOptions{URLs: pol, Verifier: true})
	if err != nil {
		return "", err
	}
	var extra map[string]any
	switch {
	case cid.Prefix == PrefixDecentralizedIdentifier:
		if len(chain) > 0 {
			return "", errorf(ErrClientID, "a decentralized_identifier request carries no certificate chain")
		}
		if !strings.HasPrefix(key.KeyID(), cid.Identifier+"#") {
			return "", errorf(ErrClientID, "key ID %q is not a DID URL of %s", truncate(key.KeyID()), cid.Identifier)
		}
	case IsX509(cid.Prefix):
		if err := CheckX509Client(cid, key.Public(), chain); err != nil {
			return "", err
		}
		extra = map[string]any{"x5c": pki.X5C(chain)}
		key = key.WithKeyID("")
	default:
		return "", errorf(ErrClientID, "only decentralized_identifier, x509_hash and x509_san_dns requests are signed; use EncodeUnsignedRequestObject")
	}
	r.Audience = SelfIssuedAudience
	r.IssuedAt = now.Unix()
	if ttl > 0 {
		r.Expires = now.Add(ttl).Unix()
	}
	payload, err := marshal(r)
	if err != nil {
		return "", fmt.Errorf("encode request object: %w", err)
	}
	return jose.Sign(key, TypRequestObject, extra, payload)
}

// CheckX509Client checks that chain (leaf first) can sign for the x509_hash
// or x509_san_dns client cid with key: 1 to pki.MaxChainLength
// certificates, the leaf certifies key, and the leaf's SHA-256 is the
// x509_hash (pki.MatchX509Hash) or the x509_san_dns name is among its
// dNSName SANs (pki.MatchSANDNS). It does not validate the chain to an
// anchor. Errors are ErrClientID, wrapping pki's sentinel where one
// applies.
func CheckX509Client(cid ClientID, key *jose.PublicKey, chain []*x509.Certificate) error {
	if len(chain) == 0 {
		return fmt.Errorf("%w: %s needs the certificate chain: %w", ErrClientID, cid.Prefix, pki.ErrNoCertificates)
	}
	if len(chain) > pki.MaxChainLength {
		return fmt.Errorf("%w: %w: %d certificates", ErrClientID, pki.ErrTooManyCertificates, len(chain))
	}
	leaf, err := jose.NewPublicKey(chain[0].PublicKey)
	if err != nil || key == nil || !leaf.Equal(key) {
		return errorf(ErrClientID, "the leaf certificate does not certify the signing key")
	}
	return matchLeaf(cid, chain[0])
}

// matchLeaf checks the original Client Identifier against the leaf.
func matchLeaf(cid ClientID, leaf *x509.Certificate) error {
	var err error
	switch cid.Prefix {
	case PrefixX509Hash:
		err = pki.MatchX509Hash(leaf, cid.Identifier)
	case PrefixX509SANDNS:
		err = pki.MatchSANDNS(leaf, cid.Identifier)
	default:
		return errorf(ErrClientID, "%s is not an X.509 prefix", truncate(cid.Prefix))
	}
	if err != nil {
		return fmt.Errorf("%w: %w", ErrClientID, err)
	}
	return nil
}

// EncodeUnsignedRequestObject writes an unsigned Request Object ("alg":
// "none", empty signature; RFC 9101 §6.1) for a redirect_uri client, which
// cannot sign (§5.9.3). For development only: Wallets accept it only with
// AllowRedirectURIPrefixUnsafe.
func EncodeUnsignedRequestObject(r AuthorizationRequest, now time.Time, pol URLPolicy) (string, error) {
	cid, err := r.Validate(ValidateOptions{URLs: pol, Verifier: true})
	if err != nil {
		return "", err
	}
	if cid.Prefix != PrefixRedirectURI {
		return "", errorf(ErrClientID, "only redirect_uri requests are unsigned")
	}
	r.Audience = SelfIssuedAudience
	r.IssuedAt = now.Unix()
	payload, err := marshal(r)
	if err != nil {
		return "", fmt.Errorf("encode request object: %w", err)
	}
	h := `{"alg":"none","typ":"` + TypRequestObject + `"}`
	return jose.EncodeSegment([]byte(h)) + "." + jose.EncodeSegment(payload) + ".", nil
}

// VerifyOptions are the Wallet's inputs for VerifyRequestObject.
type VerifyOptions struct {
	// ClientID is the client_id of the openid4vp:// URI; the Request
	// Object's must be identical (§5.10.1). Required.
	ClientID string
	// WalletNonce is the wallet_nonce the Wallet POSTed to the request_uri
	// (empty for GET); the Request Object must echo it (§5.10.1).
	WalletNonce string
	// Resolver resolves decentralized_identifier keys. Required for them.
	Resolver KeyResolver
	// KeyRelationship is the verification relationship the signing key
	// must have in the DID document; default did.Authentication (the
	// Verifier authenticates itself as a client).
	KeyRelationship did.Relationship
	// Algs is the signature allow-list; default jose.DefaultAlgs.
	Algs []jose.Alg
	// Now and Leeway check "iat" and "exp"; default time.Now() and 60 s.
	Now    time.Time
	Leeway time.Duration
	// URLs is the URL policy for response_uri and client_id URLs.
	URLs URLPolicy
	// VerifierAnchors are the trust anchors of x509_hash and x509_san_dns
	// Verifiers: their "x5c" chains must validate to one of them (§5.9.3:
	// "The Wallet MUST validate ... the trust chain"). Without anchors
	// such requests are refused (ErrNoVerifierAnchors).
	VerifierAnchors *pki.Anchors
	// AllowRedirectURIPrefixUnsafe accepts unsigned Request Objects of
	// redirect_uri clients (development; such a Verifier is not
	// authenticated). Default: refused.
	AllowRedirectURIPrefixUnsafe bool
}

// VerifiedRequest is a Request Object that passed VerifyRequestObject.
type VerifiedRequest struct {
	// Request holds the parameters; use only these (§5.10.1).
	Request *AuthorizationRequest
	// ClientID is the parsed client_id.
	ClientID ClientID
	// Key is the key that signed it (nil for an unsigned redirect_uri one).
	Key *jose.PublicKey
	// KeyID is the signing key's DID URL ("kid"); empty for X.509
	// clients.
	KeyID string
	// Chain is, for an x509_hash or x509_san_dns client, the validated
	// certificate path, leaf first and anchor last: its leaf's subject
	// (organisation, common name) names the Verifier to the holder. Nil
	// for other prefixes.
	Chain *pki.Verified
}

// VerifyRequestObject checks a Request Object fetched from a request_uri
// (the Wallet side; SECURITY.md C.32). The fetch itself, with redirects
// refused, is the caller's. In order:
//
//  1. size (limits.MaxTokenBytes) before splitting; a compact JWS (an
//     encrypted or JSON-serialised one is refused);
//  2. "typ" exactly oauth-authz-req+jwt (§5: MUST NOT process otherwise);
//  3. the claims, strictly decoded; client_id identical to the URI's;
//  4. by prefix: decentralized_identifier — "alg" on the allow-list (an
//     unsigned object is ErrUnsigned), "kid" a DID URL of the client_id's
//     DID, the key resolved through Resolver, the signature; x509_hash and
//     x509_san_dns (§5.9.3) — "alg" on the allow-list (unsigned:
//     ErrUnsigned), an "x5c" header (ErrClientID without one; a "kid" is
//     ignored), parsed by pki.ParseX5C, VerifierAnchors configured
//     (ErrNoVerifierAnchors), the chain validated to them at Now by
//     pki.Anchors.Verify (time, key usage digitalSignature, path, name
//     constraints; pki's sentinels), the leaf matched to the client_id
//     (hash, or dNSName SAN; ErrClientID wrapping pki.ErrNameMismatch),
//     the signature by the leaf's key; redirect_uri — only with
//     AllowRedirectURIPrefixUnsafe, and then only unsigned;
//  5. wallet_nonce echoed when one was sent;
//  6. "aud" SelfIssuedAudience when present, "exp" not passed and "iat" not
//     in the future (with leeway); "iss" is ignored (§5);
//  7. the request rules of AuthorizationRequest.Validate, response_uri
//     prefix rules included (CheckResponseURI: for x509_san_dns the
//     response_uri's FQDN is the DNS name).
func VerifyRequestObject(ctx context.Context, token string, opts VerifyOptions) (*VerifiedRequest, error) {
	if len(token) > limits.MaxTokenBytes {
		return nil, errorf(ErrTooLarge, "request object of %d bytes", len(token))
	}
	unsigned := strings.HasSuffix(token, ".") && strings.Count(token, ".") == 2
	var (
		hdr     jose.Header
		payload []byte
		jws     *jose.JWS
	)
	if unsigned {
		h, p, err := parseUnsigned(token)
		if err != nil {
			return nil, err
		}
		hdr, payload = h, p
	} else {
		var err error
		if jws, err = jose.ParseCompact(token); err != nil {
			return nil, fmt.Errorf("request object: %w", err)
		}
		hdr, payload = jws.Header, jws.Payload
	}
	if hdr.Typ != TypRequestObject {
		return nil, fmt.Errorf("%w: typ %q", jose.ErrWrongType, truncate(hdr.Typ))
	}
	r, err := ParseAuthorizationRequest(payload)
	if err != nil {
		return nil, err
	}
	if opts.ClientID == "" || r.ClientID != opts.ClientID {
		return nil, errorf(ErrClientID, "request object client_id differs from the request's")
	}
	cid, err := ParseClientID(r.ClientID, opts.URLs)
	if err != nil {
		return nil, err
	}
	out := &VerifiedRequest{Request: r, ClientID: cid}
	switch cid.Prefix {
	case PrefixDecentralizedIdentifier:
		if unsigned {
			return nil, errorf(ErrUnsigned, "decentralized_identifier requests must be signed")
		}
		algs := opts.Algs
		if len(algs) == 0 {
			algs = jose.DefaultAlgs
		}
		if err := jose.CheckAlg(hdr.Alg, algs); err != nil {
			return nil, fmt.Errorf("request object: %w", err)
		}
		if !strings.HasPrefix(hdr.Kid, cid.Identifier+"#") || len(hdr.Kid) == len(cid.Identifier)+1 {
			return nil, errorf(ErrClientID, "kid %q is not a DID URL of %s", truncate(hdr.Kid), cid.Identifier)
		}
		if opts.Resolver == nil {
			return nil, fmt.Errorf("%w: no DID resolver", credentials.ErrTrust)
		}
		rel := opts.KeyRelationship
		if rel == "" {
			rel = did.Authentication
		}
		key, err := opts.Resolver.ResolveKey(ctx, hdr.Kid, rel)
		if err != nil {
			return nil, fmt.Errorf("resolve request object key %q: %w", truncate(hdr.Kid), err)
		}
		if err := jws.Verify(key, algs); err != nil {
			return nil, fmt.Errorf("request object: %w", err)
		}
		out.Key, out.KeyID = key, hdr.Kid
	case PrefixX509Hash, PrefixX509SANDNS:
		if unsigned {
			return nil, errorf(ErrUnsigned, "%s requests must be signed", cid.Prefix)
		}
		v, err := verifyX509(jws, cid, opts)
		if err != nil {
			return nil, err
		}
		out.Key, out.Chain = v.Key, v
	case PrefixRedirectURI:
		if !opts.AllowRedirectURIPrefixUnsafe {
			return nil, errorf(ErrUnsigned, "redirect_uri clients cannot be authenticated")
		}
		if !unsigned {
			return nil, errorf(ErrInvalidRequest, "a redirect_uri request cannot be signed")
		}
	}
	if opts.WalletNonce != "" && r.WalletNonce != opts.WalletNonce {
		return nil, ErrWalletNonce
	}
	if err := checkTimes(r, opts.Now, opts.Leeway); err != nil {
		return nil, err
	}
	if _, err := r.Validate(ValidateOptions{URLs: opts.URLs}); err != nil {
		return nil, err
	}
	return out, nil
}

// verifyX509 checks the signature of an X.509 client's Request Object
// (step 4 of VerifyRequestObject).
func verifyX509(jws *jose.JWS, cid ClientID, opts VerifyOptions) (*pki.Verified, error) {
	algs := opts.Algs
	if len(algs) == 0 {
		algs = jose.DefaultAlgs
	}
	if err := jose.CheckAlg(jws.Header.Alg, algs); err != nil {
		return nil, fmt.Errorf("request object: %w", err)
	}
	raw, ok := jws.Header.Raw["x5c"]
	if !ok {
		return nil, errorf(ErrClientID, "%s request object without an x5c header", cid.Prefix)
	}
	chain, err := pki.ParseX5C(raw)
	if err != nil {
		return nil, fmt.Errorf("request object: %w", err)
	}
	if opts.VerifierAnchors == nil {
		return nil, ErrNoVerifierAnchors
	}
	at := opts.Now
	if at.IsZero() {
		at = time.Now()
	}
	v, err := opts.VerifierAnchors.Verify(chain, at)
	if err != nil {
		return nil, fmt.Errorf("verifier certificate chain: %w", err)
	}
	if err := matchLeaf(cid, v.Leaf); err != nil {
		return nil, err
	}
	if err := jws.Verify(v.Key, algs); err != nil {
		return nil, fmt.Errorf("request object: %w", err)
	}
	return v, nil
}

func parseUnsigned(token string) (jose.Header, []byte, error) {
	parts := strings.Split(token, ".")
	hb, err := jose.DecodeSegment(parts[0])
	if err != nil {
		return jose.Header{}, nil, fmt.Errorf("%w: header: %w", jose.ErrMalformed, err)
	}
	pb, err := jose.DecodeSegment(parts[1])
	if err != nil {
		return jose.Header{}, nil, fmt.Errorf("%w: payload: %w", jose.ErrMalformed, err)
	}
	var h map[string]any
	if err := decodeStrict(hb, &h, jose.ErrMalformed); err != nil {
		return jose.Header{}, nil, err
	}
	if h["alg"] != "none" {
		return jose.Header{}, nil, fmt.Errorf("%w: empty signature with alg %v", jose.ErrAlgNotAllowed, h["alg"])
	}
	if _, ok := h["crit"]; ok {
		return jose.Header{}, nil, fmt.Errorf("%w: crit", jose.ErrMalformed)
	}
	typ, _ := h["typ"].(string)
	return jose.Header{Alg: "none", Typ: typ, Raw: h}, pb, nil
}

func checkTimes(r *AuthorizationRequest, now time.Time, leeway time.Duration) error {
	if now.IsZero() {
		now = time.Now()
	}
	if leeway == 0 {
		leeway = limits.MaxClockSkewSeconds * time.Second
	}
	if leeway < 0 || leeway > limits.MaxClockSkewSeconds*time.Second {
		leeway = limits.MaxClockSkewSeconds * time.Second
	}
	if r.Audience != "" && r.Audience != SelfIssuedAudience {
		return errorf(ErrRequestObjectClaims, "aud %q", truncate(r.Audience))
	}
	if r.Expires != 0 && now.After(time.Unix(r.Expires, 0).Add(leeway)) {
		return errorf(ErrRequestObjectClaims, "expired")
	}
	if r.IssuedAt != 0 && time.Unix(r.IssuedAt, 0).After(now.Add(leeway)) {
		return errorf(ErrRequestObjectClaims, "issued in the future")
	}
	if r.Expires < 0 || r.IssuedAt < 0 {
		return errorf(ErrRequestObjectClaims, "negative time")
	}
	return nil
}
