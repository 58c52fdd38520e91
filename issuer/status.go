package issuer

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"sync"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/statuslist"
)

// Errors of status management.
var (
	// ErrUnknownCredential reports a credential ID the issuer never issued.
	ErrUnknownCredential = credentials.NewError(credentials.ErrFormat, "unknown credential")
	// ErrUnknownStatusList reports a status list that does not exist.
	ErrUnknownStatusList = credentials.NewError(credentials.ErrFormat, "unknown status list")
	// ErrRevokedIsFinal reports a change of a revoked credential's status:
	// revocation cannot be undone.
	ErrRevokedIsFinal = credentials.NewError(credentials.ErrStatus, "a revoked credential stays revoked")
	// ErrBadStatus reports a status name other than valid, revoked and
	// suspended.
	ErrBadStatus = credentials.NewError(credentials.ErrFormat, "unknown status")
)

// statusBits is the number of bits per status list entry: VALID, INVALID
// and SUSPENDED need two.
const statusBits = 2

// metaCurrentList names the meta value holding the list new credentials
// get their index from.
const metaCurrentList = "status-current-list"

// maxPicks is how many random indices are tried before a list counts as
// full and the next one is opened. At half load the chance of a false
// "full" is 2^-16.
const maxPicks = 16

// allocateIndex picks a random free index in the current status list
// (TSL §12.5: random, not sequential, so indices do not reveal issuance
// order), opening a new list when the current one is full.
func (is *Issuer) allocateIndex(tx Tx) (list, idx int, err error) {
	list, err = metaInt(tx, metaCurrentList, 1)
	if err != nil {
		return 0, 0, err
	}
	for picks := 0; ; picks++ {
		if picks == maxPicks {
			list++
			if err := tx.PutMeta(metaCurrentList, []byte(strconv.Itoa(list))); err != nil {
				return 0, 0, err
			}
			picks = 0
		}
		n, err := rand.Int(rand.Reader, big.NewInt(int64(is.cfg.StatusListSize)))
		if err != nil {
			return 0, 0, err
		}
		idx = int(n.Int64())
		ok, err := tx.ClaimIndex(list, idx)
		if err != nil {
			return 0, 0, err
		}
		if ok {
			return list, idx, nil
		}
	}
}

// statusURI returns the stable URL of status list list.
func (is *Issuer) statusURI(list int) string {
	return is.endpoint("/status/" + strconv.Itoa(list))
}

// statusCache holds the signed token of each list until it is half its
// ttl old or a status in it changes. A token built from statuses read
// before a change is not kept: every drop and invalidate moves the
// generation on, and put keeps a token only when the generation is still
// the one seen before its statuses were read.
type statusCache struct {
	mu     sync.Mutex
	tokens map[int]cachedToken
	gen    uint64
}

type cachedToken struct {
	token string
	iat   time.Time
	// version is the list's status version (metaStatusVersion) the token
	// was built from.
	version int
}

// get returns the cached token of list if it is younger than maxAge and
// was built from the list's current status version: a change another
// replica made to the shared store moves the version on.
func (c *statusCache) get(list int, now time.Time, maxAge time.Duration, version int) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.tokens[list]
	if !ok || now.Sub(t.iat) >= maxAge || t.version != version {
		return "", false
	}
	return t.token, true
}

// metaStatusVersion names the counter of status changes of a list, kept in
// the store: every replica sharing the store sees a change by the counter
// and builds a new token at once, instead of serving its own cached one
// for up to half the ttl.
func metaStatusVersion(list int) string { return "status-version-" + strconv.Itoa(list) }

// generation returns the generation to hand to put for a token about to be
// built.
func (c *statusCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// put keeps t unless a status changed since gen was read.
func (c *statusCache) put(list int, gen uint64, t cachedToken) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.tokens == nil {
		c.tokens = map[int]cachedToken{}
	}
	c.tokens[list] = t
}

func (c *statusCache) drop(list int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	delete(c.tokens, list)
}

func (c *statusCache) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.tokens = nil
}

