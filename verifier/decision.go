package verifier

import (
	"encoding/json"
	"fmt"
	"time"

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

// receiptRequirement is one requirement in a receipt.
type receiptRequirement struct {
	ID          string         `json:"id"`
	Status      profile.Status `json:"status"`
	Reason      profile.Reason `json:"reason"`
	Credentials []string       `json:"credentials,omitempty"`
}

// receipt is the payload of a decision receipt.
type receipt struct {
	Iss            string               `json:"iss"`
	Iat            int64                `json:"iat"`
	Jti            string               `json:"jti"`
	Profile        string               `json:"profile"`
	ProfileVersion string               `json:"profile_version"`
	Outcome        profile.Outcome      `json:"outcome"`
	Score          float64              `json:"score"`
	Requirements   []receiptRequirement `json:"requirements"`
	Credentials    []string             `json:"credentials"`
	Rejected       []Rejection          `json:"rejected,omitempty"`
}

// signReceipt signs the holder's receipt: which requirements were met by
// which credentials (by hash, not content), under which profile version.
func (v *Verifier) signReceipt(d *Decision) (string, error) {
	r := receipt{Iss: v.did, Iat: d.DecidedAt.Unix(), Jti: d.TransactionID, Profile: d.Profile,
		ProfileVersion: d.ProfileVersion, Outcome: d.Outcome, Score: d.Score, Credentials: d.Credentials, Rejected: d.Rejected}
	for _, rr := range d.Requirements {
		x := receiptRequirement{ID: rr.ID, Status: rr.Status, Reason: rr.Reason}
		for _, ev := range rr.Evidence {
			if ev.Credential != "" {
				x.Credentials = append(x.Credentials, ev.Credential)
			}
		}
		r.Requirements = append(r.Requirements, x)
	}
	b, err := json.Marshal(r)
	if err != nil {
		return "", fmt.Errorf("encode receipt: %w", err)
	}
	return jose.Sign(v.key, TypReceipt, nil, b)
}
