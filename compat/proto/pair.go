package proto

import (
	"fmt"
	"sort"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// pairKey names an (old, new) pair of types by their full names.
type pairKey struct{ old, new protoreflect.FullName }

// messagePair is a message type of OLD and its counterpart in NEW. Either
// may be nil: nil new is a type no longer present under its name, and then
// partners are the NEW types it was paired with structurally; nil old is a
// type added under its name.
type messagePair struct {
	old, new protoreflect.MessageDescriptor
	partners []protoreflect.MessageDescriptor
}

// enumPair is an enum of OLD and its counterpart in NEW, as messagePair.
type enumPair struct {
	old, new protoreflect.EnumDescriptor
	partners []protoreflect.EnumDescriptor
}

// servicePair is a service of OLD and its successor in NEW, found by name,
// then by short name in another package, then by its methods' names.
type servicePair struct {
	old, new protoreflect.ServiceDescriptor
}

// methodPair is an RPC of OLD and its counterpart in NEW, paired by name
// within a service pair.
type methodPair struct {
	old, new protoreflect.MethodDescriptor
}

// pairing holds every (old, new) pair found, in a stable order.
type pairing struct {
	messages    []messagePair
	enums       []enumPair
	services    []servicePair
	methods     []methodPair
	seenMsg     map[pairKey]bool
	seenEnum    map[pairKey]bool
	msgPartner  map[protoreflect.FullName][]protoreflect.MessageDescriptor
	enumPartner map[protoreflect.FullName][]protoreflect.EnumDescriptor
	// children records which pairs a pair's fields lead to, for the RPC
	// rules that ask whether a request or response type still encodes alike.
	children map[pairKey][]pairKey
	queue    []messagePair
	// extensions pairs the extensions of OLD and NEW, in OLD's order then
	// NEW's; either side may be nil.
	extensions []extensionPair
}

// extensionPair is an extension of OLD and its counterpart in NEW: the
// extension of the same message under the same number, else the one of
// the same full name.
type extensionPair struct {
	old, new protoreflect.ExtensionDescriptor
}

// pair matches the elements of old and new: by name first, then through
// the RPCs and the fields that reference them (step 2 of the package flow).
func pair(old, new *side) *pairing {
	p := &pairing{
		seenMsg:     map[pairKey]bool{},
		seenEnum:    map[pairKey]bool{},
		msgPartner:  map[protoreflect.FullName][]protoreflect.MessageDescriptor{},
		enumPartner: map[protoreflect.FullName][]protoreflect.EnumDescriptor{},
		children:    map[pairKey][]pairKey{},
	}
	for _, name := range old.msgOrder {
		if n, ok := new.messages[name]; ok {
			p.addMessage(old.messages[name], n)
		}
	}
	for _, name := range old.enumOrder {
		if n, ok := new.enums[name]; ok {
			p.addEnum(old.enums[name], n)
		}
	}
	p.pairServices(old, new)
	for _, mp := range p.methods {
		if mp.old != nil && mp.new != nil {
			p.addMessage(mp.old.Input(), mp.new.Input())
			p.addMessage(mp.old.Output(), mp.new.Output())
		}
	}
	p.pairExtensions(old, new)
	for _, x := range p.extensions {
		if x.old != nil && x.new != nil {
			p.addFieldTypes(pairKey{}, x.old, x.new)
		}
	}
	p.drain()
	p.pairRenamedPackages(old, new)
	p.drain()
	p.pairLookalikes(old, new)
	p.drain()
	return p
}

// pairRenamedPackages pairs the types a package rename left unpaired: a
// file at the same path whose package changed, or else the one package
// OLD has and NEW lacks with the one NEW has and OLD lacks, maps package P
// to Q, and a type P.X gone under its name is paired with Q.X. Pairing by
// the fields a type holds would miss a type whose fields changed too.
func (p *pairing) pairRenamedPackages(old, new *side) {
	renames := map[protoreflect.FullName]protoreflect.FullName{}
	for _, path := range old.fileOrder {
		of, nf := old.files[path], new.files[path]
		if nf == nil || of.Package() == nf.Package() {
			continue
		}
		if _, ok := renames[of.Package()]; !ok {
			renames[of.Package()] = nf.Package()
		}
	}
	if len(renames) == 0 {
		gone, added := packagesOnlyIn(old, new), packagesOnlyIn(new, old)
		if len(gone) == 1 && len(added) == 1 {
			renames[gone[0]] = added[0]
		}
	}
	if len(renames) == 0 {
		return
	}
	counterpart := func(d protoreflect.Descriptor) (protoreflect.FullName, bool) {
		pkg := d.ParentFile().Package()
		q, ok := renames[pkg]
		if !ok || pkg == "" {
			return "", false
		}
		rel := strings.TrimPrefix(string(d.FullName()), string(pkg)+".")
		if q == "" {
			return protoreflect.FullName(rel), true
		}
		return q + "." + protoreflect.FullName(rel), true
	}
	taken := map[protoreflect.FullName]bool{}
	for _, ns := range p.msgPartner {
		for _, n := range ns {
			taken[n.FullName()] = true
		}
	}
	for _, name := range old.msgOrder {
		if _, ok := new.messages[name]; ok || len(p.msgPartner[name]) > 0 {
			continue
		}
		if to, ok := counterpart(old.messages[name]); ok && !taken[to] {
			if n, ok := new.messages[to]; ok && old.messages[to] == nil {
				taken[to] = true
				p.addMessage(old.messages[name], n)
			}
		}
	}
	for _, name := range old.enumOrder {
		if _, ok := new.enums[name]; ok || len(p.enumPartner[name]) > 0 {
			continue
		}
		if to, ok := counterpart(old.enums[name]); ok {
			if n, ok := new.enums[to]; ok && old.enums[to] == nil {
				p.addEnum(old.enums[name], n)
			}
		}
	}
}

// packagesOnlyIn lists, sorted, the packages of a's files that no file of
// b has.
func packagesOnlyIn(a, b *side) []protoreflect.FullName {
	in := map[protoreflect.FullName]bool{}
	for _, f := range b.files {
		in[f.Package()] = true
	}
	seen := map[protoreflect.FullName]bool{}
	var out []protoreflect.FullName
	for _, path := range a.fileOrder {
		if pkg := a.files[path].Package(); !in[pkg] && !seen[pkg] {
			seen[pkg] = true
			out = append(out, pkg)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// pairExtensions pairs extensions by what peers see on the wire, the
// extended message and the number, then those left by full name (an
// extension renumbered).
func (p *pairing) pairExtensions(old, new *side) {
	type key struct {
		extendee protoreflect.FullName
		number   protoreflect.FieldNumber
	}
	keyOf := func(x protoreflect.ExtensionDescriptor) key {
		return key{x.ContainingMessage().FullName(), x.Number()}
	}
	byKey := map[key]protoreflect.ExtensionDescriptor{}
	for _, name := range new.extOrder {
		x := new.extensions[name]
		if _, dup := byKey[keyOf(x)]; !dup {
			byKey[keyOf(x)] = x
		}
	}
	taken := map[protoreflect.FullName]bool{}
	partner := map[protoreflect.FullName]protoreflect.ExtensionDescriptor{}
	for _, name := range old.extOrder {
		if n, ok := byKey[keyOf(old.extensions[name])]; ok && !taken[n.FullName()] {
			partner[name] = n
			taken[n.FullName()] = true
		}
	}
	for _, name := range old.extOrder {
		if partner[name] != nil {
			continue
		}
		if n, ok := new.extensions[name]; ok && !taken[name] {
			partner[name] = n
			taken[name] = true
		}
	}
	for _, name := range old.extOrder {
		p.extensions = append(p.extensions, extensionPair{old: old.extensions[name], new: partner[name]})
	}
	for _, name := range new.extOrder {
		if !taken[name] {
			p.extensions = append(p.extensions, extensionPair{new: new.extensions[name]})
		}
	}
}

// drain pairs the types of the fields of every queued message pair.
func (p *pairing) drain() {
	for len(p.queue) > 0 {
		mp := p.queue[0]
		p.queue = p.queue[1:]
		k := pairKey{mp.old.FullName(), mp.new.FullName()}
		fs := mp.old.Fields()
		for i := 0; i < fs.Len(); i++ {
			of := fs.Get(i)
			if nf := mp.new.Fields().ByNumber(of.Number()); nf != nil {
				p.addFieldTypes(k, of, nf)
			}
		}
	}
}

// pairLookalikes pairs a message gone under its name, and reached by no
// field or RPC that would pair it, with the one new message whose fields
// are the same (numbers, names, types): an unreferenced type renamed.
func (p *pairing) pairLookalikes(old, new *side) {
	taken := map[protoreflect.FullName]bool{}
	for _, ns := range p.msgPartner {
		for _, n := range ns {
			taken[n.FullName()] = true
		}
	}
	gone := map[string][]protoreflect.MessageDescriptor{}
	for _, name := range old.msgOrder {
		if _, ok := new.messages[name]; !ok && len(p.msgPartner[name]) == 0 {
			if sig := signature(old.messages[name]); sig != "" {
				gone[sig] = append(gone[sig], old.messages[name])
			}
		}
	}
	if len(gone) == 0 {
		return
	}
	added := map[string][]protoreflect.MessageDescriptor{}
	for _, name := range new.msgOrder {
		if _, ok := old.messages[name]; !ok && !taken[name] {
			if sig := signature(new.messages[name]); sig != "" {
				added[sig] = append(added[sig], new.messages[name])
			}
		}
	}
	for _, name := range old.msgOrder {
		o, ok := old.messages[name]
		if !ok {
			continue
		}
		sig := signature(o)
		if g, a := gone[sig], added[sig]; len(g) == 1 && g[0] == o && len(a) == 1 {
			p.addMessage(o, a[0])
		}
	}
}

// signature describes a message by its fields, or "" when it has none.
func signature(m protoreflect.MessageDescriptor) string {
	fs := m.Fields()
	if fs.Len() == 0 {
		return ""
	}
	var b strings.Builder
	for i := 0; i < fs.Len(); i++ {
		f := fs.Get(i)
		fmt.Fprintf(&b, "%d %s %s %s;", f.Number(), f.Name(), f.Cardinality(), typeName(f))
	}
	return b.String()
}

// addFieldTypes pairs the types two paired fields refer to; for maps, the
// types of their values.
func (p *pairing) addFieldTypes(parent pairKey, of, nf protoreflect.FieldDescriptor) {
	switch {
	case of.IsMap() && nf.IsMap():
		of, nf = of.MapValue(), nf.MapValue()
	case of.IsMap() != nf.IsMap():
		return // a synthetic entry is no type to compare; the map field's finding says how they differ
	}
	var child pairKey
	switch {
	case of.Message() != nil && nf.Message() != nil:
		child = p.addMessage(of.Message(), nf.Message())
	case of.Enum() != nil && nf.Enum() != nil:
		child = p.addEnum(of.Enum(), nf.Enum())
	default:
		return
	}
	if parent != (pairKey{}) {
		p.children[parent] = append(p.children[parent], child)
	}
}

func (p *pairing) addMessage(o, n protoreflect.MessageDescriptor) pairKey {
	k := pairKey{o.FullName(), n.FullName()}
	if p.seenMsg[k] {
		return k
	}
	p.seenMsg[k] = true
	mp := messagePair{old: o, new: n}
	p.messages = append(p.messages, mp)
	p.queue = append(p.queue, mp)
	if k.old != k.new {
		p.msgPartner[k.old] = append(p.msgPartner[k.old], n)
	}
	return k
}

func (p *pairing) addEnum(o, n protoreflect.EnumDescriptor) pairKey {
	k := pairKey{o.FullName(), n.FullName()}
	if !p.seenEnum[k] {
		p.seenEnum[k] = true
		p.enums = append(p.enums, enumPair{old: o, new: n})
		if k.old != k.new {
			p.enumPartner[k.old] = append(p.enumPartner[k.old], n)
		}
	}
	return k
}

// pairServices pairs services by name; a service gone under its name is
// paired with a new service of the same short name in another package (a
// package rename), or else with a new service that has all its methods (a
// service rename).
func (p *pairing) pairServices(old, new *side) {
	taken := map[protoreflect.FullName]bool{}
	for _, name := range old.svcOrder {
		if _, ok := new.services[name]; ok {
			taken[name] = true
		}
	}
	for _, name := range old.svcOrder {
		o := old.services[name]
		n, ok := new.services[name]
		if !ok {
			n = successor(o, new, taken)
		}
		if n != nil {
			taken[n.FullName()] = true
		}
		p.services = append(p.services, servicePair{old: o, new: n})
		if n == nil {
			continue
		}
		for i := 0; i < o.Methods().Len(); i++ {
			om := o.Methods().Get(i)
			p.methods = append(p.methods, methodPair{old: om, new: n.Methods().ByName(om.Name())})
		}
		for i := 0; i < n.Methods().Len(); i++ {
			nm := n.Methods().Get(i)
			if o.Methods().ByName(nm.Name()) == nil {
				p.methods = append(p.methods, methodPair{new: nm})
			}
		}
	}
	for _, name := range new.svcOrder {
		if !taken[name] {
			p.services = append(p.services, servicePair{new: new.services[name]})
		}
	}
}

// successor finds the NEW service that took over o, if any.
func successor(o protoreflect.ServiceDescriptor, new *side, taken map[protoreflect.FullName]bool) protoreflect.ServiceDescriptor {
	for _, name := range new.svcOrder {
		if n := new.services[name]; !taken[name] && n.Name() == o.Name() {
			return n
		}
	}
	if o.Methods().Len() == 0 {
		return nil
	}
	for _, name := range new.svcOrder {
		n := new.services[name]
		if taken[name] || n.ParentFile().Package() != o.ParentFile().Package() {
			continue
		}
		all := true
		for i := 0; i < o.Methods().Len() && all; i++ {
			all = n.Methods().ByName(o.Methods().Get(i).Name()) != nil
		}
		if all {
			return n
		}
	}
	return nil
}
