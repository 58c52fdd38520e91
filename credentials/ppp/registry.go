package ppp

import (
	"slices"
	"strings"
)

// claim builds a Claim; path is dot-separated with "*" for AllElements.
func claim(path string, mandatory bool, sd SD, en, nl string) Claim {
	return Claim{
		Path:      ClaimPath(strings.Split(path, ".")),
		Mandatory: mandatory,
		SD:        sd,
		Label:     map[string]string{"en": en, "nl": nl},
	}
}

func display(enName, enDesc, nlName, nlDesc string) map[string]Display {
	return map[string]Display{
		"en": {Name: enName, Description: enDesc},
		"nl": {Name: nlName, Description: nlDesc},
	}
}

// Claims shared by several types.
var (
	claimInstrument = claim("instrument", true, SDAlways, "Assessment instrument", "Assessmentinstrument")
	claimAssessedOn = claim("assessed_on", true, SDAlways, "Assessed on", "Beoordeeld op")
	claimMethod     = claim("method", true, SDAlways, "Assessment method", "Beoordelingsmethode")
	claimEvidence   = claim("evidence", false, SDAlways, "Evidence", "Onderbouwing")
	claimAssurance  = claim("assurance", false, SDAlways, "Established by", "Vastgesteld door")
	// claimAssuranceFixed is the assurance of a type that always states it.
	claimAssuranceFixed = claim("assurance", true, SDAlways, "Established by", "Vastgesteld door")
	claimStandard       = []Claim{
		claim("standard", true, SDAlways, "Standard (ESCO or crebo)", "Standaard (ESCO of crebo)"),
		claim("standard_kind", true, SDAlways, "Kind of standard", "Soort standaard"),
		claim("standard_label", true, SDAlways, "Standard", "Standaard"),
	}
)

// pppSince is the first day of the PPP scales of the assessment types:
// nothing assessed on them can predate it.
var pppSince = Date{2020, 1, 1}