// StatusListToken returns the signed Status List Token (statuslist+jwt) of
// list: "sub" its stable URL, "iat" now, "exp" a day later, "ttl" the
// configured StatusListTTL, 2 bits per entry. Tokens are cached for half
// their ttl and re-signed at once after a status change (SetStatus), also
// one that lands while a token is being built (that token is served once
// but not cached), and one another replica sharing the store made (the
// list's status version in the store moved on).
func (is *Issuer) StatusListToken(ctx context.Context, list int) (string, error) {
	now := is.now()
	gen := is.status.generation()
	l, err := statuslist.New(statusBits, is.cfg.StatusListSize)
	if err != nil {
		return "", err
	}
	var cached string
	var version int
	err = is.store.View(ctx, func(tx Tx) error {
		cur, err := metaInt(tx, metaCurrentList, 1)
		if err != nil {
			return err
		}
		if list < 1 || list > cur {
			return ErrUnknownStatusList
		}
		if version, err = metaInt(tx, metaStatusVersion(list), 0); err != nil {
			return err
		}
		if tok, ok := is.status.get(list, now, is.cfg.StatusListTTL/2, version); ok {
			cached = tok
			return nil
		}
		var setErr error
		err = tx.Statuses(list, func(idx int, s uint8) {
			if e := l.Set(idx, statuslist.Status(s)); e != nil && setErr == nil {
				setErr = e
			}
		})
		return errors.Join(err, setErr)
	})
	if err != nil {
		return "", fmt.Errorf("status list %d: %w", list, err)
	}
	if cached != "" {
		return cached, nil
	}
	iat := now.Truncate(time.Second)
	// With Config.X5CChain the list carries the chain too (HAIP 1.0 §7:
	// relying parties take the list's key from its x5c).
	tok, err := statuslist.SignTokenWithX5C(is.headerKey(), statuslist.Token{
		Subject: is.statusURI(list), IssuedAt: iat, Expires: iat.Add(24 * time.Hour), TTL: is.cfg.StatusListTTL, List: l,
	}, is.certificateChain())
	if err != nil {
		return "", fmt.Errorf("sign status list %d: %w", list, err)
	}
	is.status.put(list, gen, cachedToken{token: tok, iat: now, version: version})
	return tok, nil
}

// statusCode maps a status name to its Status Type (TSL "Status Types").
func statusCode(s string) (statuslist.Status, error) {
	switch s {
	case StatusValid:
		return statuslist.Valid, nil
	case StatusRevoked:
		return statuslist.Invalid, nil
	case StatusSuspended:
		return statuslist.Suspended, nil
	}
	return 0, fmt.Errorf("%w: %q", ErrBadStatus, s)
}

// SetStatus sets the status of an issued credential: revoked (INVALID,
// final), suspended (SUSPENDED) or valid (reinstates a suspended
// credential). The change is durable before SetStatus returns, and the
// next status list token shows it.
func (is *Issuer) SetStatus(ctx context.Context, id, status string) (*CredentialRecord, error) {
	code, err := statusCode(status)
	if err != nil {
		return nil, err
	}
	var rec *CredentialRecord
	err = is.store.Update(ctx, func(tx Tx) error {
		r, err := tx.Credential(id)
		if errors.Is(err, ErrNotFound) {
			return ErrUnknownCredential
		}
		if err != nil {
			return err
		}
		if r.Status == StatusRevoked && status != StatusRevoked {
			return ErrRevokedIsFinal
		}
		r.Status, r.UpdatedAt = status, is.now().UTC()
		if err := tx.SetStatus(r.StatusList, r.StatusIndex, uint8(code)); err != nil {
			return err
		}
		v, err := metaInt(tx, metaStatusVersion(r.StatusList), 0)
		if err != nil {
			return err
		}
		if err := tx.PutMeta(metaStatusVersion(r.StatusList), []byte(strconv.Itoa(v+1))); err != nil {
			return err
		}
		rec = r
		return tx.PutCredential(r)
	})
	if err != nil {
		return nil, fmt.Errorf("set status of credential %q: %w", trunc(id), err)
	}
	is.status.drop(rec.StatusList)
	is.metrics.statusChanges.WithLabelValues(status).Inc()
	is.log.Info("credential status changed", "credential_id", id, "status", status)
	return rec, nil
}

// ListCredentials returns up to limit issued-credential records (metadata
// only) in ID order after the ID after.
func (is *Issuer) ListCredentials(ctx context.Context, after string, limit int) ([]CredentialRecord, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	var out []CredentialRecord
	err := is.store.View(ctx, func(tx Tx) error {
		out = out[:0]
		return tx.Credentials(after, func(r *CredentialRecord) bool {
			out = append(out, *r)
			return len(out) < limit
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list credentials: %w", err)
	}
	return out, nil
}

// CredentialByID returns the metadata record of an issued credential.
func (is *Issuer) CredentialByID(ctx context.Context, id string) (*CredentialRecord, error) {
	var rec *CredentialRecord
	err := is.store.View(ctx, func(tx Tx) error {
		var err error
		rec, err = tx.Credential(id)
		return err
	})
	if errors.Is(err, ErrNotFound) {
		return nil, ErrUnknownCredential
	}
	if err != nil {
		return nil, fmt.Errorf("load credential: %w", err)
	}
	return rec, nil
}

func trunc(s string) string {
	if len(s) <= 64 {
		return s
	}
	return s[:64] + "…"
}
