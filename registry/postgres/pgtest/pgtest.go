// Package pgtest gives tests a real PostgreSQL server: a throwaway cluster in
// a temp folder, started on first use and stopped when the package's tests
// end, with a fresh database per test.
//
// The flow:
//
//  1. A test package's TestMain calls Main(m).
//  2. A test calls Database(t). The first call starts the server: the one
//     named by CONTRACTS_TEST_POSTGRES_URL if set, otherwise a cluster made
//     with the server binaries (/usr/lib/postgresql/*/bin, or pg_ctl on
//     PATH): initdb into a temp folder, then pg_ctl start listening only on
//     127.0.0.1 at a free port with its unix socket in the temp folder, run
//     as the postgres user through runuser when the tests run as root (the
//     server refuses root). Durability is off; it is thrown away.
//  3. Database creates a schema for the test in a database made once per
//     run, returns a URL whose search_path is that schema, and drops the
//     schema when the test ends (a schema takes milliseconds, a database
//     about a second).
//  4. Main stops the cluster and removes its folder after the tests.
//
// Without binaries or URL the tests skip with a loud message, unless
// CONTRACTS_REQUIRE_POSTGRES=1 (CI), which makes them fail instead.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Environment variables read by the harness.
const (
	// EnvURL names an existing server to use instead of starting one; the
	// user must be allowed to create databases.
	EnvURL = "CONTRACTS_TEST_POSTGRES_URL"
	// EnvRequire set to 1 turns "PostgreSQL unavailable" from a skip into a
	// failure.
	EnvRequire = "CONTRACTS_REQUIRE_POSTGRES"
	// EnvBin names the folder holding initdb and pg_ctl, for layouts other
	// than Debian's /usr/lib/postgresql/N/bin; only it is searched when set.
	EnvBin = "CONTRACTS_POSTGRES_BIN"
)

// Server is a PostgreSQL server for tests.
type Server struct {
	// URL connects to the server's maintenance database as a superuser.
	URL string
	// dir holds a cluster this process started; empty for an external
	// server.
	dir   string
	pgCtl string
	asPG  bool

	// The database holding the tests' schemas, made on first use.
	dbOnce sync.Once
	dbURL  string
	dbName string
	dbErr  error
}

// Start starts a throwaway cluster, or returns the server named by
// CONTRACTS_TEST_POSTGRES_URL. ErrNoServer means neither is available.
func Start(ctx context.Context) (*Server, error) {
	if u := os.Getenv(EnvURL); u != "" {
		return &Server{URL: u}, nil
	}
	bin, err := findBinaries()
	if err != nil {
		return nil, err
	}
	asPG := os.Geteuid() == 0
	reapStale(ctx, bin, asPG)
	// As root, $TMPDIR may sit where the postgres user cannot reach; /tmp
	// also keeps the unix socket path under its length limit.
	parent := ""
	if st, err := os.Stat("/tmp"); err == nil && st.IsDir() {
		parent = "/tmp"
	}
	dir, err := os.MkdirTemp(parent, "contracts-pg-")
	if err != nil {
		return nil, fmt.Errorf("make the cluster folder: %w", err)
	}
	s := &Server{dir: dir, pgCtl: filepath.Join(bin, "pg_ctl"), asPG: asPG}
	if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		s.Stop()
		return nil, fmt.Errorf("record the cluster's owner: %w", err)
	}
	if err := s.start(ctx, bin); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// ErrNoServer says that no PostgreSQL server binaries were found and no
// server URL was given.
var ErrNoServer = errors.New("no PostgreSQL server binaries (looked in /usr/lib/postgresql/*/bin and PATH for initdb and pg_ctl) and " + EnvURL + " is not set; run scripts/ci-postgres.sh to install them")

// ownerFile in a cluster folder holds the PID of the test process that
// started it.
const ownerFile = "owner.pid"

// reapStale stops and removes clusters left behind by test processes that
// died without stopping them (a timeout, a kill): pg_ctl detaches the server,
// so nothing else would.
func reapStale(ctx context.Context, bin string, asPG bool) {
	dirs, _ := filepath.Glob("/tmp/contracts-pg-*")
	for _, dir := range dirs {
		b, err := os.ReadFile(filepath.Join(dir, ownerFile))
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || pid <= 0 || processAlive(pid) {
			continue
		}
		stale := &Server{dir: dir, pgCtl: filepath.Join(bin, "pg_ctl"), asPG: asPG}
		stale.Stop()
	}
}

// processAlive reports whether pid is a running process.
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

func findBinaries() (string, error) {
	if d := os.Getenv(EnvBin); d != "" {
		if isFile(filepath.Join(d, "initdb")) && isFile(filepath.Join(d, "pg_ctl")) {
			return d, nil
		}
		return "", fmt.Errorf("%s=%s holds no initdb and pg_ctl: %w", EnvBin, d, ErrNoServer)
	}
	if dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin"); len(dirs) > 0 {
		// Newest major version first.
		sort.Slice(dirs, func(i, j int) bool {
			vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
			vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
			return vi > vj
		})
		for _, d := range dirs {
			if isFile(filepath.Join(d, "initdb")) && isFile(filepath.Join(d, "pg_ctl")) {
				return d, nil
			}
		}
	}
	if p, err := exec.LookPath("pg_ctl"); err == nil && isFile(filepath.Join(filepath.Dir(p), "initdb")) {
		return filepath.Dir(p), nil
	}
	return "", ErrNoServer
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

