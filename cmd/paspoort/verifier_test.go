package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestVerifierProfileCommands(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("id: x\nversion: \"1\"\nkind: admission\ntitle: {nl: T, en: T}\npurpose: {nl: T, en: T}\nrequirements:\n  - id: l\n    title: {nl: N, en: L}\n    type: level\n    claims: [nlqf_level]\n    predicate: nlqf_levl >= 4\n"), 0o600)
	good := filepath.Join("..", "..", "verifier", "profiles", "installatiemonteur.yaml")
	cat := filepath.Join("..", "..", "verifier", "profiles", "vandijk-inwerken.catalogue.yaml")
	tests := []struct {
		args     []string
		code     int
		contains string
	}{
		{[]string{"verifier", "profile", "validate", good, cat}, 0, "installatiemonteur.yaml: ok"},
		{[]string{"verifier", "profile", "validate", bad}, 1, "bad.yaml:11: requirements[0].predicate"},
		{[]string{"verifier", "profile", "show", "tweedegraads-lerarenopleiding"}, 0, `"dcql_query"`},
		{[]string{"verifier", "profile", "schema"}, 0, "requirement-profile"},
		{[]string{"verifier", "request"}, 2, "--profile is required"},
		{[]string{"verifier", "serve"}, 2, "required"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(tt.args, strings.NewReader(""), &out, &errb)
			if code != tt.code || !strings.Contains(out.String()+errb.String(), tt.contains) {
				t.Fatalf("exit %d (want %d)\nstdout: %s\nstderr: %s", code, tt.code, out.String(), errb.String())
			}
		})
	}
}
