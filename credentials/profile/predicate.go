package profile

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"sync"

	"github.com/google/cel-go/cel"
	celast "github.com/google/cel-go/common/ast"
	"github.com/google/cel-go/common/operators"
	"github.com/google/cel-go/common/types"

	"github.com/loopbrug/paspoort/credentials/ppp"
)

// Limits on predicates.
const (
	// MaxPredicateCost bounds the runtime cost of one predicate evaluation
	// (CEL cost units: roughly one per operation, more for string and list
	// work).
	MaxPredicateCost = 100_000
	maxCELRecursion  = 32
	maxCELSize       = 2000
)

// TodayVariable is the CEL variable every predicate may read besides its
// claims: the date of Options.Now (in its location) as "YYYY-MM-DD", which
// compares as a string with date claims such as valid_until. It is not a
// claim and is not asked of the holder.
const TodayVariable = "today"

// claimKind is the JSON type of a top-level claim of a PPP type.
type claimKind struct {
	cel *cel.Type
	// elem is the JSON type of array items ("" for non-arrays).
	json, elem string
	// required reports that the type's schema requires the claim.
	required bool
}

// compiled is an alternative, ready to evaluate.
type compiled struct {
	alt    Alternative
	typ    ppp.Type
	kinds  map[string]claimKind
	prg    cel.Program
	values map[string][]any
	// rules are the alternative's assurance and recency rules, with the
	// provenance claims they read.
	rules rules
}

// claimKinds reads the top-level property types of each PPP type's schema.
var claimKinds = sync.OnceValue(func() map[string]map[string]claimKind {
	out := map[string]map[string]claimKind{}
	for _, t := range ppp.Types() {
		var s struct {
			Properties map[string]struct {
				Type  string `json:"type"`
				Items *struct {
					Type string `json:"type"`
				} `json:"items"`
			} `json:"properties"`
			Required []string `json:"required"`
		}
		if err := json.Unmarshal(t.Schema(), &s); err != nil {
			continue
		}
		m := map[string]claimKind{}
		for name, p := range s.Properties {
			k := claimKind{json: p.Type, required: slices.Contains(s.Required, name)}
			switch p.Type {
			case "integer":
				k.cel = cel.IntType
			case "number":
				k.cel = cel.DoubleType
			case "string":
				k.cel = cel.StringType
			case "boolean":
				k.cel = cel.BoolType
			case "object":
				k.cel = cel.MapType(cel.StringType, cel.DynType)
			case "array":
				elem := cel.DynType
				if p.Items != nil {
					k.elem = p.Items.Type
					switch p.Items.Type {
					case "string":
						elem = cel.StringType
					case "integer":
						elem = cel.IntType
					case "number":
						elem = cel.DoubleType
					case "object":
						elem = cel.MapType(cel.StringType, cel.DynType)
					}
				}
				k.cel = cel.ListType(elem)
			default:
				k.cel = cel.DynType
			}
			m[name] = k
		}
		out[t.Name] = m
	}
	return out
})

// lookupType finds a PPP type by name or vct.
func lookupType(s string) (ppp.Type, bool) {
	if t, ok := ppp.Lookup(s); ok {
		return t, true
	}
	return ppp.LookupVCT(s)
}

// compileAlternative checks an alternative and compiles its predicate
// against the declared claims only, so that a predicate can read nothing
// the holder is not asked for.
func compileAlternative(d *document, path []string, alt Alternative) (*compiled, []FieldError) {
	at := func(rest ...string) []string { return append(slices.Clone(path), rest...) }
	t, ok := lookupType(alt.Type)
	if !ok {
		return nil, []FieldError{d.field(at("type"), fmt.Sprintf("unknown PPP credential type %q", alt.Type))}
	}
	kinds := claimKinds()[t.Name]
	c := &compiled{alt: alt, typ: t, kinds: map[string]claimKind{}}
	var out []FieldError
	opts := []cel.EnvOption{
		cel.CrossTypeNumericComparisons(true),
		cel.ParserRecursionLimit(maxCELRecursion),
		cel.ParserExpressionSizeLimit(maxCELSize),
		// today is the evaluation date as "YYYY-MM-DD", comparable with
		// date claims: valid_until >= today.
		cel.Variable(TodayVariable, cel.StringType),
	}
	for i, name := range alt.Claims {
		k, ok := kinds[name]
		if name == TodayVariable {
			ok = false
		}
		if !ok {
			out = append(out, d.field(at("claims", strconv.Itoa(i)), fmt.Sprintf("the %s credential has no claim %q", t.Name, name)))
			continue
		}
		c.kinds[name] = k
		opts = append(opts, cel.Variable(name, k.cel))
	}
	if len(out) > 0 {
		return nil, out
	}
	env, err := cel.NewEnv(opts...)
	if err != nil {
		return nil, []FieldError{d.field(at("predicate"), err.Error())}
	}
	ast, iss := env.Compile(alt.Predicate)
	if iss.Err() != nil {
		return nil, []FieldError{d.field(at("predicate"), oneLine(iss.Err().Error()))}
	}
	if !ast.OutputType().IsExactType(cel.BoolType) {
		return nil, []FieldError{d.field(at("predicate"), fmt.Sprintf("must yield a bool, not %s", ast.OutputType()))}
	}
	used := map[string]bool{}
	for _, ref := range ast.NativeRep().ReferenceMap() {
		if len(ref.OverloadIDs) == 0 {
			if _, ok := c.kinds[ref.Name]; ok {
				used[ref.Name] = true
			}
		}
	}
	for i, name := range alt.Claims {
		if !used[name] {
			out = append(out, d.field(at("claims", strconv.Itoa(i)), fmt.Sprintf("claim %q is declared but the predicate does not read it; ask only for what is needed", name)))
		}
	}
	if len(out) > 0 {
		return nil, out
	}
	prg, err := env.Program(ast, cel.CostLimit(MaxPredicateCost))
	if err != nil {
		return nil, []FieldError{d.field(at("predicate"), err.Error())}
	}
	c.prg = prg
	c.values = valueHints(ast.NativeRep().Expr(), c.kinds)
	return c, nil
}

