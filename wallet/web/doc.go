// Package web is the holder's web wallet: server-rendered pages
// (html/template, embedded, no build step, usable on a phone, Dutch and
// English) over a wallet in the holder's own store. The holder unlocks it
// with the passphrase; sees "Mijn paspoort", the six building blocks and the
// evidence with each credential's issuer, dates and status; receives an
// offer (a pasted openid-credential-offer link) after seeing who offers
// what, with the tx_code when one is needed, or by signing in on the
// issuer's own page when the offer asks for that (the authorization code
// flow: the browser goes there and comes back to GET /receive/callback;
// see signin.go for how the way back is bound); shares on a consent screen that
// names the verifier and each claim to be disclosed from which credential,
// with the choice of which to include; reads the history of what was shared
// with whom; and sees opportunities: the requirement profiles the verifiers
// it knows publish, matched privately in the wallet, with the gap.
//
// Protection: the pages answer only to the host names in
// Config.AllowedHosts (loopback by default, against DNS rebinding); the
// session is an HttpOnly, SameSite=Strict cookie that ends after
// Config.IdleTimeout without a request (the wallet is then locked: its data
// key forgotten); every form carries the session's CSRF token, and
// state-changing requests from another origin are refused (the way back
// from an issuer's page is a GET, bound by a SameSite=Lax cookie limited
// to its path and by the wallet's check of state and iss). A Desk is safe
// for concurrent use.
//
// It may import the wallet, credentials/ and internal/; never the issuer or the verifier (the parties meet over HTTP only).
package web
