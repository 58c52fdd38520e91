package ppp

import (
	"bytes"
	"cmp"
	"embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
)

// ESCOAttribution is the acknowledgement that the ESCO reuse policy asks for.
// Show it wherever ESCO labels or URIs from this package are shown or passed
// on.
const ESCOAttribution = "This service uses the ESCO classification of the European Commission."

// ESCOVersion is the ESCO release the shipped subset was taken from.
const ESCOVersion = "v1.1.1"

// The ESCO URI prefixes of skills and occupations.
const (
	escoSkillPrefix      = "http://data.europa.eu/esco/skill/"
	escoOccupationPrefix = "http://data.europa.eu/esco/occupation/"
)

//go:embed esco/occupations.csv esco/skills.csv esco/occupation_skills.csv
var escoFS embed.FS

// Skill is an ESCO skill or knowledge concept from the shipped subset.
type Skill struct {
	// URI is the ESCO concept URI (http://data.europa.eu/esco/skill/…).
	URI string
	// LabelEn is the English preferred label.
	LabelEn string
	// LabelNl is the Dutch preferred label; it is empty where ESCO v1.1.1
	// has none in the sources used (see esco/README.md).
	LabelNl string
	// Type is "skill/competence" or "knowledge".
	Type string
	// ReuseLevel is "transversal", "cross-sector", "sector-specific" or
	// "occupation-specific".
	ReuseLevel string
	// Description is the English ESCO description, shortened to at most
	// 300 characters.
	Description string
}

// Label returns the preferred label in lang ("nl" or "en"). It falls back
// to English when lang is not "nl" or the Dutch label is empty.
func (s Skill) Label(lang string) string {
	return pickLabel(lang, s.LabelEn, s.LabelNl)
}

// Occupation is an ESCO occupation from the shipped subset.
type Occupation struct {
	// URI is the ESCO concept URI (http://data.europa.eu/esco/occupation/…).
	URI string
	// Code is the ESCO occupation code, such as "5112.3".
	Code string
	// ISCOGroup is the 4-digit ISCO-08 unit group.
	ISCOGroup string
	// LabelEn is the English preferred label.
	LabelEn string
	// LabelNl is the Dutch preferred label.
	LabelNl string
	// Sector is the project's sector (not an ESCO field), one of Sectors.
	Sector string
	// Role is "target" for a shortage-sector occupation and "origin" for an
	// occupation career switchers come from (not an ESCO field).
	Role string
	// Description is the English ESCO description, shortened to at most
	// 300 characters.
	Description string
}

// Label returns the preferred label in lang ("nl" or "en"). It falls back
// to English when lang is not "nl" or the Dutch label is empty.
func (o Occupation) Label(lang string) string {
	return pickLabel(lang, o.LabelEn, o.LabelNl)
}

// Sectors lists the sector values of Occupation.Sector, which are also the
// values of the goal credential's target_sector claim.
var Sectors = []string{
	"education", "healthcare", "technical", "ict", "transport", "finance",
	"customer-service", "retail", "logistics", "public-safety",
}

func pickLabel(lang, en, nl string) string {
	if lang == "nl" && nl != "" {
		return nl
	}
	return en
}

// escoData is the parsed subset. It is immutable once built.
type escoData struct {
	skills      []Skill
	skillIdx    map[string]int
	occupations []Occupation
	occIdx      map[string]int
	essential   map[string][]int // occupation URI → skill indexes
	optional    map[string][]int
	relations   int
	skillLow    [][2]string // lower-cased en, nl labels per skill
	occLow      [][2]string
}

var escoOnce = sync.OnceValues(loadESCO)

// esco returns the parsed subset. The data is embedded and checked by the
// tests, so an error here is a build defect; callers treat it as "not found".
func esco() *escoData {
	d, err := escoOnce()
	if err != nil {
		return &escoData{}
	}
	return d
}