// valueHints finds the top-level conjuncts of the form claim == literal,
// literal == claim and claim in [literals] over a string, integer or bool
// claim: the values the claim must have for the predicate to hold, which a
// DCQL claims query can carry as "values".
func valueHints(e celast.Expr, kinds map[string]claimKind) map[string][]any {
	out := map[string][]any{}
	var walk func(e celast.Expr)
	walk = func(e celast.Expr) {
		if e.Kind() != celast.CallKind {
			return
		}
		call := e.AsCall()
		args := call.Args()
		switch call.FunctionName() {
		case operators.LogicalAnd:
			for _, a := range args {
				walk(a)
			}
		case operators.Equals:
			if len(args) != 2 {
				return
			}
			id, lit := args[0], args[1]
			if id.Kind() != celast.IdentKind {
				id, lit = lit, id
			}
			if v, ok := hintValue(lit); ok && id.Kind() == celast.IdentKind && scalarClaim(kinds, id.AsIdent()) {
				out[id.AsIdent()] = []any{v}
			}
		case operators.In:
			if len(args) != 2 || args[0].Kind() != celast.IdentKind || args[1].Kind() != celast.ListKind || !scalarClaim(kinds, args[0].AsIdent()) {
				return
			}
			var vs []any
			for _, el := range args[1].AsList().Elements() {
				v, ok := hintValue(el)
				if !ok {
					return
				}
				vs = append(vs, v)
			}
			if len(vs) > 0 {
				out[args[0].AsIdent()] = vs
			}
		}
	}
	walk(e)
	return out
}

func scalarClaim(kinds map[string]claimKind, name string) bool {
	k, ok := kinds[name]
	return ok && (k.json == "string" || k.json == "integer" || k.json == "boolean")
}

func hintValue(e celast.Expr) (any, bool) {
	if e.Kind() != celast.LiteralKind {
		return nil, false
	}
	switch v := e.AsLiteral().(type) {
	case types.String:
		return string(v), true
	case types.Int:
		return int64(v), true
	case types.Bool:
		return bool(v), true
	}
	return nil, false
}

// celValue converts a processed claim value to the declared CEL type: JSON
// numbers become int64 for integer claims (and whole numbers inside
// objects and lists) and float64 otherwise.
func celValue(k claimKind, v any, depth int) (any, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("nested too deep")
	}
	switch k.json {
	case "integer":
		return toInt(v)
	case "number":
		f, ok := toFloat(v)
		if !ok {
			return nil, fmt.Errorf("not a number")
		}
		return f, nil
	case "string":
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("not a string")
		}
		return s, nil
	case "boolean":
		b, ok := v.(bool)
		if !ok {
			return nil, fmt.Errorf("not a boolean")
		}
		return b, nil
	case "array":
		l, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("not an array")
		}
		out := make([]any, len(l))
		for i, e := range l {
			ev, err := celValue(claimKind{json: k.elem}, e, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = ev
		}
		return out, nil
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("not an object")
		}
		out := make(map[string]any, len(m))
		for key, e := range m {
			ev, err := celValue(claimKind{}, e, depth+1)
			if err != nil {
				return nil, err
			}
			out[key] = ev
		}
		return out, nil
	}
	// dyn: convert numbers, recurse into containers.
	switch x := v.(type) {
	case map[string]any:
		return celValue(claimKind{json: "object"}, x, depth)
	case []any:
		return celValue(claimKind{json: "array"}, x, depth)
	case json.Number, float64, int, int64:
		if i, err := toInt(x); err == nil {
			return i, nil
		}
		f, _ := toFloat(x)
		return f, nil
	}
	return v, nil
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		return f, err == nil && !math.IsInf(f, 0) && !math.IsNaN(f)
	case float64:
		return x, !math.IsInf(x, 0) && !math.IsNaN(x)
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	}
	return 0, false
}

func toInt(v any) (int64, error) {
	switch x := v.(type) {
	case int:
		return int64(x), nil
	case int64:
		return x, nil
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i, nil
		}
	}
	f, ok := toFloat(v)
	if !ok || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, fmt.Errorf("not an integer")
	}
	return int64(f), nil
}

func oneLine(s string) string {
	out := make([]rune, 0, len(s))
	space := false
	for _, r := range s {
		if r == '\n' || r == '\t' || r == ' ' {
			if !space {
				out = append(out, ' ')
			}
			space = true
			continue
		}
		space = false
		out = append(out, r)
	}
	return string(out)
}
