package verifier

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/credentials/profile"
	"github.com/loopbrug/paspoort/internal/jose"
)

// TypReceipt is the "typ" of a decision receipt JWT.
const TypReceipt = "paspoort-receipt+jwt"

// Decision is the outcome of one transaction: per requirement met, not met
// or not proven with the evidence used (type, issuer, date, the claim
// values the predicate read), the outcome, the weighted score, the gap
// and the plan to close it. It is what the verifier keeps: never a raw
// presentation.
type Decision struct {
	TransactionID  string                      `json:"transaction_id"`
	Profile        string                      `json:"profile"`
	ProfileVersion string                      `json:"profile_version"`
	Outcome        profile.Outcome             `json:"outcome"`
	Score          float64                     `json:"score"`
	Requirements   []profile.RequirementResult `json:"requirements"`
	Gap            []profile.GapSkill          `json:"gap"`
	// LearningPlan covers the gap from the profile's catalogue; PlanKind
	// says whether it is a school's learning_plan or an employer's
	// onboarding_plan. Nil when there is no gap or no catalogue.
	LearningPlan *profile.LearningPlan `json:"learning_plan"`
	PlanKind     string                `json:"plan_kind,omitempty"`
	// Rejected lists presentations that failed verification or went
	// beyond the query; they were not used.
	Rejected []Rejection `json:"rejected"`
	// Credentials are the SHA-256 hashes (base64url) of the issuer-signed
	// JWTs of the presentations used: the evidence's "credential".
	Credentials []string  `json:"credentials"`
	DecidedAt   time.Time `json:"decided_at"`
}

// Rejection is a presentation that was not used, with the error class
// (SECURITY.md: SIG, TRUST, KB, STATUS, CLAIM, DISC, …) and a generic
// reason that leaks no claim.
type Rejection struct {
	QueryID string `json:"query_id"`
	Index   int    `json:"index"`
	Class   string `json:"class"`
	Reason  string `json:"reason"`
}

// ReceiptRequirement is one requirement in a receipt: what was asked,
// whether it had to be met, what came of it and the credentials (by hash)
// that were used for it.
type ReceiptRequirement struct {
	ID          string         `json:"id"`
	Title       profile.Text   `json:"title"`
	Required    bool           `json:"required"`
	Status      profile.Status `json:"status"`
	Reason      profile.Reason `json:"reason"`
	Credentials []string       `json:"credentials,omitempty"`
}

// ReceiptGap is one ESCO skill not proven, with its labels.
type ReceiptGap struct {
	Skill       string       `json:"skill"`
	Label       profile.Text `json:"label"`
	Requirement string       `json:"requirement"`
	Required    bool         `json:"required"`
}

// ReceiptModule is one module of a receipt's plan.
type ReceiptModule struct {
	Code      string       `json:"code"`
	Title     profile.Text `json:"title"`
	StudyLoad float64      `json:"study_load"`
	NextStart ppp.Date     `json:"next_start"`
}

// ReceiptPlan is the plan that closes the gap: a school's learning_plan or
// an employer's onboarding_plan.
type ReceiptPlan struct {
	Kind        string          `json:"kind"`
	Institution string          `json:"institution"`
	Programme   profile.Text    `json:"programme"`
	Modules     []ReceiptModule `json:"modules"`
	StudyLoad   float64         `json:"study_load"`
	NextIntake  *ppp.Date       `json:"next_intake,omitempty"`
	Uncovered   []string        `json:"uncovered"`
}

// ReceiptRejection is a presentation that was not used: its query, index
// and error class only.
type ReceiptRejection struct {
	QueryID string `json:"query_id"`
	Index   int    `json:"index"`
	Class   string `json:"class"`
}

