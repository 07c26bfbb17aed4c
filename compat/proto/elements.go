package proto

import (
	"sort"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/contractgate/contracts/compat"
	protoschema "github.com/contractgate/contracts/schemas/proto"
)

// Resolve returns the elements a user-written query names in set, spelled
// as findings spell them (see the package doc), so that `who-uses` and
// `approve --element` reach what a finding on the same element reaches:
//
//   - an RPC, `pkg.Service.Method` or `/pkg.Service/Method`: the RPC itself;
//   - a service: each of its RPCs;
//   - a message type, a field (`pkg.Msg.field`, or an extension's full
//     name), an enum or an enum value (`pkg.Enum.VALUE`, or the value's
//     protobuf full name `pkg.VALUE`): one element per RPC part (request,
//     response) and per message type whose closure holds it, with the
//     query's full name as Path; a message type is also a scope of its own.
//
// It returns nil when the set's own files define no such element.
func Resolve(set *protoschema.Set, query string) []compat.Element {
	if set == nil {
		return nil
	}
	name := protoreflect.FullName(strings.TrimPrefix(protoschema.MethodName(query), "."))
	if name == "" || !name.IsValid() {
		return nil
	}
	s := newSide(set)
	var els []compat.Element
	var at protoreflect.Descriptor
	switch target, path, d := s.lookup(name); {
	case d == nil:
		return nil
	case target == "":
		// An RPC or a service: RPC-level elements.
		at = d
		if svc, ok := d.(protoreflect.ServiceDescriptor); ok {
			els = rpcElements(methodNames(svc)...)
		} else {
			els = rpcElements(string(name))
		}
	default:
		at = d
		els = s.elementsOf(target, path)
	}
	loc := s.location(at)
	for i := range els {
		els[i].Location = loc
	}
	return els
}

// lookup finds what name denotes among the side's own declarations: the
// type whose closure holds it and the element's full name as findings
// spell it, or an empty target for an RPC or a service. d is nil when the
// side does not declare name.
func (s *side) lookup(name protoreflect.FullName) (target protoreflect.FullName, path string, d protoreflect.Descriptor) {
	if svc, ok := s.services[name]; ok {
		return "", string(name), svc
	}
	if m, ok := s.messages[name]; ok {
		return name, string(name), m
	}
	if en, ok := s.enums[name]; ok {
		return name, string(name), en
	}
	if x, ok := s.extensions[name]; ok {
		return x.ContainingMessage().FullName(), string(name), x
	}
	parent, short := name.Parent(), name.Name()
	if svc, ok := s.services[parent]; ok {
		if m := svc.Methods().ByName(short); m != nil {
			return "", string(name), m
		}
		return "", "", nil
	}
	if m, ok := s.messages[parent]; ok {
		if f := m.Fields().ByName(short); f != nil {
			return parent, string(name), f
		}
		return "", "", nil
	}
	if en, ok := s.enums[parent]; ok {
		if v := en.Values().ByName(short); v != nil {
			return parent, string(name), v
		}
		return "", "", nil
	}
	// An enum value by its protobuf full name, a sibling of its enum.
	for _, en := range s.enumsIn(parent) {
		if v := en.Values().ByName(short); v != nil {
			return en.FullName(), string(en.FullName()) + "." + string(short), v
		}
	}
	return "", "", nil
}

// enumsIn returns the enums declared directly in scope (a package or a
// message), in declaration order.
func (s *side) enumsIn(scope protoreflect.FullName) []protoreflect.EnumDescriptor {
	var out []protoreflect.EnumDescriptor
	for _, n := range s.enumOrder {
		if n.Parent() == scope {
			out = append(out, s.enums[n])
		}
	}
	return out
}

// Names returns, sorted, the full name of every RPC, service, message
// type, field (extensions included), enum and enum value (`pkg.Enum.VALUE`)
// the set's own files define: what a query may name, for "did you mean"
// suggestions.
func Names(set *protoschema.Set) []string {
	if set == nil {
		return nil
	}
	s := newSide(set)
	var out []string
	for _, n := range s.svcOrder {
		out = append(out, string(n))
		out = append(out, methodNames(s.services[n])...)
	}
	for _, n := range s.msgOrder {
		out = append(out, string(n))
		fs := s.messages[n].Fields()
		for i := 0; i < fs.Len(); i++ {
			out = append(out, string(n)+"."+string(fs.Get(i).Name()))
		}
	}
	for _, n := range s.enumOrder {
		out = append(out, string(n))
		vs := s.enums[n].Values()
		for i := 0; i < vs.Len(); i++ {
			out = append(out, string(n)+"."+string(vs.Get(i).Name()))
		}
	}
	for _, n := range s.extOrder {
		out = append(out, string(n))
	}
	sort.Strings(out)
	n := 0
	for i, name := range out {
		if i == 0 || name != out[n-1] {
			out[n] = name
			n++
		}
	}
	return out[:n]
}
