package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"gopkg.in/yaml.v3"
)

// This file is a small stand-in for the GitHub Actions runner, enough to run
// action.yml's composite steps as the runner does: inputs with their
// defaults, ${{ }} expressions over inputs, github, runner and steps, `if:`
// conditions, `run:` scripts under `bash --noprofile --norc -eo pipefail`
// with GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, and the actions the
// composite uses (actions/cache/restore and /save over a folder, setup-go as
// a check that Go is there). It refuses any expression or action it does not
// know, so action.yml cannot grow past what the tests exercise.

// actionMetadata is the part of action.yml the runner reads.
type actionMetadata struct {
	Inputs map[string]struct {
		Default  string `yaml:"default"`
		Required bool   `yaml:"required"`
	} `yaml:"inputs"`
	Outputs map[string]struct {
		Value string `yaml:"value"`
	} `yaml:"outputs"`
	Runs struct {
		Using string       `yaml:"using"`
		Steps []actionStep `yaml:"steps"`
	} `yaml:"runs"`
}

type actionStep struct {
	Name             string            `yaml:"name"`
	ID               string            `yaml:"id"`
	If               string            `yaml:"if"`
	Run              string            `yaml:"run"`
	Shell            string            `yaml:"shell"`
	Uses             string            `yaml:"uses"`
	With             map[string]string `yaml:"with"`
	Env              map[string]string `yaml:"env"`
	WorkingDirectory string            `yaml:"working-directory"`
}

func loadAction(t *testing.T) *actionMetadata {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var a actionMetadata
	if err := yaml.Unmarshal(b, &a); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	if a.Runs.Using != "composite" {
		t.Fatalf("action.yml: runs.using is %q; the simulated runner runs composite actions", a.Runs.Using)
	}
	return &a
}

// runner runs the action in one job: the workspace, RUNNER_TEMP and the
// actions/cache store persist between runs, as they do between steps of a
// job (the cache, between jobs).
type runner struct {
	t          *testing.T
	action     *actionMetadata
	actionPath string // where the runner downloaded the action
	workspace  string
	temp       string
	cache      string   // actions/cache entries, one folder per key
	env        []string // the job's environment
	sha        string
}

// actionResult is what a workflow sees of one use of the action.
type actionResult struct {
	outputs map[string]string            // the action's declared outputs
	log     string                       // stdout and stderr of every step, as the log shows them
	stdout  string                       // stdout, where the runner reads workflow commands
	summary string                       // what the steps appended to their job summaries
	ran     []string                     // names of the steps that ran
	steps   map[string]map[string]string // outputs of the steps, by id
	failed  bool                         // a step exited non-zero: the step fails
}

func newRunner(t *testing.T, workspace string, env ...string) *runner {
	t.Helper()
	temp := t.TempDir()
	return &runner{
		t:          t,
		action:     loadAction(t),
		actionPath: actionSnapshot(t),
		workspace:  workspace,
		temp:       temp,
		cache:      filepath.Join(scratch, "actions-cache"),
		env:        cleanEnv(append([]string{"XDG_DATA_HOME=" + filepath.Join(temp, "data"), "CI=true", "GITHUB_ACTIONS=true"}, env...)...),
		sha:        "8f3c2a1d9e7b6c5f4a3b2c1d0e9f8a7b6c5d4e3f",
	}
}

var (
	snapshotOnce sync.Once
	snapshotDir  string
)

