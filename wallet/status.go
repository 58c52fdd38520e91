package wallet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/loopbrug/paspoort/credentials/sdjwt"
	"github.com/loopbrug/paspoort/credentials/sdjwtvc"
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
//
// A copy whose issuer signed it with an x5c chain that leads to one of the
// wallet's issuer anchors (WithIssuerAnchors) is checked as on receipt: its
// status list must carry its own x5c chain to that same anchor, naming the
// same issuer (HAIP 1.0 §7; statuslist.Checker.CheckCertifiedStatus); a
// key found through the issuer's JWT VC Issuer Metadata or DID does not
// do, and a HAIP issuer need not publish either. A chain that no longer
// validates (an expired leaf) makes the copy StatusUnknown.
func (w *Wallet) CheckStatus(ctx context.Context, c *Credential, offline bool) (StatusReport, error) {
	if !c.ExpiresAt.IsZero() && w.cfg.now().After(c.ExpiresAt) {
		return StatusReport{Status: StatusExpired}, nil
	}
	r := StatusReport{Status: StatusNone, Copies: make([]Status, c.Copies)}
	var errs []error
	var certs []certification
	if !offline && c.Status != nil {
		var err error
		if certs, err = w.certifications(ctx, c); err != nil {
			errs = append(errs, err)
		}
	}
	for i := range r.Copies {
		st := StatusNone
		if i < len(c.Status) && c.Status[i] != nil {
			st = StatusNotChecked
			if !offline {
				var err error
				st, err = w.copyStatus(ctx, c, i, certs)
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

// certification is how a stored copy's issuer key is certified: cert is
// the x5c chain validated to an issuer anchor, nil when the copy carries no
// x5c or the wallet has no issuer anchors (the key is then found as
// before); err when its chain does not validate now.
type certification struct {
	cert *sdjwtvc.Certification
	err  error
}

// certifications validates the x5c chain of every stored copy of c to the
// wallet's issuer anchors at the wallet's time (sdjwtvc.X509Keys, as on
// receipt); nil without issuer anchors. The error is that of reading the
// copies: every copy is then StatusUnknown.
func (w *Wallet) certifications(ctx context.Context, c *Credential) ([]certification, error) {
	if w.cfg.issuerAnchors == nil {
		return nil, nil
	}
	w.mu.RLock()
	if w.closed {
		w.mu.RUnlock()
		return nil, ErrClosed
	}
	sec, _, err := w.secrets(ctx, c.ID)
	w.mu.RUnlock()
	if err != nil {
		return nil, fmt.Errorf("read the copies of credential %s: %w", c.ID, err)
	}
	out := make([]certification, len(sec.Copies))
	x := sdjwtvc.X509Keys{Anchors: w.cfg.issuerAnchors}
	for i, cp := range sec.Copies {
		t, err := sdjwt.Parse(cp.SDJWT)
		if err != nil {
			out[i].err = fmt.Errorf("%w: copy %d: %w", ErrCorrupt, i, err)
			continue
		}
		_, cert, err := x.ResolveIssuerKeyFromHeader(ctx, c.Issuer, t.JWT.Header, w.cfg.now())
		switch {
		case errors.Is(err, sdjwtvc.ErrNotApplicable):
		case err != nil:
			if ce := certificateError(err); ce != nil {
				err = ce
			}
			out[i].err = fmt.Errorf("issuer certificate: %w", err)
		default:
			out[i].cert = cert
		}
	}
	return out, nil
}

// copyStatus checks the status list entry of copy i: through the certified
// path when certs has a certification for it.
func (w *Wallet) copyStatus(ctx context.Context, c *Credential, i int, certs []certification) (Status, error) {
	var err error
	switch {
	case certs == nil && w.cfg.issuerAnchors != nil:
		return StatusUnknown, fmt.Errorf("%w: the copies could not be read", ErrCorrupt)
	case i < len(certs) && certs[i].err != nil:
		return StatusUnknown, certs[i].err
	case i < len(certs) && certs[i].cert != nil:
		err = w.checker.CheckCertifiedStatus(ctx, c.Issuer, certs[i].cert, *c.Status[i])
	default:
		err = w.checker.CheckStatus(ctx, c.Issuer, *c.Status[i])
	}
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
