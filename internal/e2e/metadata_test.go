package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

// actionSchema compiles testdata/action-metadata.schema.json, the Action
// metadata syntax as GitHub documents it.
func actionSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	path := filepath.Join(repoRoot, "testdata", "action-metadata.schema.json")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("action-metadata.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("action-metadata.schema.json")
	if err != nil {
		t.Fatalf("compiling %s: %v", path, err)
	}
	return sch
}

// yamlToJSONValue decodes YAML into the JSON data model the validator
// takes (going through encoding/json so numbers and maps have JSON types).
func yamlToJSONValue(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	j, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("the YAML has no JSON form: %v", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(j))
	if err != nil {
		t.Fatal(err)
	}
	return inst
}

// TestActionMetadata validates action.yml against the Action metadata
// schema, and checks the schema has teeth: mistakes GitHub rejects fail it.
func TestActionMetadata(t *testing.T) {
	sch := actionSchema(t)
	b, err := os.ReadFile(filepath.Join(repoRoot, "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(yamlToJSONValue(t, b)); err != nil {
		t.Fatalf("action.yml does not follow the Action metadata syntax:\n%v", err)
	}

	a := loadAction(t)
	for _, in := range []string{"command", "registry", "token", "service", "version", "environment", "working-directory", "args"} {
		if _, ok := a.Inputs[in]; !ok {
			t.Errorf("action.yml has no input %q", in)
		}
	}
	for _, out := range []string{"deployable", "report"} {
		if _, ok := a.Outputs[out]; !ok {
			t.Errorf("action.yml has no output %q", out)
		}
	}
	for _, st := range a.Runs.Steps {
		if strings.Contains(st.Run, "${{") {
			t.Errorf("step %q expands ${{ }} inside its script; pass values through env so inputs cannot inject shell", st.Name)
		}
	}

	broken := map[string]func(string) string{
		"no description": func(s string) string {
			return strings.Replace(s, "\ndescription:", "\nsummary:", 1)
		},
		"run step without shell": func(s string) string {
			return strings.Replace(s, "      shell: bash\n", "", 1)
		},
		"composite output without value": func(s string) string {
			return strings.Replace(s, "    value: ${{ steps.run.outputs.deployable }}\n", "", 1)
		},
		"unknown runtime": func(s string) string {
			return strings.Replace(s, "using: composite", "using: node8", 1)
		},
	}
	for name, mutate := range broken {
		m := mutate(string(b))
		if m == string(b) {
			t.Errorf("%s: the mutation no longer applies to action.yml; update the test", name)
			continue
		}
		if err := sch.Validate(yamlToJSONValue(t, []byte(m))); err == nil {
			t.Errorf("%s: the schema accepts it", name)
		}
	}
}

var commitSHA = regexp.MustCompile(`^[0-9a-f]{40}$`)

// TestExampleWorkflows checks that every use of the action in examples/
// passes inputs the action declares, with a command it knows.
func TestExampleWorkflows(t *testing.T) {
	a := loadAction(t)
	files, err := filepath.Glob(filepath.Join(repoRoot, "examples", "workflows", "*.yml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no example workflows in examples/workflows (%v)", err)
	}
	commands := map[string]bool{"verify": true, "can-i-deploy": true, "publish": true, "record-deployment": true, "diff": true}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var wf struct {
			On   any `yaml:"on"`
			Jobs map[string]struct {
				Steps []struct {
					Uses string            `yaml:"uses"`
					Run  string            `yaml:"run"`
					With map[string]string `yaml:"with"`
				} `yaml:"steps"`
			} `yaml:"jobs"`
		}
		if err := yaml.Unmarshal(b, &wf); err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
			continue
		}
		if wf.On == nil || len(wf.Jobs) == 0 {
			t.Errorf("%s: not a workflow (no on: or jobs:)", filepath.Base(f))
		}
		uses := 0
		for job, j := range wf.Jobs {
			for i, st := range j.Steps {
				ref, ok := strings.CutPrefix(st.Uses, "contractgate/contracts@")
				if !ok {
					continue
				}
				uses++
				// There are no release tags yet: a tag such as @v1 does not
				// resolve. The branch, or a commit as the README says.
				if ref != "main" && !commitSHA.MatchString(ref) {
					t.Errorf("%s: job %s step %d: contractgate/contracts@%s: use @main or pin a full commit SHA (the repository has no tags)", filepath.Base(f), job, i+1, ref)
				}
				for k := range st.With {
					if _, ok := a.Inputs[k]; !ok {
						t.Errorf("%s: job %s step %d: input %q is not declared in action.yml", filepath.Base(f), job, i+1, k)
					}
				}
				if !commands[st.With["command"]] {
					t.Errorf("%s: job %s step %d: command %q is not one the action runs", filepath.Base(f), job, i+1, st.With["command"])
				}
			}
		}
		if uses == 0 {
			t.Errorf("%s does not use the action", filepath.Base(f))
		}
	}
}

// TestActionGoVersion keeps the Go the action builds with in step with
// go.mod: the newest patch of the minor release go.mod's go line names
// (that line is the oldest Go that builds contracts, so that a 1.26.x
// toolchain never has to download another one; the action wants the newest
// patch for its fixes).
func TestActionGoVersion(t *testing.T) {
	mod, err := os.ReadFile(filepath.Join(repoRoot, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	goLine := ""
	for _, line := range strings.Split(string(mod), "\n") {
		if v, ok := strings.CutPrefix(line, "go "); ok {
			goLine = strings.TrimSpace(v)
		}
		if strings.HasPrefix(line, "toolchain ") {
			t.Errorf("go.mod has a toolchain line (%q): it makes older toolchains of the same minor download that one", line)
		}
	}
	parts := strings.Split(goLine, ".")
	if len(parts) != 3 || parts[2] != "0" {
		t.Fatalf("go.mod's go line is %q; want the .0 release of the oldest minor that builds contracts (a later patch makes older toolchains download it)", goLine)
	}
	want := parts[0] + "." + parts[1] + ".x"
	found := false
	for _, st := range loadAction(t).Runs.Steps {
		if strings.HasPrefix(st.Uses, "actions/setup-go@") {
			found = true
			if got := st.With["go-version"]; got != want {
				t.Errorf("action.yml sets up Go %q; go.mod says go %s, so it should be %q", got, goLine, want)
			}
		}
	}
	if !found {
		t.Errorf("action.yml has no actions/setup-go step")
	}
}
