package pg_test

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/loopbrug/paspoort/internal/pg"
)

func FuzzParseMigrationName(f *testing.F) {
	for _, s := range []string{"0001_initial.sql", "0002_a_b.sql", "1_x.sql", "0000_x.sql", "9999_z.sql", "0001_.sql", "0001_A.sql", "0001_x.sql\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, name, err := pg.ParseMigrationName(s)
		if err != nil {
			if !errors.Is(err, pg.ErrBadMigration) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if v < 1 || v > 9999 || name == "" || fmt.Sprintf("%04d_%s.sql", v, name) != s {
			t.Fatalf("%q read as %d %q", s, v, name)
		}
	})
}

// FuzzRedact: whatever the address, its password never survives.
func FuzzRedact(f *testing.F) {
	f.Add("app", "s3cr3t-pass", "db.example.nl:5432", "issuer")
	f.Add("", "p@ss:word/x", "", "t")
	f.Fuzz(func(t *testing.T, user, pass, host, db string) {
		if len(pass) < 4 {
			return
		}
		u := url.URL{Scheme: "postgres", User: url.UserPassword(user, pass), Host: host, Path: "/" + db}
		got := pg.Redact(u.String())
		// The password may show only where the address without it shows
		// the same characters (an escaped user name "%2000" holds "2000").
		without := url.URL{Scheme: "postgres", User: url.User(user), Host: host, Path: "/" + db}
		if strings.Contains(got, pass) && !strings.Contains(without.String()+user+host+db, pass) {
			t.Fatalf("Redact(%q) = %q keeps the password", u.String(), got)
		}
	})
}
