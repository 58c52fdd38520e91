package issuer

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/loopbrug/paspoort/credentials/attest"
	"github.com/loopbrug/paspoort/credentials/dpop"
	"github.com/loopbrug/paspoort/credentials/oid4vci"
	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/credentials/sdjwtvc"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/strictjson"
)

// decoys is the number of decoy digests in each credential, so the number
// of digests does not tell how many claims a credential has.
const decoys = 2

// Token serves a Token Request of the Pre-Authorized Code Flow (VCI §6):
// the pre-authorized code must belong to a pending, unexpired offer; a
// tx_code must be sent exactly when the offer has one (invalid_request
// otherwise) and must match (invalid_grant otherwise). Each wrong tx_code
// counts; after MaxTxCodeAttempts the offer is locked for good, whatever
// comes next (SECURITY.md C.29). A redeemed code never works again. The
// redemption and the new access token are durable before Token returns.
func (is *Issuer) Token(ctx context.Context, form url.Values) (*oid4vci.TokenResponse, error) {
	return is.TokenWithHeaders(ctx, form, nil)
}

// TokenWithHeaders serves a Token Request with its HTTP headers (nil:
// none): of the Pre-Authorized Code Flow as Token says, or of the
// Authorization Code Flow (authcode.go). A client attestation is checked
// after the DPoP proof (clientAuth; its sub is the client_id when none was
// sent). A DPoP proof, when sent, is
// checked first (RFC 9449 §4.3, with the server nonce: use_dpop_nonce when
// it lacks one) and the access token is bound to its key (token_type
// DPoP, RFC 9449 §5); with Config.RequireDPoP a request without one is
// refused (invalid_dpop_proof).
func (is *Issuer) TokenWithHeaders(ctx context.Context, form url.Values, hdr http.Header) (*oid4vci.TokenResponse, error) {
	resp, err := is.token(ctx, form, hdr)
	outcome := "ok"
	if err != nil {
		outcome = string(oid4vci.CodeOf(err))
	}
	is.metrics.tokenRequests.WithLabelValues(outcome).Inc()
	return resp, err
}

