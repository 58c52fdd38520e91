// Package web is the issuer's desk: server-rendered pages (html/template,
// embedded, no build step, usable on a phone, Dutch and English) where an
// assessment provider's, employer's or school's staff fills in a form per
// PPP credential type (the claims are validated against the type's JSON
// Schema, and refused field by field), creates an OpenID4VCI offer and
// shows its QR code, link and tx_code, and lists the issued credentials
// (metadata only) to revoke, suspend or reinstate them.
//
// The desk acts with the issuer's own authority, in process, so it is meant
// for the operator's machine or an internal network: it answers only to
// the host names in Config.AllowedHosts (loopback by default) and refuses
// state-changing requests from another origin. It is safe for concurrent
// use.
//
// It may import the issuer, credentials/ and internal/; never the wallet or the verifier (the parties meet over HTTP only).
package web
