// Package e2e holds the end-to-end tests of what a user meets first: the
// GitHub Action (action.yml, its steps run the way the Actions runner runs
// them), its metadata against the Action metadata schema, the example
// workflows, and the README's commands, executed so the tour cannot rot.
//
// The tests build cmd/contracts with `go build` into a temporary folder and
// run it as a user would, over a fresh embedded registry each.
package e2e
