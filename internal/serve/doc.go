// Package serve runs an http.Server until its context ends and then shuts
// it down gracefully: the one serve loop of the issuer, the verifier, the
// wallet API and the three web desks.
//
// It must never import a package of this module outside internal/ (see internal/layering).
package serve
