package schema_test

import (
	"testing"

	"github.com/loopbrug/paspoort/internal/schema"
)

// TestCompile: draft 2020-12 with formats asserted; a broken document or
// an invalid schema is an error.
func TestCompile(t *testing.T) {
	sch, err := schema.Compile("https://example.test/s.json", []byte(`{"type":"object","properties":{"d":{"type":"string","format":"date"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		value any
		ok    bool
	}{
		{"valid date", map[string]any{"d": "2026-11-23"}, true},
		{"format asserted", map[string]any{"d": "2026-13-45"}, false},
		{"type", map[string]any{"d": 5.0}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := sch.Validate(tt.value); (err == nil) != tt.ok {
				t.Fatalf("Validate: %v, want ok=%v", err, tt.ok)
			}
		})
	}
	for _, bad := range []string{`{"type":`, `{"type":"no-such-type"}`, `{"prefixItems":[]}` /* 2020-12's metaschema wants one item at least */} {
		if _, err := schema.Compile("https://example.test/bad.json", []byte(bad)); err == nil {
			t.Fatalf("%s compiled", bad)
		}
	}
}