func (is *Issuer) token(ctx context.Context, form url.Values, hdr http.Header) (*oid4vci.TokenResponse, error) {
	req, err := oid4vci.ParseTokenRequest(form)
	if err != nil {
		return nil, err
	}
	// DPoP first: a use_dpop_nonce refusal then leaves the client
	// attestation PoP unused, so a wallet may retry with it.
	dpopValues := hdr.Values(dpop.Header)
	var proof *dpop.Proof
	if len(dpopValues) > 0 || is.cfg.RequireDPoP {
		if proof, err = is.verifyDPoP(ctx, dpopValues, "POST", "/token", "", ""); err != nil {
			return nil, err
		}
	}
	if req.ClientID, err = is.clientAuth(ctx, hdr, req.ClientID); err != nil {
		return nil, err
	}
	access := randomToken(32)
	if req.GrantType == oid4vci.GrantTypeAuthorizationCode {
		tok, err := is.redeemCode(ctx, req, proof, access)
		if err != nil {
			return nil, err
		}
		return is.tokenResponse(access, tok), nil
	}
	now := is.now()
	var outcome error
	var offerID string
	var locked bool
	var tok *TokenRecord
	err = is.store.Update(ctx, func(tx Tx) error {
		outcome, offerID, locked = nil, "", false
		id, err := tx.OfferIDByCode(hashSecret(req.PreAuthorizedCode))
		if errors.Is(err, ErrNotFound) {
			outcome = grantError(oid4vci.GrantUnknown, -1, "unknown pre-authorized code")
			return nil
		}
		if err != nil {
			return err
		}
		rec, err := tx.Offer(id)
		if err != nil {
			return err
		}
		offerID = id
		switch {
		case rec.Grant == GrantAuthorizationCode:
			outcome = grantError(oid4vci.GrantUnknown, -1, "unknown pre-authorized code")
			return nil
		case rec.State == OfferRedeemed:
			outcome = grantError(oid4vci.GrantUsed, -1, "the pre-authorized code was already used")
			return nil
		case rec.State == OfferLocked:
			outcome = grantError(oid4vci.GrantLocked, 0, "the offer is locked after too many wrong transaction codes")
			return nil
		case !now.Before(rec.ExpiresAt):
			outcome = grantError(oid4vci.GrantExpired, -1, "the pre-authorized code has expired")
			return nil
		case rec.TxCodeHash != "" && !req.HasTxCode:
			outcome = fmt.Errorf("%w: a tx_code is required", oid4vci.ErrInvalidRequest)
			return nil
		case rec.TxCodeHash == "" && req.HasTxCode:
			outcome = fmt.Errorf("%w: no tx_code is expected", oid4vci.ErrInvalidRequest)
			return nil
		}
		if rec.TxCodeHash != "" && subtle.ConstantTimeCompare([]byte(hashSecret(req.TxCode)), []byte(rec.TxCodeHash)) != 1 {
			rec.Attempts++
			outcome = grantError(oid4vci.GrantWrongTxCode, max(is.cfg.MaxTxCodeAttempts-rec.Attempts, 0), "wrong tx_code")
			if rec.Attempts >= is.cfg.MaxTxCodeAttempts {
				rec.State, locked = OfferLocked, true
			}
			return tx.PutOffer(rec)
		}
		rec.State = OfferRedeemed
		rec.Object = nil // the offer object carries the code; it is no longer served
		if err := tx.PutOffer(rec); err != nil {
			return err
		}
		tok = &TokenRecord{Hash: hashSecret(access), OfferID: id, ExpiresAt: now.Add(is.cfg.AccessTokenTTL), ClientID: req.ClientID}
		if proof != nil {
			tok.JKT = proof.JKT
		}
		return tx.PutToken(tok)
	})
	if err != nil {
		return nil, fmt.Errorf("token: %w", err)
	}
	if locked {
		is.log.Warn("offer locked after wrong transaction codes", "offer_id", offerID)
	}
	if outcome != nil {
		is.log.Info("token request refused", "offer_id", offerID, "error", string(oid4vci.CodeOf(outcome)))
		return nil, outcome
	}
	is.log.Info("pre-authorized code redeemed", "offer_id", offerID)
	return is.tokenResponse(access, tok), nil
}

// tokenResponse is the Token Response for a new access token: token_type
// DPoP for a DPoP-bound token (RFC 9449 §5), Bearer otherwise; the scope
// granted, when the token is limited to some configurations.
func (is *Issuer) tokenResponse(access string, t *TokenRecord) *oid4vci.TokenResponse {
	r := &oid4vci.TokenResponse{AccessToken: access, TokenType: "Bearer", ExpiresIn: int(is.cfg.AccessTokenTTL / time.Second), Scope: strings.Join(t.ConfigurationIDs, " ")}
	if t.JKT != "" {
		r.TokenType = dpop.Scheme
	}
	return r
}

// Credential serves a Credential Request (VCI §8) with the bearer access
// token accessToken. In order: the token (invalid_token); the request shape
// (invalid_credential_request, unknown_credential_identifier,
// invalid_encryption_parameters); the configuration, which the issuer must
// offer and the token's offer must include (unknown_credential_configuration);
// proofs, at most BatchSize, each verified with oid4vci.VerifyProof (aud =
// the issuer's URL, an allowed alg, a nonce, an iss, if any, equal to the client_id sent to the
// token endpoint if one was: VCI 1.0 Appendix F.1), each of a different key
// (invalid_proof). Then, in one durable transaction: the token's credential
// budget (credential_request_denied), every c_nonce used is consumed
// (invalid_nonce when not made here, used or expired: see nonce.go), and for each proof one
// SD-JWT VC bound to the proof's key with a fresh random status index is
// signed and its metadata recorded.
func (is *Issuer) Credential(ctx context.Context, accessToken string, body []byte) (*oid4vci.CredentialResponse, error) {
	return is.CredentialAccess(ctx, Access{Scheme: "Bearer", Token: accessToken}, body)
}

