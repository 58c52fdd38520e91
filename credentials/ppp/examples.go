package ppp

// The examples tell the story of Miranda, a train conductor at NS who
// switches to teaching in secondary education. Every ESCO URI is from the
// shipped subset; the tests check that every example validates.

// ESCO URIs used by the examples.
const (
	exOccTrainConductor   = "http://data.europa.eu/esco/occupation/ea034d66-0d35-4891-b82c-6434cad2c76f"
	exOccSecondaryTeacher = "http://data.europa.eu/esco/occupation/5efb2c08-ba3a-4659-a2e4-1883f54e77b6"

	exSkillStress            = "http://data.europa.eu/esco/skill/a8460be3-f4ba-44a0-a961-0389069a3614" // handle stressful situations
	exSkillCommunicate       = "http://data.europa.eu/esco/skill/51bc28e9-c489-44d8-9263-4ada49ed1933" // communicate clearly with passengers
	exSkillEmergency         = "http://data.europa.eu/esco/skill/4d224316-ebf7-4450-8477-1ad5f8b31c80" // assist passengers in emergency situations
	exSkillLanguages         = "http://data.europa.eu/esco/skill/2de4572a-4724-4f76-afc2-72a568a264ac" // speak different languages
	exSkillFeedback          = "http://data.europa.eu/esco/skill/b9bb1f03-15e2-4079-943e-7e483b21725b" // give constructive feedback
	exSkillClassroom         = "http://data.europa.eu/esco/skill/cedd0710-62ae-4ff4-89ae-ac52375f86ec" // perform classroom management
	exSkillTeachingStrategy  = "http://data.europa.eu/esco/skill/59eb177a-2f30-4943-8b30-5f87dd51a80d" // apply teaching strategies
	exSkillStudentDiscipline = "http://data.europa.eu/esco/skill/5a42eaf5-93bb-4bca-8ebd-4d78e96e4929" // maintain students' discipline
)

func intp(v int) *int { return &v }

func exampleTalent() *TalentClaims {
	return &TalentClaims{
		Talents: []Talent{
			{Name: "Verbinden", Score: 86, Percentile: intp(91)},
			{Name: "Kalmte onder druk", Score: 81, Percentile: intp(84)},
			{Name: "Uitleggen", Score: 77, Percentile: intp(79)},
			{Name: "Organiseren", Score: 64},
		},
		Instrument: "Loopbrug Talentenscan 2.1",
		AssessedOn: Date{2025, 9, 15},
	}
}

func exampleSkill() *SkillClaims {
	return &SkillClaims{
		Skill:       exSkillFeedback,
		SkillLabel:  "give constructive feedback",
		Proficiency: ProficiencyCompetent,
		AssessedOn:  Date{2025, 9, 15},
		Method:      MethodAssessment,
		Evidence:    "Rollenspel met een leerling en een gestructureerd feedbackgesprek, beoordeeld door twee assessoren.",
	}
}

func exampleDrive() *DriveClaims {
	return &DriveClaims{
		Drives: []Drive{
			{Name: "Anderen helpen groeien", Score: 92},
			{Name: "Zingeving", Score: 85},
			{Name: "Structuur", Score: 58},
		},
		Instrument: "Loopbrug Drijfverenprofiel 1.3",
		AssessedOn: Date{2025, 9, 15},
	}
}

func exampleAgility() *AgilityClaims {
	return &AgilityClaims{
		Agility: 4,
		Dimensions: []AgilityDimension{
			{Dimension: "mental", Score: 4},
			{Dimension: "people", Score: 5},
			{Dimension: "change", Score: 4},
			{Dimension: "results", Score: 3},
			{Dimension: "self_awareness", Score: 4},
		},
		Instrument: "Loopbrug Wendbaarheidsmeter 1.0",
		AssessedOn: Date{2025, 9, 16},
	}
}

