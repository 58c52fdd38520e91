package wallet

import "time"

// UnlockBackoff is the delay policy for wrong passphrases that the wallet
// API (Server) and the web wallet share: the first unlockFreeAttempts
// failures cost nothing; after that each attempt must wait for a delay
// that doubles from 1 s up to maxUnlockDelay. A success resets it. The
// zero value is ready; it is not safe for concurrent use (its owner locks).
type UnlockBackoff struct {
	failures int
	retryAt  time.Time
}

// Wait returns how long an attempt at now must still wait (0: go ahead).
func (b *UnlockBackoff) Wait(now time.Time) time.Duration {
	if now.Before(b.retryAt) {
		return b.retryAt.Sub(now)
	}
	return 0
}

// Failed counts a wrong passphrase at now.
func (b *UnlockBackoff) Failed(now time.Time) {
	b.failures++
	if n := b.failures - unlockFreeAttempts; n >= 0 {
		b.retryAt = now.Add(min(time.Second<<min(n, 20), maxUnlockDelay))
	}
}

// Succeeded resets the count.
func (b *UnlockBackoff) Succeeded() { b.failures, b.retryAt = 0, time.Time{} }
