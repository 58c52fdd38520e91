package consortium

// texts holds every fixed text of the register page, per language.
var texts = map[string]map[string]string{
	"nl": {
		"title": "Register", "intro": "Dit is het openbare register van het consortium: de organisaties die bewijs voor het Persoonlijk Profiel Paspoort mogen uitgeven, en de organisaties die erom mogen vragen.",
		"issuers": "Uitgevers", "verifiers": "Organisaties die bewijs vragen", "name": "Naam", "kind": "Soort", "types": "Mag uitgeven",
		"profiles": "Eisenprofiel", "may_ask": "Mag vragen naar", "ids": "Kenmerken voor wallets en balies", "versions": "versies", "asks": "vraagt", "none": "Nog niemand.",
		"version": "Versie", "valid_until": "geldig tot", "expired": "Deze versie is verlopen; het consortium moet een nieuwe ondertekenen.",
		"not_signed": "Het register is nog niet ondertekend.", "tech": "Voor wallets en balies",
		"current": "Huidige versie (JWT)", "key": "Publieke sleutel", "other_lang": "English",
	},
	"en": {
		"title": "Register", "intro": "This is the consortium's public register: the organisations that may issue evidence for the Persoonlijk Profiel Paspoort, and the organisations that may ask for it.",
		"issuers": "Issuers", "verifiers": "Organisations that ask for evidence", "name": "Name", "kind": "Kind", "types": "May issue",
		"profiles": "Requirement profile", "may_ask": "May ask for", "ids": "Identifiers for wallets and desks", "versions": "versions", "asks": "asks", "none": "No one yet.",
		"version": "Version", "valid_until": "valid until", "expired": "This version has expired; the consortium must sign a new one.",
		"not_signed": "The register has not been signed yet.", "tech": "For wallets and desks",
		"current": "Current version (JWT)", "key": "Public key", "other_lang": "Nederlands",
	},
}

// kindLabels names the kinds of members for people.
var kindLabels = map[string]map[string]string{
	"nl": {
		"assessor": "assessor", "employer": "werkgever", "school": "opleider", "evc-provider": "EVC-aanbieder", "funder": "financier",
		"admission": "toelating", "hiring": "werving", "guidance": "begeleiding", "recognition": "erkenning (EVC)",
	},
	"en": {
		"assessor": "assessor", "employer": "employer", "school": "school", "evc-provider": "EVC provider", "funder": "funder",
		"admission": "admission", "hiring": "hiring", "guidance": "guidance", "recognition": "recognition (EVC)",
	},
}

// KindLabel names an issuer or verifier kind ("employer", "hiring", …) in
// lang ("nl", or "en"): "werkgever", "werving". An unknown kind is
// returned as it is.
func KindLabel(kind, lang string) string {
	if lang != "en" {
		lang = "nl"
	}
	if l, ok := kindLabels[lang][kind]; ok {
		return l
	}
	return kind
}
