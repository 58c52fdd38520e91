package issuer

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/oid4vci"
	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/internal/strictjson"
)

// Errors of offer creation.
var (
	// ErrBadOfferRequest reports an offer request that is malformed: no
	// credentials, a type the issuer does not offer, a bad expiry. Class
	// FMT.
	ErrBadOfferRequest = credentials.NewError(credentials.ErrFormat, "invalid offer request")
	// ErrUnknownOffer reports an offer ID that does not exist or is no
	// longer pending.
	ErrUnknownOffer = credentials.NewError(credentials.ErrFormat, "unknown or redeemed offer")
)

// MaxSubjectRef bounds the operator's subject reference.
const MaxSubjectRef = 256

// OfferRequest is what the admin API receives to offer credentials to one
// person.
type OfferRequest struct {
	// Credentials lists the offered credentials, at most one per type.
	Credentials []OfferCredential `json:"credentials,omitempty"`
	// Type and Claims are a shorthand for one credential.
	Type   string          `json:"type,omitempty"`
	Claims json.RawMessage `json:"claims,omitempty"`
	// TxCode asks for a numeric tx_code, delivered out of band.
	TxCode bool `json:"tx_code,omitempty"`
	// TxCodeDescription tells the holder where to find the code (at most
	// 300 characters).
	TxCodeDescription string `json:"tx_code_description,omitempty"`
	// ExpiresIn is the offer's lifetime in seconds; 0 means the configured
	// OfferTTL, which is also the maximum.
	ExpiresIn int `json:"expires_in,omitempty"`
	// SubjectRef is the operator's reference for the person (a student
	// number); it is kept with the records, never put in a credential.
	SubjectRef string `json:"subject_ref,omitempty"`
	// Grant is the offer's grant type: "pre-authorized_code" (the
	// default) or "authorization_code" (HAIP 1.0 §4.2: the wallet pushes
	// an authorization request with the offer's issuer_state, and the
	// holder confirms on the issuer's authorization page, entering the
	// tx_code there when the offer has one).
	Grant string `json:"grant,omitempty"`
}

// OfferCredential is one offered credential: a PPP type and its claims.
type OfferCredential struct {
	Type   string          `json:"type"`
	Claims json.RawMessage `json:"claims"`
}

// Offer is a created offer, as the admin API returns it.
type Offer struct {
	ID string `json:"id"`
	// OfferURI carries the offer by value.
	OfferURI string `json:"offer_uri"`
	// OfferURIByReference carries the credential_offer_uri.
	OfferURIByReference string `json:"offer_uri_by_reference"`
	// CredentialOfferURI is where the offer object is served.
	CredentialOfferURI string `json:"credential_offer_uri"`
	// HAIPOfferURI is OfferURIByReference with the haip:// scheme, which
	// every HAIP 1.0 wallet answers to (HAIP 1.0 §4.2).
	HAIPOfferURI string `json:"offer_uri_haip"`
	// TxCode is the tx_code to deliver out of band, when asked for. It is
	// returned once and stored only as a hash.
	TxCode string `json:"tx_code,omitempty"`
	// Grant is the offer's grant type.
	Grant     string    `json:"grant"`
	ExpiresAt time.Time `json:"expires_at"`
	// QRCode is a PNG of OfferURIByReference.
	QRCode []byte `json:"qr_png,omitempty"`
}

// CreateOffer validates an offer request (each claims document against its
// PPP type's JSON Schema: a *ppp.ValidationError names the fields) and
// stores the offer. The offer is durable before CreateOffer returns.
func (is *Issuer) CreateOffer(ctx context.Context, req OfferRequest) (*Offer, error) {
	return is.createOffer(ctx, req, true)
}

// createOffer is CreateOffer; withQR false leaves Offer.QRCode empty (bulk
// offers answer without it, and drawing it is most of an offer's cost).
func (is *Issuer) createOffer(ctx context.Context, req OfferRequest, withQR bool) (*Offer, error) {
	creds, err := is.checkOfferRequest(req)
	if err != nil {
		return nil, err
	}
	now := is.now().UTC()
	ttl := is.cfg.OfferTTL
	if req.ExpiresIn != 0 {
		d := time.Duration(req.ExpiresIn) * time.Second
		if req.ExpiresIn < 0 || d > ttl {
			return nil, fmt.Errorf("%w: expires_in must be 1 to %d seconds", ErrBadOfferRequest, int(ttl/time.Second))
		}
		ttl = d
	}
	id, code := randomToken(16), randomToken(32)
	rec := &OfferRecord{
		ID: id, CodeHash: hashSecret(code), Credentials: creds, SubjectRef: req.SubjectRef,
		CreatedAt: now, ExpiresAt: now.Add(ttl), State: OfferPending,
	}
	grant := &oid4vci.PreAuthorizedCodeGrant{PreAuthorizedCode: code}
	var txCode string
	if req.TxCode {
		txCode = randomDigits(is.cfg.TxCodeLength)
		rec.TxCodeHash = hashSecret(txCode)
		rec.TxCode = &oid4vci.TxCode{InputMode: oid4vci.InputModeNumeric, Length: is.cfg.TxCodeLength, Description: req.TxCodeDescription}
		grant.TxCode = rec.TxCode
	}
	obj := &oid4vci.CredentialOffer{CredentialIssuer: is.cfg.URL, Grants: &oid4vci.Grants{PreAuthorizedCode: grant}}
	rec.Grant = GrantPreAuthorized
	if req.Grant == GrantAuthorizationCode {
		// The pre-authorized code is made all the same (the store indexes
		// every offer by its code hash) but never disclosed: the token
		// endpoint refuses it for this offer.
		state := randomToken(32)
		rec.Grant, rec.IssuerStateHash = GrantAuthorizationCode, hashSecret(state)
		obj.Grants = &oid4vci.Grants{AuthorizationCode: &oid4vci.AuthorizationCodeGrant{IssuerState: id + "." + state}}
	}
	for _, c := range creds {
		obj.CredentialConfigurationIDs = append(obj.CredentialConfigurationIDs, c.ConfigurationID)
	}
	byValue, err := oid4vci.OfferURI(obj)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadOfferRequest, err)
	}
	if rec.Object, err = json.Marshal(obj); err != nil {
		return nil, fmt.Errorf("encode offer: %w", err)
	}
	offerURL := is.endpoint("/offers/" + id)
	byRef, err := oid4vci.OfferURIByReference(offerURL)
	if err != nil {
		return nil, err
	}
	haip, err := oid4vci.HAIPOfferURIByReference(offerURL)
	if err != nil {
		return nil, err
	}
	var png []byte
	if withQR {
		if png, err = qrcode.Encode(byRef, qrcode.Medium, 256); err != nil {
			return nil, fmt.Errorf("offer QR code: %w", err)
		}
	}
	if err := is.store.Update(ctx, func(tx Tx) error { return tx.AddOffer(rec) }); err != nil {
		return nil, fmt.Errorf("store offer: %w", err)
	}
	is.metrics.offers.Inc()
	is.log.Info("offer created", "offer_id", id, "credentials", len(creds), "tx_code", req.TxCode)
	return &Offer{
		ID: id, OfferURI: byValue, OfferURIByReference: byRef, CredentialOfferURI: offerURL, HAIPOfferURI: haip,
		TxCode: txCode, Grant: rec.Grant, ExpiresAt: rec.ExpiresAt, QRCode: png,
	}, nil
}

