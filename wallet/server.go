package wallet

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/loopbrug/paspoort/credentials"

	"github.com/loopbrug/paspoort/internal/bounded"
)

// Errors of the Server.
var (
	// ErrLocked reports a request without a live session: the wallet is
	// locked, the session was never opened, or it ran idle.
	ErrLocked = credentials.NewError(credentials.ErrFormat, "wallet: locked (unlock first)")
	// ErrTooManyAttempts (LIMIT) reports an unlock attempt made too soon
	// after failed ones.
	ErrTooManyAttempts = credentials.NewError(credentials.ErrLimit, "wallet: too many failed unlock attempts, wait before trying again")
)

// Defaults and bounds of ServerConfig and the Server's own state.
const (
	// DefaultIdleTimeout is how long a session lives without a request.
	DefaultIdleTimeout = 15 * time.Minute
	// MaxIdleTimeout bounds ServerConfig.IdleTimeout.
	MaxIdleTimeout = 24 * time.Hour
	// SessionCookie is the name of the session cookie.
	SessionCookie = "paspoort_wallet_session"
	// CSRFHeader is the request header that must carry the session's CSRF
	// token on every state-changing request.
	CSRFHeader = "X-CSRF-Token"
	// pendingTTL is how long a resolved offer or presentation request
	// waits for the holder's decision.
	pendingTTL = 10 * time.Minute
	// maxPending bounds the offers and requests awaiting a decision.
	maxPending = 32
	// maxSessions bounds the live sessions; the least recently used one
	// goes when a new one would exceed it.
	maxSessions = 16
	// unlockFreeAttempts is the number of failed unlocks before each
	// further attempt has to wait, 1 s doubling up to maxUnlockDelay.
	unlockFreeAttempts = 3
	maxUnlockDelay     = 5 * time.Minute
)

// ServerConfig configures a Server. The zero value is usable: every field
// has a default.
type ServerConfig struct {
	// IdleTimeout ends a session after this long without a request; when
	// the last session ends the wallet is locked (its data key forgotten).
	// Default DefaultIdleTimeout, at most MaxIdleTimeout.
	IdleTimeout time.Duration
	// AllowedHosts are the host names (without port) the Host header of a
	// request may name; anything else is refused, so that a DNS-rebound
	// name cannot reach the API. Default: localhost, 127.0.0.1 and ::1.
	AllowedHosts []string
	// SecureCookie marks the session cookie Secure and expects https
	// origins: set it when the API is served over TLS. Default false
	// (http on loopback).
	SecureCookie bool
	// WalletOptions are passed to Open when the wallet is unlocked.
	WalletOptions []Option
	// Logger receives request and session events: routes, statuses, error
	// classes and ids; never passphrases, tokens, claim values or
	// credentials. Default slog.New(slog.DiscardHandler).
	Logger *slog.Logger
	// Now is the clock of sessions and pending decisions. Default
	// time.Now.
	Now func() time.Time
	// OwnerCode, when set, opens the owner's way past the unlock backoff:
	// Serve makes a random one-time owner code when it starts, and a
	// fresh one after each use, and hands each to OwnerCode, which shows
	// it to the owner only (wallet serve prints it on the terminal that
	// started it; it is never logged). An unlock that sends the current
	// code as "owner_code" with the passphrase is not held up by the
	// failed attempts of others: it has a backoff of its own, on the same
	// schedule. A code that is not the current one is ignored, and the
	// attempt waits like any other. Default nil: no owner code.
	OwnerCode func(code string)
}

func (c *ServerConfig) validate() error {
	if c.IdleTimeout == 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	if c.IdleTimeout < 0 || c.IdleTimeout > MaxIdleTimeout {
		return fmt.Errorf("wallet: idle timeout %v out of range (0, %v]", c.IdleTimeout, MaxIdleTimeout)
	}
	if len(c.AllowedHosts) == 0 {
		c.AllowedHosts = []string{"localhost", "127.0.0.1", "::1"}
	}
	hosts := make([]string, 0, len(c.AllowedHosts))
	for _, h := range c.AllowedHosts {
		h = strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(h, "["), "]"))
		if h == "" || strings.ContainsAny(h, "/@ ?#") || strings.Contains(h, ":") && net.ParseIP(h) == nil {
			return fmt.Errorf("wallet: allowed host %q: want a host name or IP address without port", h)
		}
		hosts = append(hosts, h)
	}
	c.AllowedHosts = hosts
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return nil
}

// Server serves the wallet's HTTP API (Handler, Serve) for the web wallet:
// the operations of the command line behind a session that the holder opens
// with the passphrase. It owns the unlocked Wallet: one per Server, shared by
// its sessions, locked when the last session ends (Lock, idle timeout) and
// when Serve returns.
//
// A Server is safe for concurrent use.
type Server struct {
	store Store
	cfg   ServerConfig

	// unlockMu lets one passphrase check run at a time: each costs the
	// argon2id memory.
	unlockMu sync.Mutex

	mu       sync.Mutex
	w        *Wallet
	sessions map[string]*session // by tokenKey of the cookie value
	pending  map[string]*pending // by id
	failures int
	retryAt  time.Time
	// owner is the one-time owner code (ServerConfig.OwnerCode), normalised;
	// ownerFailures and ownerRetryAt are the owner path's own backoff.
	owner         string
	ownerFailures int
	ownerRetryAt  time.Time
}

