package issuer_test

import (
	"bytes"
	"testing"

	"github.com/loopbrug/paspoort/issuer"
)

func FuzzParseBulkCSV(f *testing.F) {
	f.Add([]byte("type,subject_ref,tx_code,proficiency,skills\nskill,s-1,true,3,\"[\"\"a\"\"]\"\n"))
	f.Add([]byte("\ufefftype\nskill\n"))
	f.Add([]byte("a,b\n1"))
	f.Fuzz(func(t *testing.T, b []byte) {
		lines, err := issuer.ParseBulkCSV(bytes.NewReader(b))
		if err != nil {
			return
		}
		for _, l := range lines {
			if l.Err == nil && l.Request.Claims == nil {
				t.Fatalf("line %d without claims or error", l.Line)
			}
		}
	})
}

func FuzzParseBulkJSONL(f *testing.F) {
	f.Add([]byte(`{"type":"skill","claims":{"a":1},"tx_code":true}` + "\n\n" + `{"type":"x","type":"y"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		lines, err := issuer.ParseBulkJSONL(bytes.NewReader(b))
		if err != nil {
			return
		}
		prev := 0
		for _, l := range lines {
			if l.Line <= prev {
				t.Fatalf("line numbers out of order: %d after %d", l.Line, prev)
			}
			prev = l.Line
		}
	})
}