func (is *Issuer) checkOfferRequest(req OfferRequest) ([]OfferedCredential, error) {
	list := req.Credentials
	if req.Type != "" || len(req.Claims) > 0 {
		if len(list) > 0 {
			return nil, fmt.Errorf("%w: give either type and claims or credentials", ErrBadOfferRequest)
		}
		list = []OfferCredential{{Type: req.Type, Claims: req.Claims}}
	}
	if len(list) == 0 || len(list) > oid4vci.MaxConfigurationIDs {
		return nil, fmt.Errorf("%w: offer 1 to %d credentials", ErrBadOfferRequest, oid4vci.MaxConfigurationIDs)
	}
	if len(req.SubjectRef) > MaxSubjectRef {
		return nil, fmt.Errorf("%w: subject_ref over %d bytes", ErrBadOfferRequest, MaxSubjectRef)
	}
	if len([]rune(req.TxCodeDescription)) > oid4vci.MaxTxCodeDescription {
		return nil, fmt.Errorf("%w: tx_code_description over %d characters", ErrBadOfferRequest, oid4vci.MaxTxCodeDescription)
	}
	if req.Grant != "" && req.Grant != GrantPreAuthorized && req.Grant != GrantAuthorizationCode {
		return nil, fmt.Errorf("%w: grant must be %s or %s", ErrBadOfferRequest, GrantPreAuthorized, GrantAuthorizationCode)
	}
	if req.TxCodeDescription != "" && !req.TxCode {
		return nil, fmt.Errorf("%w: tx_code_description without tx_code", ErrBadOfferRequest)
	}
	out := make([]OfferedCredential, 0, len(list))
	seen := map[string]bool{}
	var errs []error
	for _, c := range list {
		if !is.offers(c.Type) {
			return nil, fmt.Errorf("%w: this issuer does not offer type %q (it offers %s)", ErrBadOfferRequest, trunc(c.Type), strings.Join(is.cfg.Types, ", "))
		}
		if seen[c.Type] {
			return nil, fmt.Errorf("%w: type %q offered twice", ErrBadOfferRequest, c.Type)
		}
		seen[c.Type] = true
		if err := ppp.Validate(c.Type, bytes.TrimSpace(c.Claims)); err != nil {
			errs = append(errs, err)
			continue
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, c.Claims); err != nil {
			return nil, fmt.Errorf("%w: claims: %v", ErrBadOfferRequest, err)
		}
		out = append(out, OfferedCredential{ConfigurationID: c.Type, Type: c.Type, Claims: buf.Bytes()})
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

func (is *Issuer) offers(typ string) bool {
	for _, t := range is.cfg.Types {
		if t == typ {
			return true
		}
	}
	return false
}

// OfferObject returns the Credential Offer object of a pending, unexpired
// offer, as served at its credential_offer_uri (VCI §4.1.3).
func (is *Issuer) OfferObject(ctx context.Context, id string) ([]byte, error) {
	var rec *OfferRecord
	err := is.store.View(ctx, func(tx Tx) error {
		var err error
		rec, err = tx.Offer(id)
		return err
	})
	if errors.Is(err, ErrNotFound) || err == nil && (rec.State != OfferPending || !is.now().Before(rec.ExpiresAt)) {
		return nil, ErrUnknownOffer
	}
	if err != nil {
		return nil, fmt.Errorf("load offer: %w", err)
	}
	return rec.Object, nil
}

// randomDigits returns n random decimal digits.
func randomDigits(n int) string {
	b := make([]byte, n)
	for i := range b {
		d, _ := rand.Int(rand.Reader, big.NewInt(10))
		b[i] = byte('0' + d.Int64())
	}
	return string(b)
}

// decodeOfferRequest parses an offer request strictly.
func decodeOfferRequest(b []byte) (OfferRequest, error) {
	var r OfferRequest
	if err := strictjson.Unmarshal(b, &r); err != nil {
		return r, fmt.Errorf("%w: %w", ErrBadOfferRequest, err)
	}
	return r, nil
}
