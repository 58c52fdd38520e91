package main

import (
	"strings"
	"testing"
)

// TestStoreFlagErrors: a bad --store or pool setting is a usage error
// (exit 2) naming the flag; a database that does not answer is a STORE
// error (exit 1); neither shows the password.
func TestStoreFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		name     string
		args     []string
		code     int
		contains []string
	}{
		{"migrate without a store", []string{"issuer", "migrate"}, exitUsage, []string{"--store is required"}},
		{"not postgres", []string{"verifier", "migrate", "--store", "mysql://app:s3cr3t@db/x"}, exitUsage, []string{"--store", "(FMT)", "mysql://app@db/x"}},
		{"pool out of range", []string{"issuer", "migrate", "--store", "postgres://app:s3cr3t@127.0.0.1:1/x", "--db-max-conns", "0"}, exitUsage, []string{"--db-max-conns"}},
		{"min over max", []string{"verifier", "migrate", "--store", "postgres://app:s3cr3t@127.0.0.1:1/x", "--db-max-conns", "2", "--db-min-conns", "3"}, exitUsage, []string{"--db-min-conns"}},
		{"short lifetime", []string{"issuer", "migrate", "--store", "postgres://app:s3cr3t@127.0.0.1:1/x", "--db-conn-lifetime", "1ms"}, exitUsage, []string{"--db-conn-lifetime"}},
		{"nobody listening", []string{"issuer", "migrate", "--store", "postgres://app:s3cr3t@127.0.0.1:1/x?sslmode=disable"}, exitRejected, []string{"(STORE)", "--store", "postgres://app@127.0.0.1:1/x"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, code := cli(t, "", tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d: %s", code, tc.code, stderr)
			}
			for _, s := range tc.contains {
				if !strings.Contains(stderr, s) {
					t.Errorf("stderr lacks %q: %s", s, stderr)
				}
			}
			if strings.Contains(stderr, "s3cr3t") {
				t.Errorf("stderr shows the password: %s", stderr)
			}
		})
	}
}
