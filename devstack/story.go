package devstack

import (
	"encoding/json"
	"time"

	"github.com/loopbrug/paspoort/credentials/profile"
	"github.com/loopbrug/paspoort/issuer"
)

// ESCO URIs of the story (from the shipped subset, credentials/ppp/esco).
const (
	escoConductor        = "http://data.europa.eu/esco/occupation/ea034d66-0d35-4891-b82c-6434cad2c76f" // train conductor
	escoSecondaryTeacher = "http://data.europa.eu/esco/occupation/5efb2c08-ba3a-4659-a2e4-1883f54e77b6" // secondary school teacher
	escoPassengers       = "http://data.europa.eu/esco/skill/51bc28e9-c489-44d8-9263-4ada49ed1933"      // communicate clearly with passengers
	escoStress           = "http://data.europa.eu/esco/skill/a8460be3-f4ba-44a0-a961-0389069a3614"      // handle stressful situations
	escoEmergency        = "http://data.europa.eu/esco/skill/4d224316-ebf7-4450-8477-1ad5f8b31c80"      // assist passengers in emergency situations
	escoLanguages        = "http://data.europa.eu/esco/skill/2de4572a-4724-4f76-afc2-72a568a264ac"      // speak different languages
)

// FirstModule is the module every career switcher of Hogeschool Domstad
// starts with, whatever the learning plan says.
const FirstModule = "LVO-DKM1"

func day(t time.Time, days int) string { return t.AddDate(0, 0, days).Format(time.DateOnly) }

func claims(v map[string]any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // maps of strings, numbers and slices always encode
	}
	return b
}

// assessmentOffer is what Assessment Centrum Loopbrug issues Miranda after
// her assessment day and intake interview: her talents, drives, working
// and thinking level and goal.
func assessmentOffer(now time.Time) issuer.OfferRequest {
	assessed := day(now, -14)
	return issuer.OfferRequest{TxCode: true, SubjectRef: "miranda", Credentials: []issuer.OfferCredential{
		{Type: "talent", Claims: claims(map[string]any{
			"talents": []map[string]any{
				{"name": "Verbinden", "score": 86, "percentile": 91},
				{"name": "Kalmte onder druk", "score": 81, "percentile": 84},
				{"name": "Uitleggen", "score": 77, "percentile": 79},
			},
			"instrument": "Loopbrug Talentenscan 2.1", "assessed_on": assessed,
		})},
		{Type: "drive", Claims: claims(map[string]any{
			"drives": []map[string]any{
				{"name": "Anderen helpen groeien", "score": 92},
				{"name": "Zingeving", "score": 85},
			},
			"instrument": "Loopbrug Drijfverenprofiel 1.3", "assessed_on": assessed,
		})},
		{Type: "level", Claims: claims(map[string]any{
			"nlqf_level": 4, "eqf_level": 4, "assessed_on": assessed, "method": "evc",
			"evidence": "EVC-procedure: portfolio van 14 jaar als (hoofd)conducteur en een criteriumgericht interview.",
		})},
		{Type: "goal", Claims: claims(map[string]any{
			"target_occupation": escoSecondaryTeacher, "target_occupation_label": "leerkracht voortgezet onderwijs",
			"target_sector": "education", "stated_on": day(now, -13),
			"motivation": "Ik leg al jaren reizigers dingen uit en help collega's op weg. Dat wil ik nu doen voor jongeren, als docent Nederlands.",
		})},
	}}
}

// nsOffer is Miranda's work experience, attested by NS.
func nsOffer(now time.Time) issuer.OfferRequest {
	return issuer.OfferRequest{TxCode: true, SubjectRef: "personeelsnummer-104233", Credentials: []issuer.OfferCredential{
		{Type: "experience", Claims: claims(map[string]any{
			"employer": "NS Reizigers", "occupation": escoConductor, "occupation_label": "treinconducteur",
			"role_title": "Hoofdconducteur", "start_date": "2011-03-01", "ongoing": true, "hours_per_week": 32,
			"skills":      []string{escoPassengers, escoStress, escoEmergency, escoLanguages},
			"description": "Hoofdconducteur op intercitytreinen; sinds 2019 mentor van nieuwe conducteurs.",
		})},
	}}
}

