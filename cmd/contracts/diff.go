package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/contractgate/contracts/compat"
	oacheck "github.com/contractgate/contracts/compat/openapi"
	protocheck "github.com/contractgate/contracts/compat/proto"
	"github.com/contractgate/contracts/internal/budget"
	oaschema "github.com/contractgate/contracts/schemas/openapi"
	protoschema "github.com/contractgate/contracts/schemas/proto"
)

type diffFlags struct {
	failOn         string
	level          string
	messages       []string
	suggestVersion string
	tolerate       []string
	maxMemory      string
}

func newDiffCmd(g *globals) *cobra.Command {
	f := &diffFlags{}
	cmd := &cobra.Command{
		Use:   "diff OLD NEW",
		Short: "Compare two versions of a contract; no registry needed",
		Long: `diff decides whether NEW can replace OLD without breaking a client or reader
that works against OLD, and lists every change: breaking ones, warnings, and
compatible ones as info, so the output doubles as a changelog.

OLD and NEW are either two OpenAPI 3.0/3.1 or Swagger 2.0 documents (YAML or
JSON; files they $ref must sit beside them), or two folders of .proto files
(each folder is the import root; well-known types resolve on their own).

--tolerate CLASS reports the response changes of that class as info, for a
reader that copes with them: new-enum-values, new-variants (oneOf/anyOf
alternatives, discriminator values) or wider-bounds (values past an old
minimum, maximum, length, count, pattern or format). Repeatable.

A comparison that would need more memory than --max-memory (env
CONTRACTS_MAX_MEMORY, default 4GiB) stops with exit status 3 and says so,
rather than swapping the machine; so does one interrupted by Ctrl-C or
SIGTERM.

Exit status: 0 compatible, 1 breaking (or at least --fail-on), 2 bad input,
3 out of memory budget, interrupted or internal failure.`,
		Example: `  contracts diff old/openapi.yaml new/openapi.yaml
  contracts diff --level wire old/proto new/proto
  contracts diff --message orders.v1.OrderPlaced old/proto new/proto
  contracts diff --suggest-version 1.4.2 v1.yaml v2.yaml
  contracts diff --tolerate new-enum-values old.yaml new.yaml
  contracts diff --max-memory 1GiB old.yaml new.yaml
  contracts diff -o github old.yaml new.yaml   # annotations + job summary`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) != 2 {
				return usageErrorf("diff takes two arguments, OLD and NEW (got %d)\nRun 'contracts diff --help' for usage.", len(args))
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			return runDiff(c, g, f, args[0], args[1])
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.failOn, "fail-on", "breaking", "lowest severity that makes the exit status 1: breaking or warning")
	fl.StringVar(&f.level, "level", "json", "protobuf check level: wire, json or source")
	fl.StringSliceVar(&f.messages, "message", nil, "protobuf: narrow the check to these message types or RPCs (pkg.Type, pkg.Service.Method) and what they reach; repeatable")
	fl.StringVar(&f.suggestVersion, "suggest-version", "", "print the semver version that should follow CURRENT given the changes")
	fl.StringArrayVar(&f.tolerate, "tolerate", nil, "report response changes of this class as info: new-enum-values, new-variants or wider-bounds; repeatable")
	fl.StringVar(&f.maxMemory, "max-memory", "", "stop with exit status 3 when the comparison needs more memory than this (e.g. 4GiB, 512MiB; 0 for no limit); default $CONTRACTS_MAX_MEMORY or 4GiB")
	return cmd
}

