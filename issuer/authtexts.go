package issuer

// authTexts are the fixed texts of the authorization page, Dutch (B1) by
// default and English with ?lang=en. They never name a type, a DID or an
// error of the code; the technical details sit in a collapsed block.
var authTexts = map[string]map[string]string{
	"nl": {
		"title":       "Gegevens naar uw wallet sturen",
		"intro":       "Uw wallet vraagt om deze gegevens van",
		"check":       "Heeft u dit net zelf in uw wallet gestart? Ga dan verder. Weet u het niet? Kies dan ‘Nee, stop’.",
		"code_label":  "Vul de code in die u van ons heeft gekregen (uw pincode)",
		"wrong_code":  "Die pincode klopt niet. U kunt het nog %d keer proberen.",
		"allow":       "Ja, stuur naar mijn wallet",
		"deny":        "Nee, stop",
		"after":       "Daarna gaat u vanzelf terug naar uw wallet.",
		"tech":        "Technische details",
		"other_lang":  "English",
		"error_title": "Dit lukt niet",
		"unknown":     "Deze link werkt niet.",
		"expired":     "Deze link is verlopen.",
		"used":        "Deze link is al gebruikt.",
		"locked":      "De pincode is te vaak fout ingevuld. Daarom kunt u dit aanbod niet meer gebruiken.",
		"again":       "Begin opnieuw in uw wallet: scan de QR-code nog een keer of open de link die u van ons kreeg.",
		"ask_new":     "Vraag ons om een nieuw aanbod. U krijgt dan ook een nieuwe pincode.",
		"failed":      "Er ging bij ons iets mis.",
		"later":       "Probeer het over een paar minuten opnieuw in uw wallet.",
	},
	"en": {
		"title":       "Send details to your wallet",
		"intro":       "Your wallet asks for these details from",
		"check":       "Did you just start this in your wallet yourself? Then continue. Not sure? Choose ‘No, stop’.",
		"code_label":  "Enter the code you received from us (your PIN)",
		"wrong_code":  "That PIN is not right. You can try %d more times.",
		"allow":       "Yes, send to my wallet",
		"deny":        "No, stop",
		"after":       "You then go back to your wallet by yourself.",
		"tech":        "Technical details",
		"other_lang":  "Nederlands",
		"error_title": "This does not work",
		"unknown":     "This link does not work.",
		"expired":     "This link has expired.",
		"used":        "This link was already used.",
		"locked":      "The PIN was entered wrongly too often, so this offer can no longer be used.",
		"again":       "Start again in your wallet: scan the QR code again or open the link we sent you.",
		"ask_new":     "Ask us for a new offer. You will get a new PIN with it.",
		"failed":      "Something went wrong on our side.",
		"later":       "Try again in your wallet in a few minutes.",
	},
}
