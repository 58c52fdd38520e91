package profiles

import "embed"

// FS holds the documents: profiles as <id>.yaml and catalogues as
// <id>.catalogue.yaml.
//
//go:embed *.yaml
var FS embed.FS
