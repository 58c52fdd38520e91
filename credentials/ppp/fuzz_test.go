package ppp_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/ppp"
)

// testdataDocs returns the claims documents in testdata, keyed by file
// name. Names start with the type name and contain "-valid-" or
// "-invalid-".
func testdataDocs(t testing.TB) map[string][]byte {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	out := map[string][]byte{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(p)] = b
	}
	return out
}

func TestTestdata(t *testing.T) {
	for name, b := range testdataDocs(t) {
		typ, _, _ := strings.Cut(name, "-")
		err := ppp.Validate(typ, b)
		switch {
		case strings.Contains(name, "-valid-") && err != nil:
			t.Errorf("%s: %v", name, err)
		case strings.Contains(name, "-invalid-") && !errors.Is(err, ppp.ErrInvalidClaims):
			t.Errorf("%s: Validate = %v, want ErrInvalidClaims", name, err)
		}
	}
}

func FuzzValidate(f *testing.F) {
	names := ppp.Names()
	for i, typ := range ppp.Types() {
		f.Add(uint8(i), typ.Example())
	}
	for name, b := range testdataDocs(f) {
		typ, _, _ := strings.Cut(name, "-")
		for i, n := range names {
			if n == typ {
				f.Add(uint8(i), b)
			}
		}
	}
	f.Add(uint8(0), []byte("\xff"))
	f.Add(uint8(1), []byte(`{"":1,"":2}`))
	f.Fuzz(func(t *testing.T, which uint8, doc []byte) {
		typ := names[int(which)%len(names)]
		err := ppp.Validate(typ, doc)
		if err == nil {
			return
		}
		if credentials.Class(err) == nil {
			t.Fatalf("Validate(%s) error %v belongs to no credentials class", typ, err)
		}
		var ve *ppp.ValidationError
		if errors.As(err, &ve) {
			if len(ve.Fields) == 0 {
				t.Fatal("ValidationError without fields")
			}
			for _, fe := range ve.Fields {
				if fe.Pointer != "" && !strings.HasPrefix(fe.Pointer, "/") {
					t.Fatalf("bad pointer %q", fe.Pointer)
				}
			}
		}
	})
}
