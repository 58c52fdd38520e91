package sdjwtvc

import "github.com/loopbrug/paspoort/credentials"

// Errors returned by this package, each of the class named in its comment.
// The sdjwt sentinels (sdjwt.ErrExpired, sdjwt.ErrSDHash, …) pass through
// unchanged.
var (
	// ErrMissingClaim (CLAIM): a required claim (vct) is absent or not a
	// string, or cnf is absent where key binding is needed.
	ErrMissingClaim = credentials.NewError(credentials.ErrClaim, "required SD-JWT VC claim missing or malformed")
	// ErrDisclosedCritical (CLAIM): a claim that must never be selectively
	// disclosed (iss, nbf, exp, cnf, vct, vct#integrity, status) arrived in
	// a disclosure; it is treated as absent and the credential refused.
	ErrDisclosedCritical = credentials.NewError(credentials.ErrClaim, "claim that must not be selectively disclosable was disclosed")
	// ErrVCTNotAccepted (CLAIM): the vct is not one the policy accepts.
	ErrVCTNotAccepted = credentials.NewError(credentials.ErrClaim, "credential type not accepted")
	// ErrUnknownIssuerKey (TRUST): no trusted key for the issuer and kid.
	ErrUnknownIssuerKey = credentials.NewError(credentials.ErrTrust, "no trusted key for this issuer and kid")
	// ErrIssuerMismatch (TRUST): the signing key belongs to another issuer
	// than "iss" (a DID URL of another DID, metadata of another issuer).
	ErrIssuerMismatch = credentials.NewError(credentials.ErrTrust, "signing key does not belong to the issuer")
	// ErrHolderMismatch (KB): the credential's cnf is not the holder's key
	// (a wallet receiving a credential bound to someone else's key).
	ErrHolderMismatch = credentials.NewError(credentials.ErrKeyBinding, "cnf is not the holder's key")
	// ErrStatusUnchecked (STATUS): the credential has a status, policy
	// requires it to be checked, and no status checker is configured.
	ErrStatusUnchecked = credentials.NewError(credentials.ErrStatus, "status required but no status checker configured")
	// ErrStatusUncertified (STATUS): the credential's issuer is certified
	// by an x5c chain and the status checker cannot require the status
	// list to be signed under the same anchor (CertifiedStatusChecker).
	ErrStatusUncertified = credentials.NewError(credentials.ErrStatus, "status checker cannot check the status list of an X.509-certified issuer")
	// ErrBadMetadata (FMT): a JWT VC Issuer Metadata or Type Metadata
	// document that is malformed or inconsistent.
	ErrBadMetadata = credentials.NewError(credentials.ErrFormat, "malformed metadata document")
	// ErrIntegrity (FMT): a document does not match its "#integrity" string.
	ErrIntegrity = credentials.NewError(credentials.ErrFormat, "integrity check failed")
)