// CredentialAccess is Credential with the access token as the request
// presented it (checkAccess, RFC 9449 §7): a DPoP-bound token is accepted
// only with the DPoP scheme and a proof by its key, for this endpoint,
// with ath and the server nonce; as a Bearer token it is invalid_token.
func (is *Issuer) CredentialAccess(ctx context.Context, a Access, body []byte) (*oid4vci.CredentialResponse, error) {
	resp, typ, err := is.credential(ctx, a, body)
	outcome := "ok"
	if err != nil {
		outcome = string(oid4vci.CodeOf(err))
	} else {
		is.metrics.issued.WithLabelValues(typ).Add(float64(len(resp.Credentials)))
	}
	is.metrics.credRequests.WithLabelValues(outcome).Inc()
	return resp, err
}

func (is *Issuer) credential(ctx context.Context, a Access, body []byte) (*oid4vci.CredentialResponse, string, error) {
	now := is.now()
	accessToken := a.Token
	tokHash := hashSecret(accessToken)
	var offer *OfferRecord
	var clientID string
	var tokRec *TokenRecord
	err := is.store.View(ctx, func(tx Tx) error {
		t, err := tx.Token(tokHash)
		if err != nil {
			return err
		}
		if !now.Before(t.ExpiresAt) {
			return ErrNotFound
		}
		clientID, tokRec = t.ClientID, t
		offer, err = tx.Offer(t.OfferID)
		return err
	})
	if errors.Is(err, ErrNotFound) || accessToken == "" {
		return nil, "", fmt.Errorf("%w: unknown or expired access token", oid4vci.ErrInvalidToken)
	}
	if err != nil {
		return nil, "", fmt.Errorf("credential: %w", err)
	}
	if err := is.checkAccess(ctx, a, tokRec); err != nil {
		return nil, "", err
	}
	req, err := oid4vci.ParseCredentialRequest(body)
	if err != nil {
		return nil, "", err
	}
	if req.WantsEncryption {
		return nil, "", fmt.Errorf("%w: credential response encryption is not supported", oid4vci.ErrInvalidEncryptionParameters)
	}
	if req.CredentialIdentifier != "" {
		return nil, "", fmt.Errorf("%w: this issuer returns no credential identifiers", oid4vci.ErrUnknownCredentialIdentifier)
	}
	if !is.offers(req.CredentialConfigurationID) {
		return nil, "", fmt.Errorf("%w: %q", oid4vci.ErrUnknownCredentialConfiguration, trunc(req.CredentialConfigurationID))
	}
	i := slices.IndexFunc(offer.Credentials, func(c OfferedCredential) bool { return c.ConfigurationID == req.CredentialConfigurationID })
	if i >= 0 && len(tokRec.ConfigurationIDs) > 0 && !slices.Contains(tokRec.ConfigurationIDs, req.CredentialConfigurationID) {
		i = -1
	}
	if i < 0 {
		return nil, "", fmt.Errorf("%w: %q is not covered by this access token", oid4vci.ErrUnknownCredentialConfiguration, trunc(req.CredentialConfigurationID))
	}
	offered := offer.Credentials[i]
	if req.Proofs == nil {
		return nil, "", fmt.Errorf("%w: proofs are required", oid4vci.ErrInvalidProof)
	}
	keys, nonces, err := is.verifyProofs(req.Proofs, now, clientID)
	if err != nil {
		return nil, "", err
	}
	t, _ := ppp.Lookup(offered.Type)
	var claims map[string]any
	if err := strictjson.Unmarshal(offered.Claims, &claims); err != nil {
		return nil, "", fmt.Errorf("credential: stored claims: %w", err)
	}
	disclose := disclosable(t, claims)
	key := is.headerKey()
	iat := now.UTC().Truncate(24 * time.Hour) // rounded against correlation (VCI §15.4.1)
	exp := iat.Add(is.cfg.CredentialTTL)
	var out []oid4vci.IssuedCredential
	var ids []string
	err = is.store.Update(ctx, func(tx Tx) error {
		out, ids = out[:0], ids[:0]
		tr, err := tx.Token(tokHash)
		if err != nil || !now.Before(tr.ExpiresAt) {
			return fmt.Errorf("%w: unknown or expired access token", oid4vci.ErrInvalidToken)
		}
		// A batch per credential configuration the token covers: an offer
		// naming several configurations is redeemed with one token (VCI
		// §4.1.1), and batch_size bounds one request's proofs (§12.2.4).
		covered := len(offer.Credentials)
		if len(tr.ConfigurationIDs) > 0 {
			covered = len(tr.ConfigurationIDs)
		}
		if limit := is.cfg.BatchSize * max(covered, 1); tr.Issued+len(keys) > limit {
			return fmt.Errorf("%w: this access token yields at most %d credentials", oid4vci.ErrCredentialRequestDenied, limit)
		}
		for n, exp := range nonces {
			fresh, err := tx.UseNonce(hashSecret(n), exp)
			if err != nil {
				return err
			}
			if !fresh {
				return fmt.Errorf("%w: the c_nonce was used before", oid4vci.ErrInvalidNonce)
			}
		}
		for _, holderKey := range keys {
			list, idx, err := is.allocateIndex(tx)
			if err != nil {
				return err
			}
			// Signed here, inside the transaction, so that a credential that
			// cannot be signed allocates no index and counts for nothing.
			cred, err := sdjwtvc.Issue(key, sdjwtvc.Credential{
				Issuer: is.cfg.URL, VCT: t.VCT, IssuedAt: iat, Expires: exp, HolderKey: holderKey,
				Status: &sdjwtvc.StatusRef{Index: idx, URI: is.statusURI(list)},
				Claims: claims, Disclose: disclose, Decoys: decoys, X5C: is.certificateChain(),
			})
			if err != nil {
				return fmt.Errorf("sign credential: %w", err)
			}
			id := fmt.Sprintf("%013x-%s", now.UnixMicro(), randomToken(6))
			if err := tx.PutCredential(&CredentialRecord{
				ID: id, OfferID: offer.ID, Type: t.Name, VCT: t.VCT, ConfigurationID: offered.ConfigurationID,
				SubjectRef: offer.SubjectRef, StatusList: list, StatusIndex: idx, Status: StatusValid,
				IssuedAt: now.UTC(), ExpiresAt: exp,
			}); err != nil {
				return err
			}
			out = append(out, oid4vci.IssuedCredential{Credential: cred})
			ids = append(ids, id)
		}
		tr.Issued += len(keys)
		return tx.PutToken(tr)
	})
	if err != nil {
		return nil, "", fmt.Errorf("credential: %w", err)
	}
	for _, id := range ids {
		is.log.Info("credential issued", "credential_id", id, "offer_id", offer.ID, "type", t.Name)
	}
	return &oid4vci.CredentialResponse{Credentials: out}, t.Name, nil
}

