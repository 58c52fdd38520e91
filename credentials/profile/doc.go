// Package profile is the requirement profile format of paspoort: what a
// school or employer asks of a Persoonlijk Profiel Paspoort, how a set of
// verified credentials is judged against it, and how the gap becomes a
// learning plan from a module catalogue.
//
// The package is pure: no I/O, no logging, no trust decisions of its own.
// The verifier uses it to build its DCQL query and to decide; the wallet
// uses the same code to match a published profile privately, before the
// holder consents to share anything.
//
// # Profiles
//
// A profile is a YAML or JSON document (JSON Schema: Schema) with an id, a
// version, a kind (admission or hiring), a title and a purpose text in
// Dutch and English, and requirements. Each requirement names a PPP
// credential type (package ppp), the claims it reads and a CEL predicate
// over them — or several such alternatives under any_of — plus the issuers
// trusted for it, a maximum age, whether it is required or counts with a
// weight, and the ESCO skills it stands for:
//
//	requirements:
//	  - id: feedback
//	    title: {nl: Feedback geven, en: Giving feedback}
//	    type: skill
//	    claims: [skill, proficiency]
//	    predicate: skill == "http://data.europa.eu/esco/skill/b9bb1f03-15e2-4079-943e-7e483b21725b" && proficiency >= 3
//	    skills: [http://data.europa.eu/esco/skill/b9bb1f03-15e2-4079-943e-7e483b21725b]
//	    max_age: P3Y
//
// Parse compiles every predicate once, in a CEL environment that declares
// only the claims the alternative lists, with the types of the PPP schema
// (integer claims are int, numbers double, arrays lists). A typo is a load
// error, and so is a declared claim the predicate does not read: the
// claims of a profile are exactly what it needs, which is what Needs
// returns for the DCQL query (data minimisation). Errors name the line:
//
//	profile.yaml:12: requirements[2].predicate: ERROR: <input>:1:1: undeclared reference to 'levl'
//
// # Evaluation
//
// Profile.Evaluate takes verified credentials (vct, issuer, issued-at,
// processed claims) and returns per requirement met, not_met or not_proven
// with the evidence used — type, issuer, date and only the claim values
// the predicate read — an overall outcome, a weighted score and the gap:
// the ESCO skills of the requirements not met. Predicates run with a cost
// limit (MaxPredicateCost).
//
// # Learning plans
//
// A Catalogue (ParseCatalogue; JSON Schema: CatalogueSchema) lists a
// school's modules with the ESCO skills each teaches, the study load in EC
// and monthly start dates. Catalogue.Plan returns the smallest set of
// modules that covers the gap (exact set cover up to MaxExactModules
// candidates, greedy with the H(d) bound beyond) and the next intake date.
//
// Everything here is safe for concurrent use.
//
// credentials/ packages may import internal/ and other credentials/ packages; never issuer, wallet, verifier, bench or cmd.
package profile
