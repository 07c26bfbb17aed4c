package gate

import (
	"github.com/contractgate/contracts/compat"
	"github.com/contractgate/contracts/registry"
)

// Party is one side of a check: a service version.
type Party struct {
	Service string `json:"service"`
	Version string `json:"version"`
}

func (p Party) String() string { return p.Service + " " + p.Version }

// Verdict is the outcome of one check.
type Verdict string

// The verdicts.
const (
	VerdictOK       Verdict = "ok"
	VerdictRefused  Verdict = "refused"
	VerdictApproved Verdict = "approved" // breaking, but every break is approved
)

// Direction says which side of a check the candidate is on.
type Direction string

// The directions.
const (
	// AsProvider: the candidate provides the contract to a live consumer.
	AsProvider Direction = "provides-to"
	// AsConsumer: the candidate consumes the contract from a live provider.
	AsConsumer Direction = "consumes-from"
)

// Check is one counterpart checked: a contract between the candidate and a
// live (or co-deployed) service version, in one direction.
type Check struct {
	Contract    string        `json:"contract"`
	Kind        registry.Kind `json:"kind,omitempty"`
	Direction   Direction     `json:"direction"`
	Candidate   Party         `json:"candidate"`
	Counterpart Party         `json:"counterpart"`
	Provider    Party         `json:"provider"`
	Consumer    Party         `json:"consumer"`
	CoDeployed  bool          `json:"coDeployed,omitempty"`
	ReliesOn    string        `json:"reliesOn"`
	// Observed marks a consumer known only from the calls traces showed
	// it making: it declares no consumption of the contract.
	Observed bool `json:"observed,omitempty"`
	// Retained marks a check against a producer version no longer live
	// whose messages the topic still keeps (the contract's retention).
	Retained bool             `json:"retained,omitempty"`
	Verdict  Verdict          `json:"verdict"`
	Reason   string           `json:"reason,omitempty"`
	Findings []compat.Finding `json:"findings"`
}

// Change is what changed in a contract the candidate provides, compared
// with one baseline (a live version of it, or the highest lower published
// version when none is live), whoever relies on it.
type Change struct {
	Contract string `json:"contract"`
	From     Party  `json:"from"`
	To       Party  `json:"to"`
	// Baseline says why From was compared: "live" or "published".
	Baseline string `json:"baseline"`
	// Bump is what the changes call for, from the comparison alone (and
	// major when a live consumer is refused for them).
	Bump string `json:"bump"`
	// Rollback is set when To is older than From: the deploy goes back.
	Rollback bool `json:"rollback,omitempty"`
	// Semver says whether the version numbers admit the changes, when both
	// are semver, or that the deploy is a rollback.
	Semver   string           `json:"semver,omitempty"`
	Findings []compat.Finding `json:"findings"`
}

// Decision is the gate's answer.
type Decision struct {
	Env        string              `json:"env"`
	Candidates []Party             `json:"candidates"`
	Deployable bool                `json:"deployable"`
	Checks     []Check             `json:"checks"`
	Changes    []Change            `json:"changes,omitempty"`
	Approvals  []registry.Approval `json:"approvals,omitempty"`
	// Notes are facts worth knowing that do not block (nothing consumes a
	// contract, …).
	Notes []string `json:"notes,omitempty"`
}

// Refusals returns the refused checks.
func (d *Decision) Refusals() []Check {
	var out []Check
	for _, c := range d.Checks {
		if c.Verdict == VerdictRefused {
			out = append(out, c)
		}
	}
	return out
}

// Candidate is a service version to deploy: published (Blobs nil), or an
// unpublished working copy whose documents are in Blobs.
type Candidate struct {
	Version *registry.Version
	Blobs   map[string][]byte
	// Display prefixes the candidate's document paths in findings: the
	// working copy's folder, or "" for a published version.
	Display string
}
