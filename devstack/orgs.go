package devstack

import (
	"embed"
	"fmt"
	"io/fs"
	"strings"

	"github.com/loopbrug/paspoort/credentials/profile"
	"github.com/loopbrug/paspoort/verifier"
	"github.com/loopbrug/paspoort/verifier/profiles"
)

// The demo organisations, in port order after the wallet (Options.BasePort).
const (
	// IssuerAssessment is the assessment provider: talents, drives, level,
	// goal (intake interview), agility and skills.
	IssuerAssessment = "assessment"
	// IssuerNS is NS, Miranda's employer: work experience and references.
	IssuerNS = "ns"
	// IssuerHogeschool is Hogeschool Domstad: completed modules.
	IssuerHogeschool = "hogeschool"
	// IssuerEVC is EVC Centrum Domstad, a recognised EVC provider:
	// Ervaringscertificaten and the skill credentials they recognise.
	IssuerEVC = "evc"
	// IssuerClub is SV Domstad, the sports club where Willem trains the
	// youth teams: volunteer experience and references.
	IssuerClub = "svdomstad"
	// IssuerUWV is UWV: training budgets (leerbudget) for people on WW.
	IssuerUWV = "uwv"
	// IssuerPrimary is Basisschool De Regenboog, where Willem learns on
	// the job: werkplekleren.
	IssuerPrimary = "regenboog"
	// VerifierAdmission is Hogeschool Domstad's admission office for the
	// part-time secondary teacher training.
	VerifierAdmission = "toelating"
	// VerifierSchool is Stedelijk College Domstad, a secondary school
	// hiring teachers into a leerwerktraject.
	VerifierSchool = "school"
	// VerifierAgency is Uitzendbureau Snelwerk, a staffing agency that is
	// in no consortium register.
	VerifierAgency = "uitzend"
	// VerifierEVC is EVC Centrum Domstad's intake: it takes in portfolios
	// for review (its desk reviews them and has IssuerEVC issue).
	VerifierEVC = "evc-intake"
)

// Profiles of the demo verifiers: the shipped teacher-training admission
// profile and the school's own hiring profile (devstack/profiles).
const (
	ProfileAdmission = "tweedegraads-lerarenopleiding"
	ProfileSchool    = "docent-leerwerktraject"
	// ProfileReferences is the school's profile that also asks for the
	// references, never registered: wallets refuse it (over-asking).
	ProfileReferences = "docent-met-referenties"
	// ProfileAgency is the staffing agency's profile.
	ProfileAgency = "snelstart-onderwijs"
	// ProfileEVC is EVC Centrum Domstad's intake for the sports coach
	// standard.
	ProfileEVC = "evc-sportcoach"
	// CatalogueDomstad is Hogeschool Domstad's module catalogue: the
	// admission's learning plan and the school's onboarding plan come
	// from it.
	CatalogueDomstad = "domstad-lerarenopleiding"
)

// issuerSpec and verifierSpec describe a demo organisation. An
// organisation has one name, the same in every language and in every
// role: Hogeschool Domstad issues completed modules and admits students
// under one name.
type issuerSpec struct {
	key   string
	name  map[string]string
	types []string
}

type verifierSpec struct {
	key      string
	name     string
	profiles []string
	// registered are the profiles the consortium register admits the
	// verifier for; none: it is not a member.
	registered []string
}

// specOf returns the spec of the verifier key.
func specOf(key string) verifierSpec {
	for _, s := range verifierSpecs {
		if s.key == key {
			return s
		}
	}
	return verifierSpec{}
}

var issuerSpecs = []issuerSpec{
	{IssuerAssessment, map[string]string{"nl": "Assessment Centrum Loopbrug", "en": "Assessment Centrum Loopbrug"},
		[]string{"talent", "skill", "drive", "agility", "level", "goal"}},
	{IssuerNS, map[string]string{"nl": "NS Reizigers", "en": "NS Reizigers"},
		[]string{"experience", "reference"}},
	{IssuerHogeschool, map[string]string{"nl": "Hogeschool Domstad", "en": "Hogeschool Domstad"},
		[]string{"learning"}},
	{IssuerEVC, map[string]string{"nl": "EVC Centrum Domstad", "en": "EVC Centrum Domstad"},
		[]string{"ervaringscertificaat", "skill"}},
	{IssuerClub, map[string]string{"nl": "SV Domstad", "en": "SV Domstad"},
		[]string{"experience", "reference"}},
	{IssuerUWV, map[string]string{"nl": "UWV", "en": "UWV"},
		[]string{"leerbudget"}},
	{IssuerPrimary, map[string]string{"nl": "Basisschool De Regenboog", "en": "Basisschool De Regenboog"},
		[]string{"werkplekleren"}},
}

var verifierSpecs = []verifierSpec{
	{VerifierAdmission, "Hogeschool Domstad", []string{ProfileAdmission, ProfilePE}, []string{ProfileAdmission, ProfilePE}},
	{VerifierSchool, "Stedelijk College Domstad", []string{ProfileSchool, ProfileReferences}, []string{ProfileSchool}},
	{VerifierAgency, "Uitzendbureau Snelwerk", []string{ProfileAgency}, nil},
	{VerifierEVC, "EVC Centrum Domstad", []string{ProfileEVC}, []string{ProfileEVC}},
}

//go:embed profiles/*.yaml
var ownProfiles embed.FS

// loadDocuments reads the shipped profiles and catalogues and the dev
// stack's own.
func loadDocuments() (map[string]*profile.Profile, map[string]*profile.Catalogue, error) {
	ps := map[string]*profile.Profile{}
	cs := map[string]*profile.Catalogue{}
	sub, err := fs.Sub(ownProfiles, "profiles")
	if err != nil {
		return nil, nil, fmt.Errorf("devstack profiles: %w", err)
	}
	for _, fsys := range []fs.FS{profiles.FS, sub} {
		entries, err := fs.ReadDir(fsys, ".")
		if err != nil {
			return nil, nil, fmt.Errorf("read profiles: %w", err)
		}
		for _, e := range entries {
			name := e.Name()
			if e.IsDir() || !strings.HasSuffix(name, ".yaml") {
				continue
			}
			b, err := fs.ReadFile(fsys, name)
			if err != nil {
				return nil, nil, fmt.Errorf("read %s: %w", name, err)
			}
			if strings.HasSuffix(name, ".catalogue.yaml") {
				c, err := profile.ParseCatalogue(name, b)
				if err != nil {
					return nil, nil, err
				}
				cs[c.ID] = c
				continue
			}
			p, err := profile.Parse(name, b)
			if err != nil {
				return nil, nil, err
			}
			ps[p.ID] = p
		}
	}
	return ps, cs, nil
}

// trustList trusts each demo issuer for the types it issues: the
// consortium's accreditation, as a verifier's operator would write it.
func trustList(issuers []*Issuer) *verifier.TrustList {
	tl := &verifier.TrustList{}
	for _, is := range issuers {
		tl.Issuers = append(tl.Issuers, verifier.TrustedIssuer{ID: is.URL, Name: is.Name["nl"], Types: is.Types})
	}
	return tl
}
