package dcql

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/loopbrug/paspoort/internal/strictjson"
)

// Parse decodes and validates a DCQL query strictly: one JSON object without
// duplicate members (at any depth) or trailing data, within MaxQueryBytes,
// every known member of its specified type (member names are matched
// exactly, never case-insensitively), then Validate. Unknown members are
// ignored, as §6 requires.
func Parse(data []byte) (Query, error) {
	if len(data) > MaxQueryBytes {
		return Query{}, &FieldError{Field: "(query)", Err: ErrQueryLimit, Reason: "document too large"}
	}
	v, err := strictjson.Decode(data)
	if err != nil {
		return Query{}, &FieldError{Field: "(query)", Err: fmt.Errorf("%w: %w", ErrSyntax, err)}
	}
	return FromJSONValue(v)
}

// FromJSONValue is Parse for a query already decoded strictly into
// map[string]any (a "dcql_query" member of a request object). Numbers must be
// json.Number, as strictjson decodes them.
func FromJSONValue(v any) (Query, error) {
	q, err := decodeQuery(v)
	if err != nil {
		return Query{}, err
	}
	if err := q.Validate(); err != nil {
		return Query{}, err
	}
	return q, nil
}

// UnmarshalJSON parses strictly, as Parse does.
func (q *Query) UnmarshalJSON(data []byte) error {
	p, err := Parse(data)
	if err != nil {
		return err
	}
	*q = p
	return nil
}

func object(v any, field string) (map[string]any, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fieldErr(field, ErrSyntax, "not an object")
	}
	return m, nil
}

func array(v any, field string, max int) ([]any, error) {
	a, ok := v.([]any)
	if !ok {
		return nil, fieldErr(field, ErrSyntax, "not an array")
	}
	if len(a) == 0 {
		return nil, fieldErr(field, ErrMissing, "empty array")
	}
	if len(a) > max {
		return nil, fieldErr(field, ErrQueryLimit, "%d elements, at most %d", len(a), max)
	}
	return a, nil
}

func str(v any, field string) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", fieldErr(field, ErrSyntax, "not a string")
	}
	if len(s) > MaxStringBytes {
		return "", fieldErr(field, ErrQueryLimit, "string too long")
	}
	return s, nil
}

func boolean(v any, field string) (bool, error) {
	b, ok := v.(bool)
	if !ok {
		return false, fieldErr(field, ErrSyntax, "not a boolean")
	}
	return b, nil
}

