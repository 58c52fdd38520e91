package dcql

import (
	"fmt"
	"strconv"
	"strings"
)

// Validate checks the rules of §6 on a query, whether parsed or built in Go:
//
//   - "credentials" is non-empty; every Credential Query has a valid,
//     unique "id" (non-empty, [A-Za-z0-9_-] only), a "format", and for
//     dc+sd-jwt a non-empty "meta.vct_values" (B.3.5), for mso_mdoc a
//     "meta.doctype_value" (B.2.3) and paths of exactly two strings (§7.2);
//   - "trusted_authorities" entries have a "type" and non-empty "values";
//   - "claims" entries have a valid path (§7: non-empty; strings, nulls and
//     non-negative integers) and, if any, non-empty "values" of strings,
//     integers and booleans; claim ids are valid and unique within the
//     Credential Query, and no path appears twice ("Verifiers MUST NOT point
//     to the same claim more than once");
//   - "claim_sets" appears only with "claims", every claim then has an "id",
//     and every option is a non-empty list of known claim ids;
//   - "credential_sets" options are non-empty lists of known Credential
//     Query ids.
//
// Every error is a *FieldError wrapping one of the package's sentinels.
func (q *Query) Validate() error {
	if len(q.Credentials) == 0 {
		return fieldErr("credentials", ErrMissing, "")
	}
	if len(q.Credentials) > MaxCredentialQueries {
		return fieldErr("credentials", ErrQueryLimit, "too many Credential Queries")
	}
	ids := make(map[string]bool, len(q.Credentials))
	for i := range q.Credentials {
		c := &q.Credentials[i]
		field := fmt.Sprintf("credentials[%d]", i)
		if err := validID(c.ID, field+".id"); err != nil {
			return err
		}
		if ids[c.ID] {
			return fieldErr(field+".id", ErrDuplicate, "Credential Query id %q used twice", c.ID)
		}
		ids[c.ID] = true
		if err := c.validate(field); err != nil {
			return err
		}
	}
	if q.CredentialSets != nil && len(q.CredentialSets) == 0 {
		return fieldErr("credential_sets", ErrMissing, "empty array")
	}
	if len(q.CredentialSets) > MaxCredentialQueries {
		return fieldErr("credential_sets", ErrQueryLimit, "too many Credential Set Queries")
	}
	for i, s := range q.CredentialSets {
		field := fmt.Sprintf("credential_sets[%d].options", i)
		if err := validOptions(s.Options, field, ids, MaxValues); err != nil {
			return err
		}
	}
	return nil
}

func (c *CredentialQuery) validate(field string) error {
	if c.Format == "" {
		return fieldErr(field+".format", ErrMissing, "")
	}
	if len(c.Format) > MaxStringBytes {
		return fieldErr(field+".format", ErrQueryLimit, "string too long")
	}
	switch c.Format {
	case FormatSDJWTVC:
		if len(c.Meta.VCTValues) == 0 {
			return fieldErr(field+".meta.vct_values", ErrMissing, "required for %s", FormatSDJWTVC)
		}
	case FormatMdoc:
		if c.Meta.DoctypeValue == "" {
			return fieldErr(field+".meta.doctype_value", ErrMissing, "required for %s", FormatMdoc)
		}
	}
	if err := nonEmptyStrings(c.Meta.VCTValues, field+".meta.vct_values"); err != nil {
		return err
	}
	for i, tv := range c.Meta.TypeValues {
		if len(tv) == 0 {
			return fieldErr(fmt.Sprintf("%s.meta.type_values[%d]", field, i), ErrMissing, "empty array")
		}
	}
	if c.TrustedAuthorities != nil && len(c.TrustedAuthorities) == 0 {
		return fieldErr(field+".trusted_authorities", ErrMissing, "empty array")
	}
	for i, ta := range c.TrustedAuthorities {
		tf := fmt.Sprintf("%s.trusted_authorities[%d]", field, i)
		if ta.Type == "" {
			return fieldErr(tf+".type", ErrMissing, "")
		}
		if len(ta.Values) == 0 {
			return fieldErr(tf+".values", ErrMissing, "")
		}
		if err := nonEmptyStrings(ta.Values, tf+".values"); err != nil {
			return err
		}
	}
	if c.Claims != nil && len(c.Claims) == 0 {
		return fieldErr(field+".claims", ErrMissing, "empty array")
	}
	if len(c.Claims) > MaxClaimsQueries {
		return fieldErr(field+".claims", ErrQueryLimit, "too many Claims Queries")
	}
	claimIDs := make(map[string]bool, len(c.Claims))
	paths := make(map[string]bool, len(c.Claims))
	for i := range c.Claims {
		cl := &c.Claims[i]
		cf := fmt.Sprintf("%s.claims[%d]", field, i)
		if cl.ID != "" || c.ClaimSets != nil {
			if err := validID(cl.ID, cf+".id"); err != nil {
				return err
			}
			if claimIDs[cl.ID] {
				return fieldErr(cf+".id", ErrDuplicate, "claim id %q used twice", cl.ID)
			}
			claimIDs[cl.ID] = true
		}
		if err := validPath(cl.Path, cf+".path", c.Format); err != nil {
			return err
		}
		key := pathKey(cl.Path)
		if paths[key] {
			return fieldErr(cf+".path", ErrDuplicate, "the same claim is requested twice")
		}
		paths[key] = true
		if err := validValues(cl.Values, cf+".values"); err != nil {
			return err
		}
	}
	if c.ClaimSets != nil {
		if c.Claims == nil {
			return fieldErr(field+".claim_sets", ErrUnknownReference, "claim_sets without claims")
		}
		if err := validOptions(c.ClaimSets, field+".claim_sets", claimIDs, MaxClaimsQueries); err != nil {
			return err
		}
	}
	return nil
}

