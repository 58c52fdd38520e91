// Package ppp is the vocabulary of the Persoonlijk Profiel Paspoort (PPP):
// its credential types, their JSON Schemas and display metadata, and the
// ESCO skills and occupations they refer to.
//
// # Credential types
//
// The PPP has six building blocks (Block): 1 Talenten, 2 Skills,
// 3 Drijfveren, 4 Wendbaarheid, 5 Werk- en denkniveau and 6 Doel &
// motivatie, plus the evidence behind them (BlockEvidence). Each is an
// SD-JWT VC type with the vct https://paspoort.loopbrug.nl/vct/<name>/v1:
//
//	talent      Talents with scores from an assessment     (block 1)
//	skill       One ESCO skill at a proficiency 1–5         (block 2)
//	drive       Drives (motivators) with scores             (block 3)
//	agility     Learning agility 1–5, overall and per dimension (block 4)
//	level       NLQF level (0 = Entreeniveau, 1–8) and EQF level 1–8 (block 5)
//	goal        Target ESCO occupation, sector, motivation  (block 6)
//	experience  Work experience attested by an employer     (evidence)
//	learning    A module completed at a school              (evidence)
//	reference   A reference endorsing ESCO skills           (evidence)
//
// Types, Lookup and LookupVCT return the types; each Type has its JSON
// Schema (draft 2020-12), a valid Example and its SD-JWT VC type metadata
// (Type.TypeMetadata). The claims of each type are modelled by a Go struct
// (SkillClaims, LevelClaims, …). Claims are flat at the top level where
// possible, so verifier predicates read naturally:
//
//	skill == "http://data.europa.eu/esco/skill/…" && proficiency >= 3
//
// No type carries a personal identifier and none uses a claim name that
// SD-JWT VC reserves (iss, sub, iat, nbf, exp, cnf, vct, status, …): the
// holder is bound by the cnf key of the SD-JWT VC, outside this package.
//
// # Scales
//
// Skill proficiency (Proficiency) runs from 1 basic, 2 developing,
// 3 competent, 4 advanced to 5 expert. NLQF levels 1–8 equal EQF levels
// 1–8; the NLQF Entreeniveau is written as nlqf_level 0 and corresponds to
// EQF level 1 (EQFForNLQF). Agility scores run from 1 very low to 5 very
// high; talent and drive scores are normalised to 0–100.
//
// # Validation
//
// Validate and ValidateMap check a claims document against its type's
// schema and against the rules a schema cannot express. Problems come back
// as a *ValidationError whose FieldErrors carry RFC 6901 JSON Pointers; it
// wraps ErrInvalidClaims, which belongs to credentials.ErrClaim.
//
// # ESCO
//
// This service uses the ESCO classification of the European Commission.
// The package embeds a subset of ESCO v1.1.1 (33 occupations, 1618 skills,
// 2004 occupation-to-skill relations; see esco/README.md for its origin and
// licence): ESCOSkill, ESCOOccupation, SearchSkills, SearchOccupations and
// OccupationSkills. Show ESCOAttribution wherever ESCO data is shown.
//
// Everything in this package is safe for concurrent use. It does no I/O
// and does not log.
//
// credentials/ packages may import internal/ and other credentials/ packages; never issuer, wallet, verifier, bench or cmd.
package ppp