// Receipt is the payload of a decision receipt (docs/receipt.md): all a
// holder needs to read the decision offline, in Dutch and English,
// naming credentials by hash and never a claim value.
type Receipt struct {
	Iss            string               `json:"iss"`
	Iat            int64                `json:"iat"`
	Jti            string               `json:"jti"`
	VerifierName   string               `json:"verifier_name,omitempty"`
	Profile        string               `json:"profile"`
	ProfileVersion string               `json:"profile_version"`
	Kind           profile.Kind         `json:"kind"`
	Title          profile.Text         `json:"title"`
	Purpose        profile.Text         `json:"purpose,omitempty"`
	Outcome        profile.Outcome      `json:"outcome"`
	Score          float64              `json:"score"`
	Requirements   []ReceiptRequirement `json:"requirements"`
	Gap            []ReceiptGap         `json:"gap"`
	Plan           *ReceiptPlan         `json:"plan,omitempty"`
	Credentials    []string             `json:"credentials"`
	Rejected       []ReceiptRejection   `json:"rejected"`
}

// receiptOf builds the receipt payload of d under p.
func (v *Verifier) receiptOf(d *Decision, p *profile.Profile) *Receipt {
	r := &Receipt{Iss: v.did, Iat: d.DecidedAt.Unix(), Jti: d.TransactionID, VerifierName: p.Verifier,
		Profile: d.Profile, ProfileVersion: d.ProfileVersion, Kind: p.Kind, Title: p.Title, Purpose: p.Purpose,
		Outcome: d.Outcome, Score: d.Score, Credentials: d.Credentials,
		Requirements: make([]ReceiptRequirement, 0, len(d.Requirements)), Gap: make([]ReceiptGap, 0, len(d.Gap)),
		Rejected: make([]ReceiptRejection, 0, len(d.Rejected))}
	for _, rr := range d.Requirements {
		x := ReceiptRequirement{ID: rr.ID, Title: rr.Title, Required: rr.Required, Status: rr.Status, Reason: rr.Reason}
		for _, ev := range rr.Evidence {
			if ev.Credential != "" && !slices.Contains(x.Credentials, ev.Credential) {
				x.Credentials = append(x.Credentials, ev.Credential)
			}
		}
		r.Requirements = append(r.Requirements, x)
	}
	for _, g := range d.Gap {
		r.Gap = append(r.Gap, ReceiptGap{Skill: g.Skill, Label: receiptLabel(g), Requirement: g.Requirement, Required: g.Required})
	}
	if lp := d.LearningPlan; lp != nil {
		pl := &ReceiptPlan{Kind: d.PlanKind, Institution: lp.Institution, Programme: lp.Programme, StudyLoad: lp.StudyLoad,
			NextIntake: lp.NextIntake, Uncovered: lp.Uncovered, Modules: make([]ReceiptModule, 0, len(lp.Modules))}
		if pl.Uncovered == nil {
			pl.Uncovered = []string{}
		}
		for _, m := range lp.Modules {
			pl.Modules = append(pl.Modules, ReceiptModule{Code: m.Code, Title: m.Title, StudyLoad: m.StudyLoad, NextStart: m.NextStart})
		}
		r.Plan = pl
	}
	for _, rj := range d.Rejected {
		r.Rejected = append(r.Rejected, ReceiptRejection{QueryID: rj.QueryID, Index: rj.Index, Class: rj.Class})
	}
	return r
}

// receiptLabel is a gap skill's label without the English stand-in for
// a Dutch label ESCO does not have: the wallet then shows the English one
// marked as English (docs/receipt.md).
func receiptLabel(g profile.GapSkill) profile.Text {
	if sk, ok := ppp.ESCOSkill(g.Skill); ok && sk.LabelNl == "" && g.Label["nl"] != "" {
		return profile.Text{"en": g.Label["en"]}
	}
	return g.Label
}

// signReceipt signs the holder's receipt (docs/receipt.md): the decision
// with its texts in both languages, the credentials used by hash, under
// the verifier's DID. The payload is encoded once.
func (v *Verifier) signReceipt(d *Decision, p *profile.Profile) (string, error) {
	b, err := json.Marshal(v.receiptOf(d, p))
	if err != nil {
		return "", fmt.Errorf("encode receipt: %w", err)
	}
	return jose.Sign(v.key, TypReceipt, nil, b)
}