// disclosable returns the JSON Pointers to make selectively disclosable:
// every top-level claim and every element of a top-level array, except
// claims the PPP type marks "never" (the SD-JWT VC registered claims are
// never among the PPP claims).
func disclosable(t ppp.Type, claims map[string]any) []string {
	never := map[string]bool{}
	for _, c := range t.Claims {
		if len(c.Path) == 1 && c.SD == ppp.SDNever {
			never[c.Path[0]] = true
		}
	}
	var out []string
	for _, p := range sdjwtvc.DefaultDisclosable(claims) {
		top, _, _ := strings.Cut(strings.TrimPrefix(p, "/"), "/")
		if !never[top] {
			out = append(out, p)
		}
	}
	if out == nil {
		out = []string{}
	}
	return out
}

// grantError is an invalid_grant with its reason and attempts left (-1:
// not told), which the token endpoint's error response carries for the
// holder's wallet.
func grantError(r oid4vci.GrantReason, attemptsLeft int, msg string) error {
	return &oid4vci.GrantError{Reason: r, AttemptsLeft: attemptsLeft, Err: fmt.Errorf("%w: %s", oid4vci.ErrInvalidGrant, msg)}
}

// verifyProofs checks the key proofs of a Credential Request and returns
// the keys to bind one credential each to, and the c_nonces to spend:
//
//   - "jwt": at most BatchSize proofs, each verified with
//     oid4vci.VerifyProof (aud = this issuer, a c_nonce required, iss =
//     client_id when present), each key once; a key_attestation header is
//     checked against the wallet providers' anchors, and required with
//     RequireKeyAttestation (VCI Appendix D, F.1; HAIP §4.5);
//   - "attestation": one key attestation (Appendix F.3) with this
//     issuer's c_nonce, whose attested keys (at most BatchSize) each get a
//     credential.
//
// Every c_nonce must be one this issuer made, unexpired; that it is unused
// is checked where it is spent, in the issuing transaction.
func (is *Issuer) verifyProofs(ps *oid4vci.Proofs, now time.Time, clientID string) ([]*jose.PublicKey, map[string]time.Time, error) {
	pol := oid4vci.ProofPolicy{Audience: is.cfg.URL, Algs: is.cfg.ProofAlgs, Now: now, NonceRequired: true, ClientID: clientID,
		RequireKeyAttestation: is.cfg.RequireKeyAttestation}
	if is.cfg.ClientAttestationAnchors != nil {
		pol.KeyAttestations = &attest.KeyPolicy{Anchors: is.cfg.ClientAttestationAnchors, Algs: is.cfg.ProofAlgs}
	}
	nonces := map[string]time.Time{}
	spend := func(n string) error {
		exp, err := is.checkNonce(n)
		if err != nil {
			return err
		}
		nonces[n] = exp
		return nil
	}
	var keys []*jose.PublicKey
	seen := map[string]bool{}
	add := func(k *jose.PublicKey, what string) error {
		if seen[k.Thumbprint()] {
			return fmt.Errorf("%w: %s proves a key already proven: one credential per key", oid4vci.ErrInvalidProof, what)
		}
		seen[k.Thumbprint()] = true
		keys = append(keys, k)
		return nil
	}
	if len(ps.Attestation) == 1 {
		a, err := oid4vci.VerifyAttestationProof(ps.Attestation[0], pol)
		if err != nil {
			return nil, nil, fmt.Errorf("attestation proof: %w", err)
		}
		if len(a.Keys) > is.cfg.BatchSize {
			return nil, nil, fmt.Errorf("%w: at most %d attested keys (batch_size)", oid4vci.ErrInvalidProof, is.cfg.BatchSize)
		}
		if err := spend(a.Nonce); err != nil {
			return nil, nil, fmt.Errorf("attestation proof: %w", err)
		}
		for i, k := range a.Keys {
			if err := add(k.WithKeyID(k.Thumbprint()), fmt.Sprintf("attested key %d", i)); err != nil {
				return nil, nil, err
			}
		}
		return keys, nonces, nil
	}
	if len(ps.JWT) > is.cfg.BatchSize {
		return nil, nil, fmt.Errorf("%w: at most %d proofs (batch_size)", oid4vci.ErrInvalidProof, is.cfg.BatchSize)
	}
	for i, raw := range ps.JWT {
		p, err := oid4vci.VerifyProof(raw, pol)
		if err != nil {
			return nil, nil, fmt.Errorf("proof %d: %w", i, err)
		}
		if err := add(p.Key, fmt.Sprintf("proof %d", i)); err != nil {
			return nil, nil, err
		}
		if err := spend(p.Nonce); err != nil {
			return nil, nil, fmt.Errorf("proof %d: %w", i, err)
		}
	}
	return keys, nonces, nil
}