// actionSnapshot copies the action's source once per test run, as the
// runner downloads an action at a ref into its own folder: every use of the
// action in the tests then builds the same source (so the cache hits), even
// while the work tree changes underneath.
func actionSnapshot(t *testing.T) string {
	t.Helper()
	snapshotOnce.Do(func() {
		snapshotDir = filepath.Join(scratch, "action")
		skip := map[string]bool{".git": true, "bin": true, "dist": true, "docs": true, "examples": true, "testdata": true}
		entries, err := os.ReadDir(repoRoot)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if skip[e.Name()] {
				continue
			}
			src, dst := filepath.Join(repoRoot, e.Name()), filepath.Join(snapshotDir, e.Name())
			if e.IsDir() {
				copyTree(t, src, dst)
				continue
			}
			b, err := os.ReadFile(src)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(snapshotDir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(dst, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	})
	return snapshotDir
}

var exprRe = regexp.MustCompile(`\$\{\{\s*(.*?)\s*\}\}`)

// run uses the action once with the given inputs (the `with:` of a
// workflow step).
func (r *runner) run(inputs map[string]string) actionResult {
	t := r.t
	t.Helper()
	in := map[string]string{}
	for name, def := range r.action.Inputs {
		v, ok := inputs[name]
		if !ok {
			v = def.Default
			if def.Required {
				t.Fatalf("the workflow step leaves out the required input %q", name)
			}
		}
		in[name] = v
	}
	for name := range inputs {
		if _, ok := r.action.Inputs[name]; !ok {
			t.Fatalf("action.yml declares no input %q", name)
		}
	}
	res := actionResult{outputs: map[string]string{}}
	steps := map[string]map[string]string{}
	var log, stdout, summary bytes.Buffer

	eval := func(expr string) string {
		switch {
		case strings.HasPrefix(expr, "inputs."):
			v, ok := in[strings.TrimPrefix(expr, "inputs.")]
			if !ok {
				t.Fatalf("action.yml reads the undeclared %s", expr)
			}
			return v
		case strings.HasPrefix(expr, "steps."):
			parts := strings.Split(expr, ".")
			if len(parts) != 4 || parts[2] != "outputs" {
				t.Fatalf("the simulated runner knows steps.ID.outputs.NAME, not %s", expr)
			}
			return steps[parts[1]][parts[3]]
		}
		switch expr {
		case "github.action_path":
			return r.actionPath
		case "github.sha":
			return r.sha
		case "github.workspace":
			return r.workspace
		case "runner.temp":
			return r.temp
		case "runner.os":
			return "Linux"
		case "runner.arch":
			return "X64"
		}
		t.Fatalf("the simulated runner does not know the expression ${{ %s }}", expr)
		return ""
	}
	expand := func(s string) string {
		return exprRe.ReplaceAllStringFunc(s, func(m string) string {
			return eval(exprRe.FindStringSubmatch(m)[1])
		})
	}
	condRe := regexp.MustCompile(`^([a-z][a-z0-9_.-]*)\s*(==|!=)\s*'([^']*)'$`)
	cond := func(c string) bool {
		c = strings.TrimSpace(c)
		if m := exprRe.FindStringSubmatch(c); m != nil && m[0] == c {
			c = m[1]
		}
		switch c {
		case "", "success()":
			return !res.failed
		case "always()":
			return true
		case "failure()":
			return res.failed
		}
		m := condRe.FindStringSubmatch(c)
		if m == nil {
			t.Fatalf("the simulated runner does not know the condition %q", c)
		}
		if res.failed {
			return false
		}
		v := eval(m[1])
		return (v == m[3]) == (m[2] == "==")
	}

	for i, st := range r.action.Runs.Steps {
		name := expand(st.Name)
		if name == "" {
			name = fmt.Sprintf("step %d", i+1)
		}
		if !cond(st.If) {
			continue
		}
		res.ran = append(res.ran, name)
		fmt.Fprintf(&log, "##[group]%s\n", name)
		switch {
		case st.Uses != "":
			steps[st.ID] = r.uses(st, expand)
		case st.Run != "":
			out, ok := r.script(st, expand, &log, &stdout, &summary)
			if st.ID != "" {
				steps[st.ID] = out
			}
			if !ok {
				res.failed = true
			}
		default:
			t.Fatalf("step %q has neither run nor uses", name)
		}
	}
	for name, o := range r.action.Outputs {
		res.outputs[name] = expand(o.Value)
	}
	res.log, res.stdout, res.summary = log.String(), stdout.String(), summary.String()
	res.steps = steps
	return res
}

// uses runs the actions the composite uses.
func (r *runner) uses(st actionStep, expand func(string) string) map[string]string {
	t := r.t
	with := map[string]string{}
	for k, v := range st.With {
		with[k] = expand(v)
	}
	action, _, _ := strings.Cut(st.Uses, "@")
	switch action {
	case "actions/setup-go":
		if f := with["go-version-file"]; f != "" {
			if _, err := os.Stat(f); err != nil {
				t.Fatalf("setup-go: go-version-file: %v", err)
			}
		} else if with["go-version"] == "" {
			t.Fatalf("setup-go: neither go-version nor go-version-file")
		}
		if _, err := exec.LookPath("go"); err != nil {
			t.Fatalf("setup-go: no go on PATH to stand in for it")
		}
		return map[string]string{}
	case "actions/cache/restore":
		key, path := with["key"], with["path"]
		if key == "" || path == "" {
			t.Fatalf("actions/cache/restore needs key and path (got %q, %q)", key, path)
		}
		entry := filepath.Join(r.cache, key)
		if _, err := os.Stat(entry); err != nil {
			return map[string]string{"cache-hit": "false", "cache-primary-key": key}
		}
		copyTree(t, entry, path)
		return map[string]string{"cache-hit": "true", "cache-primary-key": key, "cache-matched-key": key}
	case "actions/cache/save":
		key, path := with["key"], with["path"]
		if key == "" || path == "" {
			t.Fatalf("actions/cache/save needs key and path (got %q, %q)", key, path)
		}
		copyTree(t, path, filepath.Join(r.cache, key))
		return map[string]string{}
	}
	t.Fatalf("the simulated runner does not run %s", st.Uses)
	return nil
}

// script runs a run: step as the runner runs `shell: bash`.
func (r *runner) script(st actionStep, expand func(string) string, log, stdout, summary *bytes.Buffer) (map[string]string, bool) {
	t := r.t
	if st.Shell != "bash" {
		t.Fatalf("step %q: shell %q; the action's steps use bash", st.Name, st.Shell)
	}
	dir := t.TempDir()
	script := filepath.Join(dir, "step.sh")
	if err := os.WriteFile(script, []byte(expand(st.Run)), 0o644); err != nil {
		t.Fatal(err)
	}
	outFile := filepath.Join(dir, "output")
	sumFile := filepath.Join(dir, "summary")
	for _, f := range []string{outFile, sumFile} {
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	env := append([]string{}, r.env...)
	env = append(env,
		"GITHUB_WORKSPACE="+r.workspace,
		"GITHUB_SHA="+r.sha,
		"GITHUB_REF=refs/heads/main",
		"GITHUB_REF_NAME=main",
		"GITHUB_ACTION_PATH="+r.actionPath,
		"GITHUB_OUTPUT="+outFile,
		"GITHUB_STEP_SUMMARY="+sumFile,
		"RUNNER_TEMP="+r.temp,
		"RUNNER_OS=Linux",
		"RUNNER_ARCH=X64",
	)
	for k, v := range st.Env {
		env = append(env, k+"="+expand(v))
	}
	cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", script)
	cmd.Dir = r.workspace
	if st.WorkingDirectory != "" {
		cmd.Dir = filepath.Join(r.workspace, expand(st.WorkingDirectory))
	}
	cmd.Env = env
	var errBuf bytes.Buffer
	cmd.Stdout = stdout
	cmd.Stderr = &errBuf
	before := stdout.Len()
	err := cmd.Run()
	log.Write(stdout.Bytes()[before:])
	log.Write(errBuf.Bytes())
	if err != nil {
		fmt.Fprintf(log, "##[error]Process completed with %v\n", err)
	}
	s, _ := os.ReadFile(sumFile)
	summary.Write(s)
	return parseOutputFile(t, outFile), err == nil
}

// parseOutputFile reads GITHUB_OUTPUT: name=value lines and
// name<<DELIMITER blocks.
func parseOutputFile(t *testing.T, path string) map[string]string {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Text()
		if name, delim, ok := strings.Cut(line, "<<"); ok && !strings.Contains(name, "=") {
			var val []string
			for sc.Scan() && sc.Text() != delim {
				val = append(val, sc.Text())
			}
			out[name] = strings.Join(val, "\n")
			continue
		}
		name, val, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("GITHUB_OUTPUT: a line that is neither name=value nor name<<EOF: %q", line)
		}
		out[name] = val
	}
	return out
}

// annotation is one workflow command that becomes an annotation.
type annotation struct {
	level   string // error, warning or notice
	props   map[string]string
	message string
}

var annotationRe = regexp.MustCompile(`^::(error|warning|notice)(?: ([^:]*))?::(.*)$`)

func annotations(stdout string) []annotation {
	var as []annotation
	for _, line := range strings.Split(stdout, "\n") {
		m := annotationRe.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		a := annotation{level: m[1], props: map[string]string{}, message: unescapeData(m[3])}
		if m[2] != "" {
			for _, kv := range strings.Split(m[2], ",") {
				k, v, _ := strings.Cut(kv, "=")
				a.props[k] = unescapeProp(v)
			}
		}
		as = append(as, a)
	}
	return as
}

func unescapeData(s string) string {
	return strings.NewReplacer("%0D", "\r", "%0A", "\n", "%25", "%").Replace(s)
}

func unescapeProp(s string) string {
	return strings.NewReplacer("%3A", ":", "%2C", ",", "%0D", "\r", "%0A", "\n", "%25", "%").Replace(s)
}

// traceRuns makes every later use of the action run contracts through a
// wrapper that logs each command line, so a test can count the runs. It
// gives the runner a cache of its own holding the wrapper in place of the
// binary that res (an earlier use, which built or restored it) cached: the
// action restores the wrapper from then on, as it would any cached build.
// The returned function gives the command lines run since its last call.
func (r *runner) traceRuns(res actionResult) func() []string {
	t := r.t
	t.Helper()
	key := res.steps["key"]["key"]
	if key == "" {
		t.Fatalf("traceRuns: the earlier use computed no cache key; steps: %v", res.steps)
	}
	entry := filepath.Join(r.cache, key)
	if _, err := os.Stat(filepath.Join(entry, "contracts")); err != nil {
		t.Fatalf("traceRuns: nothing cached under %s: %v", key, err)
	}
	own := t.TempDir()
	copyTree(t, entry, filepath.Join(own, key))
	r.cache = own
	bin := filepath.Join(own, key, "contracts")
	real := filepath.Join(t.TempDir(), "contracts")
	if err := os.Rename(bin, real); err != nil {
		t.Fatal(err)
	}
	log := filepath.Join(t.TempDir(), "runs.log")
	wrapper := fmt.Sprintf("#!/bin/sh\nprintf '%%s\\n' \"$*\" >>%s\nexec %s \"$@\"\n", shellQuote(log), shellQuote(real))
	if err := os.WriteFile(bin, []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}
	seen := 0
	return func() []string {
		b, err := os.ReadFile(log)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
		if len(b) == 0 {
			lines = nil
		}
		runs := lines[seen:]
		seen = len(lines)
		return runs
	}
}
