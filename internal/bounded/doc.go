// Package bounded keeps the in-memory maps of the web pages and the
// wallet API within bounds: sessions, offers, requests and QR codes that
// a visitor can make the server hold are capped, the oldest going first.
//
// It imports only the standard library, never a package of this module.
package bounded
