package wallet

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"time"
)

// Presentation is one entry of the wallet's history: what was shared, when,
// with whom and for what. It is stored sealed inside the wallet and nowhere
// else; claim values are not recorded, only which claims were disclosed.
type Presentation struct {
	// ID is time-ordered: the history lists in the order of sharing.
	ID string `json:"id"`
	// Time is when the presentation was sent.
	Time time.Time `json:"time"`
	// Verifier is the verifier's client_id.
	Verifier string `json:"verifier"`
	// VerifierName is the verifier's display name, if it gave one.
	VerifierName string `json:"verifier_name,omitempty"`
	// Purpose is the purpose the verifier stated, if any.
	Purpose string `json:"purpose,omitempty"`
	// ResponseURI is where the response was posted.
	ResponseURI string `json:"response_uri,omitempty"`
	// Credentials lists what was disclosed from which credential.
	Credentials []Shared `json:"credentials"`
	// Outcome is "sent" when the verifier accepted the response, or
	// "rejected" when it answered with an error.
	Outcome string `json:"outcome"`
	// Decision is the verifier's signed decision, verified before it was
	// kept (docs/receipt.md); nil when none came back or it did not
	// verify.
	Decision *Decision `json:"decision,omitempty"`
}

// Shared is what one presentation disclosed from one credential.
type Shared struct {
	CredentialID string `json:"credential_id"`
	QueryID      string `json:"query_id"`
	VCT          string `json:"vct"`
	Issuer       string `json:"issuer"`
	// Claims are the JSON Pointers of the disclosed claims.
	Claims []string `json:"claims"`
}

// historyID returns a time-ordered id: 16 hex digits of nanoseconds and 8
// random ones.
func historyID(t time.Time) string {
	var b [12]byte
	binary.BigEndian.PutUint64(b[:8], uint64(t.UnixNano()))
	_, _ = rand.Read(b[8:])
	return hex.EncodeToString(b[:])
}

// Record adds an entry to the history, sealed with the wallet's data key.
// Its ID and, when zero, its Time are set here.
func (w *Wallet) Record(ctx context.Context, p Presentation) (Presentation, error) {
	if p.Time.IsZero() {
		p.Time = w.cfg.now().UTC()
	}
	p.ID = historyID(p.Time)
	return p, w.putHistory(ctx, p)
}

// History returns every presentation, oldest first.
func (w *Wallet) History(ctx context.Context) ([]Presentation, error) {
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.closed {
		return nil, ErrClosed
	}
	var out []Presentation
	err := w.store.Scan(ctx, KindHistory, func(id string, v []byte) error {
		var p Presentation
		if err := openJSON(w.master, Ref{KindHistory, id}, v, &p); err != nil {
			return err
		}
		out = append(out, p)
		return nil
	})
	return out, err
}
