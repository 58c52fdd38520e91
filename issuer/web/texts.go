package web

// texts holds every fixed text of the pages, per language.
var texts = map[string]map[string]string{
	"nl": {
		"title": "Uitgifte", "new_offer": "Nieuw aanbod", "issued": "Uitgegeven",
		"claims": "Gegevens (JSON, volgens het schema van het type)", "subject_ref": "Uw referentie (bijv. studentnummer; komt niet in het credential)",
		"tx_code": "Met pincode (tx_code), apart te geven", "create": "Maak aanbod",
		"offer_ready": "Aanbod klaar", "open_wallet": "Open in de webwallet op deze computer", "scan": "Laat de persoon deze QR-code scannen, of geef de link.",
		"pin": "Pincode, apart te geven (sms, telefoon)", "invalid": "De gegevens kloppen niet met het schema:",
		"type": "Type", "issued_at": "Uitgegeven", "status": "Status", "actions": "Acties", "ref": "Referentie",
		"revoke": "Intrekken", "suspend": "Schorsen", "reinstate": "Herstellen", "none": "Nog niets uitgegeven.",
		"error": "Dat lukte niet.", "other_lang": "English", "valid": "geldig", "revoked": "ingetrokken", "suspended": "geschorst",
	},
	"en": {
		"title": "Issuing", "new_offer": "New offer", "issued": "Issued",
		"claims": "Claims (JSON, per the type's schema)", "subject_ref": "Your reference (e.g. student number; not put in the credential)",
		"tx_code": "With a PIN (tx_code), given separately", "create": "Create offer",
		"offer_ready": "Offer ready", "open_wallet": "Open in the web wallet on this computer", "scan": "Let the person scan this QR code, or give them the link.",
		"pin": "PIN, to give separately (SMS, phone)", "invalid": "The claims do not fit the schema:",
		"type": "Type", "issued_at": "Issued", "status": "Status", "actions": "Actions", "ref": "Reference",
		"revoke": "Revoke", "suspend": "Suspend", "reinstate": "Reinstate", "none": "Nothing issued yet.",
		"error": "That did not work.", "other_lang": "Nederlands", "valid": "valid", "revoked": "revoked", "suspended": "suspended",
	},
}
