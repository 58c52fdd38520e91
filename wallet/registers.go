package wallet

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/dcql"
	"github.com/loopbrug/paspoort/credentials/oid4vp"
	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/credentials/registry"
	"github.com/loopbrug/paspoort/internal/jose"
)

// KindRegister holds one consortium register the holder follows (issue
// 12): its URL, the key pinned for it, the follower state and the last
// register accepted, sealed with the wallet's data key.
const KindRegister Kind = "r"

// registerRefresh is how long an accepted register is used before it is
// fetched again.
const registerRefresh = time.Hour

// FollowedRegister is a consortium register the wallet follows.
type FollowedRegister struct {
	// URL is where the consortium publishes the current register
	// (…/register.jwt).
	URL string `json:"url"`
	// Pinned is the key the holder gave when she started following it.
	Pinned *registry.Key `json:"pinned"`
	// State is what the wallet accepted so far (version chain, next keys).
	State registry.State `json:"state"`
	// Token is the last register accepted.
	Token string `json:"token"`
	// Fetched is when it was last fetched and accepted.
	Fetched time.Time `json:"fetched"`
}

// Errors of registers.
var (
	// ErrRegisterFollowed reports a register the wallet already follows.
	ErrRegisterFollowed = errors.New("wallet: this register is followed already")
	// ErrRegisterNotFollowed reports a register the wallet does not follow.
	ErrRegisterNotFollowed = errors.New("wallet: this register is not followed")
	// ErrOverAsking (TRUST) reports a request for claims outside the
	// profiles the verifier is registered for; nothing is shown or sent.
	ErrOverAsking = credentials.NewError(credentials.ErrTrust, "verifier asks for more than it is registered for")
)

// OverAskingError says which claims a registered verifier asked for beyond
// its registration. It wraps ErrOverAsking.
type OverAskingError struct {
	// Verifier is the verifier's registered name (Dutch), Consortium the
	// consortium that registered it.
	Verifier, Consortium string
	// Claims are the claims asked beyond the registration.
	Claims []registry.ClaimRef
}

func (e *OverAskingError) Error() string {
	var parts []string
	for _, c := range e.Claims {
		parts = append(parts, c.Type+":"+strings.Join(c.Path, "/"))
	}
	return fmt.Sprintf("%v: %s asks for %s", ErrOverAsking, e.Verifier, strings.Join(parts, ", "))
}

func (e *OverAskingError) Unwrap() error { return ErrOverAsking }

// Registration is what the registers the wallet follows say of a verifier,
// for the consent screen.
type Registration struct {
	// Following is false when the wallet follows no register: nothing can
	// be said about the verifier.
	Following bool `json:"following"`
	// Registered is true when a followed register holds the verifier.
	Registered bool `json:"registered"`
	// Name and Kind are its registered name (nl, en) and kind
	// (admission, hiring, guidance).
	Name registry.Text         `json:"name"`
	Kind registry.VerifierKind `json:"kind,omitempty"`
	// Consortium is the consortium whose register holds it.
	Consortium registry.Consortium `json:"consortium"`
}

func registerID(url string) string {
	sum := sha256.Sum256([]byte(url))
	return hex.EncodeToString(sum[:12])
}

// FollowRegister starts following the consortium register at url, whose
// first version must be signed by key (pinned out of band: from the
// consortium's letter or site, never from the register itself). The
// register is fetched and checked now; nothing is stored unless it holds.
func (w *Wallet) FollowRegister(ctx context.Context, url string, key *jose.PublicKey) (*registry.Register, error) {
	if !strings.HasPrefix(url, "https://") {
		return nil, fmt.Errorf("%w: a register is fetched over https", credentials.ErrFetch)
	}
	id := registerID(url)
	if _, err := w.store.Get(ctx, Ref{KindRegister, id}); err == nil {
		return nil, ErrRegisterFollowed
	}
	f, err := registry.NewFollower([]*jose.PublicKey{key})
	if err != nil {
		return nil, err
	}
	reg, err := w.fetchRegister(ctx, url, f)
	if err != nil {
		return nil, err
	}
	fr := FollowedRegister{URL: url, Pinned: &registry.Key{PublicKey: key}, State: f.State(), Token: reg.Token, Fetched: w.cfg.now()}
	if err := w.putRegister(ctx, id, fr, true); err != nil {
		return nil, err
	}
	w.regMu.Lock()
	w.regSet = nil // rebuilt on next use
	w.regMu.Unlock()
	return reg, nil
}

