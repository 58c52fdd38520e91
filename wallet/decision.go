package wallet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/did"
	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/strictjson"
)

// TypReceipt is the "typ" of a verifier's decision receipt
// (docs/receipt.md).
const TypReceipt = "paspoort-receipt+jwt"

// receiptLeeway is how far in the future a receipt's iat may lie.
const receiptLeeway = 60 * time.Second

// receiptAlgs is the algorithm allow-list for receipts.
var receiptAlgs = []jose.Alg{jose.ES256, jose.EdDSA}

// Errors about decisions.
var (
	// ErrDecisionSignature (SIG) reports a receipt whose signature does not
	// verify, or a stored decision whose payload is not what the stored
	// receipt's signature covers (a tampered decision).
	ErrDecisionSignature = credentials.NewError(credentials.ErrSignature, "wallet: the decision's signature does not verify")
	// ErrDecisionUntrusted (TRUST) reports a receipt not signed by a key
	// of the verifier's DID, or whose iss is not that DID, or a verifier
	// with no DID (a redirect_uri client).
	ErrDecisionUntrusted = credentials.NewError(credentials.ErrTrust, "wallet: the decision is not signed by the verifier")
	// ErrDecisionClaims (CLAIM) reports a receipt with a missing or bad
	// member: no jti, an unknown outcome, an iat in the future.
	ErrDecisionClaims = credentials.NewError(credentials.ErrClaim, "wallet: the decision has a missing or invalid member")
	// ErrNoDecision (FMT, and ErrNotFound) reports an id (prefix) that
	// names no history entry with a decision.
	ErrNoDecision = credentials.NewError(ErrNotFound, "wallet: no such decision")
	// ErrAmbiguousID (FMT) reports an id prefix that fits several
	// decisions.
	ErrAmbiguousID = credentials.NewError(credentials.ErrFormat, "wallet: the id prefix fits several decisions")
)

// Decision is a verifier's signed decision on a presentation, kept inside
// its history entry (sealed with it, and in backups with it): the receipt
// as received, the payload as parsed, and the verifier's public key it was
// verified with, so that it can be checked again offline (VerifyDecision).
type Decision struct {
	// Receipt is the compact JWS as the verifier sent it.
	Receipt string `json:"receipt"`
	// Verifier is the verifier's DID the receipt was verified against.
	Verifier string `json:"verifier"`
	// KeyID is the DID URL of the key that signed it.
	KeyID string `json:"kid"`
	// Key is the verifier's public JWK used.
	Key json.RawMessage `json:"key"`
	// Payload is the receipt's payload as parsed.
	Payload DecisionPayload `json:"payload"`
}

// Text is a text per language ("nl", "en").
type Text map[string]string

// Get returns the text in lang, else in English, else in Dutch.
func (t Text) Get(lang string) string {
	if s := t[lang]; s != "" {
		return s
	}
	if s := t["en"]; s != "" {
		return s
	}
	return t["nl"]
}

// DecisionPayload is a receipt's payload (docs/receipt.md).
type DecisionPayload struct {
	Iss            string                `json:"iss"`
	Iat            int64                 `json:"iat"`
	Jti            string                `json:"jti"`
	VerifierName   string                `json:"verifier_name,omitempty"`
	Profile        string                `json:"profile"`
	ProfileVersion string                `json:"profile_version"`
	Kind           string                `json:"kind"`
	Title          Text                  `json:"title"`
	Purpose        Text                  `json:"purpose,omitempty"`
	Outcome        string                `json:"outcome"`
	Score          float64               `json:"score"`
	Requirements   []DecisionRequirement `json:"requirements"`
	Gap            []DecisionGap         `json:"gap"`
	Plan           *DecisionPlan         `json:"plan,omitempty"`
	Credentials    []string              `json:"credentials"`
	Rejected       []DecisionRejection   `json:"rejected"`
}

// The outcomes of a decision.
const (
	OutcomeAccepted = "accepted"
	OutcomeRefused  = "refused"
)