func validID(id, field string) error {
	if id == "" {
		return fieldErr(field, ErrBadID, "empty")
	}
	if len(id) > MaxStringBytes {
		return fieldErr(field, ErrQueryLimit, "id too long")
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return fieldErr(field, ErrBadID, "character outside [A-Za-z0-9_-]")
		}
	}
	return nil
}

func nonEmptyStrings(ss []string, field string) error {
	if len(ss) > MaxValues {
		return fieldErr(field, ErrQueryLimit, "too many values")
	}
	for i, s := range ss {
		if s == "" {
			return fieldErr(fmt.Sprintf("%s[%d]", field, i), ErrMissing, "empty string")
		}
	}
	return nil
}

func validOptions(opts [][]string, field string, known map[string]bool, max int) error {
	if opts == nil || len(opts) == 0 {
		return fieldErr(field, ErrMissing, "empty array")
	}
	if len(opts) > max {
		return fieldErr(field, ErrQueryLimit, "too many options")
	}
	for i, o := range opts {
		of := fmt.Sprintf("%s[%d]", field, i)
		if len(o) == 0 {
			return fieldErr(of, ErrMissing, "empty option")
		}
		if len(o) > max {
			return fieldErr(of, ErrQueryLimit, "too many ids")
		}
		seen := make(map[string]bool, len(o))
		for j, id := range o {
			if !known[id] {
				return fieldErr(fmt.Sprintf("%s[%d]", of, j), ErrUnknownReference, "no such id %q", truncate(id))
			}
			if seen[id] {
				return fieldErr(fmt.Sprintf("%s[%d]", of, j), ErrDuplicate, "id %q twice in one option", id)
			}
			seen[id] = true
		}
	}
	return nil
}

func validPath(path []any, field, format string) error {
	if len(path) == 0 {
		return fieldErr(field, ErrBadPath, "empty")
	}
	if len(path) > MaxPathLength {
		return fieldErr(field, ErrQueryLimit, "path too long")
	}
	for i, e := range path {
		ef := fmt.Sprintf("%s[%d]", field, i)
		switch e := e.(type) {
		case nil:
		case string:
			if len(e) > MaxStringBytes {
				return fieldErr(ef, ErrQueryLimit, "string too long")
			}
		default:
			if _, ok := pathIndex(e); !ok {
				return fieldErr(ef, ErrBadPath, "not a string, null or non-negative integer")
			}
		}
	}
	if format == FormatMdoc {
		if len(path) != 2 {
			return fieldErr(field, ErrBadPath, "an mdoc path has exactly two elements")
		}
		for i, e := range path {
			if _, ok := e.(string); !ok {
				return fieldErr(fmt.Sprintf("%s[%d]", field, i), ErrBadPath, "an mdoc path holds strings only")
			}
		}
	}
	return nil
}

// pathIndex returns a non-negative array index given as int or int64.
func pathIndex(e any) (int, bool) {
	switch n := e.(type) {
	case int:
		return n, n >= 0
	case int64:
		if n < 0 || n > 1<<31-1 {
			return 0, false
		}
		return int(n), true
	}
	return 0, false
}

func validValues(vals []any, field string) error {
	if vals == nil {
		return nil
	}
	if len(vals) == 0 {
		return fieldErr(field, ErrMissing, "empty array")
	}
	if len(vals) > MaxValues {
		return fieldErr(field, ErrQueryLimit, "too many values")
	}
	for i, v := range vals {
		switch v := v.(type) {
		case string:
			if len(v) > MaxStringBytes {
				return fieldErr(fmt.Sprintf("%s[%d]", field, i), ErrQueryLimit, "string too long")
			}
		case bool, int, int64:
		default:
			return fieldErr(fmt.Sprintf("%s[%d]", field, i), ErrBadValue, "not a string, integer or boolean")
		}
	}
	return nil
}

// pathKey is a canonical string for a path, to find duplicates.
func pathKey(path []any) string {
	var b strings.Builder
	for _, e := range path {
		switch e := e.(type) {
		case nil:
			b.WriteString("n;")
		case string:
			b.WriteString("s")
			b.WriteString(strconv.Itoa(len(e)))
			b.WriteByte(':')
			b.WriteString(e)
			b.WriteByte(';')
		default:
			n, _ := pathIndex(e)
			b.WriteString("i")
			b.WriteString(strconv.Itoa(n))
			b.WriteByte(';')
		}
	}
	return b.String()
}

func truncate(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}
