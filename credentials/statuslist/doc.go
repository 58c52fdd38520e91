// Package statuslist implements the IETF Token Status List
// (draft-ietf-oauth-status-list, editor's copy -20; "TSL" below): the packed
// status byte array, its JSON form {"bits", "lst"}, the Status List Token in
// JWT form (typ "statuslist+jwt") and the "status.status_list" reference
// carried by a Referenced Token such as an SD-JWT VC.
//
// The pieces, in the order a Relying Party uses them (TSL "Validation
// Rules"):
//
//   - ParseReference / ReferenceFromClaim read {"idx", "uri"} from the
//     Referenced Token, strictly: idx is a non-negative JSON integer, uri an
//     absolute https URI (SECURITY.md D.35).
//   - The token at Reference.URI is fetched by the caller, or by a Checker
//     through the Fetcher the caller hands it (internal/safehttp); the
//     package does no other I/O.
//   - VerifyToken checks the Status List Token: size, compact form, typ,
//     algorithm and signature with a key from the caller's trust
//     configuration, then sub = uri, iat, exp, ttl, and finally inflates the
//     list with a bound (SECURITY.md D.34, D.37, D.38).
//   - Check looks the index up and maps the status to an error: ErrRevoked,
//     ErrSuspended or ErrNotValid for anything but VALID.
//
// Issuers use New, Set, Encode and SignToken.
//
// Bit order is the TSL's: LSB-first within each byte, so index 0 is the least
// significant bits of byte 0 (TSL "Compressed Byte Array"). It is the
// opposite of the W3C Bitstring Status List (SECURITY.md D.36).
//
// Every error returned wraps one of the classes of package credentials (see
// errors.go for which).
//
// credentials/ packages may import internal/ and other credentials/ packages; never issuer, wallet, verifier, bench or cmd.
package statuslist
