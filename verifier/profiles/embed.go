// Package profiles holds the example requirement profiles and module
// catalogues that ship with paspoort: admission to a tweedegraads
// lerarenopleiding (Hogeschool Domstad), a nursing leerwerktraject
// (Zorggroep Rijnstad) and an installation technician job (Van Dijk &
// Zonen). A verifier started without --profiles serves these.
package profiles

import "embed"

// FS holds the documents: profiles as <id>.yaml and catalogues as
// <id>.catalogue.yaml.
//
//go:embed *.yaml
var FS embed.FS
