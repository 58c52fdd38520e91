package layering_test

import (
	"bufio"
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/loopbrug/paspoort/"

// TestInternalIsTheGroundFloor walks `go list -deps` of every package
// under internal/ and fails naming any package of this module outside
// internal/ that one of them depends on.
func TestInternalIsTheGroundFloor(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	out, err := exec.Command(gobin, "list", "-f", `{{.ImportPath}}{{range .Deps}} {{.}}{{end}}`, module+"internal/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	n := 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		n++
		for _, dep := range f[1:] {
			if strings.HasPrefix(dep, module) && !strings.HasPrefix(dep, module+"internal/") {
				t.Errorf("%s depends on %s, above the ground floor", strings.TrimPrefix(f[0], module), strings.TrimPrefix(dep, module))
			}
		}
	}
	if n < 8 {
		t.Fatalf("only %d packages under internal/: is the pattern right?", n)
	}
}
