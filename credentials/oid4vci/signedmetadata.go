package oid4vci

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/pki"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/limits"
	"github.com/loopbrug/paspoort/internal/strictjson"
)

// Signed Credential Issuer Metadata (VCI §12.2.3; HAIP 1.0 §4.1: with
// x5c key resolution).
const (
	// SignedMetadataTyp is its "typ" header.
	SignedMetadataTyp = "openidvci-issuer-metadata+jwt"
	// MediaTypeJWT is the media type of signed metadata (VCI §12.2.2).
	MediaTypeJWT = "application/jwt"
)

// ErrSignedMetadata (TRUST): signed metadata whose signer the wallet
// cannot establish trust in (no x5c, a chain to no anchor, a leaf that
// does not name the issuer), or whose claims do not fit (sub, iat, exp).
var ErrSignedMetadata = credentials.NewError(credentials.ErrTrust, "signed issuer metadata not trusted")

// SignMetadata signs md as a JWT (VCI §12.2.3): header typ
// openidvci-issuer-metadata+jwt and x5c (the chain of key, leaf first);
// payload every metadata parameter at the top level, with iss and sub the
// Credential Issuer Identifier, iat now and exp now + ttl.
func SignMetadata(key *jose.PrivateKey, x5c []string, md *IssuerMetadata, now time.Time, ttl time.Duration) (string, error) {
	if len(x5c) == 0 {
		return "", fmt.Errorf("%w: signed metadata needs the x5c chain of its key", ErrSignedMetadata)
	}
	b, err := json.Marshal(md)
	if err != nil {
		return "", fmt.Errorf("encode metadata: %w", err)
	}
	var claims map[string]any
	if err := json.Unmarshal(b, &claims); err != nil {
		return "", fmt.Errorf("encode metadata: %w", err)
	}
	claims["iss"], claims["sub"], claims["iat"] = md.CredentialIssuer, md.CredentialIssuer, now.Unix()
	if ttl > 0 {
		claims["exp"] = now.Add(ttl).Unix()
	}
	payload, err := strictjson.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("encode metadata: %w", err)
	}
	return jose.Sign(key.WithKeyID(""), SignedMetadataTyp, map[string]any{"x5c": x5c}, payload)
}

// VerifySignedMetadata checks signed metadata of the Credential Issuer
// issuer (the wallet side) and returns the metadata it carries. The
// wallet establishes trust in the signer by x5c only (HAIP §4.1): the
// chain must validate to anchors at now and its leaf name the issuer (a
// URI SAN equal to it, or a DNS SAN of its host, pki.MatchIssuer). Then
// typ, the signature (algs), sub = issuer, iat not in the future, exp not
// passed, and the metadata parameters as ParseIssuerMetadata checks them.
// Chain failures are pki's errors (ErrUntrusted, ErrExpired, …), other
// trust failures ErrSignedMetadata, bad metadata ErrInvalidMetadata.
func VerifySignedMetadata(raw, issuer string, anchors *pki.Anchors, algs []jose.Alg, now time.Time) (*IssuerMetadata, error) {
	j, err := jose.ParseCompact(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidMetadata, err)
	}
	if err := j.CheckType(SignedMetadataTyp); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSignedMetadata, err)
	}
	x5c, ok := j.Header.Raw["x5c"]
	if !ok || anchors == nil {
		return nil, fmt.Errorf("%w: no x5c chain, or no anchors to check it against", ErrSignedMetadata)
	}
	chain, err := pki.ParseX5C(x5c)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSignedMetadata, err)
	}
	v, err := anchors.Verify(chain, now)
	if err != nil {
		// pki's error keeps its own class: an expired leaf is CLAIM, an
		// unknown anchor TRUST.
		return nil, fmt.Errorf("signed issuer metadata: %w", err)
	}
	if err := pki.MatchIssuer(v.Leaf, issuer); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSignedMetadata, err)
	}
	if err := j.Verify(v.Key, algs); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSignedMetadata, err)
	}
	var claims map[string]any
	if err := j.DecodePayload(&claims); err != nil || claims == nil {
		return nil, fmt.Errorf("%w: payload is not an object", ErrInvalidMetadata)
	}
	if sub, _ := claims["sub"].(string); sub != issuer {
		return nil, fmt.Errorf("%w: sub is not the Credential Issuer Identifier", ErrSignedMetadata)
	}
	leeway := time.Duration(limits.MaxClockSkewSeconds) * time.Second
	iat, err := jose.NumericDate(claims["iat"])
	if err != nil || iat.After(now.Add(leeway)) {
		return nil, fmt.Errorf("%w: iat missing or in the future", ErrSignedMetadata)
	}
	if e, present := claims["exp"]; present {
		exp, err := jose.NumericDate(e)
		if err != nil || !now.Before(exp.Add(leeway)) {
			return nil, fmt.Errorf("%w: expired", ErrSignedMetadata)
		}
	}
	for _, k := range []string{"iss", "sub", "iat", "exp"} {
		delete(claims, k)
	}
	b, err := json.Marshal(claims)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidMetadata, err)
	}
	return ParseIssuerMetadata(b, issuer)
}