// UnfollowRegister stops following the register at url (or of the
// consortium with that id).
func (w *Wallet) UnfollowRegister(ctx context.Context, urlOrConsortium string) error {
	frs, err := w.followed(ctx)
	if err != nil {
		return err
	}
	for id, fr := range frs {
		if fr.URL == urlOrConsortium || fr.State.Consortium == urlOrConsortium {
			if err := w.store.Apply(ctx, Batch{Delete: []Ref{{KindRegister, id}}}); err != nil {
				return err
			}
			w.regMu.Lock()
			w.regSet = nil
			w.regMu.Unlock()
			return nil
		}
	}
	return ErrRegisterNotFollowed
}

// Registers returns the registers the wallet follows, each with the last
// register accepted, refreshed when older than an hour (a failed refresh
// keeps the accepted one while it has not expired).
func (w *Wallet) Registers(ctx context.Context) ([]*registry.Register, error) {
	set, regs, err := w.registerSet(ctx)
	_ = set
	return regs, err
}

// registerSet returns the Set of the registers followed that have not
// expired (nil when none), refreshing those older than registerRefresh.
func (w *Wallet) registerSet(ctx context.Context) (*registry.Set, []*registry.Register, error) {
	w.regMu.Lock()
	defer w.regMu.Unlock()
	now := w.cfg.now()
	if w.regSet != nil && now.Sub(w.regBuilt) < registerRefresh {
		return w.regSet, w.regList, nil
	}
	frs, err := w.followed(ctx)
	if err != nil {
		return nil, nil, err
	}
	ids := make([]string, 0, len(frs))
	for id := range frs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var live []*registry.Register
	for _, id := range ids {
		fr := frs[id]
		reg, err := w.refreshRegister(ctx, id, fr, now)
		if err != nil {
			w.cfg.logger.InfoContext(ctx, "register not usable", "class", credentials.ClassName(err))
			continue
		}
		live = append(live, reg)
	}
	if len(live) == 0 {
		w.regSet, w.regList, w.regBuilt = nil, nil, now
		return nil, nil, nil
	}
	set, err := registry.NewSet(live...)
	if err != nil {
		return nil, nil, err
	}
	w.regSet, w.regList, w.regBuilt = set, live, now
	return set, live, nil
}

// refreshRegister returns the register of fr: the stored one, refetched
// when older than registerRefresh; an expired one only if a refresh
// succeeds.
func (w *Wallet) refreshRegister(ctx context.Context, id string, fr FollowedRegister, now time.Time) (*registry.Register, error) {
	f, err := registry.NewFollower([]*jose.PublicKey{fr.Pinned.PublicKey}, registry.WithState(fr.State))
	if err != nil {
		return nil, err
	}
	stored, err := f.Accept([]byte(fr.Token), now)
	if err == nil && now.Sub(fr.Fetched) < registerRefresh {
		return stored, nil
	}
	fresh, ferr := w.fetchRegister(ctx, fr.URL, f)
	if ferr != nil {
		if err == nil {
			return stored, nil // keep the accepted one until it expires
		}
		return nil, ferr
	}
	fr.State, fr.Token, fr.Fetched = f.State(), fresh.Token, now
	if err := w.putRegister(ctx, id, fr, false); err != nil {
		return nil, err
	}
	return fresh, nil
}

// fetchRegister fetches the current register at url and has f accept it,
// walking the versions f has not seen (…/register/N.jwt).
func (w *Wallet) fetchRegister(ctx context.Context, url string, f *registry.Follower) (*registry.Register, error) {
	res, err := w.fetch.Get(ctx, url, "application/jwt")
	if err != nil {
		return nil, fmt.Errorf("register %s: %w", url, err)
	}
	return f.Update(ctx, res.Body, func(ctx context.Context, n uint64) ([]byte, error) {
		res, err := w.fetch.Get(ctx, registry.VersionURL(url, n), "application/jwt")
		if err != nil {
			return nil, err
		}
		return res.Body, nil
	}, w.cfg.now())
}

func (w *Wallet) putRegister(ctx context.Context, id string, fr FollowedRegister, fresh bool) error {
	b, err := json.Marshal(fr)
	if err != nil {
		return err
	}
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.closed {
		return ErrClosed
	}
	sealed, err := w.master.Seal(Ref{KindRegister, id}.Key(), b)
	if err != nil {
		return err
	}
	batch := Batch{Put: []Record{{KindRegister, id, sealed}}}
	if fresh {
		batch.IfAbsent = []Ref{{KindRegister, id}}
	}
	if err := w.store.Apply(ctx, batch); err != nil {
		if errors.Is(err, ErrExists) {
			return ErrRegisterFollowed
		}
		return err
	}
	return nil
}