func exampleLevel() *LevelClaims {
	return &LevelClaims{
		NLQFLevel:  4,
		EQFLevel:   4,
		AssessedOn: Date{2025, 9, 16},
		Method:     MethodEVC,
		Evidence:   "EVC-procedure: portfolio van 14 jaar als (hoofd)conducteur en een criteriumgericht interview.",
	}
}

func exampleGoal() *GoalClaims {
	return &GoalClaims{
		TargetOccupation:      exOccSecondaryTeacher,
		TargetOccupationLabel: "leerkracht voortgezet onderwijs",
		TargetSector:          "education",
		Motivation:            "Ik leg al jaren reizigers dingen uit en help collega's op weg. Dat wil ik nu doen voor jongeren, als docent Nederlands.",
		StatedOn:              Date{2025, 9, 22},
	}
}

func exampleExperience() *ExperienceClaims {
	return &ExperienceClaims{
		Employer:        "NS Reizigers",
		Occupation:      exOccTrainConductor,
		OccupationLabel: "treinconducteur",
		RoleTitle:       "Hoofdconducteur",
		StartDate:       Date{2011, 3, 1},
		Ongoing:         true,
		HoursPerWeek:    32,
		Skills:          []string{exSkillCommunicate, exSkillStress, exSkillEmergency, exSkillLanguages},
		Description:     "Hoofdconducteur op intercity's; sinds 2019 mentor van nieuwe conducteurs.",
	}
}

func exampleLearning() *LearningClaims {
	return &LearningClaims{
		Institution:   "Hogeschool Domstad",
		Programme:     "Leraar Nederlands tweedegraads (deeltijd)",
		ModuleCode:    "LVO-DKM1",
		ModuleTitle:   "Didactiek en klassenmanagement 1",
		CompletedOn:   Date{2026, 1, 30},
		StudyLoad:     5,
		StudyLoadUnit: StudyLoadEC,
		EQFLevel:      6,
		Skills:        []string{exSkillClassroom, exSkillTeachingStrategy, exSkillStudentDiscipline},
		LearningOutcomes: []string{
			"Plant en geeft een les met een duidelijke opbouw en activerende werkvormen.",
			"Houdt orde in een klas van 28 leerlingen en reageert op storend gedrag.",
		},
	}
}

func exampleReference() *ReferenceClaims {
	return &ReferenceClaims{
		RefereeName:         "Jeroen de Vries",
		RefereeRole:         "Teamleider Treindienst",
		RefereeOrganisation: "NS Reizigers",
		Relation:            RelationManager,
		Statement:           "Miranda blijft in elke situatie rustig en is de collega bij wie nieuwe conducteurs aankloppen. Ze legt helder uit en geeft eerlijke, bruikbare feedback.",
		Skills:              []string{exSkillStress, exSkillFeedback},
		GivenOn:             Date{2025, 10, 3},
	}
}

// The EVC examples tell the story of Willem, who comes from WW with no
// employer to vouch for him, trained youth teams at his sports club for
// years, and has that recognised on his way to teaching physical education.
const (
	exOccSportsCoach     = "http://data.europa.eu/esco/occupation/3e9c1262-4fe2-4eb1-bf94-4fe64498393a"
	exOccPETeacher       = "http://data.europa.eu/esco/occupation/a10849c1-f0d8-4600-bca6-9549c2517650"
	exSkillInstructSport = "http://data.europa.eu/esco/skill/dbadb531-2fb9-4361-b80b-9be8c3c54229" // instruct in sport
	exSkillMotivateSport = "http://data.europa.eu/esco/skill/ece81686-331c-4381-bf3f-5ea610d47a7f" // motivate in sports
	exSkillPlanSport     = "http://data.europa.eu/esco/skill/65baf502-04a6-41c9-962f-9629de5c5a0a" // plan sports instruction programme
	exSkillSportRisk     = "http://data.europa.eu/esco/skill/ada1d7d1-c887-4a28-b399-0d589b938786" // apply risk management in sports
	exSkillSafety        = "http://data.europa.eu/esco/skill/11f536f5-b0e2-46a6-95c1-bd765946604c" // guarantee students' safety
)