func runDiff(c *cobra.Command, g *globals, f *diffFlags, oldPath, newPath string) error {
	if err := g.checkOutput("text", "json", "markdown", "github"); err != nil {
		return err
	}
	failOn, err := compat.ParseSeverity(f.failOn)
	if err != nil || failOn == compat.Info {
		return usageErrorf("--fail-on %q: use breaking or warning", f.failOn)
	}
	level, err := compat.ParseLevel(f.level)
	if err != nil {
		return usageErrorf("--level: %v", err)
	}
	if f.suggestVersion != "" {
		if _, err := compat.NextVersion(f.suggestVersion, compat.Patch); err != nil {
			return usageErrorf("--suggest-version: %v", err)
		}
	}
	var classes []compat.Tolerance
	for _, t := range f.tolerate {
		class, err := compat.ParseTolerance(t)
		if err != nil {
			return usageErrorf("--tolerate: %v", err)
		}
		classes = append(classes, class)
	}
	limit, err := memoryLimit(f.maxMemory)
	if err != nil {
		return err
	}
	oldDir, err := isDir(oldPath)
	if err != nil {
		return err
	}
	newDir, err := isDir(newPath)
	if err != nil {
		return err
	}
	var report *compat.Report
	ctx, stop := budget.Watch(c.Context(), limit, "raise --max-memory or CONTRACTS_MAX_MEMORY")
	defer stop()
	done := make(chan struct{})
	defer close(done)
	// A step that cannot stop (one large YAML parse) must neither outlive an
	// interrupt by more than a moment nor outgrow the budget.
	go exitAfterGrace(ctx, done)
	switch {
	case oldDir && newDir:
		report, err = diffProto(ctx, oldPath, newPath, protocheck.Options{Level: level, Messages: f.messages})
	case !oldDir && !newDir:
		if c.Flags().Changed("message") {
			return usageErrorf("--message applies to protobuf folders, not OpenAPI documents")
		}
		report, err = diffOpenAPI(ctx, oldPath, newPath)
	default:
		return usageErrorf("OLD and NEW must both be documents (OpenAPI) or both be folders (protobuf); %s is a %s and %s is a %s",
			oldPath, kindWord(oldDir), newPath, kindWord(newDir))
	}
	if err != nil {
		if cause := context.Cause(ctx); cause != nil && !compat.IsInput(err) {
			return &exitError{code: exitUnavailable, err: cause}
		}
		return err
	}
	report = report.Tolerate(classes, "")
	report.Old, report.New = oldPath, newPath
	report.Sort()

	var next string
	if f.suggestVersion != "" {
		next, _ = compat.NextVersion(f.suggestVersion, report.Bump())
	}
	if err := printDiff(stdout(c), g.output, report, f.suggestVersion, next); err != nil {
		return err
	}
	if report.Max() >= failOn && len(report.Findings) > 0 {
		return verdictNo
	}
	return nil
}

// memoryLimit is the comparison's memory budget: the flag, else
// CONTRACTS_MAX_MEMORY, else budget.DefaultProcess.
func memoryLimit(flag string) (uint64, error) {
	name, v := "--max-memory", flag
	if v == "" {
		name, v = "CONTRACTS_MAX_MEMORY", os.Getenv("CONTRACTS_MAX_MEMORY")
	}
	if v == "" {
		return budget.DefaultProcess, nil
	}
	n, err := budget.ParseSize(v)
	if err != nil {
		return 0, usageErrorf("%s: %v", name, err)
	}
	return n, nil
}

func kindWord(dir bool) string {
	if dir {
		return "folder"
	}
	return "file"
}

func isDir(path string) (bool, error) {
	st, err := os.Stat(path)
	if err != nil {
		if os.IsNotExist(err) {
			return false, &compat.InputError{Location: compat.Location{File: path}, Msg: "no such file or folder"}
		}
		return false, &compat.InputError{Location: compat.Location{File: path}, Msg: "cannot read it", Err: err}
	}
	return st.IsDir(), nil
}

// diffOpenAPI loads both documents at once (loading dominates on large
// APIs) and compares them.
func diffOpenAPI(ctx context.Context, oldPath, newPath string) (*compat.Report, error) {
	if sameFile(oldPath, newPath) {
		// A document compared with itself (a CI check on an unchanged
		// branch) is loaded once: the same file is the same document.
		doc, err := oaschema.LoadFile(ctx, oldPath)
		if err != nil {
			return nil, err
		}
		return oacheck.Check(ctx, doc, doc)
	}
	var oldDoc, newDoc *oaschema.Document
	grp, gctx := errgroup.WithContext(ctx)
	grp.Go(func() (err error) { oldDoc, err = oaschema.LoadFile(gctx, oldPath); return err })
	grp.Go(func() (err error) { newDoc, err = oaschema.LoadFile(gctx, newPath); return err })
	if err := grp.Wait(); err != nil {
		return nil, err
	}
	return oacheck.Check(ctx, oldDoc, newDoc)
}

