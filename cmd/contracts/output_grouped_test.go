package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/contractgate/contracts/compat"
)

func TestWriteDiffFindingsGroupsLargeReports(t *testing.T) {
	finding := func(file string, line int, sev compat.Severity) compat.Finding {
		return compat.Finding{Rule: "FIELD_ADDED", Severity: sev, Message: fmt.Sprintf("Change at %d.", line),
			Location: compat.Location{File: file, Line: line, Column: 3}}
	}
	var fs []compat.Finding
	for i := 1; i <= groupedAbove; i++ {
		fs = append(fs, finding("new/a.proto", i, compat.Info))
	}
	var small strings.Builder
	writeDiffFindings(&small, fs)
	if got := strings.Count(small.String(), "new/a.proto:"); got != groupedAbove {
		t.Fatalf("%d findings: %d lines name the file, want one each", groupedAbove, got)
	}

	fs = append(fs, finding("new/b.proto", 7, compat.Breaking), compat.Finding{Rule: "FILE_ADDED", Severity: compat.Info, Message: "Somewhere.", Note: "why"})
	var b strings.Builder
	writeDiffFindings(&b, fs[len(fs)-1:]) // one finding, no file: flat
	if strings.Contains(b.String(), "(no file)") {
		t.Errorf("a small report was grouped:\n%s", b.String())
	}
	b.Reset()
	writeDiffFindings(&b, fs)
	out := b.String()
	for _, want := range []string{
		"new/a.proto (200 findings, 0 breaking)\n  1:3      info     FIELD_ADDED Change at 1.\n",
		"new/b.proto (1 finding, 1 breaking)\n  7:3      breaking FIELD_ADDED Change at 7.\n",
		"(no file) (1 finding, 0 breaking)\n           info     FILE_ADDED Somewhere. (why)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("grouped output lacks %q:\n%s", want, out[:min(len(out), 400)])
		}
	}
	if strings.Count(out, "new/a.proto") != 1 {
		t.Errorf("the file heading repeats")
	}
}
