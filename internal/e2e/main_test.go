package e2e

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// repoRoot is the repository's top folder, two levels up from this package.
var repoRoot = func() string {
	dir, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		panic(err)
	}
	return dir
}()

var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
	// scratch is removed when the tests end; it holds what outlives one
	// test: the built binary and the simulated actions/cache.
	scratch string
)

func TestMain(m *testing.M) {
	var err error
	scratch, err = os.MkdirTemp("", "contracts-e2e-")
	if err != nil {
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(scratch)
	os.Exit(code)
}

// contractsBin builds cmd/contracts once per test run and returns the
// folder that holds the binary, to put on PATH.
func contractsBin(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir = filepath.Join(scratch, "bin")
		cmd := exec.Command("go", "build", "-o", filepath.Join(buildDir, "contracts"), "./cmd/contracts")
		cmd.Dir = repoRoot
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = err
			buildDir = string(out)
		}
	})
	if buildErr != nil {
		t.Fatalf("go build ./cmd/contracts: %v\n%s", buildErr, buildDir)
	}
	return buildDir
}

// requireVerbs fails the test, with a message that says why, when the
// binary lacks a command the test needs.
func requireVerbs(t *testing.T, verbs ...string) {
	t.Helper()
	bin := filepath.Join(contractsBin(t), "contracts")
	for _, v := range verbs {
		out, err := exec.Command(bin, v, "--help").CombinedOutput()
		if err != nil || !bytes.Contains(out, []byte("Usage:\n  contracts "+v)) {
			t.Fatalf("contracts has no %q command (contracts %s --help: %v): this test needs the gate verbs of PRODUCT.md", v, v, err)
		}
	}
}

// cleanEnv is the test process's environment without what would make a run
// depend on the machine: the registry, the token and GitHub's variables.
func cleanEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "CONTRACTS_") || strings.HasPrefix(name, "GITHUB_") ||
			strings.HasPrefix(name, "RUNNER_") || strings.HasPrefix(name, "INPUT_") || name == "CI" {
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}

// copyTree copies the files under src into dst, keeping whether each is
// executable (as actions/cache and a checkout do).
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		mode := os.FileMode(0o644)
		if info.Mode()&0o111 != 0 {
			mode = 0o755
		}
		if err := os.WriteFile(target, b, mode); err != nil {
			return err
		}
		// WriteFile keeps the mode of a file that was already there.
		return os.Chmod(target, mode)
	})
	if err != nil {
		t.Fatalf("copying %s: %v", src, err)
	}
}
