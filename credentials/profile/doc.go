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
// # Assurance and recency
//
// min_assurance (a ppp.Assurance: self, peer, employer, school, assessor,
// evc-provider) and max_age apply to a requirement and, overriding it, to
// each alternative. max_age counts from the assessment date the
// credential states (ppp.ProvenanceOf: assessed_on, completed_on,
// given_on, an experience's end_date), from its issue date only when the
// type states none, so an old assessment reissued today is still old; an
// assessment more than AssessmentLeeway in the future is refused
// (assessed_in_future). The assurance that counts is the credential's,
// capped at what its issuer can vouch for (Options.IssuerAssurance; self
// for a Credential.SelfIssued). When either applies, the provenance
// claims (ppp.ProvenanceClaims) are asked too, those a type may lack as
// optional:
//
//	requirements:
//	  - id: sport
//	    min_assurance: assessor
//	    max_age: P5Y
//	    any_of:
//	      - {type: skill, claims: [skill, proficiency], predicate: …}
//	      - {type: werkplekleren, claims: [skills], predicate: …, min_assurance: employer}
//
// # Aggregates
//
// A requirement may instead sum experience across employers:
//
//	requirements:
//	  - id: coach
//	    aggregate:
//	      type: experience
//	      occupation: http://data.europa.eu/esco/occupation/3e9c1262-4fe2-4eb1-bf94-4fe64498393a
//	      min_months: 24
//	      min_assurance: employer   # optional
//	      max_age: P10Y             # optional, per credential
//
// It asks of each experience credential only occupation, start_date and
// end_date (and the provenance claims when a rule applies); the employer
// only if the holder chooses. The months of the union of the periods
// count once (see evaluateAggregate for how whole months are counted).
//
// # Predicates
//
// Predicates may read, besides their claims, today (TodayVariable): the
// date of Options.Now as "YYYY-MM-DD", comparable with date claims:
//
//	predicate: valid_from <= today && valid_until >= today && amount >= 1500
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
// and monthly start dates, or rolling_entry: true when a plan may start on
// any day. Catalogue.Plan returns the smallest set of
// modules that covers the gap (exact set cover up to MaxExactModules
// candidates, greedy with the H(d) bound beyond) and the next intake date.
//
// Everything here is safe for concurrent use.
//
// credentials/ packages may import internal/ and other credentials/ packages; never issuer, wallet, verifier, bench or cmd.
package profile
