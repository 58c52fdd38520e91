// Package profiles holds the example requirement profiles and module
// catalogues that ship with paspoort: admission to a tweedegraads
// lerarenopleiding (Hogeschool Domstad), a nursing leerwerktraject
// (Zorggroep Rijnstad) and an installation technician job (Van Dijk &
// Zonen). A verifier started without --profiles serves these.
//
// It holds data only and imports only the standard library (embed).
package profiles
