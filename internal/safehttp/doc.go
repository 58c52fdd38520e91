// Package safehttp is the one outbound HTTP fetcher of paspoort: every
// did:web document, status list, issuer metadata document, credential offer
// and request object is fetched through a [Client].
//
// A Client refuses server-side request forgery (SSRF) and hostile servers by
// default (SECURITY.md E.40, E.41, D.39, rule 6):
//
//   - Only https URLs are fetched. URLs with userinfo, IP literals in
//     loopback, private, link-local, CGNAT, multicast, unspecified, reserved
//     or documentation ranges (also in IPv4-mapped, NAT64 and 6to4 form),
//     cloud metadata addresses such as 169.254.169.254, numeric hosts in
//     non-canonical form (2130706433, 0x7f.1, 127.1) and localhost names are
//     refused before any connection is made.
//   - The resolved address of every connection the client opens, including
//     connections for redirects, is checked again in [net.Dialer] Control, so
//     a name that resolves (or rebinds) to 10.0.0.1 is refused at dial time.
//     A localhost name must resolve to a loopback address.
//   - Redirects are limited in number, re-validated by the same rules, never
//     downgrade from https to http, and never carry a Referer header.
//   - The response body is capped (256 KiB by default) and the whole request,
//     body included, is bounded by a deadline (5 s by default), so a slow
//     trickle ends in an error.
//   - A non-2xx status is an error ([*StatusError]) and the error body is
//     discarded unread: it is never returned or put into an error.
//   - Error messages name only the method, scheme, host and path of a URL,
//     never its query string, and the package never logs.
//
// Development and tests against 127.0.0.1 use [WithAllowLoopback];
// on-premises deployments that must reach private addresses use
// [WithPrivateNetworksUnsafe].
//
// # Errors
//
// Every error returned by a fetch satisfies errors.Is(err,
// credentials.ErrFetch). Policy refusals wrap [ErrRefused]; refusals of a
// malformed URL also wrap credentials.ErrFormat. An oversized response wraps
// [ErrTooLarge] and a timeout wraps [ErrTimeout]; both also satisfy
// errors.Is(err, credentials.ErrLimit). A non-2xx status is a [*StatusError]
// that wraps [ErrStatus].
//
// A TTL cache is not part of this package; callers cache what they fetch.
//
// It must never import a package of this module outside internal/ (see internal/layering).
package safehttp