// followed reads the registers followed, by record id.
func (w *Wallet) followed(ctx context.Context) (map[string]FollowedRegister, error) {
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.closed {
		return nil, ErrClosed
	}
	out := map[string]FollowedRegister{}
	err := w.store.Scan(ctx, KindRegister, func(id string, v []byte) error {
		var fr FollowedRegister
		if err := openJSON(w.master, Ref{KindRegister, id}, v, &fr); err != nil {
			return err
		}
		if fr.Pinned == nil || fr.Pinned.PublicKey == nil {
			return fmt.Errorf("%w: register record %s has no pinned key", ErrCorrupt, id)
		}
		out[id] = fr
		return nil
	})
	return out, err
}

// checkRegistration applies the registers the wallet follows to a request
// (issue 12), after its signature is verified: every verifier_info entry of
// registry.VerifierInfoFormat must be for the request's client_id
// (registry.ErrForeignRegistration) and held by its consortium's register
// when the wallet follows it (registry.ErrNotRegistered); other formats are
// ignored (OpenID4VP §5.11). A registered verifier may ask only for the
// claims of its registered profiles: more is an *OverAskingError, and the
// request is refused. What the registers say of the verifier goes to
// pr.Registration for the consent screen.
func (w *Wallet) checkRegistration(ctx context.Context, pr *PresentationRequest, r *oid4vp.AuthorizationRequest) error {
	set, _, err := w.registerSet(ctx)
	if err != nil {
		return err
	}
	pr.Registration = &Registration{Following: set != nil}
	for _, vi := range r.VerifierInfo {
		if vi.Format != registry.VerifierInfoFormat {
			continue
		}
		reg, err := registry.ParseRegistration(vi.Data)
		if err != nil {
			return err
		}
		if _, err := set.CheckRegistration(reg, r.ClientID); err != nil {
			return err
		}
	}
	if set == nil {
		return nil
	}
	m, ok := set.Verifier(r.ClientID)
	if !ok {
		return nil
	}
	pr.Registration.Registered = true
	pr.Registration.Name, pr.Registration.Kind, pr.Registration.Consortium = m.Verifier.Name, m.Verifier.Kind, m.Consortium
	pr.VerifierName = m.Verifier.Name.NL // the register's name, not the one the request claims
	if out, _ := set.Outside(r.ClientID, requestedClaims(r.DCQLQuery)); len(out) > 0 {
		return &OverAskingError{Verifier: m.Verifier.Name.NL, Consortium: m.Consortium.Name.NL, Claims: out}
	}
	return nil
}

// requestedClaims lists the claims a DCQL query asks for, per credential
// type: a PPP type by name, another by its vct. A path is cut at its first
// array step (null or an index): the registration must cover the member
// that holds the array. A query without claims asks for no selectively
// disclosable claim (DCQL §6.1) and adds nothing.
func requestedClaims(q dcql.Query) []registry.ClaimRef {
	var out []registry.ClaimRef
	for _, cq := range q.Credentials {
		for _, vct := range cq.Meta.VCTValues {
			typ := vct
			if t, ok := ppp.LookupVCT(vct); ok {
				typ = t.Name
			}
			for _, c := range cq.Claims {
				path := memberPath(c.Path)
				out = append(out, registry.ClaimRef{Type: typ, Path: path})
			}
		}
	}
	return out
}

// ClaimWords names the claims asked beyond the registration as a person
// reads them, in lang: the credential's name and the claim's label
// ("Referentie: verklaring"), the technical name outside the PPP.
func (e *OverAskingError) ClaimWords(lang string) []string {
	var out []string
	for _, c := range e.Claims {
		t, ok := ppp.Lookup(c.Type)
		if !ok {
			t, ok = ppp.LookupVCT(c.Type)
		}
		if !ok {
			out = append(out, c.Type+": "+strings.Join(c.Path, "."))
			continue
		}
		name := t.Name
		if d, ok := t.Display[lang]; ok && d.Name != "" {
			name = d.Name
		}
		label := t.ClaimLabel(ppp.ClaimPath(c.Path), lang)
		if label == "" {
			label = strings.Join(c.Path, ".")
		}
		out = append(out, name+": "+label)
	}
	return out
}

// memberPath returns the object members a DCQL claims path starts with: the
// path cut at its first array step (null or an index).
func memberPath(p []any) []string {
	var out []string
	for _, e := range p {
		s, ok := e.(string)
		if !ok {
			break
		}
		out = append(out, s)
	}
	return out
}
