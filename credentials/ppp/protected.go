package ppp

import (
	"strings"
)

// Protected is a category of personal data that may not weigh in hiring and
// admission (the fairness guard, issue 12): special categories of personal
// data (AVG art. 9), and the grounds of the Dutch equal treatment acts
// (Algemene wet gelijke behandeling art. 1; Wet gelijke behandeling op
// grond van leeftijd bij de arbeid; Wet gelijke behandeling op grond van
// handicap of chronische ziekte). Asking for such a claim needs a legal
// ground, which the requirement profile must give.
type Protected string

// The categories.
const (
	ProtectedAge               Protected = "age"
	ProtectedNationality       Protected = "nationality"
	ProtectedGender            Protected = "gender"
	ProtectedHealth            Protected = "health"
	ProtectedReligion          Protected = "religion"
	ProtectedOrigin            Protected = "origin"
	ProtectedSexualOrientation Protected = "sexual_orientation"
	ProtectedPolitics          Protected = "political_opinion"
	ProtectedTradeUnion        Protected = "trade_union"
	ProtectedBiometric         Protected = "biometric"
	ProtectedCivilStatus       Protected = "civil_status"
)

// ProtectedMember is the extension member of a claim entry in SD-JWT VC
// Type Metadata (draft-ietf-oauth-sd-jwt-vc §8) that marks the claim as of
// a Protected category: "paspoort_protected": "age". Consumers that do not
// know it ignore it.
const ProtectedMember = "paspoort_protected"

// protectedInfo are a category's words (en, nl) and its legal source.
var protectedInfo = map[Protected]struct{ en, nl, source string }{
	ProtectedAge:               {"age or date of birth", "leeftijd of geboortedatum", "Wet gelijke behandeling op grond van leeftijd bij de arbeid (WGBL), art. 3 en 7"},
	ProtectedNationality:       {"nationality", "nationaliteit", "Algemene wet gelijke behandeling (AWGB), art. 1"},
	ProtectedGender:            {"sex or gender", "geslacht", "Algemene wet gelijke behandeling (AWGB), art. 1; Wet gelijke behandeling van mannen en vrouwen"},
	ProtectedHealth:            {"health or disability", "gezondheid of handicap", "AVG art. 9; Wet gelijke behandeling op grond van handicap of chronische ziekte (WGBH/CZ)"},
	ProtectedReligion:          {"religion or belief", "godsdienst of levensovertuiging", "AVG art. 9; Algemene wet gelijke behandeling (AWGB), art. 1"},
	ProtectedOrigin:            {"race or ethnic origin", "ras of etnische afkomst", "AVG art. 9; Algemene wet gelijke behandeling (AWGB), art. 1"},
	ProtectedSexualOrientation: {"sexual orientation", "seksuele gerichtheid", "AVG art. 9; Algemene wet gelijke behandeling (AWGB), art. 1"},
	ProtectedPolitics:          {"political opinion", "politieke gezindheid", "AVG art. 9; Algemene wet gelijke behandeling (AWGB), art. 1"},
	ProtectedTradeUnion:        {"trade union membership", "lidmaatschap van een vakbond", "AVG art. 9"},
	ProtectedBiometric:         {"biometric data, a photo of the face", "biometrische gegevens, een foto van het gezicht", "AVG art. 9"},
	ProtectedCivilStatus:       {"civil status", "burgerlijke staat", "Algemene wet gelijke behandeling (AWGB), art. 1"},
}

// Label returns the category in words, in lang ("nl", else English).
func (p Protected) Label(lang string) string {
	i, ok := protectedInfo[p]
	switch {
	case !ok:
		return string(p)
	case lang == "nl":
		return i.nl
	}
	return i.en
}

// Source returns the law that protects the category.
func (p Protected) Source() string { return protectedInfo[p].source }

// Valid reports whether p is a known category.
func (p Protected) Valid() bool { _, ok := protectedInfo[p]; return ok }

// ProtectedCategories returns every category.
func ProtectedCategories() []Protected {
	return []Protected{ProtectedAge, ProtectedNationality, ProtectedGender, ProtectedHealth, ProtectedReligion, ProtectedOrigin,
		ProtectedSexualOrientation, ProtectedPolitics, ProtectedTradeUnion, ProtectedBiometric, ProtectedCivilStatus}
}

// knownProtected names the claims of identity credentials other issuers
// hand out (the EU PID of the EUDI wallets, urn:eudi:pid:1 and its
// predecessor, and common JWT claims, RFC 7519 / OpenID Connect) that
// fall in a category. A claim is classified by its first path element.
var knownProtected = map[string]Protected{
	"birthdate": ProtectedAge, "birth_date": ProtectedAge, "date_of_birth": ProtectedAge, "age_in_years": ProtectedAge,
	"age_birth_year": ProtectedAge, "age_equal_or_over": ProtectedAge, "age": ProtectedAge,
	"nationality": ProtectedNationality, "nationalities": ProtectedNationality, "citizenship": ProtectedNationality,
	"place_of_birth": ProtectedOrigin, "birth_place": ProtectedOrigin, "country_of_birth": ProtectedOrigin, "ethnicity": ProtectedOrigin, "race": ProtectedOrigin,
	"sex": ProtectedGender, "gender": ProtectedGender,
	"health": ProtectedHealth, "disability": ProtectedHealth, "medical": ProtectedHealth,
	"religion": ProtectedReligion, "belief": ProtectedReligion,
	"sexual_orientation": ProtectedSexualOrientation, "political_opinion": ProtectedPolitics,
	"trade_union_membership": ProtectedTradeUnion, "trade_union": ProtectedTradeUnion,
	"portrait": ProtectedBiometric, "picture": ProtectedBiometric, "photo": ProtectedBiometric, "face_image": ProtectedBiometric, "biometric": ProtectedBiometric,
	"marital_status": ProtectedCivilStatus, "civil_status": ProtectedCivilStatus,
}

// ProtectedClaim says whether the claim at path of a credential of type
// vct is of a Protected category: by the mark of the PPP type's metadata
// (ProtectedMember), else, for any type, by the well-known claim names of
// identity credentials (age_over_18, birthdate, nationalities, sex, …).
// PPP types mark no claim today; the names catch identity credentials of
// other issuers that a verifier may ask for.
func ProtectedClaim(vct string, path []string) (Protected, bool) {
	if len(path) == 0 {
		return "", false
	}
	if t, ok := LookupVCT(vct); ok {
		for _, c := range t.Claims {
			if c.Protected != "" && len(c.Path) <= len(path) && strings.Join(c.Path, "/") == strings.Join(path[:len(c.Path)], "/") {
				return c.Protected, true
			}
		}
	}
	name := strings.ToLower(path[0])
	if p, ok := knownProtected[name]; ok {
		return p, true
	}
	if strings.HasPrefix(name, "age_over_") || strings.HasPrefix(name, "age_under_") {
		return ProtectedAge, true
	}
	return "", false
}
