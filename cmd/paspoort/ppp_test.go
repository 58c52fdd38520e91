package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/spf13/cobra"
)

// runPPP runs "ppp args..." in-process and returns its output.
func runPPP(t *testing.T, args ...string) (string, error) {
	t.Helper()
	root := &cobra.Command{Use: "paspoort", SilenceUsage: true, SilenceErrors: true}
	root.AddCommand(newPPPCommand())
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(append([]string{"ppp"}, args...))
	err := root.Execute()
	return out.String(), err
}

func TestPPPTypesJSON(t *testing.T) {
	out, err := runPPP(t, "types", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var rows []struct{ Name, VCT, Block string }
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	if len(rows) != len(ppp.Types()) {
		t.Fatalf("%d types, want %d", len(rows), len(ppp.Types()))
	}
	if rows[1].Name != "skill" || rows[1].VCT != "https://paspoort.loopbrug.nl/vct/skill/v1" || rows[1].Block != "skills" {
		t.Errorf("rows[1] = %+v", rows[1])
	}
}

func TestPPPTypesTable(t *testing.T) {
	out, err := runPPP(t, "types")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != len(ppp.Types())+1 || !strings.HasPrefix(lines[0], "NAME") {
		t.Fatalf("table:\n%s", out)
	}
	col := strings.Index(lines[0], "VCT")
	for _, l := range lines[1:] {
		if !strings.HasPrefix(l[col:], "https://paspoort.loopbrug.nl/vct/") {
			t.Errorf("vct column not aligned: %q", l)
		}
	}
}

func TestPPPExampleValidates(t *testing.T) {
	for _, name := range ppp.Names() {
		out, err := runPPP(t, "example", name)
		if err != nil {
			t.Fatal(err)
		}
		if err := ppp.Validate(name, []byte(out)); err != nil {
			t.Errorf("ppp example %s does not validate: %v", name, err)
		}
	}
}

func TestPPPSchemaAndMetadata(t *testing.T) {
	out, err := runPPP(t, "schema", "level")
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		ID string `json:"$id"`
	}
	if err := json.Unmarshal([]byte(out), &schema); err != nil || schema.ID != "https://paspoort.loopbrug.nl/vct/level/v1/schema.json" {
		t.Errorf("schema $id = %q, %v", schema.ID, err)
	}
	out, err = runPPP(t, "metadata", "goal")
	if err != nil {
		t.Fatal(err)
	}
	var md ppp.Metadata
	if err := json.Unmarshal([]byte(out), &md); err != nil || md.VCT != "https://paspoort.loopbrug.nl/vct/goal/v1" {
		t.Errorf("metadata vct = %q, %v", md.VCT, err)
	}
}

func TestPPPUnknownType(t *testing.T) {
	for _, sub := range []string{"schema", "example", "metadata"} {
		_, err := runPPP(t, sub, "diploma")
		if err == nil || !strings.Contains(err.Error(), "diploma") || !strings.Contains(err.Error(), "skill, drive") {
			t.Errorf("ppp %s diploma: err = %v", sub, err)
		}
	}
	if _, err := runPPP(t, "schema"); err == nil {
		t.Error("ppp schema without TYPE succeeded")
	}
}

func TestPPPESCOSearch(t *testing.T) {
	out, err := runPPP(t, "esco", "search", "treinconducteur")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "http://data.europa.eu/esco/occupation/ea034d66-0d35-4891-b82c-6434cad2c76f") || !strings.Contains(out, ppp.ESCOAttribution) {
		t.Errorf("output:\n%s", out)
	}
	out, err = runPPP(t, "esco", "search", "--limit", "2", "communiceren")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out, "\nskill "); n != 2 {
		t.Errorf("%d skills with --limit 2:\n%s", n, out)
	}
	if _, err := runPPP(t, "esco", "search", "--limit", "0", "x"); err == nil {
		t.Error("--limit 0 succeeded")
	}
}
