package profile

import (
	_ "embed"
	"fmt"
	"slices"
	"strconv"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/loopbrug/paspoort/credentials/ppp"
)

//go:embed catalogue.schema.json
var catalogueSchema []byte

// CatalogueSchemaID is the $id of the module catalogue JSON Schema.
const CatalogueSchemaID = "https://paspoort.loopbrug.nl/schemas/module-catalogue/v1.json"

// CatalogueSchema returns the JSON Schema (draft 2020-12) of module
// catalogue documents. The caller may modify the returned slice.
func CatalogueSchema() []byte { return slices.Clone(catalogueSchema) }

var compiledCatalogueSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	return compileSchema(CatalogueSchemaID, catalogueSchema)
})

// Catalogue is a school's module catalogue: the modules a learning plan is
// made from. It is immutable after ParseCatalogue and safe for concurrent
// use.
type Catalogue struct {
	// ID identifies the catalogue; a profile names it in "catalogue".
	ID string `json:"id"`
	// Institution is the school or employer offering the modules.
	Institution string `json:"institution"`
	// Programme is the programme the modules belong to.
	Programme Text `json:"programme"`
	// StartDay is the day of the month modules start on (1–28); 0 means 1.
	StartDay int `json:"start_day,omitempty"`
	// SkipMonths are months (1–12) without a start.
	SkipMonths []int `json:"skip_months,omitempty"`
	// RollingEntry means a learning plan may start on any day ("start
	// now"): every module's next start is the plan's date itself, and
	// StartDay and SkipMonths do not apply. ParseCatalogue refuses it
	// together with start days or skipped months, which it would override.
	RollingEntry bool `json:"rolling_entry,omitempty"`
	// Modules are the modules, in document order.
	Modules []Module `json:"modules"`
}

// Module is one module of a catalogue.
type Module struct {
	// Code is the module's code, unique in the catalogue.
	Code string `json:"code"`
	// Title is the module's title.
	Title Text `json:"title"`
	// Skills are the ESCO skills the module teaches.
	Skills []string `json:"skills"`
	// StudyLoad is the study load in EC.
	StudyLoad float64 `json:"study_load"`
	// StartDay and SkipMonths override the catalogue's.
	StartDay   int   `json:"start_day,omitempty"`
	SkipMonths []int `json:"skip_months,omitempty"`
}

// ParseCatalogue reads a module catalogue from data (YAML or JSON), with
// the same checks and error reporting as Parse: the JSON Schema
// (CatalogueSchema), unique module codes, and every skill in the shipped
// ESCO subset.
func ParseCatalogue(name string, data []byte) (*Catalogue, error) {
	sch, err := compiledCatalogueSchema()
	if err != nil {
		return nil, err
	}
	var c Catalogue
	d, err := readDocument(name, data, sch, &c)
	if err != nil {
		return nil, err
	}
	var out []FieldError
	if c.RollingEntry && (c.StartDay != 0 || len(c.SkipMonths) > 0) {
		out = append(out, d.field([]string{"rolling_entry"}, "rolling entry starts any day; start_day and skip_months do not go with it"))
	}
	if len(c.SkipMonths) == 12 {
		out = append(out, d.field([]string{"skip_months"}, "every month is skipped"))
	}
	codes := map[string]bool{}
	for i, m := range c.Modules {
		at := func(rest ...string) []string { return append([]string{"modules", strconv.Itoa(i)}, rest...) }
		if codes[m.Code] {
			out = append(out, d.field(at("code"), fmt.Sprintf("duplicate module code %q", m.Code)))
		}
		codes[m.Code] = true
		for j, s := range m.Skills {
			if _, ok := ppp.ESCOSkill(s); !ok {
				out = append(out, d.field(at("skills", strconv.Itoa(j)), "ESCO skill not in the shipped subset"))
			}
		}
		if c.RollingEntry && (m.StartDay != 0 || len(m.SkipMonths) > 0) {
			out = append(out, d.field(at("start_day"), "the catalogue has rolling entry; a module's start_day and skip_months do not go with it"))
		}
		if len(m.SkipMonths) == 12 || (len(m.SkipMonths) == 0 && len(c.SkipMonths) == 12) {
			out = append(out, d.field(at("skip_months"), "every month is skipped"))
		}
	}
	if len(out) > 0 {
		return nil, invalid(name, out...)
	}
	return &c, nil
}

// Module returns the module with the given code.
func (c *Catalogue) Module(code string) (Module, bool) {
	for _, m := range c.Modules {
		if m.Code == code {
			return m, true
		}
	}
	return Module{}, false
}

// NextStart returns the first start date of m on or after day, a calendar
// date: day itself for a catalogue with rolling entry, else the module's
// (or else the catalogue's) start day of a month that is not skipped.
func (c *Catalogue) NextStart(m Module, day ppp.Date) ppp.Date {
	if c.RollingEntry {
		return day
	}
	sd := m.StartDay
	if sd == 0 {
		sd = c.StartDay
	}
	if sd == 0 {
		sd = 1
	}
	skip := m.SkipMonths
	if len(skip) == 0 {
		skip = c.SkipMonths
	}
	y, mo := day.Year, day.Month
	if day.Day > sd {
		mo++
	}
	for range 13 {
		if mo > 12 {
			y, mo = y+1, 1
		}
		if !slices.Contains(skip, int(mo)) {
			return ppp.Date{Year: y, Month: mo, Day: sd}
		}
		mo++
	}
	return ppp.Date{Year: y, Month: mo, Day: sd} // unreachable: ParseCatalogue refuses 12 skipped months
}
