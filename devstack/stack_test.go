package devstack_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loopbrug/paspoort/devstack"
)

// A folder that holds something else is neither used nor removed.
func TestForeignFolder(t *testing.T) {
	dir := t.TempDir()
	keep := filepath.Join(dir, "thesis.docx")
	if err := os.WriteFile(keep, []byte("years of work"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		do   func() error
	}{
		{"new", func() error { _, err := devstack.New(context.Background(), devstack.Options{Dir: dir}); return err }},
		{"reset", func() error { return devstack.Reset(dir) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.do(); !errors.Is(err, devstack.ErrNotStackDir) {
				t.Fatalf("err %v, want ErrNotStackDir", err)
			}
			if _, err := os.Stat(keep); err != nil {
				t.Fatal("the foreign file is gone")
			}
		})
	}
	if err := devstack.Reset(filepath.Join(dir, "none")); err != nil {
		t.Errorf("reset of a missing folder: %v", err)
	}
}

// The stack's clients talk to loopback only, and Reset removes a stack's
// folder.
func TestLoopbackOnlyAndReset(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "dev")
	s, err := devstack.New(context.Background(), devstack.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.HTTPClient().Get("https://192.0.2.1/")
	if err == nil || !strings.Contains(err.Error(), "only talks to loopback") {
		t.Errorf("non-loopback fetch: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := devstack.Reset(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("folder still there: %v", err)
	}
}

// A folder keeps its ports: the services' identities include them.
func TestFolderKeepsItsPorts(t *testing.T) {
	fixed := filepath.Join(t.TempDir(), "fixed")
	random := filepath.Join(t.TempDir(), "random")
	open := func(dir string, port int) error {
		s, err := devstack.New(context.Background(), devstack.Options{Dir: dir, BasePort: port})
		if err == nil {
			err = s.Close()
		}
		return err
	}
	base := 23000 + os.Getpid()%20000
	if err := open(fixed, base); err != nil {
		t.Skipf("ports from %d not free: %v", base, err)
	}
	if err := open(random, 0); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		dir     string
		port    int
		wantErr error
	}{
		{"same port", fixed, base, nil},
		{"its own port when none is asked", fixed, 0, nil},
		{"another port", fixed, base + 100, devstack.ErrPortsChanged},
		{"random ports again", random, 0, devstack.ErrPortsChanged},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := open(tt.dir, tt.port); !errors.Is(err, tt.wantErr) {
				t.Fatalf("err %v, want %v", err, tt.wantErr)
			}
		})
	}
}
