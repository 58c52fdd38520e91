package ppp

import (
	"embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// VCTBase is the prefix of every PPP vct: the vct of type name is
// VCTBase + name + "/v1".
const VCTBase = "https://paspoort.loopbrug.nl/vct/"

// The type names, as used by the CLI --type flag and by other packages.
const (
	TypeTalent     = "talent"
	TypeSkill      = "skill"
	TypeDrive      = "drive"
	TypeAgility    = "agility"
	TypeLevel      = "level"
	TypeGoal       = "goal"
	TypeExperience = "experience"
	TypeLearning   = "learning"
	TypeReference  = "reference"

	TypeErvaringscertificaat = "ervaringscertificaat"
	TypePortfolio            = "portfolio"
	TypeLeerbudget           = "leerbudget"
	TypeWerkplekleren        = "werkplekleren"
)

// Block is a building block of the PPP. Blocks 1–6 are the six building
// blocks of the Akkoord van Python; BlockEvidence holds the evidence types
// (work experience, completed learning, references).
type Block int

// The building blocks, numbered as in the PPP.
const (
	BlockTalents  Block = 1 // Talenten
	BlockSkills   Block = 2 // Skills
	BlockDrives   Block = 3 // Drijfveren
	BlockAgility  Block = 4 // Wendbaarheid
	BlockLevel    Block = 5 // Werk- en denkniveau
	BlockGoal     Block = 6 // Doel & motivatie
	BlockEvidence Block = 7 // Bewijs: werkervaring, afgeronde scholing, referenties
)

var blockNames = map[Block][3]string{ // id, en, nl
	BlockTalents:  {"talents", "Talents", "Talenten"},
	BlockSkills:   {"skills", "Skills", "Skills"},
	BlockDrives:   {"drives", "Drives", "Drijfveren"},
	BlockAgility:  {"agility", "Agility", "Wendbaarheid"},
	BlockLevel:    {"level", "Working and thinking level", "Werk- en denkniveau"},
	BlockGoal:     {"goal", "Goal and motivation", "Doel & motivatie"},
	BlockEvidence: {"evidence", "Evidence", "Bewijs"},
}

// String returns the block's stable identifier, such as "talents" or
// "evidence", or "Block(n)" for an unknown value.
func (b Block) String() string {
	if n, ok := blockNames[b]; ok {
		return n[0]
	}
	return fmt.Sprintf("Block(%d)", int(b))
}

// Name returns the display name of b in lang ("nl" or "en"; anything else
// gives English).
func (b Block) Name(lang string) string {
	n, ok := blockNames[b]
	if !ok {
		return b.String()
	}
	return pickLabel(lang, n[1], n[2])
}

// MarshalText implements encoding.TextMarshaler with the identifier of
// String.
func (b Block) MarshalText() ([]byte, error) {
	if _, ok := blockNames[b]; !ok {
		return nil, fmt.Errorf("marshal block: unknown block %d", int(b))
	}
	return []byte(b.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (b *Block) UnmarshalText(text []byte) error {
	for k, n := range blockNames {
		if n[0] == string(text) {
			*b = k
			return nil
		}
	}
	return fmt.Errorf("unmarshal block: unknown block %q", text)
}

// Languages lists the locales every Type has display metadata for.
var Languages = []string{"nl", "en"}

// Display is the display metadata of a type in one language.
type Display struct {
	// Name is the type's name for end users.
	Name string
	// Description says what the credential attests, for end users.
	Description string
}

// SD says whether an issuer must, may or must not make a claim selectively
// disclosable (SD-JWT VC type metadata, claim "sd").
type SD string

// The SD values.
const (
	SDAlways  SD = "always"
	SDAllowed SD = "allowed"
	SDNever   SD = "never"
)

// AllElements is the ClaimPath element that selects every element of an
// array (null in SD-JWT VC claim paths).
const AllElements = "*"

// ClaimPath selects a claim as in SD-JWT VC type metadata: each element is
// an object member name, or AllElements for every element of an array. It
// marshals to a JSON array with null for AllElements.
type ClaimPath []string

// String returns the path joined with ".", such as "talents.*.name".
func (p ClaimPath) String() string { return strings.Join(p, ".") }

// MarshalJSON implements json.Marshaler.
func (p ClaimPath) MarshalJSON() ([]byte, error) {
	out := make([]*string, len(p))
	for i := range p {
		if p[i] != AllElements {
			out[i] = &p[i]
		}
	}
	return json.Marshal(out)
}

// UnmarshalJSON implements json.Unmarshaler. It accepts strings and null;
// array indexes are not used by the PPP types and are rejected.
func (p *ClaimPath) UnmarshalJSON(b []byte) error {
	var in []*string
	if err := json.Unmarshal(b, &in); err != nil {
		return fmt.Errorf("unmarshal claim path: %w", err)
	}
	out := make(ClaimPath, len(in))
	for i, e := range in {
		out[i] = AllElements
		if e != nil {
			out[i] = *e
		}
	}
	*p = out
	return nil
}

// Claim is the metadata of one claim of a type.
type Claim struct {
	// Path selects the claim.
	Path ClaimPath
	// Mandatory reports whether the schema requires the claim (for a claim
	// inside an array element: whether each element must have it).
	Mandatory bool
	// SD says whether the claim is selectively disclosable.
	SD SD
	// Label is the claim's label per language ("nl", "en").
	Label map[string]string
	// Protected marks a claim of a category that may not weigh in hiring
	// and admission without a legal ground (ProtectedMember in the type
	// metadata). No PPP claim is marked today.
	Protected Protected
}

// Type is a PPP credential type. Its fields are read-only; the values
// returned by Types, Lookup and LookupVCT are safe for concurrent use.
type Type struct {
	// Name is the short type name, such as "skill".
	Name string
	// VCT is the SD-JWT VC type, such as
	// "https://paspoort.loopbrug.nl/vct/skill/v1".
	VCT string
	// Block is the building block the type belongs to.
	Block Block
	// Display is the type's display metadata per language ("nl", "en").
	Display map[string]Display
	// Claims is the metadata of every claim, in schema order.
	Claims []Claim

	def *typeDef
}

// Since returns the first day a credential of the type can date its
// assessment, and false when the type sets no such bound. An earlier date
// is refused as a forgery or a typo.
func (t Type) Since() (Date, bool) {
	if t.def == nil || t.def.since.IsZero() {
		return Date{}, false
	}
	return t.def.since, true
}

// SelfIssued reports whether the holder issues credentials of the type to
// herself (the EVC portfolio): an issuer does not offer them, and a
// verifier counts their claims as the holder's own word (assurance self).
func (t Type) SelfIssued() bool { return t.def != nil && t.def.selfIssued }

// SingleUse reports whether a credential of the type is used up when
// redeemed (a training budget): its issuer marks it on its status list,
// and a verifier checks its status afresh rather than from its cache, so
// that it cannot be shown twice within the list's ttl.
func (t Type) SingleUse() bool { return t.def != nil && t.def.singleUse }

// SchemaURI returns the $id of the type's JSON Schema: VCT + "/schema.json".
func (t Type) SchemaURI() string { return t.VCT + "/schema.json" }

// Schema returns the type's JSON Schema (draft 2020-12). The caller may
// modify the returned slice.
func (t Type) Schema() []byte {
	if t.def == nil {
		return nil
	}
	return slices.Clone(t.def.schema)
}

// Example returns a valid example claims document of the type, from the
// story of Miranda, a train conductor who switches to teaching.
func (t Type) Example() []byte {
	if t.def == nil {
		return nil
	}
	b, err := json.MarshalIndent(t.def.example, "", "  ")
	if err != nil {
		return nil
	}
	return b
}

// ClaimLabel returns the label of the claim at path in lang, falling back
// to English, and the path itself for an unknown claim.
func (t Type) ClaimLabel(path ClaimPath, lang string) string {
	for _, c := range t.Claims {
		if slices.Equal(c.Path, path) {
			return pickLabel(lang, c.Label["en"], c.Label["nl"])
		}
	}
	return path.String()
}

// typeDef is the static definition of a type.
type typeDef struct {
	name     string
	block    Block
	display  map[string]Display
	claims   []Claim
	newClaim func() checker // a fresh claims struct to decode into
	example  checker
	schema   []byte
	compiled func() (*jsonschema.Schema, error)
	// since is the first day a credential of the type can date an
	// assessment (assessed_on, completed_on, given_on, prepared_on): the
	// day its scale or procedure came into use. Zero: no lower bound.
	since Date
	// selfIssued marks a type the holder issues to herself (portfolio).
	selfIssued bool
	// singleUse marks a type used up when redeemed (leerbudget).
	singleUse bool
}

//go:embed schemas/*.json
var schemaFS embed.FS

var registry = sync.OnceValue(buildRegistry)

// typeSet is the registry: every Type in order, by name and by vct.
type typeSet struct {
	list   []Type
	byName map[string]int
	byVCT  map[string]int
}

func buildRegistry() *typeSet {
	defs := definitions()
	ts := &typeSet{byName: map[string]int{}, byVCT: map[string]int{}}
	for i, d := range defs {
		b, err := schemaFS.ReadFile("schemas/" + d.name + ".json")
		if err != nil {
			// The schemas are embedded at build time; a missing one is a
			// build defect that the tests catch.
			b = nil
		}
		d.schema = b
		d.compiled = sync.OnceValues(func() (*jsonschema.Schema, error) { return compileSchema(d.name, b) })
		t := Type{Name: d.name, VCT: VCTBase + d.name + "/v1", Block: d.block, Display: d.display, Claims: d.claims, def: d}
		ts.list = append(ts.list, t)
		ts.byName[t.Name] = i
		ts.byVCT[t.VCT] = i
	}
	return ts
}

// Types returns every PPP credential type: the six building blocks in PPP
// order, then the evidence types: experience, learning, reference,
// ervaringscertificaat, portfolio, leerbudget and werkplekleren.
func Types() []Type { return slices.Clone(registry().list) }

// Names returns the type names in the order of Types.
func Names() []string {
	ts := registry()
	out := make([]string, len(ts.list))
	for i, t := range ts.list {
		out[i] = t.Name
	}
	return out
}

// Lookup returns the type with the short name name, such as "skill".
func Lookup(name string) (Type, bool) {
	ts := registry()
	i, ok := ts.byName[name]
	if !ok {
		return Type{}, false
	}
	return ts.list[i], true
}

// LookupVCT returns the type whose vct is vct.
func LookupVCT(vct string) (Type, bool) {
	ts := registry()
	i, ok := ts.byVCT[vct]
	if !ok {
		return Type{}, false
	}
	return ts.list[i], true
}
