package proto

import (
	"sort"

	"github.com/bufbuild/protocompile/linker"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/contractgate/contracts/compat"
	protoschema "github.com/contractgate/contracts/schemas/proto"
)

// side indexes one version (OLD or NEW) of the proto files by full name, and
// holds its reverse reference graph for Affects.
type side struct {
	set        *protoschema.Set
	files      map[string]linker.File
	fileOrder  []string
	messages   map[protoreflect.FullName]protoreflect.MessageDescriptor
	msgOrder   []protoreflect.FullName
	enums      map[protoreflect.FullName]protoreflect.EnumDescriptor
	enumOrder  []protoreflect.FullName
	services   map[protoreflect.FullName]protoreflect.ServiceDescriptor
	svcOrder   []protoreflect.FullName
	extensions map[protoreflect.FullName]protoreflect.ExtensionDescriptor
	extOrder   []protoreflect.FullName

	// rev maps a type to the messages and methods that refer to it
	// directly: a message through a field, a method through its request or
	// response type.
	rev map[protoreflect.FullName][]revEdge
	// isMethod marks the method names among the nodes of rev.
	isMethod map[protoreflect.FullName]bool
	// mapEntry marks synthetic map entry messages, never listed in Affects.
	mapEntry map[protoreflect.FullName]bool
	// reached caches reach.
	reached map[protoreflect.FullName][]reached
	// inRequest marks the messages some RPC request carries, worked out
	// once by requestTypes.
	inRequest map[protoreflect.FullName]bool
}

// revEdge is one reference to a type: from a message's field (part "") or
// from a method's request or response (part "request" or "response").
type revEdge struct {
	from protoreflect.FullName
	part string
}

// reached is a scope a type's closure is part of: a message type (part "")
// or an RPC through its request or response.
type reached struct {
	scope string
	part  string
}

// newSide indexes the set's own files (not the standard imports they use).
func newSide(set *protoschema.Set) *side {
	s := &side{
		set:        set,
		files:      map[string]linker.File{},
		messages:   map[protoreflect.FullName]protoreflect.MessageDescriptor{},
		enums:      map[protoreflect.FullName]protoreflect.EnumDescriptor{},
		services:   map[protoreflect.FullName]protoreflect.ServiceDescriptor{},
		extensions: map[protoreflect.FullName]protoreflect.ExtensionDescriptor{},
		rev:        map[protoreflect.FullName][]revEdge{},
		isMethod:   map[protoreflect.FullName]bool{},
		mapEntry:   map[protoreflect.FullName]bool{},
		reached:    map[protoreflect.FullName][]reached{},
	}
	for _, f := range set.Files {
		s.files[f.Path()] = f
		s.fileOrder = append(s.fileOrder, f.Path())
		s.addEnums(f.Enums())
		s.addExtensions(f.Extensions())
		s.addMessages(f.Messages())
		for i := 0; i < f.Services().Len(); i++ {
			svc := f.Services().Get(i)
			s.services[svc.FullName()] = svc
			s.svcOrder = append(s.svcOrder, svc.FullName())
			for j := 0; j < svc.Methods().Len(); j++ {
				m := svc.Methods().Get(j)
				s.isMethod[m.FullName()] = true
				s.edge(m.Input().FullName(), m.FullName(), partRequest)
				s.edge(m.Output().FullName(), m.FullName(), partResponse)
			}
		}
	}
	return s
}

func (s *side) addMessages(ms protoreflect.MessageDescriptors) {
	for i := 0; i < ms.Len(); i++ {
		m := ms.Get(i)
		if m.IsMapEntry() {
			s.mapEntry[m.FullName()] = true
		} else {
			s.messages[m.FullName()] = m
			s.msgOrder = append(s.msgOrder, m.FullName())
		}
		for j := 0; j < m.Fields().Len(); j++ {
			s.fieldEdges(m.FullName(), m.Fields().Get(j))
		}
		s.addEnums(m.Enums())
		s.addExtensions(m.Extensions())
		s.addMessages(m.Messages())
	}
}

func (s *side) addEnums(es protoreflect.EnumDescriptors) {
	for i := 0; i < es.Len(); i++ {
		e := es.Get(i)
		s.enums[e.FullName()] = e
		s.enumOrder = append(s.enumOrder, e.FullName())
	}
}

func (s *side) addExtensions(xs protoreflect.ExtensionDescriptors) {
	for i := 0; i < xs.Len(); i++ {
		x := xs.Get(i)
		s.extensions[x.FullName()] = x
		s.extOrder = append(s.extOrder, x.FullName())
		// The extended message carries the extension's value.
		s.fieldEdges(x.ContainingMessage().FullName(), x)
	}
}

