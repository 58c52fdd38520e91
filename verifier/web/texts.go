package web

// texts holds every fixed text of the pages, per language.
var texts = map[string]map[string]string{
	"nl": {
		"title": "Balie", "choose": "Kies een eisenprofiel", "start": "Vraag bewijs",
		"scan": "Scan deze QR-code met uw wallet, of open de link op dit apparaat.", "open_link": "Open in wallet", "open_web_wallet": "Open in de webwallet op deze computer",
		"waiting": "Wachten op het antwoord van de wallet…", "valid_until": "Geldig tot",
		"decision": "Besluit", "accepted": "Toegelaten / aangenomen", "refused": "Afgewezen",
		"requirement": "Eis", "status": "Status", "evidence": "Bewijs", "score": "Matchscore",
		"gap": "Nog niet aangetoond", "plan": "Leerplan", "onboarding_plan": "Inwerkplan", "next_intake": "Volgende instroom",
		"study_load": "Studielast", "required": "verplicht", "met": "voldaan", "not_met": "niet voldaan", "not_proven": "niet aangetoond",
		"new": "Nieuwe aanvraag", "unknown_profile": "Onbekend profiel.", "unknown_request": "Onbekende aanvraag.",
		"expired": "Deze aanvraag is verlopen.", "rejected": "Niet gebruikt (ongeldig)", "other_lang": "English",
	},
	"en": {
		"title": "Front desk", "choose": "Choose a requirement profile", "start": "Ask for proof",
		"scan": "Scan this QR code with your wallet, or open the link on this device.", "open_link": "Open in wallet", "open_web_wallet": "Open in the web wallet on this computer",
		"waiting": "Waiting for the wallet's answer…", "valid_until": "Valid until",
		"decision": "Decision", "accepted": "Admitted / hired", "refused": "Refused",
		"requirement": "Requirement", "status": "Status", "evidence": "Evidence", "score": "Match score",
		"gap": "Not yet proven", "plan": "Learning plan", "onboarding_plan": "Onboarding plan", "next_intake": "Next intake",
		"study_load": "Study load", "required": "required", "met": "met", "not_met": "not met", "not_proven": "not proven",
		"new": "New request", "unknown_profile": "Unknown profile.", "unknown_request": "Unknown request.",
		"expired": "This request has expired.", "rejected": "Not used (invalid)", "other_lang": "Nederlands",
	},
}
