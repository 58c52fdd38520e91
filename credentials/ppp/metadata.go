package ppp

import (
	"encoding/json"
	"fmt"

	"github.com/loopbrug/paspoort/credentials/sdjwtvc"
)

// Metadata is an SD-JWT VC Type Metadata document; the format is
// sdjwtvc's, so every producer and consumer in paspoort shares one
// definition.
type Metadata = sdjwtvc.TypeMetadata

// MetadataDisplay is the display metadata of a type in one locale.
type MetadataDisplay = sdjwtvc.TypeDisplay

// MetadataClaim is the metadata of one claim.
type MetadataClaim = sdjwtvc.ClaimMetadata

// MetadataClaimDisplay is the label of a claim in one locale.
type MetadataClaimDisplay = sdjwtvc.ClaimDisplay

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
		m.SchemaURIIntegrity = sdjwtvc.Integrity(t.def.schema)
	}
	for _, l := range Languages {
		d := t.Display[l]
		m.Display = append(m.Display, MetadataDisplay{Locale: l, Name: d.Name, Description: d.Description})
	}
	for _, c := range t.Claims {
		path := make([]any, len(c.Path))
		for i, e := range c.Path {
			if e != AllElements {
				path[i] = e
			}
		}
		mc := MetadataClaim{Path: path, Mandatory: c.Mandatory, SD: string(c.SD), Protected: string(c.Protected)}
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
