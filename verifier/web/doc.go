// Package web is the verifier's front desk: server-rendered pages
// (html/template, embedded, no build step, usable on a phone, Dutch and
// English) where a school's or employer's staff chooses a requirement
// profile, shows the applicant the OpenID4VP request as a QR code and a
// link, waits for the wallet's answer when the officer asks it to (no page that refreshes itself: WCAG 2.2.1), and
// reads the decision: each requirement with its evidence, the match score,
// the gap and the learning or onboarding plan with the next intake date.
//
// The desk acts with the verifier's own authority (it creates transactions
// and reads decisions in process), so it is meant for the operator's
// machine or an internal network: it answers only to the host names in
// Config.AllowedHosts (loopback by default, against DNS rebinding) and
// refuses state-changing requests from another origin. It is safe for
// concurrent use.
//
// It may import the verifier, credentials/ and internal/; never the issuer or the wallet (the parties meet over HTTP only).
package web