// learningOffer is one completed module of Hogeschool Domstad's catalogue,
// with the ESCO skills the catalogue says it teaches.
func learningOffer(c *profile.Catalogue, m profile.Module, completed time.Time) issuer.OfferRequest {
	return issuer.OfferRequest{TxCode: true, SubjectRef: "studentnummer-2231907", Credentials: []issuer.OfferCredential{
		{Type: "learning", Claims: claims(map[string]any{
			"institution": c.Institution, "programme": c.Programme.Get("nl"),
			"module_code": m.Code, "module_title": m.Title.Get("nl"),
			"completed_on": completed.Format(time.DateOnly), "study_load": m.StudyLoad, "study_load_unit": "ec",
			"eqf_level": 6, "skills": m.Skills,
		})},
	}}
}

// storyTexts are the lines `paspoort demo` prints, in plain Dutch (B1) and
// in English: formats for fmt, the same verbs in the same order in both.
var storyTexts = map[string]map[string]string{
	"nl": {
		"header":        "paspoort demo: het Persoonlijk Profiel Paspoort van Miranda, alles op deze computer",
		"issuer":        "geeft uit  %-34s %s",
		"verifier":      "controleert %-33s %s",
		"open":          "Miranda opent haar wallet",
		"follows":       "haar wallet volgt het register van %s (versie %d): %d uitgevers, %d organisaties die mogen vragen",
		"registered":    "volgens het register: %s (%s), lid van %s",
		"register":      "Het register beschermt haar: wie niet ingeschreven is, of meer vraagt dan mag",
		"unregistered":  "%s vraagt ook gegevens, maar staat in geen register dat haar wallet volgt: de wallet waarschuwt, Miranda beslist",
		"declined":      "Miranda weigert; %s krijgt niets",
		"overasking":    "%s vraagt ook %s, maar is daarvoor niet ingeschreven bij %s: haar wallet weigert het verzoek, er is niets getoond of gedeeld",
		"unlocked":      "wallet %s is open: %d bewijzen",
		"assessment":    "Assessment Centrum Loopbrug geeft haar de uitslag van haar assessment",
		"ns":            "NS Reizigers, haar werkgever, bevestigt haar werkervaring",
		"private":       "Miranda kijkt eerst zelf of ze past bij de lerarenopleiding, zonder iets te delen",
		"private_says":  "haar wallet zegt: %s (er is niets verstuurd)",
		"apply":         "Ze meldt zich aan: Hogeschool Domstad vraagt om bewijs",
		"admitted":      "toegelaten tot %s, met een leerplan voor wat ze nog moet leren",
		"modules":       "Ze volgt haar leerroute en rondt twee modules af",
		"completed":     "afgerond: %s %s (%g EC)",
		"hire":          "Stedelijk College Domstad neemt haar aan in een leerwerktraject",
		"private_first": "eerst zelf vergeleken: %s, %.0f%% van de eisen",
		"hired":         "aangenomen: %s",
		"history":       "Wat Miranda heeft gedeeld, volgens haar wallet",
		"done":          "Elke stap is gecontroleerd: Miranda is toegelaten met een leerplan en aangenomen in een leerwerktraject.",
		"offer":         "aanbod gemaakt (%s); Miranda krijgt de pincode per sms",
		"offered":       "haar wallet laat zien: %s biedt aan: %s",
		"signin":        "zij meldt zich aan op de pagina van %s en vult daar haar pincode in",
		"stored":        "gecontroleerd en bewaard: %s van %s (%d losse kopieën)",
		"paspoort":      "Haar paspoort, per bouwsteen (bij elke uitgever nagekeken of het nog geldig is)",
		"request":       "verzoek %s",
		"checked":       "haar wallet heeft het ondertekende verzoek van %s gecontroleerd",
		"consent":       "toestemming: deel %s van %s: %s",
		"presented":     "gedeeld, alleen de gegevens hierboven",
		"decision":      "besluit van %s: %s",
		"plan":          "%s (%s, %s): %g EC",
		"intake":        "  volgende instroom: %s",
		"required":      " (verplicht)",
		"score":         "%.0f%% van de eisen voldaan",
		"gap":           "nog te leren: %s",
		"aggregate":     "                     %d maanden als %s, uit %d bewijzen",
		"learning_plan": "leerplan",
	},
	"en": {
		"header":        "paspoort demo: Miranda's Persoonlijk Profiel Paspoort, on the Loopbrug of this machine",
		"issuer":        "issuer    %-40s %s",
		"verifier":      "verifier  %-40s %s",
		"open":          "Miranda opens her wallet",
		"follows":       "her wallet follows the register of %s (version %d): %d issuers, %d organisations that may ask",
		"registered":    "according to the register: %s (%s), member of %s",
		"register":      "The register protects her: an organisation that is not registered, or asks for more than it may",
		"unregistered":  "%s asks too, but is in no register her wallet follows: the wallet warns, Miranda decides",
		"declined":      "Miranda declines; %s gets nothing",
		"overasking":    "%s also asks for %s, which %s never registered it for: her wallet refuses the request, nothing is shown or shared",
		"unlocked":      "wallet %s unlocked: %d credentials",
		"assessment":    "Assessment Centrum Loopbrug issues her assessment results",
		"ns":            "NS Reizigers, her employer, attests her work experience",
		"private":       "Miranda looks at the teacher training privately, before sharing anything",
		"private_says":  "her wallet says: %s (nothing was sent)",
		"apply":         "She applies: Hogeschool Domstad asks for proof (OpenID4VP)",
		"admitted":      "admitted to %s, with a learning plan for her gaps",
		"modules":       "She follows her learning route and completes two modules",
		"completed":     "completed %s %s (%g EC)",
		"hire":          "Stedelijk College Domstad hires into a leerwerktraject",
		"private_first": "private match first: %s, score %.0f%%",
		"hired":         "hired: %s",
		"history":       "What Miranda shared, from her wallet's history",
		"done":          "Every step verified: Miranda was admitted with a learning plan and hired into a leerwerktraject.",
		"offer":         "offer created (%s), tx_code sent to Miranda by SMS",
		"offered":       "her wallet shows: %s offers %s",
		"signin":        "she signs in on the page of %s and enters her PIN there",
		"stored":        "verified and stored: %s from %s (%d unlinkable copies)",
		"paspoort":      "Her paspoort, by building block (status checked at each issuer's status list)",
		"request":       "request %s",
		"checked":       "her wallet checked the signed request of %s",
		"consent":       "consent: share %s from %s: %s",
		"presented":     "presented, only the claims above",
		"decision":      "decision of %s: %s",
		"plan":          "%s (%s, %s): %g EC",
		"intake":        "  next intake: %s",
		"required":      " (required)",
		"score":         "score %.0f%%",
		"gap":           "gap: %s",
		"aggregate":     "                     %d months as %s, from %d credentials",
		"learning_plan": "learning plan",
	},
}

// storyWords are the outcomes and statuses in the story's Dutch.
var storyWords = map[string]string{
	"accepted": "akkoord", "refused": "niet akkoord",
	"met": "voldaan", "not_met": "niet voldaan", "not_proven": "niet aangetoond",
	"sent": "verstuurd", "rejected": "geweigerd",
	"valid": "geldig", "no_status": "geen status", "revoked": "ingetrokken", "suspended": "geschorst",
	"expired": "verlopen", "unknown": "onbekend", "not_checked": "niet nagekeken",
}

// say returns the story's text for key in lang.
func (d *demo) say(key string) string {
	if t, ok := d.over[key]; ok {
		return t
	}
	if t, ok := storyTexts[d.lang][key]; ok {
		return t
	}
	return storyTexts["en"][key]
}

// word translates an outcome or status for the Dutch story.
func (d *demo) word(s string) string {
	if d.lang == "nl" {
		if w, ok := storyWords[s]; ok {
			return w
		}
	}
	return s
}
