package verifier

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Status is a transaction's state and, once decided, its decision, as the
// admin API returns it.
type Status struct {
	TransactionID string    `json:"transaction_id"`
	Profile       string    `json:"profile"`
	Status        TxStatus  `json:"status"`
	Decision      *Decision `json:"decision,omitempty"`
}

// Result returns the state of a transaction for the school's or employer's
// own back end (the admin API). With wait > 0 it waits up to wait for a
// decision.
func (v *Verifier) Result(ctx context.Context, id string, wait time.Duration) (*Status, error) {
	deadline := time.Now().Add(wait)
	for {
		tx, err := v.store.Transaction(ctx, id)
		if errors.Is(err, ErrNotFound) {
			return nil, fmt.Errorf("transaction: %w", ErrUnknownTransaction)
		}
		if err != nil {
			return nil, fmt.Errorf("transaction: %w", err)
		}
		if tx.Status == TxDecided || !time.Now().Before(deadline) {
			return &Status{TransactionID: tx.ID, Profile: tx.ProfileID, Status: tx.Status, Decision: tx.Decision}, nil
		}
		select {
		case <-ctx.Done():
			return &Status{TransactionID: tx.ID, Profile: tx.ProfileID, Status: tx.Status}, nil
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// RedeemResult releases the decision to the front end that started the
// transaction, only against the response code the wallet's redirect
// carried, once (OpenID4VP "Session Fixation", SECURITY.md C.30).
func (v *Verifier) RedeemResult(ctx context.Context, id, responseCode string) (*Decision, error) {
	if responseCode == "" {
		return nil, ErrResponseCode
	}
	tx, err := v.store.RedeemResponseCode(ctx, id, hashToken(responseCode))
	if errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("transaction: %w", ErrUnknownTransaction)
	}
	if err != nil {
		return nil, fmt.Errorf("redeem response code: %w", err)
	}
	return tx.Decision, nil
}