// sameFile reports whether two paths name one file.
func sameFile(a, b string) bool {
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}

func diffProto(ctx context.Context, oldDir, newDir string, opts protocheck.Options) (*compat.Report, error) {
	var oldSet, newSet *protoschema.Set
	grp, gctx := errgroup.WithContext(ctx)
	grp.Go(func() (err error) { oldSet, err = protoschema.CompileDir(gctx, oldDir); return err })
	grp.Go(func() (err error) { newSet, err = protoschema.CompileDir(gctx, newDir); return err })
	if err := grp.Wait(); err != nil {
		return nil, err
	}
	for _, m := range opts.Messages {
		if !oldSet.HasMessage(m) && !oldSet.HasMethod(m) && !newSet.HasMessage(m) && !newSet.HasMethod(m) {
			return nil, usageErrorf("--message %s: neither %s nor %s defines such a message type or RPC (use full names: pkg.Type, pkg.Service.Method)", m, oldDir, newDir)
		}
	}
	return protocheck.Check(ctx, oldSet, newSet, opts)
}

// diffResult is the JSON form of a diff.
type diffResult struct {
	Old              string           `json:"old"`
	New              string           `json:"new"`
	Findings         []compat.Finding `json:"findings"`
	Compatible       bool             `json:"compatible"`
	Bump             string           `json:"bump"`
	CurrentVersion   string           `json:"currentVersion,omitempty"`
	SuggestedVersion string           `json:"suggestedVersion,omitempty"`
}

func printDiff(w io.Writer, format string, r *compat.Report, current, next string) error {
	switch format {
	case "json":
		findings := r.Findings
		if findings == nil {
			findings = []compat.Finding{}
		}
		return writeJSON(w, diffResult{Old: r.Old, New: r.New, Findings: findings, Compatible: !r.Breaking(), Bump: r.Bump().String(), CurrentVersion: current, SuggestedVersion: next})
	case "markdown":
		_, err := io.WriteString(w, diffMarkdown(r, current, next))
		return err
	case "github":
		writeAnnotations(w, r.Findings, "contracts: ")
		writeDiffFindings(w, r.Findings)
		fmt.Fprintln(w, diffSummary(r))
		return appendStepSummary(diffMarkdown(r, current, next))
	}
	writeDiffFindings(w, r.Findings)
	fmt.Fprintln(w, diffSummary(r))
	if next != "" {
		fmt.Fprintf(w, "suggested version: %s (a %s bump from %s)\n", next, r.Bump(), current)
	}
	return nil
}

func diffSummary(r *compat.Report) string {
	verdict := "compatible"
	if r.Breaking() {
		verdict = "BREAKING"
	}
	return fmt.Sprintf("%s → %s: %s (%d breaking, %d warning, %d info)", r.Old, r.New, verdict,
		r.Count(compat.Breaking), r.Count(compat.Warning), r.Count(compat.Info))
}

func diffMarkdown(r *compat.Report, current, next string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### contracts diff: %s → %s\n\n", r.Old, r.New)
	if r.Breaking() {
		fmt.Fprintf(&b, "**Breaking**: %s would break clients of the old version.\n\n", plural(r.Count(compat.Breaking), "breaking change"))
	} else {
		b.WriteString("**Compatible**: no client of the old version breaks.\n\n")
	}
	writeFindingsMarkdown(&b, r.Findings)
	if next != "" {
		fmt.Fprintf(&b, "\nSuggested version: `%s` (a %s bump from `%s`).\n", next, r.Bump(), current)
	}
	b.WriteString("\n")
	return b.String()
}
