// Package pgtest gives tests a PostgreSQL database of their own.
//
// With PASPOORT_PG_DSN set (a postgres:// URL of a user that may create
// databases), every test gets a fresh database on that server. Without
// it, pgtest starts a throwaway cluster once per test binary from the
// PostgreSQL binaries installed on the machine
// (/usr/lib/postgresql/*/bin/initdb, or initdb on PATH), in a temporary
// folder, listening on a unix socket only, and stops and removes it when
// the tests end (Main). PostgreSQL refuses to run as root: as root the
// cluster runs as the "postgres" system user (created when missing)
// through runuser. The cluster runs without fsync: it is thrown away.
//
// Tests skip, saying why, only when neither is available; with
// PASPOORT_PG_REQUIRE=1 (CI, after installing PostgreSQL) they fail
// instead, so that a broken harness cannot pass as skipped tests.
//
// A package using pgtest calls Main from its TestMain.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// cluster is the server the tests of this binary share.
var cluster struct {
	once     sync.Once
	admin    string // DSN of the maintenance database
	dir      string // our own cluster's folder, "" for PASPOORT_PG_DSN
	bin      string
	asUser   bool // run the binaries as the postgres user
	skip     string
	err      error
	mainUsed bool
}

// Main runs the tests of a package (m.Run) and then stops the cluster
// that pgtest started for them, if any. Call it from TestMain:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
func Main(m *testing.M) { os.Exit(Run(m)) }

// Run is Main returning the exit code instead of exiting, for a TestMain
// with clean-up of its own after the tests.
func Run(m *testing.M) int {
	cluster.mainUsed = true
	code := m.Run()
	stop()
	return code
}

// DSN returns the postgres:// address of a new, empty database for t,
// dropped when t ends. It skips t when no PostgreSQL is available (see
// the package comment).
func DSN(t testing.TB) string {
	t.Helper()
	if !cluster.mainUsed {
		t.Fatal("pgtest: call pgtest.Main(m) from the package's TestMain, so the cluster is stopped")
	}
	cluster.once.Do(start)
	if cluster.skip != "" {
		if os.Getenv("PASPOORT_PG_REQUIRE") == "1" {
			t.Fatalf("pgtest: PASPOORT_PG_REQUIRE=1 but %s", cluster.skip)
		}
		t.Skip("pgtest: " + cluster.skip)
	}
	if cluster.err != nil {
		t.Fatalf("pgtest: %v", cluster.err)
	}
	name := "paspoort_t_" + randomHex(6)
	if err := admin(context.Background(), "CREATE DATABASE "+name); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		// WITH (FORCE) ends connections a test left open (PostgreSQL 13+);
		// a server without it gets the plain statement.
		if err := admin(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			if err := admin(ctx, "DROP DATABASE IF EXISTS "+name); err != nil {
				t.Logf("pgtest: drop database %s: %v", name, err)
			}
		}
	})
	u, _ := url.Parse(cluster.admin)
	u.Path = "/" + name
	return u.String()
}

func admin(ctx context.Context, sql string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, cluster.admin)
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	_, err = c.Exec(ctx, sql)
	return err
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// start finds or starts the server.
func start() {
	if dsn := os.Getenv("PASPOORT_PG_DSN"); dsn != "" {
		cluster.admin = dsn
		return
	}
	bin := findBin()
	if bin == "" {
		cluster.skip = "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb or initdb on PATH) and PASPOORT_PG_DSN is not set: install it (apt-get install postgresql) or point PASPOORT_PG_DSN at a server"
		return
	}
	cluster.bin = bin
	cluster.err = startCluster()
}

// findBin returns the folder of the newest installed initdb.
func findBin() string {
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	slices.SortFunc(found, func(a, b string) int { return versionOf(a) - versionOf(b) })
	if len(found) > 0 {
		return filepath.Dir(found[len(found)-1])
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p)
	}
	return ""
}

func versionOf(initdb string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(initdb))))
	return v
}

func startCluster() error {
	dir, err := os.MkdirTemp("", "paspoort-pg-")
	if err != nil {
		return err
	}
	cluster.dir = dir
	if os.Geteuid() == 0 {
		cluster.asUser = true
		u, err := user.Lookup("postgres")
		if err != nil {
			if out, err := exec.Command("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "postgres").CombinedOutput(); err != nil {
				return fmt.Errorf("PostgreSQL will not run as root and there is no postgres user to run it as; useradd: %v: %s", err, out)
			}
			if u, err = user.Lookup("postgres"); err != nil {
				return err
			}
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			return err
		}
	}
	data := filepath.Join(dir, "data")
	if out, err := pgCommand("initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync").CombinedOutput(); err != nil {
		return fmt.Errorf("initdb: %v: %s", err, out)
	}
	opts := strings.Join([]string{
		"-k " + dir, "-c listen_addresses=", "-p 5432", "-c fsync=off", "-c synchronous_commit=off",
		"-c full_page_writes=off", "-c max_connections=300", "-c shared_buffers=64MB",
	}, " ")
	if out, err := pgCommand("pg_ctl", "-D", data, "-l", filepath.Join(dir, "server.log"), "-w", "-t", "60", "-o", opts, "start").CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "server.log"))
		return fmt.Errorf("pg_ctl start: %v: %s\n%s", err, out, log)
	}
	cluster.admin = (&url.URL{Scheme: "postgres", User: url.User("postgres"), Path: "/postgres",
		RawQuery: url.Values{"host": {dir}, "port": {"5432"}, "sslmode": {"disable"}}.Encode()}).String()
	return nil
}

// pgCommand runs a PostgreSQL binary, as the postgres user when we are
// root.
func pgCommand(name string, args ...string) *exec.Cmd {
	path := filepath.Join(cluster.bin, name)
	if cluster.asUser {
		return exec.Command("runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
	}
	return exec.Command(path, args...)
}

// stop stops our own cluster and removes its folder.
func stop() {
	if cluster.dir == "" {
		return
	}
	if _, err := os.Stat(filepath.Join(cluster.dir, "data", "postmaster.pid")); err == nil {
		if out, err := pgCommand("pg_ctl", "-D", filepath.Join(cluster.dir, "data"), "-m", "immediate", "-w", "stop").CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "pgtest: pg_ctl stop: %v: %s\n", err, out)
		}
	}
	if err := os.RemoveAll(cluster.dir); err != nil && !errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(os.Stderr, "pgtest: remove %s: %v\n", cluster.dir, err)
	}
}
