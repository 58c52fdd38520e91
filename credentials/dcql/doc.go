// Package dcql implements the Digital Credentials Query Language of
// OpenID for Verifiable Presentations 1.0 (§6 "Digital Credentials Query
// Language (DCQL)", §7 "Claims Path Pointer"):
//
//   - the query types, with strict parsing (Parse, Query.UnmarshalJSON) and
//     validation (Query.Validate) that report a typed *FieldError naming the
//     member at fault; JSON round trip (Query.MarshalJSON is encoding/json's);
//   - claims path pointers applied to JSON claims (§7.1), turned into RFC 6901
//     JSON Pointers ready for sdjwt.Selection;
//   - holder-side matching (Match): which stored credential satisfies which
//     Credential Query with which claim set, honouring "values",
//     "claim_sets" order, "credential_sets" (required / options) and
//     "multiple" (§6.4);
//   - verifier-side re-checking (CheckResponse): that what came back
//     satisfies the query and discloses nothing beyond it (§6.4, §14.6
//     "Security Checks on the Returned Credentials and Presentations";
//     SECURITY.md C.33).
//
// Only the "dc+sd-jwt" format (SD-JWT VC) is matched and checked; queries for
// other formats ("mso_mdoc", "jwt_vc_json", "ldp_vc") are parsed and
// validated, and simply never match.
//
// Known limits of this implementation, all allowed by the text:
// "trusted_authorities" is evaluated for type "aki" only, against the
// AuthorityKeyIdentifiers of the credential's own chain (Candidate and
// Presented AuthorityKeyIDs); a credential never matches a value of
// another type (the Verifier still decides trust itself, §6.1.1); "vct_values" match exactly, without
// SD-JWT VC type inheritance (a MAY); unknown members are ignored (§6) and so
// are not kept on a round trip.
//
// The package does no I/O, keeps no state and never logs; all functions are
// safe for concurrent use.
//
// credentials/ packages may import internal/ and other credentials/ packages; never issuer, wallet, verifier, bench or cmd.
package dcql