// loadESCO parses the embedded CSV files.
func loadESCO() (*escoData, error) {
	d := &escoData{}
	err := readCSV("esco/skills.csv",
		[]string{"conceptUri", "preferredLabelEn", "preferredLabelNl", "skillType", "reuseLevel", "description"},
		func(r []string) error {
			d.skills = append(d.skills, Skill{URI: r[0], LabelEn: r[1], LabelNl: r[2], Type: r[3], ReuseLevel: r[4], Description: r[5]})
			return nil
		})
	if err != nil {
		return nil, err
	}
	err = readCSV("esco/occupations.csv",
		[]string{"conceptUri", "code", "iscoGroup", "preferredLabelEn", "preferredLabelNl", "sector", "role", "description"},
		func(r []string) error {
			d.occupations = append(d.occupations, Occupation{URI: r[0], Code: r[1], ISCOGroup: r[2], LabelEn: r[3], LabelNl: r[4], Sector: r[5], Role: r[6], Description: r[7]})
			return nil
		})
	if err != nil {
		return nil, err
	}
	d.skillIdx = make(map[string]int, len(d.skills))
	d.skillLow = make([][2]string, len(d.skills))
	for i, s := range d.skills {
		d.skillIdx[s.URI] = i
		d.skillLow[i] = [2]string{strings.ToLower(s.LabelEn), strings.ToLower(s.LabelNl)}
	}
	d.occIdx = make(map[string]int, len(d.occupations))
	d.occLow = make([][2]string, len(d.occupations))
	for i, o := range d.occupations {
		d.occIdx[o.URI] = i
		d.occLow[i] = [2]string{strings.ToLower(o.LabelEn), strings.ToLower(o.LabelNl)}
	}
	d.essential = make(map[string][]int, len(d.occupations))
	d.optional = make(map[string][]int, len(d.occupations))
	err = readCSV("esco/occupation_skills.csv",
		[]string{"occupationUri", "skillUri", "relationType"},
		func(r []string) error {
			if _, ok := d.occIdx[r[0]]; !ok {
				return fmt.Errorf("unknown occupation %q", r[0])
			}
			si, ok := d.skillIdx[r[1]]
			if !ok {
				return fmt.Errorf("unknown skill %q", r[1])
			}
			switch r[2] {
			case "essential":
				d.essential[r[0]] = append(d.essential[r[0]], si)
			case "optional":
				d.optional[r[0]] = append(d.optional[r[0]], si)
			default:
				return fmt.Errorf("unknown relation type %q", r[2])
			}
			d.relations++
			return nil
		})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// readCSV reads an embedded CSV file, checks its header and calls row for
// every record.
func readCSV(name string, header []string, row func([]string) error) error {
	b, err := escoFS.ReadFile(name)
	if err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = len(header)
	r.ReuseRecord = true
	h, err := r.Read()
	if err != nil {
		return fmt.Errorf("read %s header: %w", name, err)
	}
	if !slices.Equal(h, header) {
		return fmt.Errorf("%s: unexpected header %q", name, h)
	}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", name, err)
		}
		if err := row(rec); err != nil {
			line, _ := r.FieldPos(0)
			return fmt.Errorf("%s line %d: %w", name, line, err)
		}
	}
}

// ESCOSkill returns the skill with the ESCO concept URI uri, if the shipped
// subset has it.
func ESCOSkill(uri string) (Skill, bool) {
	d := esco()
	i, ok := d.skillIdx[uri]
	if !ok {
		return Skill{}, false
	}
	return d.skills[i], true
}

// ESCOOccupation returns the occupation with the ESCO concept URI uri, if
// the shipped subset has it.
func ESCOOccupation(uri string) (Occupation, bool) {
	d := esco()
	i, ok := d.occIdx[uri]
	if !ok {
		return Occupation{}, false
	}
	return d.occupations[i], true
}

// ESCOSkills returns all skills of the shipped subset, sorted by URI.
func ESCOSkills() []Skill { return slices.Clone(esco().skills) }

// ESCOOccupations returns all occupations of the shipped subset, in the
// order of esco/occupations.csv (role, sector, ESCO code).
func ESCOOccupations() []Occupation { return slices.Clone(esco().occupations) }

// ESCORelationCount returns the number of occupation-to-skill relations in
// the shipped subset.
func ESCORelationCount() int { return esco().relations }

// OccupationSkills returns the skills ESCO lists as essential and as
// optional for the occupation with the URI occupationURI, each sorted by
// skill URI. Both are nil for an unknown occupation.
func OccupationSkills(occupationURI string) (essential, optional []Skill) {
	d := esco()
	for _, i := range d.essential[occupationURI] {
		essential = append(essential, d.skills[i])
	}
	for _, i := range d.optional[occupationURI] {
		optional = append(optional, d.skills[i])
	}
	return essential, optional
}

// SearchSkills returns skills whose English or Dutch label contains query,
// ignoring case. Skills with a label equal to query come first, then labels
// that start with query, then the rest; ties are ordered by English label.
// limit <= 0 means no limit. An empty query matches nothing.
func SearchSkills(query string, limit int) []Skill {
	d := esco()
	idx := search(d.skillLow, query, limit, func(i int) string { return d.skills[i].LabelEn })
	if len(idx) == 0 {
		return nil
	}
	out := make([]Skill, len(idx))
	for k, i := range idx {
		out[k] = d.skills[i]
	}
	return out
}

// SearchOccupations returns occupations whose English or Dutch label
// contains query, ignoring case, ranked as in SearchSkills.
func SearchOccupations(query string, limit int) []Occupation {
	d := esco()
	idx := search(d.occLow, query, limit, func(i int) string { return d.occupations[i].LabelEn })
	if len(idx) == 0 {
		return nil
	}
	out := make([]Occupation, len(idx))
	for k, i := range idx {
		out[k] = d.occupations[i]
	}
	return out
}

// search ranks the indexes of labels that contain query.
func search(labels [][2]string, query string, limit int, tie func(int) string) []int {
	q := strings.ToLower(strings.TrimSpace(query))
	if q == "" {
		return nil
	}
	type hit struct{ i, rank int }
	var hits []hit
	for i, l := range labels {
		rank := -1
		for _, s := range l {
			r := -1
			switch {
			case s == "":
			case s == q:
				r = 0
			case strings.HasPrefix(s, q):
				r = 1
			case strings.Contains(s, q):
				r = 2
			}
			if r >= 0 && (rank < 0 || r < rank) {
				rank = r
			}
		}
		if rank >= 0 {
			hits = append(hits, hit{i, rank})
		}
	}
	slices.SortStableFunc(hits, func(a, b hit) int {
		if c := cmp.Compare(a.rank, b.rank); c != 0 {
			return c
		}
		return strings.Compare(tie(a.i), tie(b.i))
	})
	if limit > 0 && len(hits) > limit {
		hits = hits[:limit]
	}
	out := make([]int, len(hits))
	for k, h := range hits {
		out[k] = h.i
	}
	return out
}
