package wallet

import (
	"context"
	"errors"

	"github.com/loopbrug/paspoort/credentials/sdjwtvc"
	"github.com/loopbrug/paspoort/credentials/statuslist"
)

// Status is the state of a credential as "my paspoort" shows it.
type Status string

// The states of a credential.
const (
	// StatusValid: the issuer's status list says VALID.
	StatusValid Status = "valid"
	// StatusNone: the credential has no status list entry; it is valid
	// until it expires.
	StatusNone Status = "no_status"
	// StatusRevoked: the status list says INVALID.
	StatusRevoked Status = "revoked"
	// StatusSuspended: the status list says SUSPENDED.
	StatusSuspended Status = "suspended"
	// StatusExpired: "exp" has passed.
	StatusExpired Status = "expired"
	// StatusUnknown: the status list could not be fetched or trusted.
	StatusUnknown Status = "unknown"
	// StatusNotChecked: the status was not checked (offline).
	StatusNotChecked Status = "not_checked"
)

// CheckStatus returns the status of c: expired by its "exp", else the
// status of its first copy's status list entry, fetched and verified
// through the wallet's status list checker, which caches each list until its
// "ttl" runs out. With offline, status lists are not fetched. The error
// explains StatusUnknown and is nil otherwise.
func (w *Wallet) CheckStatus(ctx context.Context, c *Credential, offline bool) (Status, error) {
	if !c.ExpiresAt.IsZero() && w.cfg.now().After(c.ExpiresAt) {
		return StatusExpired, nil
	}
	var ref = firstRef(c)
	if ref == nil {
		return StatusNone, nil
	}
	if offline {
		return StatusNotChecked, nil
	}
	err := w.checker.CheckStatus(ctx, c.Issuer, *ref)
	switch {
	case err == nil:
		return StatusValid, nil
	case errors.Is(err, statuslist.ErrRevoked):
		return StatusRevoked, nil
	case errors.Is(err, statuslist.ErrSuspended):
		return StatusSuspended, nil
	}
	return StatusUnknown, err
}

func firstRef(c *Credential) *sdjwtvc.StatusRef {
	for _, r := range c.Status {
		if r != nil {
			return r
		}
	}
	return nil
}
