// Package webguard holds the request guard every server-rendered page of
// paspoort shares (the web wallet, the issuer desk, the verifier desk): it
// refuses other Host headers (DNS rebinding) and cross-origin or cross-site
// state-changing requests, and sets the security headers of every page.
//
// It must never import a package of this module outside internal/ (see internal/layering).
package webguard