func stringList(v any, field string) ([]string, error) {
	a, err := array(v, field, MaxValues)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(a))
	for i, e := range a {
		if out[i], err = str(e, fmt.Sprintf("%s[%d]", field, i)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func stringLists(v any, field string, max int) ([][]string, error) {
	a, err := array(v, field, max)
	if err != nil {
		return nil, err
	}
	out := make([][]string, len(a))
	for i, e := range a {
		if out[i], err = stringList(e, fmt.Sprintf("%s[%d]", field, i)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func decodeQuery(v any) (Query, error) {
	m, err := object(v, "(query)")
	if err != nil {
		return Query{}, err
	}
	var q Query
	cv, ok := m["credentials"]
	if !ok {
		return Query{}, fieldErr("credentials", ErrMissing, "")
	}
	creds, err := array(cv, "credentials", MaxCredentialQueries)
	if err != nil {
		return Query{}, err
	}
	q.Credentials = make([]CredentialQuery, len(creds))
	for i, c := range creds {
		if q.Credentials[i], err = decodeCredentialQuery(c, fmt.Sprintf("credentials[%d]", i)); err != nil {
			return Query{}, err
		}
	}
	if sv, ok := m["credential_sets"]; ok {
		sets, err := array(sv, "credential_sets", MaxCredentialQueries)
		if err != nil {
			return Query{}, err
		}
		q.CredentialSets = make([]CredentialSetQuery, len(sets))
		for i, s := range sets {
			field := fmt.Sprintf("credential_sets[%d]", i)
			sm, err := object(s, field)
			if err != nil {
				return Query{}, err
			}
			ov, ok := sm["options"]
			if !ok {
				return Query{}, fieldErr(field+".options", ErrMissing, "")
			}
			if q.CredentialSets[i].Options, err = stringLists(ov, field+".options", MaxValues); err != nil {
				return Query{}, err
			}
			if rv, ok := sm["required"]; ok {
				b, err := boolean(rv, field+".required")
				if err != nil {
					return Query{}, err
				}
				q.CredentialSets[i].Required = Bool(b)
			}
		}
	}
	return q, nil
}

func decodeCredentialQuery(v any, field string) (CredentialQuery, error) {
	m, err := object(v, field)
	if err != nil {
		return CredentialQuery{}, err
	}
	var c CredentialQuery
	for _, name := range []string{"id", "format", "meta"} {
		if _, ok := m[name]; !ok {
			return CredentialQuery{}, fieldErr(field+"."+name, ErrMissing, "")
		}
	}
	if c.ID, err = str(m["id"], field+".id"); err != nil {
		return CredentialQuery{}, err
	}
	if c.Format, err = str(m["format"], field+".format"); err != nil {
		return CredentialQuery{}, err
	}
	if mv, ok := m["multiple"]; ok {
		if c.Multiple, err = boolean(mv, field+".multiple"); err != nil {
			return CredentialQuery{}, err
		}
	}
	meta, err := object(m["meta"], field+".meta")
	if err != nil {
		return CredentialQuery{}, err
	}
	if vv, ok := meta["vct_values"]; ok {
		if c.Meta.VCTValues, err = stringList(vv, field+".meta.vct_values"); err != nil {
			return CredentialQuery{}, err
		}
	}
	if dv, ok := meta["doctype_value"]; ok {
		if c.Meta.DoctypeValue, err = str(dv, field+".meta.doctype_value"); err != nil {
			return CredentialQuery{}, err
		}
	}
	if tv, ok := meta["type_values"]; ok {
		if c.Meta.TypeValues, err = stringLists(tv, field+".meta.type_values", MaxValues); err != nil {
			return CredentialQuery{}, err
		}
	}
	if tv, ok := m["trusted_authorities"]; ok {
		tas, err := array(tv, field+".trusted_authorities", MaxValues)
		if err != nil {
			return CredentialQuery{}, err
		}
		c.TrustedAuthorities = make([]TrustedAuthority, len(tas))
		for i, t := range tas {
			tf := fmt.Sprintf("%s.trusted_authorities[%d]", field, i)
			tm, err := object(t, tf)
			if err != nil {
				return CredentialQuery{}, err
			}
			typ, ok := tm["type"]
			if !ok {
				return CredentialQuery{}, fieldErr(tf+".type", ErrMissing, "")
			}
			if c.TrustedAuthorities[i].Type, err = str(typ, tf+".type"); err != nil {
				return CredentialQuery{}, err
			}
			vals, ok := tm["values"]
			if !ok {
				return CredentialQuery{}, fieldErr(tf+".values", ErrMissing, "")
			}
			if c.TrustedAuthorities[i].Values, err = stringList(vals, tf+".values"); err != nil {
				return CredentialQuery{}, err
			}
		}
	}
	if hv, ok := m["require_cryptographic_holder_binding"]; ok {
		b, err := boolean(hv, field+".require_cryptographic_holder_binding")
		if err != nil {
			return CredentialQuery{}, err
		}
		c.RequireCryptographicHolderBinding = Bool(b)
	}
	if cv, ok := m["claims"]; ok {
		claims, err := array(cv, field+".claims", MaxClaimsQueries)
		if err != nil {
			return CredentialQuery{}, err
		}
		c.Claims = make([]ClaimsQuery, len(claims))
		for i, cl := range claims {
			if c.Claims[i], err = decodeClaimsQuery(cl, fmt.Sprintf("%s.claims[%d]", field, i)); err != nil {
				return CredentialQuery{}, err
			}
		}
	}
	if sv, ok := m["claim_sets"]; ok {
		if c.ClaimSets, err = stringLists(sv, field+".claim_sets", MaxClaimsQueries); err != nil {
			return CredentialQuery{}, err
		}
	}
	return c, nil
}

func decodeClaimsQuery(v any, field string) (ClaimsQuery, error) {
	m, err := object(v, field)
	if err != nil {
		return ClaimsQuery{}, err
	}
	var c ClaimsQuery
	if iv, ok := m["id"]; ok {
		if c.ID, err = str(iv, field+".id"); err != nil {
			return ClaimsQuery{}, err
		}
		if c.ID == "" {
			return ClaimsQuery{}, fieldErr(field+".id", ErrBadID, "empty")
		}
	}
	pv, ok := m["path"]
	if !ok {
		return ClaimsQuery{}, fieldErr(field+".path", ErrMissing, "")
	}
	pa, err := array(pv, field+".path", MaxPathLength)
	if err != nil {
		if fe, ok := IsFieldError(err); ok && fe.Err == ErrMissing {
			fe.Err = ErrBadPath
		}
		return ClaimsQuery{}, err
	}
	c.Path = make([]any, len(pa))
	for i, e := range pa {
		ef := fmt.Sprintf("%s.path[%d]", field, i)
		switch e := e.(type) {
		case nil:
		case string:
			if len(e) > MaxStringBytes {
				return ClaimsQuery{}, fieldErr(ef, ErrQueryLimit, "string too long")
			}
			c.Path[i] = e
		case json.Number:
			n, ok := index(e)
			if !ok {
				return ClaimsQuery{}, fieldErr(ef, ErrBadPath, "not a non-negative integer")
			}
			c.Path[i] = n
		default:
			return ClaimsQuery{}, fieldErr(ef, ErrBadPath, "not a string, null or non-negative integer")
		}
	}
	if vv, ok := m["values"]; ok {
		va, err := array(vv, field+".values", MaxValues)
		if err != nil {
			return ClaimsQuery{}, err
		}
		c.Values = make([]any, len(va))
		for i, e := range va {
			ef := fmt.Sprintf("%s.values[%d]", field, i)
			switch e := e.(type) {
			case string:
				if len(e) > MaxStringBytes {
					return ClaimsQuery{}, fieldErr(ef, ErrQueryLimit, "string too long")
				}
				c.Values[i] = e
			case bool:
				c.Values[i] = e
			case json.Number:
				n, err := strconv.ParseInt(string(e), 10, 64)
				if err != nil {
					return ClaimsQuery{}, fieldErr(ef, ErrBadValue, "not an integer")
				}
				c.Values[i] = n
			default:
				return ClaimsQuery{}, fieldErr(ef, ErrBadValue, "not a string, integer or boolean")
			}
		}
	}
	return c, nil
}

// index parses a JSON number that is a non-negative integer in int range,
// written without fraction or exponent.
func index(n json.Number) (int, bool) {
	s := string(n)
	if s == "" || len(s) > 1 && s[0] == '0' {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v > math.MaxInt32 {
		return 0, false
	}
	return int(v), true
}
