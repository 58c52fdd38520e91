package wallet

import "context"

// PutHistoryForTest stores a history entry as it is, sealed as Record
// seals it: tests use it to tamper with a stored decision.
func (w *Wallet) PutHistoryForTest(ctx context.Context, p Presentation) error {
	return w.putHistory(ctx, p)
}
