package gate

import "github.com/contractgate/contracts/compat"

// The gate's own rules: what only a registry can see, beyond what comparing
// two documents says.
const (
	RuleProviderNotLive     = "GATE_PROVIDER_NOT_LIVE"
	RuleContractUnknown     = "GATE_CONTRACT_UNKNOWN"
	RuleOperationMissing    = "GATE_OPERATION_NOT_OFFERED"
	RuleMessageMissing      = "GATE_MESSAGE_NOT_OFFERED"
	RuleContractDropped     = "GATE_CONTRACT_DROPPED"
	RuleSemverBreakInMinor  = "GATE_SEMVER_BREAKING_IN_MINOR"
	RuleContractKindChanged = "GATE_CONTRACT_KIND_CHANGED"
)

// Rules is the gate's explicit rule list.
var Rules = []compat.Rule{
	{ID: RuleProviderNotLive, Severity: compat.Breaking,
		Doc: "A version consumes a contract whose provider has no version live in the environment, so its calls or reads would find nobody to answer them."},
	{ID: RuleContractUnknown, Severity: compat.Breaking,
		Doc: "A version consumes a contract that no service has ever published, so nothing can satisfy it."},
	{ID: RuleOperationMissing, Severity: compat.Breaking,
		Doc: "A consumer uses an HTTP operation or RPC that the provider version does not offer, so those calls fail."},
	{ID: RuleMessageMissing, Severity: compat.Breaking,
		Doc: "A consumer reads a message type that the producer version does not define, so that reader gets no more such messages it can decode."},
	{ID: RuleContractDropped, Severity: compat.Breaking,
		Doc: "A provider version no longer provides a contract that live consumers rely on, so all of their use of it breaks."},
	{ID: RuleContractKindChanged, Severity: compat.Breaking,
		Doc: "A contract changes kind (OpenAPI to protobuf or back), so every consumer built for the old kind stops understanding it."},
	{ID: RuleSemverBreakInMinor, Severity: compat.Warning,
		Doc: "A provided contract has breaking changes in a version whose semver number is not a major bump, which misleads everyone who reads versions."},
}