// The statuses of a requirement.
const (
	RequirementMet       = "met"
	RequirementNotMet    = "not_met"
	RequirementNotProven = "not_proven"
)

// DecisionRequirement is one requirement of a decision.
type DecisionRequirement struct {
	ID       string `json:"id"`
	Title    Text   `json:"title"`
	Required bool   `json:"required"`
	// Status is met, not_met or not_proven.
	Status string `json:"status"`
	Reason string `json:"reason"`
	// Credentials are the hashes of the credentials used for it.
	Credentials []string `json:"credentials,omitempty"`
}

// DecisionGap is one ESCO skill not proven.
type DecisionGap struct {
	Skill       string `json:"skill"`
	Label       Text   `json:"label"`
	Requirement string `json:"requirement"`
	Required    bool   `json:"required"`
}

// DecisionPlan is the learning or onboarding plan that closes the gap.
type DecisionPlan struct {
	// Kind is learning_plan or onboarding_plan.
	Kind        string           `json:"kind"`
	Institution string           `json:"institution"`
	Programme   Text             `json:"programme"`
	Modules     []DecisionModule `json:"modules"`
	// StudyLoad is in EC.
	StudyLoad  float64   `json:"study_load"`
	NextIntake *ppp.Date `json:"next_intake,omitempty"`
	Uncovered  []string  `json:"uncovered"`
}

// DecisionModule is one module of a plan.
type DecisionModule struct {
	Code      string   `json:"code"`
	Title     Text     `json:"title"`
	StudyLoad float64  `json:"study_load"`
	NextStart ppp.Date `json:"next_start"`
}

// DecisionRejection is a presentation the verifier did not use, by class.
type DecisionRejection struct {
	QueryID string `json:"query_id"`
	Index   int    `json:"index"`
	Class   string `json:"class"`
}

// SignedAt returns when the decision was signed (its iat).
func (d *Decision) SignedAt() time.Time { return time.Unix(d.Payload.Iat, 0).UTC() }

// keyResolver resolves a verifier's key by DID URL and relationship.
type keyResolver interface {
	ResolveKey(ctx context.Context, didURL string, rel did.Relationship) (*jose.PublicKey, error)
}

// parseReceipt runs the checks that need no key: size and compact form,
// typ, alg allow-list, and the kid a DID URL of verifierDID.
func parseReceipt(receipt, verifierDID string) (*jose.JWS, error) {
	jws, err := jose.ParseCompact(receipt)
	if err != nil {
		return nil, fmt.Errorf("receipt: %w", err)
	}
	if err := jws.CheckType(TypReceipt); err != nil {
		return nil, fmt.Errorf("receipt: %w", err)
	}
	if err := jose.CheckAlg(jws.Header.Alg, receiptAlgs); err != nil {
		return nil, fmt.Errorf("receipt: %w", err)
	}
	if verifierDID == "" {
		return nil, fmt.Errorf("%w: the verifier has no DID", ErrDecisionUntrusted)
	}
	u, err := did.ParseURL(jws.Header.Kid)
	if err != nil || u.Fragment == "" || u.DID.String() != verifierDID {
		return nil, fmt.Errorf("%w: kid is not a key of the verifier's DID", ErrDecisionUntrusted)
	}
	return jws, nil
}

// checkPayload decodes the signed payload and checks its members.
func checkPayload(jws *jose.JWS, verifierDID string, now time.Time) (DecisionPayload, error) {
	var p DecisionPayload
	if err := jws.DecodePayload(&p); err != nil {
		return DecisionPayload{}, fmt.Errorf("receipt: %w", err)
	}
	if p.Iss != verifierDID {
		return DecisionPayload{}, fmt.Errorf("%w: iss is not the verifier's DID", ErrDecisionUntrusted)
	}
	switch {
	case p.Iat <= 0:
		return DecisionPayload{}, fmt.Errorf("%w: no iat", ErrDecisionClaims)
	case !now.IsZero() && time.Unix(p.Iat, 0).After(now.Add(receiptLeeway)):
		return DecisionPayload{}, fmt.Errorf("%w: iat in the future", ErrDecisionClaims)
	case p.Jti == "":
		return DecisionPayload{}, fmt.Errorf("%w: no jti", ErrDecisionClaims)
	case p.Outcome != OutcomeAccepted && p.Outcome != OutcomeRefused:
		return DecisionPayload{}, fmt.Errorf("%w: outcome", ErrDecisionClaims)
	}
	return p, nil
}

