package web

// texts holds every fixed text of the pages, per language.
var texts = map[string]map[string]string{
	"nl": {
		"title": "Balie", "choose": "Kies een eisenprofiel", "start": "Vraag bewijs",
		"scan": "Scan deze QR-code met uw wallet, of open de link op dit apparaat.", "open_link": "Open in wallet", "open_web_wallet": "Open in de webwallet op deze computer",
		"waiting": "Wachten op het antwoord van de kandidaat…", "valid_until": "Geldig tot",
		"decision": "Besluit", "admitted": "Toegelaten", "hired": "Aangenomen", "not_admitted": "Niet toegelaten", "not_hired": "Niet aangenomen",
		"from": "van", "check_answer": "Kijk of er antwoord is", "check_help": "De pagina wacht dan tot 20 seconden op het antwoord van de kandidaat.", "english": "(Engels)", "tech": "Technische details", "qr_alt": "QR-code van het verzoek", "the_link": "De link als tekst",
		"declined":      "De kandidaat heeft geweigerd om gegevens te delen. Er is niets ontvangen.",
		"rejected_help": "Een deel van het bewijs was niet geldig (bijvoorbeeld ingetrokken of niet te controleren) en is niet meegewogen. Vraag de kandidaat om nieuw bewijs.",
		"requirement":   "Eis", "status": "Status", "evidence": "Bewijs", "score": "Matchscore",
		"gap": "Nog niet aangetoond", "plan": "Leerplan", "onboarding_plan": "Inwerkplan", "next_intake": "Volgende instroom",
		"study_load": "Studielast", "required": "verplicht", "met": "voldaan", "not_met": "niet voldaan", "not_proven": "niet aangetoond",
		"new": "Nieuwe aanvraag", "unknown_profile": "Onbekend profiel.", "unknown_request": "Onbekende aanvraag.",
		"expired": "Deze aanvraag is verlopen.", "rejected": "Niet meegewogen", "other_lang": "English",
		"month": "maand", "months": "maanden", "as": "als", "out_of": "uit", "credential": "bewijs", "credentials": "bewijzen",
	},
	"en": {
		"title": "Front desk", "choose": "Choose a requirement profile", "start": "Ask for proof",
		"scan": "Scan this QR code with your wallet, or open the link on this device.", "open_link": "Open in wallet", "open_web_wallet": "Open in the web wallet on this computer",
		"waiting": "Waiting for the candidate's answer…", "valid_until": "Valid until",
		"decision": "Decision", "admitted": "Admitted", "hired": "Hired", "not_admitted": "Not admitted", "not_hired": "Not hired",
		"from": "from", "check_answer": "Check for the answer", "check_help": "The page then waits up to 20 seconds for the candidate's answer.", "english": "", "tech": "Technical details", "qr_alt": "QR code of the request", "the_link": "The link as text",
		"declined":      "The candidate declined to share. Nothing was received.",
		"rejected_help": "Part of the evidence was not valid (for example revoked or not verifiable) and was not counted. Ask the candidate for new evidence.",
		"requirement":   "Requirement", "status": "Status", "evidence": "Evidence", "score": "Match score",
		"gap": "Not yet proven", "plan": "Learning plan", "onboarding_plan": "Onboarding plan", "next_intake": "Next intake",
		"study_load": "Study load", "required": "required", "met": "met", "not_met": "not met", "not_proven": "not proven",
		"new": "New request", "unknown_profile": "Unknown profile.", "unknown_request": "Unknown request.",
		"expired": "This request has expired.", "rejected": "Not counted", "other_lang": "Nederlands",
		"month": "month", "months": "months", "as": "as", "out_of": "from", "credential": "credential", "credentials": "credentials",
	},
}
