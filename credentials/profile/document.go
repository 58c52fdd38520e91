package profile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"gopkg.in/yaml.v3"

	"github.com/loopbrug/paspoort/internal/schema"
)

// MaxDocumentSize is the largest profile or catalogue document accepted, in
// bytes.
const MaxDocumentSize = 256 << 10

// maxDepth bounds the nesting of a document; profiles nest five levels deep.
const maxDepth = 16

// document is a YAML (or JSON) document read into a node tree, kept so that
// problems found after decoding can still name their line.
type document struct {
	name string
	root *yaml.Node
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// readDocument checks size and encoding, parses data as YAML (JSON is
// YAML), refuses anchors, aliases, merge keys and non-string keys,
// validates the result against sch and decodes it into out.
func readDocument(name string, data []byte, sch *jsonschema.Schema, out any) (*document, error) {
	if len(data) > MaxDocumentSize {
		return nil, fmt.Errorf("%s: %d bytes, over the limit of %d: %w", name, len(data), MaxDocumentSize, ErrTooLarge)
	}
	if !utf8.Valid(data) {
		return nil, invalid(name, FieldError{Reason: "document is not valid UTF-8"})
	}
	if bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
		return nil, invalid(name, FieldError{Line: 1, Reason: "document starts with a byte order mark"})
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, invalid(name, FieldError{Reason: "document is empty"})
		}
		return nil, invalid(name, yamlError(err))
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, invalid(name, FieldError{Line: extra.Line, Reason: "only one YAML document is allowed"})
	}
	node := &root
	if node.Kind == yaml.DocumentNode && len(node.Content) == 1 {
		node = node.Content[0]
	}
	d := &document{name: name, root: node}
	value, ferr := toValue(node, 0)
	if ferr != nil {
		return nil, invalid(name, *ferr)
	}
	// The schema validator wants JSON values: round-trip through JSON.
	raw, err := json.Marshal(value)
	if err != nil {
		return nil, invalid(name, FieldError{Reason: "document cannot be read as JSON: " + err.Error()})
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, invalid(name, FieldError{Reason: "document cannot be read as JSON: " + err.Error()})
	}
	if err := sch.Validate(inst); err != nil {
		var ve *jsonschema.ValidationError
		if !errors.As(err, &ve) {
			return nil, invalid(name, FieldError{Reason: err.Error()})
		}
		return nil, invalid(name, d.schemaFields(ve)...)
	}
	jd := json.NewDecoder(bytes.NewReader(raw))
	jd.DisallowUnknownFields()
	if err := jd.Decode(out); err != nil {
		return nil, invalid(name, FieldError{Reason: "document cannot be decoded: " + err.Error()})
	}
	return d, nil
}

// yamlError turns a YAML syntax error into a field error with its line.
func yamlError(err error) FieldError {
	msg := err.Error()
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		return FieldError{Line: n, Reason: m[2]}
	}
	return FieldError{Reason: strings.TrimPrefix(msg, "yaml: ")}
}

// toValue converts a node into JSON values: map[string]any, []any, string,
// json.Number, bool and nil.
func toValue(n *yaml.Node, depth int) (any, *FieldError) {
	if depth > maxDepth {
		return nil, &FieldError{Line: n.Line, Reason: fmt.Sprintf("nested more than %d levels deep", maxDepth)}
	}
	if n.Anchor != "" || n.Kind == yaml.AliasNode {
		return nil, &FieldError{Line: n.Line, Reason: "YAML anchors and aliases are not allowed"}
	}
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode || k.Tag != "!!str" {
				return nil, &FieldError{Line: k.Line, Reason: "mapping keys must be strings"}
			}
			if k.Value == "<<" {
				return nil, &FieldError{Line: k.Line, Reason: "YAML merge keys are not allowed"}
			}
			if _, dup := m[k.Value]; dup {
				return nil, &FieldError{Line: k.Line, Reason: fmt.Sprintf("duplicate key %q", k.Value)}
			}
			val, err := toValue(v, depth+1)
			if err != nil {
				return nil, err
			}
			m[k.Value] = val
		}
		return m, nil
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			val, err := toValue(c, depth+1)
			if err != nil {
				return nil, err
			}
			s = append(s, val)
		}
		return s, nil
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!str", "!!timestamp", "!!binary":
			return n.Value, nil
		case "!!null":
			return nil, nil
		case "!!bool":
			var b bool
			if err := n.Decode(&b); err != nil {
				return nil, &FieldError{Line: n.Line, Reason: "not a boolean"}
			}
			return b, nil
		case "!!int", "!!float":
			var f float64
			if err := n.Decode(&f); err != nil {
				return nil, &FieldError{Line: n.Line, Reason: "not a number"}
			}
			if n.Tag == "!!int" {
				var i int64
				if err := n.Decode(&i); err != nil {
					return nil, &FieldError{Line: n.Line, Reason: "integer out of range"}
				}
				return json.Number(strconv.FormatInt(i, 10)), nil
			}
			if f != f || f > 1e300 || f < -1e300 {
				return nil, &FieldError{Line: n.Line, Reason: "not a finite number"}
			}
			return json.Number(strconv.FormatFloat(f, 'g', -1, 64)), nil
		}
		return nil, &FieldError{Line: n.Line, Reason: fmt.Sprintf("unsupported YAML tag %s", n.Tag)}
	}
	return nil, &FieldError{Line: n.Line, Reason: "unsupported YAML node"}
}

