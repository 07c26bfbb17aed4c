package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/contractgate/contracts/compat"
	"github.com/contractgate/contracts/gate"
)

// newReportCmd is the hidden command the GitHub Action renders with. The
// action runs a gate command (or diff) once, with --output json, and keeps
// that file as its report; this command prints the saved report as the
// command itself would have in another format, through the same renderers
// (printDecision, printDiff). So the annotations, the job summary and the
// JSON come from one run: the registry is asked once, an error is printed
// once, and the summary holds one "What to do".
func newReportCmd(g *globals) *cobra.Command {
	var from, command string
	cmd := &cobra.Command{
		Use:   "report --command verify|can-i-deploy|diff --from FILE",
		Short: "Print the saved JSON report of a command in another output format",
		Long: `report reads the JSON that 'contracts verify', 'can-i-deploy' or 'diff' wrote
with --output json and prints it as that command prints --output text,
markdown or github (github also appends the markdown report to
$GITHUB_STEP_SUMMARY). It reads nothing else: no registry, no documents.
The exit status is 0 when the report was printed, whatever its answer, and
2 when FILE is not a JSON report of that command.`,
		Example: `  contracts can-i-deploy --service orders --version 2.0.0 --to production -o json >report.json
  contracts report --command can-i-deploy --from report.json -o github`,
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := g.checkOutput("text", "json", "markdown", "github"); err != nil {
				return err
			}
			if from == "" {
				return usageErrorf("--from FILE is required: the JSON report to print")
			}
			b, err := os.ReadFile(from)
			if err != nil {
				return usageErrorf("--from: %v", err)
			}
			switch command {
			case "verify", "can-i-deploy":
				var d gate.Decision
				if err := decodeReport(b, &d); err != nil {
					return usageErrorf("%s is not a JSON report of contracts %s: %v", from, command, err)
				}
				return printDecision(stdout(c), g.output, command, &d)
			case "diff":
				var r diffResult
				if err := decodeReport(b, &r); err != nil {
					return usageErrorf("%s is not a JSON report of contracts diff: %v", from, err)
				}
				report := &compat.Report{Old: r.Old, New: r.New, Findings: r.Findings}
				return printDiff(stdout(c), g.output, report, r.CurrentVersion, r.SuggestedVersion)
			case "":
				return usageErrorf("--command is required: verify, can-i-deploy or diff, the command that wrote the report")
			}
			return usageErrorf("--command %q: use verify, can-i-deploy or diff", command)
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "the JSON report (--output json) to print")
	cmd.Flags().StringVar(&command, "command", "", "the command that wrote it: verify, can-i-deploy or diff")
	return cmd
}

// decodeReport decodes one JSON value into v, refusing fields v does not
// have: a diff report read as a gate decision (or the other way round) is
// an error, not an empty answer.
func decodeReport(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("more than one JSON value")
	}
	return nil
}
