package ppp

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
)

// Metadata is an SD-JWT VC Type Metadata document
// (draft-ietf-oauth-sd-jwt-vc, section "Type Metadata Format").
type Metadata struct {
	// VCT is the type described.
	VCT string `json:"vct"`
	// Name is a name for developers.
	Name string `json:"name,omitempty"`
	// Description is a description for developers.
	Description string `json:"description,omitempty"`
	// Display holds the display metadata per locale.
	Display []MetadataDisplay `json:"display,omitempty"`
	// Claims holds the metadata of each claim.
	Claims []MetadataClaim `json:"claims,omitempty"`
	// SchemaURI is the URL of the JSON Schema of the claims.
	SchemaURI string `json:"schema_uri,omitempty"`
	// SchemaURIIntegrity is the W3C SRI integrity string of the schema
	// served at SchemaURI.
	SchemaURIIntegrity string `json:"schema_uri#integrity,omitempty"`
}

// MetadataDisplay is the display metadata of a type in one locale.
type MetadataDisplay struct {
	Locale      string `json:"locale"`                // RFC 5646 language tag
	Name        string `json:"name"`                  // name for end users
	Description string `json:"description,omitempty"` // description for end users
}

// MetadataClaim is the metadata of one claim.
type MetadataClaim struct {
	Path      ClaimPath              `json:"path"`                // the claim(s) addressed
	Display   []MetadataClaimDisplay `json:"display,omitempty"`   // label per locale
	Mandatory bool                   `json:"mandatory,omitempty"` // the issuer must include it
	SD        SD                     `json:"sd,omitempty"`        // selective disclosure rule
}

// MetadataClaimDisplay is the label of a claim in one locale.
type MetadataClaimDisplay struct {
	Locale      string `json:"locale"`                // RFC 5646 language tag
	Label       string `json:"label"`                 // label for end users
	Description string `json:"description,omitempty"` // description for end users
}

// Metadata returns the type's SD-JWT VC Type Metadata, with display
// metadata in Languages and a schema_uri (with its integrity string) that
// points to the type's JSON Schema.
func (t Type) Metadata() Metadata {
	en := t.Display["en"]
	m := Metadata{
		VCT:         t.VCT,
		Name:        "PPP " + en.Name,
		Description: en.Description,
		SchemaURI:   t.SchemaURI(),
	}
	if t.def != nil && len(t.def.schema) > 0 {
		sum := sha256.Sum256(t.def.schema)
		m.SchemaURIIntegrity = "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
	}
	for _, l := range Languages {
		d := t.Display[l]
		m.Display = append(m.Display, MetadataDisplay{Locale: l, Name: d.Name, Description: d.Description})
	}
	for _, c := range t.Claims {
		mc := MetadataClaim{Path: c.Path, Mandatory: c.Mandatory, SD: c.SD}
		for _, l := range Languages {
			mc.Display = append(mc.Display, MetadataClaimDisplay{Locale: l, Label: c.Label[l]})
		}
		m.Claims = append(m.Claims, mc)
	}
	return m
}

// TypeMetadata returns the type's SD-JWT VC Type Metadata as indented JSON,
// ready to serve at the vct URL.
func (t Type) TypeMetadata() ([]byte, error) {
	if t.def == nil {
		return nil, fmt.Errorf("type metadata: %w", ErrUnknownType)
	}
	b, err := json.MarshalIndent(t.Metadata(), "", "  ")
	if err != nil {
		return nil, fmt.Errorf("type metadata of %s: %w", t.Name, err)
	}
	return b, nil
}
