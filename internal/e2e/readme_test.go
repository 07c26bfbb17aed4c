package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// readmeBlock is a fenced shell block of README.md marked for testing by a
// `<!-- test: NAME -->` line right before it.
type readmeBlock struct {
	name  string
	lines []readmeLine
}

// readmeLine is one command with what the README promises about it, written
// as a trailing comment a reader can follow: `# exit 1: prints "shipping"`.
// Without `exit N` the command must succeed.
type readmeLine struct {
	n      int // line number in README.md
	cmd    string
	exit   int
	prints []string
}

var (
	markerRe = regexp.MustCompile(`^<!--\s*test:\s*([a-z0-9-]+)\s*-->$`)
	exitRe   = regexp.MustCompile(`#.*\bexit (\d+)`)
	printsRe = regexp.MustCompile(`prints "([^"]*)"`)
)

func readmeBlocks(t *testing.T) []readmeBlock {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var blocks []readmeBlock
	var cur *readmeBlock
	pending := ""
	inFence := false
	sc := bufio.NewScanner(bytes.NewReader(b))
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		switch {
		case cur == nil && !inFence && markerRe.MatchString(line):
			pending = markerRe.FindStringSubmatch(line)[1]
		case strings.HasPrefix(line, "```") && !inFence:
			inFence = true
			if pending != "" {
				if lang := strings.TrimPrefix(line, "```"); lang != "sh" && lang != "bash" {
					t.Fatalf("README.md:%d: the block marked test: %s is %q, not sh", n, pending, lang)
				}
				blocks = append(blocks, readmeBlock{name: pending})
				cur = &blocks[len(blocks)-1]
				pending = ""
			}
		case strings.HasPrefix(line, "```") && inFence:
			inFence, cur = false, nil
		case cur != nil:
			trimmed := strings.TrimSpace(line)
			if trimmed == "" || strings.HasPrefix(trimmed, "#") {
				continue
			}
			if k := len(cur.lines); k > 0 && strings.HasSuffix(cur.lines[k-1].cmd, "\\") {
				cur.lines[k-1].cmd += "\n" + line
				continue
			}
			l := readmeLine{n: n, cmd: line}
			if m := exitRe.FindStringSubmatch(line); m != nil {
				l.exit, _ = strconv.Atoi(m[1])
			}
			if i := strings.Index(line, "#"); i >= 0 {
				for _, m := range printsRe.FindAllStringSubmatch(line[i:], -1) {
					l.prints = append(l.prints, m[1])
				}
			}
			cur.lines = append(cur.lines, l)
		case line != "" && pending != "":
			t.Fatalf("README.md:%d: a test: %s marker not followed by a fenced block", n, pending)
		}
	}
	return blocks
}

// script turns the marked blocks into one bash script that runs every
// command in order, in one shell (so exports carry on), and stops at the
// first command whose exit status or output is not what the README says.
func readmeScript(blocks []readmeBlock) string {
	var b strings.Builder
	b.WriteString("set -u\nout=$(mktemp)\n")
	for _, blk := range blocks {
		for _, l := range blk.lines {
			fmt.Fprintf(&b, "printf '%%s\\n' %s\n", shellQuote("$ "+l.cmd))
			fmt.Fprintf(&b, "{\n%s\n} >\"$out\" 2>&1\nst=$?\ncat \"$out\"\n", l.cmd)
			fmt.Fprintf(&b, "if [ \"$st\" != %d ]; then echo \"README.md:%d (%s): exit status $st, the README says %d\"; exit 100; fi\n", l.exit, l.n, blk.name, l.exit)
			for _, p := range l.prints {
				fmt.Fprintf(&b, "if ! grep -qF -- %s \"$out\"; then echo %s; exit 100; fi\n",
					shellQuote(p), shellQuote(fmt.Sprintf("README.md:%d (%s): the output lacks %q, which the README promises", l.n, blk.name, p)))
			}
		}
	}
	return b.String()
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// TestReadme runs the README's quickstart and tour with the built contracts
// on PATH, in a fresh folder holding copies of the files they use, with a
// fresh registry; each command must exit as the README says and print what
// it promises.
func TestReadme(t *testing.T) {
	blocks := readmeBlocks(t)
	names := map[string]bool{}
	for _, blk := range blocks {
		names[blk.name] = true
		if len(blk.lines) == 0 {
			t.Errorf("the README block test: %s has no commands", blk.name)
		}
	}
	for _, want := range []string{"quickstart", "tour"} {
		if !names[want] {
			t.Fatalf("README.md has no block marked <!-- test: %s -->", want)
		}
	}
	if first := blocks[0].lines[0].cmd; !strings.HasPrefix(first, "contracts ") {
		t.Errorf("the README's first tested command should run contracts on shipped files; it is %q", first)
	}
	requireVerbs(t, "diff", "publish", "record-deployment", "can-i-deploy", "verify", "who-uses", "graph")
	bin := contractsBin(t)

	dir := t.TempDir()
	copyTree(t, filepath.Join(repoRoot, "testdata", "examples"), filepath.Join(dir, "testdata", "examples"))
	copyTree(t, filepath.Join(repoRoot, "examples"), filepath.Join(dir, "examples"))
	script := filepath.Join(t.TempDir(), "readme.sh")
	if err := os.WriteFile(script, []byte(readmeScript(blocks)), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", "--noprofile", "--norc", script)
	cmd.Dir = dir
	cmd.Env = cleanEnv(
		"PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"HOME="+filepath.Join(dir, ".home"),
		"XDG_DATA_HOME="+filepath.Join(dir, ".data"),
	)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the README's commands do not do what it says (%v):\n%s", err, out)
	}
	t.Logf("%s", out)
}
