// Package errclass holds the error classes of SECURITY.md that every
// package of paspoort sorts its errors into: FMT, ALG, SIG, TRUST, TYP,
// CLAIM, DISC, KB, REPLAY, STATUS, FETCH, LIMIT. It is the ground floor:
// it imports only the standard library and never a package of this module.
// The credentials package gives the same classes under the names callers
// use (credentials.ErrFormat, …); both names are the same values, so
// errors.Is holds across them.
//
// It imports only the standard library, never a package of this module.
package errclass