func (s *Server) start(ctx context.Context, bin string) error {
	if s.asPG {
		u, err := user.Lookup("postgres")
		if err != nil {
			return fmt.Errorf("running as root, the server needs the unprivileged postgres user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(s.dir, uid, gid); err != nil {
			return fmt.Errorf("hand the cluster folder to postgres: %w", err)
		}
	}
	data := filepath.Join(s.dir, "data")
	if out, err := s.run(ctx, filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"); err != nil {
		return fmt.Errorf("initdb: %w\n%s", err, out)
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	opts := fmt.Sprintf("-h 127.0.0.1 -p %d -k %s -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 -c shared_buffers=64MB", port, s.dir)
	if out, err := s.run(ctx, s.pgCtl, "-D", data, "-l", filepath.Join(s.dir, "server.log"), "-w", "-t", "60", "-o", opts, "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(s.dir, "server.log"))
		return fmt.Errorf("pg_ctl start: %w\n%s\n%s", err, out, log)
	}
	s.URL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	return nil
}

// run runs a server binary, as the postgres user when we are root.
func (s *Server) run(ctx context.Context, name string, args ...string) ([]byte, error) {
	if s.asPG {
		if rp, err := exec.LookPath("runuser"); err == nil {
			args = append([]string{"-u", "postgres", "--", name}, args...)
			name = rp
		} else {
			quoted := make([]string, 0, len(args)+1)
			for _, a := range append([]string{name}, args...) {
				quoted = append(quoted, "'"+strings.ReplaceAll(a, "'", `'\''`)+"'")
			}
			args = []string{"postgres", "-s", "/bin/sh", "-c", strings.Join(quoted, " ")}
			name = "su"
		}
	}
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = s.dir
	return cmd.CombinedOutput()
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Stop drops the tests' database, then stops a cluster this process started
// and removes its folder; an external server keeps running.
func (s *Server) Stop() error {
	if s == nil {
		return nil
	}
	var err error
	if s.dbName != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		err = exec1(ctx, s.URL, "DROP DATABASE IF EXISTS "+s.dbName+" WITH (FORCE)")
	}
	if s.dir == "" {
		return err
	}
	if isFile(filepath.Join(s.dir, "data", "postmaster.pid")) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if out, e := s.run(ctx, s.pgCtl, "-D", filepath.Join(s.dir, "data"), "-m", "immediate", "-w", "stop"); e != nil {
			err = errors.Join(err, fmt.Errorf("pg_ctl stop: %w\n%s", e, out))
		}
	}
	return errors.Join(err, os.RemoveAll(s.dir))
}

// Database returns the URL of a fresh, empty schema for tb, dropped when
// tb ends: the URL sets search_path to it, so what the test creates lands
// there. Schemas live in one database per Server, made on first use, which
// is much faster than a database per test.
func (s *Server) Database(tb testing.TB) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s.dbOnce.Do(func() { s.dbURL, s.dbErr = s.createDatabase(ctx) })
	if s.dbErr != nil {
		tb.Fatalf("create the test database: %v", s.dbErr)
	}
	schema := "test_" + randomHex()
	if err := exec1(ctx, s.dbURL, "CREATE SCHEMA "+schema); err != nil {
		tb.Fatalf("create test schema: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := exec1(ctx, s.dbURL, "DROP SCHEMA IF EXISTS "+schema+" CASCADE"); err != nil {
			tb.Errorf("drop test schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(s.dbURL)
	if err != nil {
		tb.Fatalf("test database URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func (s *Server) createDatabase(ctx context.Context) (string, error) {
	name := "contracts_test_" + randomHex()
	if err := exec1(ctx, s.URL, "CREATE DATABASE "+name); err != nil {
		return "", err
	}
	s.dbName = name
	u, err := url.Parse(s.URL)
	if err != nil {
		return "", fmt.Errorf("server URL: %w", err)
	}
	u.Path = "/" + name
	return u.String(), nil
}

func randomHex() string {
	var rnd [6]byte
	rand.Read(rnd[:])
	return hex.EncodeToString(rnd[:])
}

// exec1 runs one statement on a connection of its own.
func exec1(ctx context.Context, url, sql string) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", url, err)
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql)
	return err
}

// shared is the server of the current test binary, started on first use.
var shared struct {
	once sync.Once
	srv  *Server
	err  error
}

// Main runs the package's tests (call it from TestMain) and then stops the
// shared server if one was started.
func Main(m *testing.M) {
	code := m.Run()
	StopShared()
	os.Exit(code)
}

// StopShared stops the shared server if one was started; for a TestMain
// that cannot call Main (one that testscript runs, say).
func StopShared() {
	if shared.srv != nil {
		if err := shared.srv.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "pgtest:", err)
		}
	}
}

// Shared returns the test binary's server, starting it on first use; when
// none is available it skips tb (fails it under CONTRACTS_REQUIRE_POSTGRES=1).
// The package's TestMain must call Main so the server is stopped.
func Shared(tb testing.TB) *Server {
	tb.Helper()
	shared.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		shared.srv, shared.err = Start(ctx)
	})
	if shared.err != nil {
		if os.Getenv(EnvRequire) == "1" || !errors.Is(shared.err, ErrNoServer) {
			tb.Fatalf("PostgreSQL is required for this test (%s=1 or a server that failed to start): %v", EnvRequire, shared.err)
		}
		tb.Skipf("\n!!! SKIPPING: PostgreSQL tests did not run: %v\n!!! set %s=1 to make this a failure", shared.err, EnvRequire)
	}
	return shared.srv
}

// Database returns the URL of a fresh schema on the shared server, dropped
// when tb ends; see Server.Database.
func Database(tb testing.TB) string {
	tb.Helper()
	return Shared(tb).Database(tb)
}
