// Package page holds the one look of paspoort's server-rendered pages: the
// stylesheet and page skeleton shared by the web wallet and the issuer and
// verifier desks, with a colour per role (Role). Pages stay script-free and
// inline their style, so the pages' Content-Security-Policy
// (internal/webguard) needs no 'self' for styles or scripts.
//
// It imports only the standard library; never a package of this module.
package page
