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
			{Name: "Verbinden (connecting people)", Score: 86, Percentile: intp(91)},
			{Name: "Kalmte onder druk (composure under pressure)", Score: 81, Percentile: intp(84)},
			{Name: "Uitleggen (explaining)", Score: 77, Percentile: intp(79)},
			{Name: "Organiseren (organising)", Score: 64},
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
		Evidence:    "Role play with a learner and a structured feedback interview, rated by two assessors.",
	}
}

func exampleDrive() *DriveClaims {
	return &DriveClaims{
		Drives: []Drive{
			{Name: "Anderen helpen groeien (helping others grow)", Score: 92},
			{Name: "Zingeving (meaningful work)", Score: 85},
			{Name: "Structuur (structure)", Score: 58},
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
		Evidence:   "EVC procedure: portfolio of 14 years as a (senior) train conductor and a criterion-based interview.",
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
		Employer:        "NS Reizigers B.V.",
		Occupation:      exOccTrainConductor,
		OccupationLabel: "treinconducteur",
		RoleTitle:       "Hoofdconducteur",
		StartDate:       Date{2011, 3, 1},
		HoursPerWeek:    32,
		Skills:          []string{exSkillCommunicate, exSkillStress, exSkillEmergency, exSkillLanguages},
		Description:     "Senior conductor on intercity services; mentor for new conductors since 2019.",
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
			"Plans and gives a lesson with a clear structure and activating teaching methods.",
			"Keeps order in a class of 28 pupils and responds to disruptive behaviour.",
		},
	}
}

func exampleReference() *ReferenceClaims {
	return &ReferenceClaims{
		RefereeName:         "Jeroen de Vries",
		RefereeRole:         "Teamleider Treindienst",
		RefereeOrganisation: "NS Reizigers B.V.",
		Relation:            RelationManager,
		Statement:           "Miranda stays calm in any situation and is the colleague new conductors turn to. She explains clearly and gives honest, helpful feedback.",
		Skills:              []string{exSkillStress, exSkillFeedback},
		GivenOn:             Date{2025, 10, 3},
	}
}