// lookup follows a path of member names and array indexes from the root,
// as far as it goes, and returns the deepest node found and whether the
// whole path was found. For a mapping member it returns the value node;
// key returns the key node instead.
func (d *document) lookup(path []string, key bool) (*yaml.Node, bool) {
	n := d.root
	for i, tok := range path {
		switch n.Kind {
		case yaml.MappingNode:
			found := false
			for j := 0; j+1 < len(n.Content); j += 2 {
				if n.Content[j].Value == tok {
					if key && i == len(path)-1 {
						return n.Content[j], true
					}
					n, found = n.Content[j+1], true
					break
				}
			}
			if !found {
				return n, false
			}
		case yaml.SequenceNode:
			idx, err := strconv.Atoi(tok)
			if err != nil || idx < 0 || idx >= len(n.Content) {
				return n, false
			}
			n = n.Content[idx]
		default:
			return n, false
		}
	}
	return n, true
}

// line returns the line of the value at path (or of its key, when key), or
// of the deepest enclosing value that exists.
func (d *document) line(path []string, key bool) int {
	if d == nil || d.root == nil {
		return 0
	}
	n, _ := d.lookup(path, key)
	return n.Line
}

// field returns a FieldError for path with its line.
func (d *document) field(path []string, reason string) FieldError {
	return FieldError{Line: d.line(path, false), Path: formatPath(path), Reason: reason}
}

// formatPath writes a path as "requirements[2].predicate": numeric
// elements as indexes, the others as member names.
func formatPath(path []string) string {
	var b strings.Builder
	for _, p := range path {
		if _, err := strconv.Atoi(p); err == nil {
			b.WriteString("[" + p + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(p)
	}
	return b.String()
}

var printer = message.NewPrinter(language.English)

// schemaFields flattens a schema validation error into field errors, one
// per failing leaf, each at its line.
func (d *document) schemaFields(ve *jsonschema.ValidationError) []FieldError {
	var out []FieldError
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		loc := e.InstanceLocation
		switch k := e.ErrorKind.(type) {
		case *kind.Required:
			for _, m := range k.Missing {
				p := append(append([]string(nil), loc...), m)
				out = append(out, FieldError{Line: d.line(loc, false), Path: formatPath(p), Reason: "required member is missing"})
			}
		case *kind.AdditionalProperties:
			for _, m := range k.Properties {
				p := append(append([]string(nil), loc...), m)
				out = append(out, FieldError{Line: d.line(p, true), Path: formatPath(p), Reason: "unknown member"})
			}
		default:
			out = append(out, FieldError{Line: d.line(loc, false), Path: formatPath(loc), Reason: e.ErrorKind.LocalizedString(printer)})
		}
	}
	walk(ve)
	return out
}

// invalid returns a *ValidationError for name.
func invalid(name string, fields ...FieldError) error {
	slices.SortStableFunc(fields, func(a, b FieldError) int { return a.Line - b.Line })
	return &ValidationError{Name: name, Fields: fields}
}

// compileSchema compiles an embedded schema.
func compileSchema(id string, b []byte) (*jsonschema.Schema, error) {
	sch, err := schema.Compile(id, b)
	if err != nil {
		return nil, fmt.Errorf("compile schema %s: %w", id, err)
	}
	return sch, nil
}
