package ppp

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Date is a calendar date without a time of day or zone. It marshals as
// "YYYY-MM-DD" (RFC 3339 full-date, JSON Schema format "date").
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// dateLayout is the Go layout of an RFC 3339 full-date.
const dateLayout = "2006-01-02"

// ParseDate parses s in the form "YYYY-MM-DD" and rejects dates that do
// not exist, such as 2025-02-30.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		return Date{}, fmt.Errorf("parse date %q: want YYYY-MM-DD", s)
	}
	return DateOf(t), nil
}

// DateOf returns the date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Year: y, Month: m, Day: d}
}

// String returns the date as "YYYY-MM-DD".
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// Compare returns -1, 0 or +1 as d is before, equal to or after e.
func (d Date) Compare(e Date) int {
	switch {
	case d.Year != e.Year:
		return cmpInt(d.Year, e.Year)
	case d.Month != e.Month:
		return cmpInt(int(d.Month), int(e.Month))
	default:
		return cmpInt(d.Day, e.Day)
	}
}

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.Compare(e) < 0 }

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// MarshalText implements encoding.TextMarshaler.
func (d Date) MarshalText() ([]byte, error) {
	if d.Year < 0 || d.Year > 9999 {
		return nil, fmt.Errorf("marshal date: year %d out of range", d.Year)
	}
	return []byte(d.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Date) UnmarshalText(b []byte) error {
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Proficiency is the level at which a skill is mastered, on the PPP 1–5
// scale (also in the skill schema's description):
//
//	1 Basic (Basis): knows the basics, performs simple tasks under guidance.
//	2 Developing (In ontwikkeling): performs routine tasks with some help.
//	3 Competent (Bekwaam): performs the usual tasks independently.
//	4 Advanced (Gevorderd): handles complex and new situations, guides others.
//	5 Expert (Expert): recognised authority, improves and teaches the practice.
type Proficiency int

// The proficiency levels.
const (
	ProficiencyBasic      Proficiency = 1
	ProficiencyDeveloping Proficiency = 2
	ProficiencyCompetent  Proficiency = 3
	ProficiencyAdvanced   Proficiency = 4
	ProficiencyExpert     Proficiency = 5
)

var proficiencyLabels = [...][2]string{
	{"Basic", "Basis"},
	{"Developing", "In ontwikkeling"},
	{"Competent", "Bekwaam"},
	{"Advanced", "Gevorderd"},
	{"Expert", "Expert"},
}

// Valid reports whether p is on the 1–5 scale.
func (p Proficiency) Valid() bool { return p >= 1 && p <= 5 }

// Label returns the name of p in lang ("nl" or "en"; anything else gives
// English), or the number for a value off the scale.
func (p Proficiency) Label(lang string) string {
	if !p.Valid() {
		return strconv.Itoa(int(p))
	}
	l := proficiencyLabels[p-1]
	return pickLabel(lang, l[0], l[1])
}

// Method is how an assessment came about (claim "method").
type Method string

// The methods.
const (
	MethodAssessment      Method = "assessment"       // a (game-based or psychometric) assessment or test
	MethodObservation     Method = "observation"      // observed in practice by an assessor
	MethodExam            Method = "exam"             // a formal exam
	MethodWorkExperience  Method = "work_experience"  // shown in work, confirmed by the employer
	MethodPortfolioReview Method = "portfolio_review" // a portfolio reviewed against a standard, with a criterion-based interview
	MethodEVC             Method = "evc"              // Erkenning van Verworven Competenties (recognition of prior learning)
	MethodSelfDeclared    Method = "self_declared"    // the holder's own statement, confirmed by the issuer only as stated
)

// Methods lists every Method, in the order of the schemas' enum.
var Methods = []Method{MethodAssessment, MethodObservation, MethodExam, MethodWorkExperience, MethodPortfolioReview, MethodEVC, MethodSelfDeclared}

// TalentClaims is the claims set of the talent credential (building block
// 1, Talenten): the outcome of a talent assessment.
type TalentClaims struct {
	Talents    []Talent  `json:"talents"`
	Instrument string    `json:"instrument"`
	AssessedOn Date      `json:"assessed_on"`
	Assurance  Assurance `json:"assurance,omitempty"`
}

// Talent is one talent with its score.
type Talent struct {
	Name string `json:"name"`
	// Score is the normalised score, 0–100.
	Score int `json:"score"`
	// Percentile is the percentile in the instrument's norm group, 1–99,
	// when the instrument reports one.
	Percentile *int `json:"percentile,omitempty"`
}

// SkillClaims is the claims set of the skill credential (building block 2,
// Skills): one ESCO skill at an assessed proficiency.
type SkillClaims struct {
	Skill       string      `json:"skill"`
	SkillLabel  string      `json:"skill_label"`
	Proficiency Proficiency `json:"proficiency"`
	AssessedOn  Date        `json:"assessed_on"`
	Method      Method      `json:"method"`
	Evidence    string      `json:"evidence,omitempty"`
	Assurance   Assurance   `json:"assurance,omitempty"`
}

// DriveClaims is the claims set of the drive credential (building block 3,
// Drijfveren): motivators with their scores.
type DriveClaims struct {
	Drives     []Drive   `json:"drives"`
	Instrument string    `json:"instrument"`
	AssessedOn Date      `json:"assessed_on"`
	Assurance  Assurance `json:"assurance,omitempty"`
}

// Drive is one drive (motivator) with its score.
type Drive struct {
	Name string `json:"name"`
	// Score is the normalised score, 0–100.
	Score int `json:"score"`
}

// AgilityClaims is the claims set of the agility credential (building block
// 4, Wendbaarheid). Agility and the dimension scores use the 1–5 scale
// 1 very low, 2 low, 3 average, 4 high, 5 very high (against the
// instrument's norm group).
type AgilityClaims struct {
	Agility    int                `json:"agility"`
	Dimensions []AgilityDimension `json:"dimensions,omitempty"`
	Instrument string             `json:"instrument"`
	AssessedOn Date               `json:"assessed_on"`
	Assurance  Assurance          `json:"assurance,omitempty"`
}

// AgilityDimension is the score on one dimension of learning agility.
type AgilityDimension struct {
	// Dimension is one of AgilityDimensions.
	Dimension string `json:"dimension"`
	Score     int    `json:"score"`
}

// AgilityDimensions lists the dimensions of learning agility: mental,
// people, change and results agility, and self-awareness.
var AgilityDimensions = []string{"mental", "people", "change", "results", "self_awareness"}

// LevelClaims is the claims set of the level credential (building block 5,
// Werk- en denkniveau). NLQFLevel 0 stands for the NLQF Entreeniveau (entry
// level, below NLQF 1); NLQF levels 1–8 equal EQF levels 1–8, and the entry
// level corresponds to EQF 1 (see EQFForNLQF).
type LevelClaims struct {
	NLQFLevel  int       `json:"nlqf_level"`
	EQFLevel   int       `json:"eqf_level"`
	AssessedOn Date      `json:"assessed_on"`
	Method     Method    `json:"method"`
	Evidence   string    `json:"evidence,omitempty"`
	Assurance  Assurance `json:"assurance,omitempty"`
}

// NLQFEntry is the nlqf_level value of the NLQF Entreeniveau (entry level).
const NLQFEntry = 0

// EQFForNLQF returns the EQF level of an NLQF level (NLQFEntry, 1–8), and
// false for a value that is no NLQF level.
func EQFForNLQF(nlqf int) (int, bool) {
	switch {
	case nlqf == NLQFEntry:
		return 1, true
	case nlqf >= 1 && nlqf <= 8:
		return nlqf, true
	}
	return 0, false
}

// GoalClaims is the claims set of the goal credential (building block 6,
// Doel & motivatie).
type GoalClaims struct {
	TargetOccupation      string `json:"target_occupation"`
	TargetOccupationLabel string `json:"target_occupation_label"`
	TargetSector          string `json:"target_sector"`
	Motivation            string `json:"motivation"`
	StatedOn              Date   `json:"stated_on"`
}

// ExperienceClaims is the claims set of the experience credential: work
// experience attested by an employer. EndDate is nil while the job lasts,
// and Ongoing then true: a credential has exactly one of them.
type ExperienceClaims struct {
	Employer        string   `json:"employer"`
	Occupation      string   `json:"occupation"`
	OccupationLabel string   `json:"occupation_label"`
	RoleTitle       string   `json:"role_title"`
	StartDate       Date     `json:"start_date"`
	EndDate         *Date    `json:"end_date,omitempty"`
	Ongoing         bool     `json:"ongoing,omitempty"`
	HoursPerWeek    float64  `json:"hours_per_week"`
	Skills          []string `json:"skills"`
	Description     string   `json:"description,omitempty"`
	// AssessedOn is when the employer confirmed the experience.
	AssessedOn *Date     `json:"assessed_on,omitempty"`
	Assurance  Assurance `json:"assurance,omitempty"`
}

// StudyLoadUnit is the unit of a learning credential's study_load.
type StudyLoadUnit string

// The study load units.
const (
	StudyLoadEC    StudyLoadUnit = "ec"    // European credits (ECTS), 1 EC = 28 hours in NL
	StudyLoadHours StudyLoadUnit = "hours" // clock hours
)

// LearningClaims is the claims set of the learning credential: a module
// completed at a school or training provider.
type LearningClaims struct {
	Institution      string        `json:"institution"`
	Programme        string        `json:"programme"`
	ModuleCode       string        `json:"module_code"`
	ModuleTitle      string        `json:"module_title"`
	CompletedOn      Date          `json:"completed_on"`
	StudyLoad        float64       `json:"study_load"`
	StudyLoadUnit    StudyLoadUnit `json:"study_load_unit"`
	EQFLevel         int           `json:"eqf_level"`
	Skills           []string      `json:"skills"`
	LearningOutcomes []string      `json:"learning_outcomes,omitempty"`
	Assurance        Assurance     `json:"assurance,omitempty"`
}

// Relation is how a referee knows the holder.
type Relation string

// The relations.
const (
	RelationManager   Relation = "manager"
	RelationColleague Relation = "colleague"
	RelationClient    Relation = "client"
	RelationTeacher   Relation = "teacher"
	RelationCoach     Relation = "coach"
	RelationOther     Relation = "other"
)

// ReferenceClaims is the claims set of the reference credential: a
// statement by a referee, endorsing ESCO skills.
type ReferenceClaims struct {
	RefereeName         string    `json:"referee_name"`
	RefereeRole         string    `json:"referee_role"`
	RefereeOrganisation string    `json:"referee_organisation,omitempty"`
	Relation            Relation  `json:"relation"`
	Statement           string    `json:"statement"`
	Skills              []string  `json:"skills"`
	GivenOn             Date      `json:"given_on"`
	Assurance           Assurance `json:"assurance,omitempty"`
}

// checker is implemented by every claims struct: the checks a JSON Schema
// cannot express. It runs only on documents that passed the schema.
type checker interface {
	check() []FieldError
}

func (c *TalentClaims) check() []FieldError { return nil }
func (c *DriveClaims) check() []FieldError  { return nil }
func (c *AgilityClaims) check() []FieldError {
	return nil
}

func (c *SkillClaims) check() []FieldError {
	return checkSkills("/skill", c.Skill)
}

func (c *LevelClaims) check() []FieldError {
	want, ok := EQFForNLQF(c.NLQFLevel)
	if ok && c.EQFLevel != want {
		return []FieldError{{Pointer: "/eqf_level", Reason: fmt.Sprintf("NLQF level %d corresponds to EQF level %d, not %d", c.NLQFLevel, want, c.EQFLevel)}}
	}
	return nil
}

func (c *GoalClaims) check() []FieldError {
	return checkOccupation("/target_occupation", c.TargetOccupation)
}

func (c *ExperienceClaims) check() []FieldError {
	errs := checkOccupation("/occupation", c.Occupation)
	if c.EndDate != nil && c.EndDate.Before(c.StartDate) {
		errs = append(errs, FieldError{Pointer: "/end_date", Reason: fmt.Sprintf("end date %s is before start date %s", c.EndDate, c.StartDate)})
	}
	return append(errs, checkSkillList("/skills", c.Skills)...)
}

func (c *LearningClaims) check() []FieldError {
	return checkSkillList("/skills", c.Skills)
}

func (c *ReferenceClaims) check() []FieldError {
	return checkSkillList("/skills", c.Skills)
}

func checkSkills(ptr, uri string) []FieldError {
	if _, ok := ESCOSkill(uri); !ok {
		return []FieldError{{Pointer: ptr, Reason: fmt.Sprintf("ESCO skill %q is not in the shipped ESCO %s subset", uri, ESCOVersion)}}
	}
	return nil
}

func checkSkillList(ptr string, uris []string) []FieldError {
	var errs []FieldError
	for i, u := range uris {
		errs = append(errs, checkSkills(ptr+"/"+strconv.Itoa(i), u)...)
	}
	return errs
}

func checkOccupation(ptr, uri string) []FieldError {
	if _, ok := ESCOOccupation(uri); !ok {
		return []FieldError{{Pointer: ptr, Reason: fmt.Sprintf("ESCO occupation %q is not in the shipped ESCO %s subset", uri, ESCOVersion)}}
	}
	return nil
}

// Standard kinds: what an EVC standard is.
const (
	StandardESCOOccupation      = "esco_occupation"     // the essential ESCO skills of an occupation
	StandardKwalificatiedossier = "kwalificatiedossier" // an MBO qualification file, by crebo number
)

// CompetenceResult is the outcome for one competence of an EVC procedure.
type CompetenceResult string

// The competence results an Ervaringscertificaat records ("not proven" is
// not recorded: the certificate lists what was recognised).
const (
	CompetenceProven CompetenceResult = "proven"
	CompetencePartly CompetenceResult = "partly"
)

// ErvaringscertificaatClaims is the claims set of the ervaringscertificaat
// credential: the outcome of an EVC procedure by a recognised EVC provider.
type ErvaringscertificaatClaims struct {
	Standard      string          `json:"standard"`
	StandardKind  string          `json:"standard_kind"`
	StandardLabel string          `json:"standard_label"`
	Skills        []string        `json:"skills"`
	Competences   []EVCCompetence `json:"competences"`
	Provider      string          `json:"provider"`
	Assessor      string          `json:"assessor"`
	AssessedOn    Date            `json:"assessed_on"`
	Method        Method          `json:"method"`
	Assurance     Assurance       `json:"assurance"`
}

// EVCCompetence is one competence an EVC provider recognised.
type EVCCompetence struct {
	Skill       string           `json:"skill"`
	SkillLabel  string           `json:"skill_label"`
	Proficiency Proficiency      `json:"proficiency"`
	Result      CompetenceResult `json:"result"`
}

// PortfolioClaims is the claims set of the portfolio credential: the
// evidence a holder gathered for an EVC standard, issued by herself.
type PortfolioClaims struct {
	Standard      string           `json:"standard"`
	StandardKind  string           `json:"standard_kind"`
	StandardLabel string           `json:"standard_label"`
	Entries       []PortfolioEntry `json:"entries"`
	PreparedOn    Date             `json:"prepared_on"`
	Assurance     Assurance        `json:"assurance"`
}

// PortfolioEntry is what the holder claims for one competence.
type PortfolioEntry struct {
	Skill      string              `json:"skill"`
	SkillLabel string              `json:"skill_label"`
	Statement  string              `json:"statement"`
	Context    string              `json:"context"`
	From       Date                `json:"from"`
	Until      *Date               `json:"until,omitempty"`
	Evidence   []PortfolioEvidence `json:"evidence,omitempty"`
}

// Portfolio evidence kinds.
const (
	EvidenceAttachment = "attachment"
	EvidenceCredential = "credential"
)

// PortfolioEvidence backs a portfolio entry: an attachment the holder
// keeps (named by its SHA-256, base64url) or a credential she holds.
type PortfolioEvidence struct {
	Kind           string `json:"kind"`
	Name           string `json:"name"`
	MediaType      string `json:"media_type,omitempty"`
	SHA256         string `json:"sha256,omitempty"`
	CredentialType string `json:"credential_type,omitempty"`
	IssuerName     string `json:"issuer_name,omitempty"`
}

// Payer kinds of a leerbudget.
const (
	PayerEmployer     = "employer"
	PayerSectorFund   = "sector_fund"
	PayerUWV          = "uwv"
	PayerMunicipality = "municipality"
	PayerOther        = "other"
)

// LeerbudgetClaims is the claims set of the leerbudget credential: a
// training budget committed to the holder.
type LeerbudgetClaims struct {
	Amount           float64 `json:"amount"`
	Currency         string  `json:"currency"`
	Purpose          string  `json:"purpose"`
	TargetOccupation string  `json:"target_occupation,omitempty"`
	Payer            string  `json:"payer"`
	PayerKind        string  `json:"payer_kind"`
	Scheme           string  `json:"scheme,omitempty"`
	ValidFrom        Date    `json:"valid_from"`
	ValidUntil       Date    `json:"valid_until"`
}

// WerkplekLerenClaims is the claims set of the werkplekleren credential:
// hours learned on the job and the skills practised, confirmed by the
// workplace supervisor.
type WerkplekLerenClaims struct {
	Organisation   string    `json:"organisation"`
	SupervisorName string    `json:"supervisor_name"`
	SupervisorRole string    `json:"supervisor_role,omitempty"`
	From           Date      `json:"from"`
	Until          Date      `json:"until"`
	Hours          float64   `json:"hours"`
	Skills         []string  `json:"skills"`
	Statement      string    `json:"statement,omitempty"`
	AssessedOn     Date      `json:"assessed_on"`
	Method         Method    `json:"method"`
	Assurance      Assurance `json:"assurance"`
}

func (c *ErvaringscertificaatClaims) check() []FieldError {
	errs := checkStandard(c.Standard, c.StandardKind)
	errs = append(errs, checkSkillList("/skills", c.Skills)...)
	listed := map[string]bool{}
	for i, comp := range c.Competences {
		ptr := "/competences/" + strconv.Itoa(i) + "/skill"
		errs = append(errs, checkSkills(ptr, comp.Skill)...)
		if listed[comp.Skill] {
			errs = append(errs, FieldError{Pointer: ptr, Reason: "the same skill is listed twice"})
		}
		listed[comp.Skill] = true
	}
	for i, s := range c.Skills {
		if !listed[s] {
			errs = append(errs, FieldError{Pointer: "/skills/" + strconv.Itoa(i), Reason: "skill is not among the competences"})
		}
	}
	if len(c.Skills) != len(listed) {
		errs = append(errs, FieldError{Pointer: "/skills", Reason: "skills must list the skill of every competence"})
	}
	return errs
}

func (c *PortfolioClaims) check() []FieldError {
	errs := checkStandard(c.Standard, c.StandardKind)
	for i, e := range c.Entries {
		base := "/entries/" + strconv.Itoa(i)
		errs = append(errs, checkSkills(base+"/skill", e.Skill)...)
		if e.Until != nil && e.Until.Before(e.From) {
			errs = append(errs, FieldError{Pointer: base + "/until", Reason: fmt.Sprintf("end %s is before start %s", e.Until, e.From)})
		}
		for j, ev := range e.Evidence {
			ptr := base + "/evidence/" + strconv.Itoa(j)
			switch {
			case ev.Kind == EvidenceAttachment && (ev.SHA256 == "" || ev.MediaType == ""):
				errs = append(errs, FieldError{Pointer: ptr, Reason: "an attachment needs media_type and sha256"})
			case ev.Kind == EvidenceCredential && ev.CredentialType == "":
				errs = append(errs, FieldError{Pointer: ptr, Reason: "a credential needs credential_type"})
			}
		}
	}
	return errs
}

func (c *LeerbudgetClaims) check() []FieldError {
	var errs []FieldError
	if c.ValidUntil.Before(c.ValidFrom) {
		errs = append(errs, FieldError{Pointer: "/valid_until", Reason: fmt.Sprintf("valid_until %s is before valid_from %s", c.ValidUntil, c.ValidFrom)})
	}
	if c.TargetOccupation != "" {
		errs = append(errs, checkOccupation("/target_occupation", c.TargetOccupation)...)
	}
	return errs
}

func (c *WerkplekLerenClaims) check() []FieldError {
	errs := checkSkillList("/skills", c.Skills)
	if c.Until.Before(c.From) {
		errs = append(errs, FieldError{Pointer: "/until", Reason: fmt.Sprintf("until %s is before from %s", c.Until, c.From)})
	}
	if c.AssessedOn.Before(c.From) {
		errs = append(errs, FieldError{Pointer: "/assessed_on", Reason: "confirmed before the period began"})
	}
	return errs
}

// checkStandard checks an EVC standard: an ESCO occupation of the shipped
// subset, or a crebo number (five digits) for a kwalificatiedossier.
func checkStandard(std, kind string) []FieldError {
	switch kind {
	case StandardESCOOccupation:
		return checkOccupation("/standard", std)
	case StandardKwalificatiedossier:
		if len(std) != 5 || strings.Trim(std, "0123456789") != "" {
			return []FieldError{{Pointer: "/standard", Reason: fmt.Sprintf("crebo number %q is not five digits", std)}}
		}
	}
	return nil
}