// verifyReceipt verifies a receipt received from the verifier whose DID is
// verifierDID (the identifier of the request's decentralized_identifier
// client_id), in this order (docs/receipt.md): size and compact form (FMT,
// LIMIT), typ (TYP), alg on the ES256/EdDSA allow-list (ALG), the kid a DID
// URL of verifierDID (TRUST), the key resolved by the DID resolver from
// the DID's assertionMethod (TRUST, FETCH), the signature (SIG), the
// payload strictly parsed (FMT), iss = verifierDID (TRUST), iat not beyond
// the leeway in the future, jti and outcome present (CLAIM).
func verifyReceipt(ctx context.Context, keys keyResolver, verifierDID, receipt string, now time.Time) (*Decision, error) {
	jws, err := parseReceipt(receipt, verifierDID)
	if err != nil {
		return nil, err
	}
	key, err := keys.ResolveKey(ctx, jws.Header.Kid, did.AssertionMethod)
	if err != nil {
		return nil, fmt.Errorf("receipt key: %w", err)
	}
	if err := jws.Verify(key, receiptAlgs); err != nil {
		if errors.Is(err, credentials.ErrSignature) {
			return nil, fmt.Errorf("%w: %w", ErrDecisionSignature, err)
		}
		return nil, fmt.Errorf("receipt: %w", err)
	}
	p, err := checkPayload(jws, verifierDID, now)
	if err != nil {
		return nil, err
	}
	kb, err := json.Marshal(key)
	if err != nil {
		return nil, fmt.Errorf("receipt key: %w", err)
	}
	return &Decision{Receipt: receipt, Verifier: verifierDID, KeyID: jws.Header.Kid, Key: kb, Payload: p}, nil
}

// checkStored re-checks a stored decision offline: the receipt's form, typ
// and alg, its kid a DID URL of the stored verifier DID, its signature
// under the stored key, its iss; and that the stored payload is exactly
// what the signature covers. Any mismatch is ErrDecisionSignature.
func checkStored(d *Decision) error {
	jws, err := parseReceipt(d.Receipt, d.Verifier)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrDecisionSignature, err)
	}
	if jws.Header.Kid != d.KeyID {
		return fmt.Errorf("%w: kid is not the stored one", ErrDecisionSignature)
	}
	key, err := jose.ParsePublicKey(d.Key)
	if err != nil {
		return fmt.Errorf("%w: stored key: %w", ErrDecisionSignature, err)
	}
	if err := jws.Verify(key, receiptAlgs); err != nil {
		return fmt.Errorf("%w: %w", ErrDecisionSignature, err)
	}
	p, err := checkPayload(jws, d.Verifier, time.Time{})
	if err != nil {
		return fmt.Errorf("%w: %w", ErrDecisionSignature, err)
	}
	signed, err1 := json.Marshal(p)
	stored, err2 := json.Marshal(d.Payload)
	if err1 != nil || err2 != nil || string(signed) != string(stored) {
		return fmt.Errorf("%w: the stored decision is not what was signed", ErrDecisionSignature)
	}
	return nil
}

// receiptOf returns the "receipt" member of a response_uri reply, "" when
// there is none.
func receiptOf(body []byte) (string, error) {
	var r struct {
		Receipt *string `json:"receipt"`
	}
	if err := strictjson.Unmarshal(body, &r); err != nil {
		return "", fmt.Errorf("response_uri reply: %w", err)
	}
	if r.Receipt == nil {
		return "", nil
	}
	return *r.Receipt, nil
}

