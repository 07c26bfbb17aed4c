package proto

import (
	"context"

	"github.com/contractgate/contracts/compat"
	protoschema "github.com/contractgate/contracts/schemas/proto"
)

// Flow says who writes and who reads messages between OLD and NEW peers.
type Flow int

const (
	// FlowBoth (the default): peers built from OLD and NEW exchange messages
	// in both directions, as gRPC clients and servers do.
	FlowBoth Flow = iota
	// FlowNewWritesOldReads: a producer built from NEW writes, consumers
	// built from OLD read, as for events on a bus.
	FlowNewWritesOldReads
)

// Options tune Check.
type Options struct {
	// Level is the comparison level; callers always set it (the zero value
	// is compat.Wire, the CLI default is compat.JSON).
	Level compat.Level
	// Messages narrows the check to these message types and RPCs
	// ("pkg.Service.Method" or "/pkg.Service/Method") and everything they
	// reach; findings outside become compat.Info with a Note. Nil means all.
	Messages []string
	// Flow says which way messages travel.
	Flow Flow
}

// Rules is every protobuf rule, in one explicit list.
var Rules []compat.Rule

// Check compares old with new and reports every change.
func Check(ctx context.Context, old, new *protoschema.Set, opts Options) (*compat.Report, error) {
	return &compat.Report{}, nil
}
