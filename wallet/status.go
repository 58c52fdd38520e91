package wallet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/loopbrug/paspoort/credentials/statuslist"
)

// Status is the state of a credential, or of one of its copies, as "my
// paspoort" shows it.
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

// severity orders the states a credential's status is the worst of.
var severity = map[Status]int{
	StatusNone: 0, StatusValid: 1, StatusNotChecked: 2, StatusUnknown: 3, StatusSuspended: 4, StatusRevoked: 5, StatusExpired: 6,
}

// StatusReport is the status of a credential and of each of its copies.
type StatusReport struct {
	// Status is the credential's status: StatusExpired when its "exp" has
	// passed, else the worst status of its copies (revoked over suspended
	// over unknown over not checked over valid over no status), so that a
	// credential one of whose copies the issuer revoked does not show as
	// valid.
	Status Status `json:"status"`
	// Copies is the status of each copy, in copy order (nil when the
	// credential has expired: no copy was checked).
	Copies []Status `json:"copies,omitempty"`
}

// CheckStatus returns the status of c and of every one of its copies
// (batch issuance gives each copy its own status list entry, and an issuer
// may revoke one copy). Each copy's entry is fetched and verified through the
// wallet's status list checker, which caches each list until its "ttl"
// runs out, so copies on one list cost one fetch. With offline, status lists
// are not fetched (StatusNotChecked). The error joins the reasons of every
// StatusUnknown copy and is nil otherwise.
func (w *Wallet) CheckStatus(ctx context.Context, c *Credential, offline bool) (StatusReport, error) {
	if !c.ExpiresAt.IsZero() && w.cfg.now().After(c.ExpiresAt) {
		return StatusReport{Status: StatusExpired}, nil
	}
	r := StatusReport{Status: StatusNone, Copies: make([]Status, c.Copies)}
	var errs []error
	for i := range r.Copies {
		st := StatusNone
		if i < len(c.Status) && c.Status[i] != nil {
			st = StatusNotChecked
			if !offline {
				var err error
				st, err = w.copyStatus(ctx, c, i)
				if err != nil {
					errs = append(errs, fmt.Errorf("copy %d: %w", i, err))
				}
			}
		}
		r.Copies[i] = st
		if severity[st] > severity[r.Status] {
			r.Status = st
		}
	}
	if err := w.rememberStatus(ctx, c.ID, r.Copies); err != nil && !errors.Is(err, ErrClosed) {
		w.cfg.logger.WarnContext(ctx, "last known status not stored", "credential_id", c.ID, "error", err.Error())
	}
	return r, errors.Join(errs...)
}

// definitive reports whether a copy status was established by its issuer
// (or by the absence of a status list entry), as opposed to not checked or
// not established.
func definitive(s Status) bool {
	switch s {
	case StatusValid, StatusRevoked, StatusSuspended, StatusNone:
		return true
	}
	return false
}

// issuerStatus reports whether a copy status is one the issuer's status list
// established: what LastStatus keeps (StatusNone follows from the
// credential itself and is not stored).
func issuerStatus(s Status) bool {
	return s == StatusValid || s == StatusRevoked || s == StatusSuspended
}

// mergeStatus returns, per copy, the status of cur where it is definitive,
// else that of last.
func mergeStatus(last, cur []Status) []Status {
	out := make([]Status, len(cur))
	for i, st := range cur {
		switch {
		case definitive(st):
			out[i] = st
		case i < len(last) && definitive(last[i]):
			out[i] = last[i]
		}
	}
	return out
}

// rememberStatus stores the definitive statuses of a check as the
// credential's LastStatus, when they change it.
func (w *Wallet) rememberStatus(ctx context.Context, id string, cur []Status) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return ErrClosed
	}
	c, ok := w.index[id]
	if !ok || len(cur) != c.Copies {
		return nil // deleted meanwhile, or an expired credential (no copies checked)
	}
	merged := mergeStatus(c.LastStatus, cur)
	for i, st := range merged {
		if !issuerStatus(st) {
			merged[i] = ""
		}
	}
	if slices.Equal(merged, c.LastStatus) || (c.LastStatus == nil && !slices.ContainsFunc(merged, issuerStatus)) {
		return nil
	}
	v, err := w.store.Get(ctx, Ref{KindDEK, id})
	if err != nil {
		return err
	}
	s, err := w.openDEK(id, v)
	if err != nil {
		return err
	}
	nc := *c
	nc.LastStatus = merged
	b, err := json.Marshal(&nc)
	if err != nil {
		return err
	}
	sealed, err := s.Seal(Ref{KindCredential, id}.Key(), b)
	clear(b)
	if err != nil {
		return err
	}
	if err := w.store.Apply(ctx, Batch{Put: []Record{{KindCredential, id, sealed}}}); err != nil {
		return err
	}
	w.index[id] = &nc
	return nil
}

// knownStatus checks the status of every copy of a credential (CheckStatus,
// status lists cached by their ttl) and returns, per copy, the status now
// established or else the last known one. An expired credential is
// ErrNoUsableCopy.
func (w *Wallet) knownStatus(ctx context.Context, id string) ([]Status, error) {
	c, err := w.Credential(id)
	if err != nil {
		return nil, err
	}
	r, _ := w.CheckStatus(ctx, c, false) // a copy not established counts as unknown
	if r.Status == StatusExpired {
		return nil, fmt.Errorf("%w: credential %s expired", ErrNoUsableCopy, id)
	}
	return mergeStatus(c.LastStatus, r.Copies), nil
}

func (w *Wallet) copyStatus(ctx context.Context, c *Credential, i int) (Status, error) {
	err := w.checker.CheckStatus(ctx, c.Issuer, *c.Status[i])
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
