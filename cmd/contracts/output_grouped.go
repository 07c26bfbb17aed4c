package main

import (
	"fmt"
	"io"

	"github.com/contractgate/contracts/compat"
)

// groupedAbove is the number of findings past which diff's text output
// lists them under one heading per file: a large tree (googleapis diffs
// into thousands of findings) is read file by file, and repeating a long
// path on every line hides what changed.
const groupedAbove = 200

// writeDiffFindings prints findings one a line, grouped by file when there
// are more than groupedAbove.
func writeDiffFindings(w io.Writer, fs []compat.Finding) {
	if len(fs) <= groupedAbove {
		writeFindingsText(w, "", fs)
		return
	}
	writeFindingsGrouped(w, fs)
}

// writeFindingsGrouped prints a heading per file, "file (N findings, M
// breaking)", then its findings as "  line:col severity RULE message", in
// the report's order (findings are sorted by file first).
func writeFindingsGrouped(w io.Writer, fs []compat.Finding) {
	for start := 0; start < len(fs); {
		file := fs[start].Location.File
		end := start
		breaking := 0
		for end < len(fs) && fs[end].Location.File == file {
			if fs[end].Severity == compat.Breaking {
				breaking++
			}
			end++
		}
		heading := file
		if heading == "" {
			heading = "(no file)"
		}
		fmt.Fprintf(w, "%s (%s, %d breaking)\n", heading, plural(end-start, "finding"), breaking)
		for _, f := range fs[start:end] {
			at := ""
			if f.Location.Line > 0 {
				at = fmt.Sprintf("%d:%d", f.Location.Line, f.Location.Column)
			}
			fmt.Fprintf(w, "  %-8s %-8s %s %s", at, f.Severity, f.Rule, f.Message)
			if f.Note != "" {
				fmt.Fprintf(w, " (%s)", f.Note)
			}
			fmt.Fprintln(w)
		}
		start = end
	}
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
