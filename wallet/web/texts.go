package web

// texts holds every fixed text of the pages, per language.
var texts = map[string]map[string]string{
	"nl": {
		"title": "Mijn paspoort", "unlock": "Ontgrendel", "passphrase": "Wachtwoordzin", "wrong": "Dat is niet de wachtwoordzin.",
		"lock": "Vergrendel", "paspoort": "Mijn paspoort", "receive": "Ontvangen", "share": "Delen", "history": "Geschiedenis",
		"opportunities": "Kansen", "empty": "Nog geen bewijs.", "issuer": "Uitgever", "issued": "Uitgegeven", "expires": "Geldig tot",
		"status": "Status", "offer_link": "Link van het aanbod (openid-credential-offer://…)", "next": "Verder",
		"offers": "biedt u aan", "tx_code": "Pincode die u apart kreeg", "accept": "Accepteer en bewaar", "decline": "Weiger",
		"received": "Ontvangen en gecontroleerd", "request_link": "Link van het verzoek (openid4vp://…)",
		"asks": "vraagt om bewijs", "consent": "Kies wat u deelt. Alleen de aangevinkte gegevens gaan naar de verificateur.",
		"from": "uit", "send": "Deel de gekozen gegevens", "shared": "Gedeeld", "nothing": "U heeft niets dat hierom gevraagd wordt.",
		"when": "Wanneer", "with": "Met wie", "what": "Wat", "purpose": "Doel", "error": "Dat lukte niet:",
		"met": "voldaan", "not_met": "niet voldaan", "not_proven": "niet aangetoond", "score": "Match", "gap": "Nog te leren",
		"private": "Berekend in uw wallet; er is niets gedeeld.", "accepted": "U voldoet", "refused": "U voldoet (nog) niet",
		"other_lang": "English", "valid": "geldig", "no_status": "geldig", "revoked": "ingetrokken", "suspended": "geschorst",
		"expired": "verlopen", "unknown": "onbekend", "not_checked": "niet gecontroleerd", "sent": "verstuurd", "rejected": "geweigerd",
		"declined": "U heeft geweigerd; de verificateur is ingelicht.",
	},
	"en": {
		"title": "My paspoort", "unlock": "Unlock", "passphrase": "Passphrase", "wrong": "That is not the passphrase.",
		"lock": "Lock", "paspoort": "My paspoort", "receive": "Receive", "share": "Share", "history": "History",
		"opportunities": "Opportunities", "empty": "No evidence yet.", "issuer": "Issuer", "issued": "Issued", "expires": "Valid until",
		"status": "Status", "offer_link": "Offer link (openid-credential-offer://…)", "next": "Continue",
		"offers": "offers you", "tx_code": "PIN you were given separately", "accept": "Accept and keep", "decline": "Decline",
		"received": "Received and verified", "request_link": "Request link (openid4vp://…)",
		"asks": "asks for proof", "consent": "Choose what you share. Only the ticked claims go to the verifier.",
		"from": "from", "send": "Share the chosen claims", "shared": "Shared", "nothing": "You hold nothing that is asked for.",
		"when": "When", "with": "With", "what": "What", "purpose": "Purpose", "error": "That did not work:",
		"met": "met", "not_met": "not met", "not_proven": "not proven", "score": "Match", "gap": "Still to learn",
		"private": "Computed in your wallet; nothing was shared.", "accepted": "You qualify", "refused": "You do not qualify (yet)",
		"other_lang": "Nederlands", "valid": "valid", "no_status": "valid", "revoked": "revoked", "suspended": "suspended",
		"expired": "expired", "unknown": "unknown", "not_checked": "not checked", "sent": "sent", "rejected": "refused",
		"declined": "You declined; the verifier was told.",
	},
}
