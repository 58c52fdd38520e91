// Package loopbacktls makes throw-away TLS certificates for 127.0.0.1:
// for load runs and tests that speak https to a server on this machine.
// Each certificate is its own trust anchor (self-signed, P-256), valid
// from an hour ago for a day.
//
// It must never import a package of this module outside internal/ (see internal/layering).
package loopbacktls
