package wallet

import (
	"github.com/loopbrug/paspoort/credentials"
)

// Errors returned by this package. Those that belong to a class of package
// credentials name it; callers branch on them with errors.Is.
var (
	// ErrWrongPassphrase reports a passphrase that does not unlock the
	// wallet. The wallet is left as it was: it is never replaced by an
	// empty one.
	ErrWrongPassphrase = credentials.NewError(credentials.ErrSignature, "wallet: wrong passphrase")
	// ErrNotInitialised reports a data folder that holds no wallet.
	ErrNotInitialised = credentials.NewError(credentials.ErrFormat, "wallet: no wallet in this folder (run init)")
	// ErrExists reports an init on a folder that already holds a wallet;
	// nothing is overwritten.
	ErrExists = credentials.NewError(credentials.ErrFormat, "wallet: a wallet already exists in this folder")
	// ErrBadHeader (FMT) reports a wallet header or backup header that is
	// malformed, or whose key derivation parameters lie outside the bounds
	// this package accepts (a tampered header must not make unlocking cost
	// gigabytes or hours).
	ErrBadHeader = credentials.NewError(credentials.ErrFormat, "wallet: malformed header or key derivation parameters out of bounds")
	// ErrCorrupt (SIG) reports a stored record that does not authenticate:
	// a bit flip on disk, or a record moved to another id.
	ErrCorrupt = credentials.NewError(credentials.ErrSignature, "wallet: stored record does not authenticate")
	// ErrNotFound reports an unknown credential or record id.
	ErrNotFound = credentials.NewError(credentials.ErrFormat, "wallet: not found")
	// ErrPassphrase (FMT) reports an unusable new passphrase: empty, or
	// shorter than MinPassphraseLength.
	ErrPassphrase = credentials.NewError(credentials.ErrFormat, "wallet: passphrase too short")
	// ErrClosed reports use of a closed wallet.
	ErrClosed = credentials.NewError(credentials.ErrFormat, "wallet: closed")
	// ErrInconsistent (CLAIM) reports copies of one credential that do not
	// agree (another vct, issuer or claims), or a copy whose cnf is not the
	// key stored with it.
	ErrInconsistent = credentials.NewError(credentials.ErrClaim, "wallet: credential copies are inconsistent")
	// ErrBackup (FMT) reports a backup file that is not a paspoort wallet
	// backup.
	ErrBackup = credentials.NewError(credentials.ErrFormat, "wallet: not a wallet backup")
)
