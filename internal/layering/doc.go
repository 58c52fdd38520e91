// Package layering holds no code: its test checks the rule of the house
// that internal/ is the ground floor. No package under internal/ may depend
// on a package of this module outside internal/ (credentials, the parties,
// bench, cmd), directly or through others.
//
// It imports nothing.
package layering