// keepDecision verifies the receipt in a response_uri reply from the
// verifier of pr. It returns the decision to keep, or nil and why none is
// kept (nil, nil when no receipt came back).
func (w *Wallet) keepDecision(ctx context.Context, pr *PresentationRequest, body []byte) (*Decision, error) {
	if len(body) == 0 {
		return nil, nil
	}
	rc, err := receiptOf(body)
	if err != nil || rc == "" {
		return nil, err
	}
	verifierDID := ""
	if strings.HasPrefix(pr.Verifier, "did:") {
		verifierDID = pr.Verifier
	}
	return verifyReceipt(ctx, w.did, verifierDID, rc, w.cfg.now())
}

// Decisions returns the history entries that hold a decision, newest
// first.
func (w *Wallet) Decisions(ctx context.Context) ([]Presentation, error) {
	h, err := w.History(ctx)
	if err != nil {
		return nil, err
	}
	var out []Presentation
	for _, p := range h {
		if p.Decision != nil {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b Presentation) int { return strings.Compare(b.ID, a.ID) })
	return out, nil
}

// Decision returns the history entry holding the decision with the given
// id, or with the one id that starts with it (ErrAmbiguousID when several
// do, ErrNoDecision when none does).
func (w *Wallet) Decision(ctx context.Context, id string) (*Presentation, error) {
	if id == "" {
		return nil, fmt.Errorf("%w: empty id", ErrNoDecision)
	}
	ds, err := w.Decisions(ctx)
	if err != nil {
		return nil, err
	}
	var found *Presentation
	for i := range ds {
		if ds[i].ID == id {
			return &ds[i], nil
		}
		if strings.HasPrefix(ds[i].ID, id) {
			if found != nil {
				return nil, ErrAmbiguousID
			}
			found = &ds[i]
		}
	}
	if found == nil {
		return nil, ErrNoDecision
	}
	return found, nil
}

// VerifyDecision re-checks the stored decision with the given id (or
// unique id prefix) offline: the receipt's signature against the stored
// verifier key, and the stored payload against what the signature covers.
// It returns the entry when it holds, ErrDecisionSignature when it does
// not.
func (w *Wallet) VerifyDecision(ctx context.Context, id string) (*Presentation, error) {
	p, err := w.Decision(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := checkStored(p.Decision); err != nil {
		return nil, err
	}
	return p, nil
}

// LabelIn returns the skill's label in lang ("nl" or "en"): the
// receipt's, else the shipped ESCO subset's; english reports that lang
// is "nl" and only an English label exists (show it marked as English).
func (g DecisionGap) LabelIn(lang string) (label string, english bool) {
	sk, known := ppp.ESCOSkill(g.Skill)
	if s := g.Label[lang]; s != "" {
		// A Dutch label equal to the English one where ESCO has no Dutch
		// label is the English one standing in.
		if lang == "nl" && known && sk.LabelNl == "" && s == g.Label["en"] {
			return s, true
		}
		return s, false
	}
	if known {
		if lang == "nl" && sk.LabelNl != "" {
			return sk.LabelNl, false
		}
		if sk.LabelEn != "" && g.Label["en"] == "" {
			return sk.LabelEn, lang == "nl"
		}
	}
	if s := g.Label["en"]; s != "" {
		return s, lang == "nl"
	}
	return g.Skill, false
}

// OrganisationName returns the name of the organisation that decided: the
// receipt's verifier name, else the entry's, else the plan's institution;
// "" when none is known (never the DID).
func (p *Presentation) OrganisationName() string {
	if p.Decision != nil && p.Decision.Payload.VerifierName != "" {
		return p.Decision.Payload.VerifierName
	}
	if p.VerifierName != "" {
		return p.VerifierName
	}
	if p.Decision != nil && p.Decision.Payload.Plan != nil {
		return p.Decision.Payload.Plan.Institution
	}
	return ""
}