// fieldEdges records that from carries the type of field f.
func (s *side) fieldEdges(from protoreflect.FullName, f protoreflect.FieldDescriptor) {
	if m := f.Message(); m != nil {
		s.edge(m.FullName(), from, "")
	}
	if e := f.Enum(); e != nil {
		s.edge(e.FullName(), from, "")
	}
}

// The parts of an RPC a type is reached through.
const (
	partRequest  = "request"
	partResponse = "response"
)

func (s *side) edge(to, from protoreflect.FullName, part string) {
	s.rev[to] = append(s.rev[to], revEdge{from: from, part: part})
}

// reach returns, sorted, every message type and every RPC part (request
// or response) whose transitive closure contains the type name: the type
// itself when it is a message, a message of an imported file (a
// well-known type) even though this side does not index it, and an enum
// that nothing carries.
func (s *side) reach(name protoreflect.FullName) []reached {
	if r, ok := s.reached[name]; ok {
		return r
	}
	seen := map[protoreflect.FullName]bool{name: true}
	queue := []protoreflect.FullName{name}
	var out []reached
	if _, isMsg := s.messages[name]; isMsg || (!s.mapEntry[name] && !s.isMethod[name] && s.enums[name] == nil) {
		out = append(out, reached{scope: string(name)})
	}
	rpcSeen := map[reached]bool{}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, edge := range s.rev[n] {
			if edge.part != "" {
				r := reached{scope: string(edge.from), part: edge.part}
				if !rpcSeen[r] {
					rpcSeen[r] = true
					out = append(out, r)
				}
				continue
			}
			if seen[edge.from] {
				continue
			}
			seen[edge.from] = true
			queue = append(queue, edge.from)
			if _, isMsg := s.messages[edge.from]; isMsg {
				out = append(out, reached{scope: string(edge.from)})
			}
		}
	}
	if len(out) == 0 && s.enums[name] != nil {
		// An enum no message or RPC carries is a scope of its own, so a
		// change to it still names something a query can find.
		out = append(out, reached{scope: string(name)})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].scope != out[j].scope {
			return out[i].scope < out[j].scope
		}
		return out[i].part < out[j].part
	})
	s.reached[name] = out
	return out
}

// requestTypes returns the messages of this side that some RPC's request
// carries: the request types and every message their fields (map values
// and extensions included) lead to.
func (s *side) requestTypes() map[protoreflect.FullName]bool {
	if s.inRequest != nil {
		return s.inRequest
	}
	exts := map[protoreflect.FullName][]protoreflect.ExtensionDescriptor{}
	for _, name := range s.extOrder {
		x := s.extensions[name]
		exts[x.ContainingMessage().FullName()] = append(exts[x.ContainingMessage().FullName()], x)
	}
	seen := map[protoreflect.FullName]bool{}
	var queue []protoreflect.MessageDescriptor
	push := func(m protoreflect.MessageDescriptor) {
		if m != nil && !seen[m.FullName()] {
			seen[m.FullName()] = true
			queue = append(queue, m)
		}
	}
	for _, name := range s.svcOrder {
		ms := s.services[name].Methods()
		for i := 0; i < ms.Len(); i++ {
			push(ms.Get(i).Input())
		}
	}
	for len(queue) > 0 {
		m := queue[0]
		queue = queue[1:]
		fs := m.Fields()
		for i := 0; i < fs.Len(); i++ {
			push(fs.Get(i).Message())
		}
		for _, x := range exts[m.FullName()] {
			push(x.Message())
		}
	}
	s.inRequest = seen
	return seen
}

// affectsOf returns, sorted, every message type and RPC whose transitive
// closure contains the type name.
func (s *side) affectsOf(name protoreflect.FullName) []string {
	var out []string
	for _, r := range s.reach(name) {
		if len(out) == 0 || out[len(out)-1] != r.scope {
			out = append(out, r.scope)
		}
	}
	return out
}

// elementsOf lists the elements a change at path reaches when path lies in
// the type name: one per message type and RPC part whose closure holds the
// type. The type itself, when path names it, is a scope without a path.
func (s *side) elementsOf(name protoreflect.FullName, path string) []compat.Element {
	rs := s.reach(name)
	out := make([]compat.Element, 0, len(rs))
	for _, r := range rs {
		e := compat.Element{Scope: r.scope, Part: r.part, Path: path}
		if r.part == "" && r.scope == path {
			e.Path = ""
		}
		out = append(out, e)
	}
	return out
}

// location returns where d is declared, in this side's display names.
func (s *side) location(d protoreflect.Descriptor) compat.Location {
	return s.set.Location(d)
}

// pathLocation returns the location of a source path in file fd.
func (s *side) pathLocation(fd protoreflect.FileDescriptor, path ...int32) compat.Location {
	return s.set.PathLocation(fd.Path(), path...)
}