func exampleErvaringscertificaat() *ErvaringscertificaatClaims {
	return &ErvaringscertificaatClaims{
		Standard:      exOccSportsCoach,
		StandardKind:  StandardESCOOccupation,
		StandardLabel: "sportcoach",
		Skills:        []string{exSkillInstructSport, exSkillMotivateSport, exSkillPlanSport, exSkillSportRisk},
		Competences: []EVCCompetence{
			{Skill: exSkillInstructSport, SkillLabel: "instruct in sport", Proficiency: ProficiencyAdvanced, Result: CompetenceProven},
			{Skill: exSkillMotivateSport, SkillLabel: "motivate in sports", Proficiency: ProficiencyAdvanced, Result: CompetenceProven},
			{Skill: exSkillPlanSport, SkillLabel: "plan sports instruction programme", Proficiency: ProficiencyCompetent, Result: CompetenceProven},
			{Skill: exSkillSportRisk, SkillLabel: "apply risk management in sports", Proficiency: ProficiencyDeveloping, Result: CompetencePartly},
		},
		Provider:   "EVC Centrum Domstad",
		Assessor:   "Karin Bos",
		AssessedOn: Date{2026, 3, 12},
		Method:     MethodPortfolioReview,
		Assurance:  AssuranceEVCProvider,
	}
}

func examplePortfolio() *PortfolioClaims {
	return &PortfolioClaims{
		Standard:      exOccSportsCoach,
		StandardKind:  StandardESCOOccupation,
		StandardLabel: "sportcoach",
		Entries: []PortfolioEntry{{
			Skill:      exSkillInstructSport,
			SkillLabel: "instruct in sport",
			Statement:  "Ik geef sinds 2014 twee keer per week training aan de jeugd van 8 tot 14 jaar, met een eigen trainingsplan per seizoen.",
			Context:    "Vrijwillig jeugdtrainer bij SV Domstad",
			From:       Date{2014, 8, 1},
			Evidence: []PortfolioEvidence{
				{Kind: EvidenceAttachment, Name: "trainingsplan-2025.pdf", MediaType: "application/pdf", SHA256: "n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg"},
				{Kind: EvidenceCredential, Name: "Referentie", CredentialType: TypeReference, IssuerName: "SV Domstad"},
			},
		}},
		PreparedOn: Date{2026, 2, 20},
		Assurance:  AssuranceSelf,
	}
}

func exampleLeerbudget() *LeerbudgetClaims {
	return &LeerbudgetClaims{
		Amount:           4500,
		Currency:         "EUR",
		Purpose:          "Omscholing naar leraar bewegingsonderwijs",
		TargetOccupation: exOccPETeacher,
		Payer:            "UWV",
		PayerKind:        PayerUWV,
		Scheme:           "Scholing vanuit de WW",
		ValidFrom:        Date{2026, 3, 1},
		ValidUntil:       Date{2027, 2, 28},
	}
}

func exampleWerkplekleren() *WerkplekLerenClaims {
	return &WerkplekLerenClaims{
		Organisation:   "Basisschool De Regenboog",
		SupervisorName: "Ahmed el Amrani",
		SupervisorRole: "vakleerkracht bewegingsonderwijs",
		From:           Date{2026, 4, 1},
		Until:          Date{2026, 6, 30},
		Hours:          96,
		Skills:         []string{exSkillInstructSport, exSkillSafety},
		Statement:      "Willem gaf zelfstandig gymlessen aan groep 5 tot en met 8.",
		AssessedOn:     Date{2026, 7, 3},
		Method:         MethodObservation,
		Assurance:      AssuranceEmployer,
	}
}
