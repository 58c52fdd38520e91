// Package limits holds the input limits that every parser and verifier in
// paspoort enforces (SECURITY.md rule 5: bound everything). They are
// constants so that a limit is the same in every package; a service that needs
// a tighter bound applies it before calling in.
//
// It imports only the standard library, never a package of this module.
package limits