// definitions returns the static definitions of the thirteen types, in the
// order of Types. Top-level claims are always selectively disclosable, so
// a holder shows only what a verifier asks for; list elements are too, so
// a holder can show some talents or skills of a list and not others.
func definitions() []*typeDef {
	return []*typeDef{
		{
			name:  TypeTalent,
			block: BlockTalents,
			display: display(
				"Talents", "Talents measured by an assessment, each with a score from 0 to 100.",
				"Talenten", "Talenten gemeten met een assessment, elk met een score van 0 tot 100."),
			claims: []Claim{
				claim("talents", true, SDAlways, "Talents", "Talenten"),
				claim("talents.*", false, SDAlways, "Talent", "Talent"),
				claim("talents.*.name", true, SDNever, "Talent", "Talent"),
				claim("talents.*.score", true, SDNever, "Score (0–100)", "Score (0–100)"),
				claim("talents.*.percentile", false, SDNever, "Percentile", "Percentiel"),
				claimInstrument, claimAssessedOn, claimAssurance,
			},
			since:    pppSince,
			newClaim: func() checker { return new(TalentClaims) },
			example:  exampleTalent(),
		},
		{
			name:  TypeSkill,
			block: BlockSkills,
			display: display(
				"Skill", "One ESCO skill at an assessed proficiency on a scale from 1 (basic) to 5 (expert).",
				"Skill", "Eén ESCO-vaardigheid met het beoordeelde beheersingsniveau op een schaal van 1 (basis) tot 5 (expert)."),
			claims: []Claim{
				claim("skill", true, SDAlways, "Skill (ESCO)", "Vaardigheid (ESCO)"),
				claim("skill_label", true, SDAlways, "Skill", "Vaardigheid"),
				claim("proficiency", true, SDAlways, "Proficiency (1–5)", "Beheersingsniveau (1–5)"),
				claimAssessedOn, claimMethod, claimEvidence, claimAssurance,
			},
			since:    pppSince,
			newClaim: func() checker { return new(SkillClaims) },
			example:  exampleSkill(),
		},
		{
			name:  TypeDrive,
			block: BlockDrives,
			display: display(
				"Drives", "Drives (motivators) measured by an assessment, each with a score from 0 to 100.",
				"Drijfveren", "Drijfveren gemeten met een assessment, elk met een score van 0 tot 100."),
			claims: []Claim{
				claim("drives", true, SDAlways, "Drives", "Drijfveren"),
				claim("drives.*", false, SDAlways, "Drive", "Drijfveer"),
				claim("drives.*.name", true, SDNever, "Drive", "Drijfveer"),
				claim("drives.*.score", true, SDNever, "Score (0–100)", "Score (0–100)"),
				claimInstrument, claimAssessedOn, claimAssurance,
			},
			since:    pppSince,
			newClaim: func() checker { return new(DriveClaims) },
			example:  exampleDrive(),
		},
		{
			name:  TypeAgility,
			block: BlockAgility,
			display: display(
				"Agility", "Learning agility, overall and per dimension, on a scale from 1 (very low) to 5 (very high).",
				"Wendbaarheid", "Wendbaarheid, in totaal en per dimensie, op een schaal van 1 (zeer laag) tot 5 (zeer hoog)."),
			claims: []Claim{
				claim("agility", true, SDAlways, "Agility (1–5)", "Wendbaarheid (1–5)"),
				claim("dimensions", false, SDAlways, "Dimensions", "Dimensies"),
				claim("dimensions.*", false, SDAlways, "Dimension", "Dimensie"),
				claim("dimensions.*.dimension", true, SDNever, "Dimension", "Dimensie"),
				claim("dimensions.*.score", true, SDNever, "Score (1–5)", "Score (1–5)"),
				claimInstrument, claimAssessedOn, claimAssurance,
			},
			since:    pppSince,
			newClaim: func() checker { return new(AgilityClaims) },
			example:  exampleAgility(),
		},
		{
			name:  TypeLevel,
			block: BlockLevel,
			display: display(
				"Working and thinking level", "The level of working and thinking as an NLQF level (0 = entry level, 1–8) and the matching EQF level (1–8).",
				"Werk- en denkniveau", "Het werk- en denkniveau als NLQF-niveau (0 = Entreeniveau, 1–8) en het bijbehorende EQF-niveau (1–8)."),
			claims: []Claim{
				claim("nlqf_level", true, SDAlways, "NLQF level", "NLQF-niveau"),
				claim("eqf_level", true, SDAlways, "EQF level", "EQF-niveau"),
				claimAssessedOn, claimMethod, claimEvidence, claimAssurance,
			},
			since:    pppSince,
			newClaim: func() checker { return new(LevelClaims) },
			example:  exampleLevel(),
		},
		{
			name:  TypeGoal,
			block: BlockGoal,
			display: display(
				"Goal and motivation", "The occupation the holder aims for, its sector, and the holder's motivation.",
				"Doel & motivatie", "Het beroep waar de houder naartoe wil, de sector, en de motivatie van de houder."),
			claims: []Claim{
				claim("target_occupation", true, SDAlways, "Target occupation (ESCO)", "Doelberoep (ESCO)"),
				claim("target_occupation_label", true, SDAlways, "Target occupation", "Doelberoep"),
				claim("target_sector", true, SDAlways, "Target sector", "Doelsector"),
				claim("motivation", true, SDAlways, "Motivation", "Motivatie"),
				claim("stated_on", true, SDAlways, "Stated on", "Vastgelegd op"),
			},
			newClaim: func() checker { return new(GoalClaims) },
			example:  exampleGoal(),
		},
		{
			name:  TypeExperience,
			block: BlockEvidence,
			display: display(
				"Work experience", "Work experience attested by the employer, with the ESCO skills shown in it.",
				"Werkervaring", "Werkervaring bevestigd door de werkgever, met de ESCO-vaardigheden die daarin zijn getoond."),
			claims: []Claim{
				claim("employer", true, SDAlways, "Employer", "Werkgever"),
				claim("occupation", true, SDAlways, "Occupation (ESCO)", "Beroep (ESCO)"),
				claim("occupation_label", true, SDAlways, "Occupation", "Beroep"),
				claim("role_title", true, SDAlways, "Job title", "Functietitel"),
				claim("start_date", true, SDAlways, "Start date", "Startdatum"),
				claim("end_date", false, SDAlways, "End date", "Einddatum"),
				claim("ongoing", false, SDAlways, "Still ongoing", "Loopt nog"),
				claim("hours_per_week", true, SDAlways, "Hours per week", "Uren per week"),
				claim("skills", true, SDAlways, "Skills shown (ESCO)", "Getoonde vaardigheden (ESCO)"),
				claim("skills.*", false, SDAlways, "Skill (ESCO)", "Vaardigheid (ESCO)"),
				claim("description", false, SDAlways, "Description of the work", "Omschrijving van het werk"),
				claim("assessed_on", false, SDAlways, "Confirmed on", "Bevestigd op"),
				claimAssurance,
			},
			newClaim: func() checker { return new(ExperienceClaims) },
			example:  exampleExperience(),
		},
		{
			name:  TypeLearning,
			block: BlockEvidence,
			display: display(
				"Completed learning", "A module completed at a school or training provider, with its learning outcomes and the ESCO skills it teaches.",
				"Afgeronde scholing", "Een afgeronde module bij een school of opleider, met de leeruitkomsten en de ESCO-vaardigheden die erin worden geleerd."),
			claims: []Claim{
				claim("institution", true, SDAlways, "Institution", "Onderwijsinstelling"),
				claim("programme", true, SDAlways, "Programme", "Opleiding"),
				claim("module_code", true, SDAlways, "Module code", "Modulecode"),
				claim("module_title", true, SDAlways, "Module", "Module"),
				claim("completed_on", true, SDAlways, "Completed on", "Afgerond op"),
				claim("study_load", true, SDAlways, "Study load", "Studielast"),
				claim("study_load_unit", true, SDAlways, "Study load unit", "Eenheid studielast"),
				claim("eqf_level", true, SDAlways, "EQF level", "EQF-niveau"),
				claim("skills", true, SDAlways, "Skills taught (ESCO)", "Geleerde vaardigheden (ESCO)"),
				claim("skills.*", false, SDAlways, "Skill (ESCO)", "Vaardigheid (ESCO)"),
				claim("learning_outcomes", false, SDAlways, "Learning outcomes", "Leeruitkomsten"),
				claim("learning_outcomes.*", false, SDAlways, "Learning outcome", "Leeruitkomst"),
				claimAssurance,
			},
			newClaim: func() checker { return new(LearningClaims) },
			example:  exampleLearning(),
		},
		{
			name:  TypeReference,
			block: BlockEvidence,
			display: display(
				"Reference", "A reference from a manager, colleague, client, teacher or coach, endorsing ESCO skills.",
				"Referentie", "Een referentie van een leidinggevende, collega, klant, docent of coach, die ESCO-vaardigheden onderschrijft."),
			claims: []Claim{
				claim("referee_name", true, SDAlways, "Referee", "Referent"),
				claim("referee_role", true, SDAlways, "Referee's role", "Functie van de referent"),
				claim("referee_organisation", false, SDAlways, "Referee's organisation", "Organisatie van de referent"),
				claim("relation", true, SDAlways, "Relation to the holder", "Relatie tot de houder"),
				claim("statement", true, SDAlways, "Statement", "Verklaring"),
				claim("skills", true, SDAlways, "Skills endorsed (ESCO)", "Onderschreven vaardigheden (ESCO)"),
				claim("skills.*", false, SDAlways, "Skill (ESCO)", "Vaardigheid (ESCO)"),
				claim("given_on", true, SDAlways, "Given on", "Gegeven op"),
				claimAssurance,
			},
			newClaim: func() checker { return new(ReferenceClaims) },
			example:  exampleReference(),
		},
		{
			name:  TypeErvaringscertificaat,
			block: BlockEvidence,
			display: display(
				"Ervaringscertificaat (EVC)", "The outcome of an EVC procedure: the competences of a standard that a recognised EVC provider found proven, each at a proficiency.",
				"Ervaringscertificaat (EVC)", "De uitkomst van een EVC-procedure: de competenties van een standaard die een erkende EVC-aanbieder bewezen vond, elk met een beheersingsniveau."),
			claims: append(slices.Clone(claimStandard),
				claim("skills", true, SDAlways, "Skills recognised (ESCO)", "Erkende vaardigheden (ESCO)"),
				claim("skills.*", false, SDAlways, "Skill (ESCO)", "Vaardigheid (ESCO)"),
				claim("competences", true, SDAlways, "Competences recognised", "Erkende competenties"),
				claim("competences.*", false, SDAlways, "Competence", "Competentie"),
				claim("competences.*.skill", true, SDNever, "Skill (ESCO)", "Vaardigheid (ESCO)"),
				claim("competences.*.skill_label", true, SDNever, "Skill", "Vaardigheid"),
				claim("competences.*.proficiency", true, SDNever, "Proficiency (1–5)", "Beheersingsniveau (1–5)"),
				claim("competences.*.result", true, SDNever, "Result", "Resultaat"),
				claim("provider", true, SDAlways, "EVC provider", "EVC-aanbieder"),
				claim("assessor", true, SDAlways, "Assessor", "Assessor"),
				claimAssessedOn, claimMethod, claimAssuranceFixed,
			),
			since:    Date{2006, 1, 1},
			newClaim: func() checker { return new(ErvaringscertificaatClaims) },
			example:  exampleErvaringscertificaat(),
		},
		{
			name:  TypePortfolio,
			block: BlockEvidence,
			display: display(
				"EVC portfolio", "Evidence the holder gathered for an EVC standard, in her own words, with the credentials and files that back it. Issued by the holder herself.",
				"EVC-portfolio", "Bewijs dat de houder verzamelde voor een EVC-standaard, in eigen woorden, met de credentials en bestanden die het onderbouwen. Uitgegeven door de houder zelf."),
			claims: append(slices.Clone(claimStandard),
				claim("entries", true, SDAlways, "Entries", "Onderdelen"),
				claim("entries.*", false, SDAlways, "Entry", "Onderdeel"),
				claim("entries.*.skill", true, SDNever, "Skill (ESCO)", "Vaardigheid (ESCO)"),
				claim("entries.*.skill_label", true, SDNever, "Skill", "Vaardigheid"),
				claim("entries.*.statement", true, SDNever, "What I did", "Wat ik deed"),
				claim("entries.*.context", true, SDNever, "Where", "Waar"),
				claim("entries.*.from", true, SDNever, "From", "Vanaf"),
				claim("entries.*.until", false, SDNever, "Until", "Tot en met"),
				claim("entries.*.evidence", false, SDNever, "Evidence", "Bewijs"),
				claim("prepared_on", true, SDAlways, "Prepared on", "Opgesteld op"),
				claimAssuranceFixed,
			),
			selfIssued: true,
			newClaim:   func() checker { return new(PortfolioClaims) },
			example:    examplePortfolio(),
		},
		{
			name:  TypeLeerbudget,
			block: BlockEvidence,
			display: display(
				"Training budget", "A training budget an employer, a sector fund, UWV or a municipality commits to the holder, for a purpose and a period.",
				"Leerbudget", "Een budget voor scholing dat een werkgever, een sectorfonds, UWV of een gemeente de houder toezegt, voor een doel en een periode."),
			claims: []Claim{
				claim("amount", true, SDAlways, "Amount (euro)", "Bedrag (euro)"),
				claim("currency", true, SDAlways, "Currency", "Munteenheid"),
				claim("purpose", true, SDAlways, "Purpose", "Doel"),
				claim("target_occupation", false, SDAlways, "Target occupation (ESCO)", "Doelberoep (ESCO)"),
				claim("payer", true, SDAlways, "Paid by", "Betaald door"),
				claim("payer_kind", true, SDAlways, "Kind of payer", "Soort betaler"),
				claim("scheme", false, SDAlways, "Scheme", "Regeling"),
				claim("valid_from", true, SDAlways, "Valid from", "Geldig vanaf"),
				claim("valid_until", true, SDAlways, "Valid until", "Geldig tot en met"),
			},
			singleUse: true,
			newClaim:  func() checker { return new(LeerbudgetClaims) },
			example:   exampleLeerbudget(),
		},
		{
			name:  TypeWerkplekleren,
			block: BlockEvidence,
			display: display(
				"Learning on the job", "Hours learned on the job and the ESCO skills practised, confirmed by the workplace supervisor.",
				"Werkplekleren", "Uren geleerd op de werkplek en de ESCO-vaardigheden die daarbij zijn geoefend, bevestigd door de praktijkopleider."),
			claims: []Claim{
				claim("organisation", true, SDAlways, "Organisation", "Organisatie"),
				claim("supervisor_name", true, SDAlways, "Supervisor", "Praktijkopleider"),
				claim("supervisor_role", false, SDAlways, "Supervisor's role", "Functie van de praktijkopleider"),
				claim("from", true, SDAlways, "From", "Vanaf"),
				claim("until", true, SDAlways, "Until", "Tot en met"),
				claim("hours", true, SDAlways, "Hours", "Uren"),
				claim("skills", true, SDAlways, "Skills practised (ESCO)", "Geoefende vaardigheden (ESCO)"),
				claim("skills.*", false, SDAlways, "Skill (ESCO)", "Vaardigheid (ESCO)"),
				claim("statement", false, SDAlways, "Remarks", "Toelichting"),
				claim("assessed_on", true, SDAlways, "Confirmed on", "Bevestigd op"),
				claimMethod, claimAssuranceFixed,
			},
			since:    pppSince,
			newClaim: func() checker { return new(WerkplekLerenClaims) },
			example:  exampleWerkplekleren(),
		},
	}
}