// session is one browser's session.
type session struct {
	csrf     string
	lastSeen time.Time
}

// pending is an offer or request awaiting the holder's decision, visible
// only to the session that resolved it.
type pending struct {
	session string
	expires time.Time
	offer   *Offer
	request *PresentationRequest
}

// keepOpen is the store as an unlocked Wallet sees it: locking (Close)
// forgets the wallet's keys but leaves the Server's store open.
type keepOpen struct{ Store }

func (keepOpen) Close() error { return nil }

// NewServer returns a Server for the wallet in store, locked. It fails with
// ErrNotInitialised when store holds no wallet, and ErrBadHeader when its
// header is malformed. The caller closes store after Serve returns.
func NewServer(ctx context.Context, store Store, cfg ServerConfig) (*Server, error) {
	if store == nil {
		return nil, errors.New("wallet: nil store")
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	b, err := store.Get(ctx, Ref{KindHeader, headerID})
	if errors.Is(err, ErrNotFound) {
		return nil, ErrNotInitialised
	}
	if err != nil {
		return nil, err
	}
	if _, err := parseHeader(b); err != nil {
		return nil, err
	}
	return &Server{store: store, cfg: cfg, sessions: map[string]*session{}, pending: map[string]*pending{}}, nil
}

// newToken returns 256 random bits, base64url.
func newToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// tokenKey is how a session token is kept: its hash, so that the map holds
// nothing a cookie could be made from.
func tokenKey(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// ownerCodeEncoding writes owner codes: RFC 4648 base32 (A–Z, 2–7; no 0,
// 1 or 8 to confuse with O, I or B).
var ownerCodeEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// newOwnerCode returns 100 random bits as four groups of five base32
// characters, for typing: ABCDE-FGHIJ-KLMNO-PQRST.
func newOwnerCode() string {
	b := make([]byte, 13)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	c := ownerCodeEncoding.EncodeToString(b)[:20]
	return c[:5] + "-" + c[5:10] + "-" + c[10:15] + "-" + c[15:20]
}

// normaliseOwnerCode drops dashes and spaces and upper-cases, so that a
// code typed in groups or in lower case counts.
func normaliseOwnerCode(c string) string {
	return strings.ToUpper(strings.NewReplacer("-", "", " ", "").Replace(c))
}

// rotateOwnerCodeLocked makes a fresh owner code and hands it to
// ServerConfig.OwnerCode; without that callback there is none.
func (s *Server) rotateOwnerCodeLocked() {
	if s.cfg.OwnerCode == nil {
		return
	}
	code := newOwnerCode()
	s.owner = normaliseOwnerCode(code)
	s.cfg.OwnerCode(code)
}

// isOwnerLocked reports whether code is the current owner code (constant
// time).
func (s *Server) isOwnerLocked(code string) bool {
	return s.owner != "" && code != "" && subtle.ConstantTimeCompare([]byte(normaliseOwnerCode(code)), []byte(s.owner)) == 1
}

// unlock checks passphrase, unlocking the wallet when it is locked, and
// opens a session: it returns the session token (the cookie's value) and
// its CSRF token. After unlockFreeAttempts failures, each attempt waits for
// the previous delay to pass (ErrTooManyAttempts with the time to retry).
// An attempt with the current owner code (ServerConfig.OwnerCode) counts
// and waits on a backoff of its own, so that others' failures do not lock
// the owner out; the code is spent when it unlocks.
func (s *Server) unlock(ctx context.Context, passphrase []byte, ownerCode string) (token, csrf string, err error) {
	s.unlockMu.Lock()
	defer s.unlockMu.Unlock()
	now := s.cfg.Now()
	s.mu.Lock()
	s.expireLocked(now)
	owner := s.isOwnerLocked(ownerCode)
	retry, w := s.retryAt, s.w
	if owner {
		retry = s.ownerRetryAt
	}
	s.mu.Unlock()
	if now.Before(retry) {
		return "", "", fmt.Errorf("%w (%s)", ErrTooManyAttempts, retry.Sub(now).Round(time.Second))
	}
	var opened *Wallet
	if w == nil {
		opened, err = Open(ctx, keepOpen{s.store}, passphrase, s.cfg.WalletOptions...)
	} else {
		err = CheckPassphrase(ctx, s.store, passphrase)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if errors.Is(err, ErrWrongPassphrase) {
		if owner {
			s.ownerFailures++
			s.ownerRetryAt = backoff(now, s.ownerFailures, s.ownerRetryAt)
			s.cfg.Logger.WarnContext(ctx, "unlock failed", "failures", s.ownerFailures, "owner_code", true)
			return "", "", err
		}
		s.failures++
		s.retryAt = backoff(now, s.failures, s.retryAt)
		s.cfg.Logger.WarnContext(ctx, "unlock failed", "failures", s.failures)
		return "", "", err
	}
	if err != nil {
		return "", "", err
	}
	if owner {
		// The owner's code is spent; the others' backoff stays as it is.
		s.ownerFailures, s.ownerRetryAt = 0, time.Time{}
		s.rotateOwnerCodeLocked()
		s.cfg.Logger.InfoContext(ctx, "unlocked with the owner code")
	} else {
		s.failures, s.retryAt = 0, time.Time{}
	}
	if opened != nil {
		if s.w != nil { // another unlock won meanwhile: keep one wallet
			opened.Close()
		} else {
			s.w = opened
			s.cfg.Logger.InfoContext(ctx, "wallet unlocked", "wallet_id", opened.ID())
		}
	}
	if len(s.sessions) >= maxSessions {
		s.dropOldestLocked()
	}
	token, csrf = newToken(), newToken()
	s.sessions[tokenKey(token)] = &session{csrf: csrf, lastSeen: now}
	return token, csrf, nil
}

// backoff returns when the next attempt may be made after the failures-th
// failure: at once for the first unlockFreeAttempts-1, then 1 s doubling
// up to maxUnlockDelay.
func backoff(now time.Time, failures int, retryAt time.Time) time.Time {
	if n := failures - unlockFreeAttempts; n >= 0 {
		return now.Add(min(time.Second<<min(n, 20), maxUnlockDelay))
	}
	return retryAt
}

func (s *Server) dropOldestLocked() {
	oldest := ""
	for k, se := range s.sessions {
		if oldest == "" || se.lastSeen.Before(s.sessions[oldest].lastSeen) {
			oldest = k
		}
	}
	s.endSessionLocked(oldest)
}

// endSessionLocked ends one session and forgets its pending decisions.
func (s *Server) endSessionLocked(key string) {
	delete(s.sessions, key)
	for id, p := range s.pending {
		if p.session == key {
			delete(s.pending, id)
		}
	}
}

// sessionFor returns the unlocked wallet and the session of token, and
// marks the session used. ErrLocked when there is none.
func (s *Server) sessionFor(token string) (*Wallet, string, *session, error) {
	if token == "" {
		return nil, "", nil, ErrLocked
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.cfg.Now()
	s.expireLocked(now)
	key := tokenKey(token)
	se, ok := s.sessions[key]
	if !ok || s.w == nil {
		return nil, "", nil, ErrLocked
	}
	se.lastSeen = now
	return s.w, key, se, nil
}

// Lock ends every session and locks the wallet: its data key is
// forgotten, and pending offers and requests are dropped.
func (s *Server) Lock() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lockLocked()
}

func (s *Server) lockLocked() {
	clear(s.sessions)
	clear(s.pending)
	if s.w != nil {
		s.w.Close()
		s.w = nil
		s.cfg.Logger.Info("wallet locked")
	}
}

// Unlocked reports whether the wallet is unlocked.
func (s *Server) Unlocked() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expireLocked(s.cfg.Now())
	return s.w != nil
}

// expireLocked ends idle sessions and drops stale pending decisions; with
// no session left, the wallet is locked.
func (s *Server) expireLocked(now time.Time) {
	for k, se := range s.sessions {
		if now.Sub(se.lastSeen) > s.cfg.IdleTimeout {
			s.endSessionLocked(k)
			s.cfg.Logger.Info("session expired")
		}
	}
	for id, p := range s.pending {
		if now.After(p.expires) {
			delete(s.pending, id)
		}
	}
	if len(s.sessions) == 0 && s.w != nil {
		s.lockLocked()
	}
}

// expire runs expireLocked; Serve calls it periodically so that an idle
// wallet is locked even when no request comes.
func (s *Server) expire() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expireLocked(s.cfg.Now())
}

// addPending keeps an offer or request for the session key and returns its
// id. The oldest pending decision goes when there are too many.
func (s *Server) addPending(key string, p *pending) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	bounded.MakeRoom(s.pending, maxPending, func(q *pending) time.Time { return q.expires })
	p.session = key
	p.expires = s.cfg.Now().Add(pendingTTL)
	id := newID()
	s.pending[id] = p
	return id
}

// takePending returns the pending decision id of session key, removing it
// when take is set. ErrNotFound when there is none, it expired, or it
// belongs to another session.
func (s *Server) takePending(key, id string, take bool) (*pending, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.pending[id]
	if !ok || p.session != key || s.cfg.Now().After(p.expires) {
		return nil, fmt.Errorf("%w: pending decision", ErrNotFound)
	}
	if take {
		delete(s.pending, id)
	}
	return p, nil
}
