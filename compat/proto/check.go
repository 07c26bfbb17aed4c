package proto

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/bufbuild/protocompile/linker"
	"google.golang.org/protobuf/reflect/protoreflect"

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
	// built from OLD read, as for events on a bus. A new proto2 required
	// field is then harmless; a removed one still breaks.
	FlowNewWritesOldReads
)

// Options tune Check.
type Options struct {
	// Level is the comparison level; callers always set it (the zero value
	// is compat.Wire, the CLI default is compat.JSON).
	Level compat.Level
	// Messages narrows the check to these message types and RPCs
	// ("pkg.Service.Method" or "/pkg.Service/Method") and everything they
	// reach: what a contract that declares `messages:` publishes. Findings
	// that reach none of them are left out of the report, additions
	// included, and a finding that stays keeps only the elements inside;
	// so a contract publishing one event from a folder shared with a gRPC
	// service reports only changes its readers can see. Empty means
	// everything.
	Messages []string
	// Flow says which way messages travel.
	Flow Flow
}

// checker holds the state of one Check: both sides, their pairing, and the
// report being built.
type checker struct {
	// ctx is the caller's, watched by the loops over pairs (stop) so that
	// a cancelled check of a large tree ends at once.
	ctx    context.Context
	polls  int
	opts   Options
	old    *side
	new    *side
	p      *pairing
	report *compat.Report
	// breaks holds, per message or enum pair, the breaking finding of the
	// lowest level made on it, for the RPC rules.
	breaks map[pairKey]pairBreak
	// renamedTo marks NEW types that are the successors of OLD types.
	renamedTo map[protoreflect.FullName]bool
}

// Check compares old with new and reports every change. The error means
// only that the check could not run.
func Check(ctx context.Context, old, new *protoschema.Set, opts Options) (rep *compat.Report, err error) {
	if old == nil || new == nil {
		return nil, errors.New("compat/proto: Check needs two compiled sets")
	}
	defer func() {
		if r := recover(); r != nil {
			rep, err = nil, fmt.Errorf("compat/proto: internal failure: %v", r)
		}
	}()
	c := &checker{
		ctx:       ctx,
		opts:      opts,
		old:       newSide(old),
		new:       newSide(new),
		report:    &compat.Report{Old: strings.TrimSuffix(old.Display, "/"), New: strings.TrimSuffix(new.Display, "/")},
		breaks:    map[pairKey]pairBreak{},
		renamedTo: map[protoreflect.FullName]bool{},
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c.p = pair(c.old, c.new)
	for _, ns := range c.p.msgPartner {
		for _, n := range ns {
			c.renamedTo[n.FullName()] = true
		}
	}
	for _, ns := range c.p.enumPartner {
		for _, n := range ns {
			c.renamedTo[n.FullName()] = true
		}
	}
	steps := []func(){c.files, c.messages, c.fields, c.enums, c.values, c.services, c.methods}
	for _, step := range steps {
		step()
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	out := c.report
	if len(opts.Messages) > 0 {
		out = only(out, opts.Messages)
	}
	out.Sort()
	return out, nil
}

// stop reports whether the check was cancelled, looking at the context
// every few hundred pairs: a loop over pairs returns when it says so, and
// Check then returns the context's error.
func (c *checker) stop() bool {
	c.polls++
	return c.polls%256 == 0 && c.ctx.Err() != nil
}

// only keeps the findings that reach one of the scopes, each with the
// elements inside them (Options.Messages).
func only(r *compat.Report, scopes []string) *compat.Report {
	keys := make(map[string]bool, len(scopes))
	for _, s := range scopes {
		keys[compat.ScopeKey(strings.TrimPrefix(strings.TrimSpace(s), "."))] = true
	}
	out := &compat.Report{Old: r.Old, New: r.New}
	for _, f := range r.Findings {
		if f.NarrowTo(func(scope string) bool { return keys[compat.ScopeKey(scope)] }) {
			out.Add(f)
		}
	}
	return out
}

// emit is what a rule body reports through: the adapter has filled in the
// element, its location, the elements it reaches and the pair it is on.
//
// Location and elements are computed only when a rule reports, since most
// pairs have nothing to report.
type emit struct {
	c       *checker
	rule    *rule
	element string
	loc     func() compat.Location
	// reach lists the elements a change at path reaches (see doc.go), in
	// any order and possibly repeated; at sorts them out.
	reach func(path string) []compat.Element
	key   pairKey
	// context is added to each message before its final full stop.
	context string
	// part, when set, keeps only the elements of RPCs reached through that
	// part: a change that hurts only requests does not reach responses or
	// message readers.
	part string
}

// add reports a finding with a whole-sentence message.
func (e *emit) add(format string, args ...any) { e.at(e.loc(), format, args...) }

// on returns a copy of e that names another element, for a rule over a
// pair that reports on a part of it (a oneof of a message).
func (e *emit) on(element string) *emit {
	cp := *e
	cp.element = element
	return &cp
}

// requests returns a copy of e that reaches only the RPC requests the
// element is part of: a change that hurts servers reading requests, not
// clients reading responses or readers of messages.
func (e *emit) requests() *emit {
	cp := *e
	cp.part = partRequest
	return &cp
}

// inPlaceOf is the clause added to messages about a field of an OLD type
// compared with the NEW type of another name that takes its place.
func inPlaceOf(mp messagePair) string {
	if mp.old == nil || mp.new == nil || mp.old.FullName() == mp.new.FullName() {
		return ""
	}
	return fmt.Sprintf(" (%s takes the place of %s in NEW)", mp.new.FullName(), mp.old.FullName())
}

// at reports a finding at a location other than the element's.
func (e *emit) at(loc compat.Location, format string, args ...any) {
	r := e.rule
	elements := e.elements(loc)
	if e.part != "" && len(elements) == 0 {
		return // the change reaches nothing it can hurt
	}
	f := compat.Finding{
		Rule:     r.ID,
		Severity: r.Severity,
		Message:  withContext(fmt.Sprintf(format, args...), e.context),
		Element:  e.element,
		Affects:  compat.Scopes(elements),
		Elements: elements,
		Location: loc,
	}
	if f.Severity != compat.Info && r.Level > e.c.opts.Level {
		f.Severity = compat.Info
		f.Note = fmt.Sprintf("Breaks only at the %s level; checked at %s.", r.Level, e.c.opts.Level)
	}
	// Only encoding breaks make an RPC's stand-in type incompatible; a
	// source-level difference is RPC_*_TYPE_CHANGED's business.
	if f.Severity == compat.Breaking && e.key != (pairKey{}) && r.Level < compat.Source {
		// Keep the break of the lowest level: it explains the most peers.
		if b, ok := e.c.breaks[e.key]; !ok || r.Level < b.level {
			e.c.breaks[e.key] = pairBreak{level: r.Level, message: f.Message}
		}
	}
	e.c.report.Add(f)
}

// elements returns what the finding reaches, sorted by scope, part and
// path, without repeats, each at loc.
func (e *emit) elements(loc compat.Location) []compat.Element {
	var list []compat.Element
	if e.reach != nil {
		list = e.reach(e.element)
	}
	out := make([]compat.Element, 0, len(list))
	for _, el := range list {
		if e.part != "" && el.Part != e.part {
			continue
		}
		el.Location = loc
		out = append(out, el)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Scope != b.Scope {
			return a.Scope < b.Scope
		}
		if a.Part != b.Part {
			return a.Part < b.Part
		}
		return a.Path < b.Path
	})
	n := 0
	for i, el := range out {
		if i > 0 && el.Scope == out[n-1].Scope && el.Part == out[n-1].Part && el.Path == out[n-1].Path {
			continue
		}
		out[n] = el
		n++
	}
	return out[:n]
}

// rpcElements lists RPC-level elements: the RPCs themselves, no path.
func rpcElements(names ...string) []compat.Element {
	out := make([]compat.Element, len(names))
	for i, n := range names {
		out[i] = compat.Element{Scope: n}
	}
	return out
}

// withContext puts a clause before the message's final full stop.
func withContext(msg, context string) string {
	if context == "" {
		return msg
	}
	if strings.HasSuffix(msg, ".") {
		return msg[:len(msg)-1] + context + "."
	}
	return msg + context
}

// pairBreak is the message of a breaking finding and its rule's level.
type pairBreak struct {
	level   compat.Level
	message string
}

// firstBreak returns the first breaking message found on pair k or on any
// pair its fields lead to.
func (c *checker) firstBreak(k pairKey) string {
	seen := map[pairKey]bool{k: true}
	queue := []pairKey{k}
	for len(queue) > 0 {
		k := queue[0]
		queue = queue[1:]
		if b, ok := c.breaks[k]; ok {
			return b.message
		}
		for _, ch := range c.p.children[k] {
			if !seen[ch] {
				seen[ch] = true
				queue = append(queue, ch)
			}
		}
	}
	return ""
}

// filePair is a file of OLD and the file at the same path in NEW.
type filePair struct{ old, new linker.File }

func (c *checker) files() {
	var pairs []filePair
	for _, path := range c.old.fileOrder {
		pairs = append(pairs, filePair{old: c.old.files[path], new: c.new.files[path]})
	}
	for _, path := range c.new.fileOrder {
		if c.old.files[path] == nil {
			pairs = append(pairs, filePair{new: c.new.files[path]})
		}
	}
	for _, p := range pairs {
		if c.stop() {
			return
		}
		e := emit{c: c, reach: func(string) []compat.Element {
			return append(c.fileElements(c.old, p.old), c.fileElements(c.new, p.new)...)
		}}
		if p.old != nil {
			e.element, e.loc = p.old.Path(), func() compat.Location { return c.old.location(p.old) }
		}
		if p.new != nil {
			e.loc = func() compat.Location { return c.new.location(p.new) }
			if p.old == nil {
				e.element = p.new.Path()
			}
		}
		for i := range ruleList {
			if r := &ruleList[i]; r.file != nil {
				e.rule = r
				r.file(c, p, &e)
			}
		}
	}
}

// fileElements lists the elements of every type and RPC a file declares:
// a change to the file (its package, its options) reaches them all.
func (c *checker) fileElements(s *side, f protoreflect.FileDescriptor) []compat.Element {
	if f == nil {
		return nil
	}
	var out []compat.Element
	var walk func(ms protoreflect.MessageDescriptors)
	walk = func(ms protoreflect.MessageDescriptors) {
		for i := 0; i < ms.Len(); i++ {
			if m := ms.Get(i); !m.IsMapEntry() {
				out = append(out, s.elementsOf(m.FullName(), string(m.FullName()))...)
			}
			walk(ms.Get(i).Messages())
		}
	}
	walk(f.Messages())
	for i := 0; i < f.Enums().Len(); i++ {
		en := f.Enums().Get(i)
		out = append(out, s.elementsOf(en.FullName(), string(en.FullName()))...)
	}
	for i := 0; i < f.Services().Len(); i++ {
		out = append(out, rpcElements(methodNames(f.Services().Get(i))...)...)
	}
	return out
}

func (c *checker) messages() {
	var pairs []messagePair
	for _, name := range c.old.msgOrder {
		o := c.old.messages[name]
		if n, ok := c.new.messages[name]; ok {
			pairs = append(pairs, messagePair{old: o, new: n})
		} else {
			pairs = append(pairs, messagePair{old: o, partners: c.p.msgPartner[name]})
		}
	}
	for _, name := range c.new.msgOrder {
		if _, ok := c.old.messages[name]; !ok {
			pairs = append(pairs, messagePair{new: c.new.messages[name]})
		}
	}
	for _, mp := range c.p.messages {
		if mp.old.FullName() != mp.new.FullName() {
			pairs = append(pairs, mp)
		}
	}
	for _, p := range pairs {
		if c.stop() {
			return
		}
		e := c.typeEmit(p.old, p.new)
		for i := range ruleList {
			if r := &ruleList[i]; r.message != nil {
				e.rule = r
				r.message(c, p, &e)
			}
		}
	}
}

// typeEmit fills in an emit for a type pair (message or enum); either side
// may be nil.
func (c *checker) typeEmit(o, n protoreflect.Descriptor) emit {
	e := emit{c: c}
	if o != nil {
		e.element, e.loc = string(o.FullName()), func() compat.Location { return c.old.location(o) }
	}
	if n != nil {
		e.loc = func() compat.Location { return c.new.location(n) }
		if o == nil {
			e.element = string(n.FullName())
		}
	}
	if o != nil && n != nil {
		e.key = pairKey{o.FullName(), n.FullName()}
	}
	e.reach = func(path string) []compat.Element {
		// Consumers are built from OLD: what reached the OLD type is hurt.
		// A NEW type of another name standing in for it keeps its own
		// readers, whom this pair does not concern.
		var out []compat.Element
		if o != nil {
			out = c.old.elementsOf(o.FullName(), path)
		}
		if n != nil && (o == nil || o.FullName() == n.FullName()) {
			out = append(out, c.new.elementsOf(n.FullName(), path)...)
		}
		return out
	}
	return e
}

// fieldPair is a field of a message pair matched by number (or an
// extension matched by full name); either side may be nil.
type fieldPair struct {
	old, new       protoreflect.FieldDescriptor
	oldMsg, newMsg protoreflect.MessageDescriptor
	// ext is set for extensions, which pair by full name and whose
	// messages are the extended ones.
	ext bool
	// option is set for custom options (extensions of the
	// google.protobuf.*Options messages): they live in descriptors, not in
	// the messages peers exchange, so only the rules marked options apply.
	option bool
}

// isOption reports whether x extends one of descriptor.proto's options.
func isOption(x protoreflect.FieldDescriptor) bool {
	m := x.ContainingMessage()
	return m != nil && m.ParentFile().Package() == "google.protobuf" && strings.HasSuffix(string(m.Name()), "Options")
}

func (c *checker) fields() {
	for _, mp := range c.p.messages {
		if c.stop() {
			return
		}
		e := c.typeEmit(mp.old, mp.new)
		e.context = inPlaceOf(messagePair{old: mp.old, new: mp.new})
		of, nf := mp.old.Fields(), mp.new.Fields()
		for i := 0; i < of.Len(); i++ {
			o := of.Get(i)
			c.field(e, fieldPair{old: o, new: nf.ByNumber(o.Number()), oldMsg: mp.old, newMsg: mp.new})
		}
		for i := 0; i < nf.Len(); i++ {
			n := nf.Get(i)
			if of.ByNumber(n.Number()) == nil {
				c.field(e, fieldPair{new: n, oldMsg: mp.old, newMsg: mp.new})
			}
		}
	}
	for _, x := range c.p.extensions {
		p := fieldPair{old: x.old, new: x.new, ext: true}
		if x.old != nil {
			p.oldMsg, p.option = x.old.ContainingMessage(), isOption(x.old)
		}
		if x.new != nil {
			p.newMsg = x.new.ContainingMessage()
			p.option = p.option || isOption(x.new)
		}
		c.field(c.typeEmit(p.oldMsg, p.newMsg), p)
	}
}

// field runs the field rules over one pair, naming the field by its OLD
// name where it had one.
func (c *checker) field(e emit, p fieldPair) {
	switch {
	case p.ext && p.old != nil:
		e.element = string(p.old.FullName())
	case p.ext:
		e.element = string(p.new.FullName())
	case p.old != nil:
		e.element = string(p.oldMsg.FullName()) + "." + string(p.old.Name())
	default:
		e.element = string(p.oldMsg.FullName()) + "." + string(p.new.Name())
	}
	if p.new != nil {
		e.loc = func() compat.Location { return c.new.location(p.new) }
	} else {
		e.loc = func() compat.Location { return c.old.location(p.old) }
	}
	for i := range ruleList {
		if r := &ruleList[i]; r.field != nil && (!p.option || r.options) {
			e.rule = r
			r.field(c, p, &e)
		}
	}
}

func (c *checker) enums() {
	var pairs []enumPair
	for _, name := range c.old.enumOrder {
		o := c.old.enums[name]
		if n, ok := c.new.enums[name]; ok {
			pairs = append(pairs, enumPair{old: o, new: n})
		} else {
			pairs = append(pairs, enumPair{old: o, partners: c.p.enumPartner[name]})
		}
	}
	for _, name := range c.new.enumOrder {
		if _, ok := c.old.enums[name]; !ok {
			pairs = append(pairs, enumPair{new: c.new.enums[name]})
		}
	}
	for _, ep := range c.p.enums {
		if ep.old.FullName() != ep.new.FullName() {
			pairs = append(pairs, ep)
		}
	}
	for _, p := range pairs {
		if c.stop() {
			return
		}
		e := c.typeEmit(p.old, p.new)
		for i := range ruleList {
			if r := &ruleList[i]; r.enum != nil {
				e.rule = r
				r.enum(c, p, &e)
			}
		}
	}
}

// valuePair is an enum value of an enum pair and its counterpart: the NEW
// value of the same name and number, else the NEW value of that number.
type valuePair struct {
	old, new         protoreflect.EnumValueDescriptor
	oldEnum, newEnum protoreflect.EnumDescriptor
	// moved is the NEW value of the same name under another number.
	moved protoreflect.EnumValueDescriptor
}

func (c *checker) values() {
	for _, ep := range c.p.enums {
		if c.stop() {
			return
		}
		e := c.typeEmit(ep.old, ep.new)
		ov, nv := ep.old.Values(), ep.new.Values()
		var pairs []valuePair
		for i := 0; i < ov.Len(); i++ {
			o := ov.Get(i)
			p := valuePair{old: o, oldEnum: ep.old, newEnum: ep.new, new: nv.ByNumber(o.Number())}
			if byName := nv.ByName(o.Name()); byName != nil {
				if byName.Number() == o.Number() {
					p.new = byName
				} else {
					p.moved = byName
				}
			}
			pairs = append(pairs, p)
		}
		for i := 0; i < nv.Len(); i++ {
			n := nv.Get(i)
			if ov.ByNumber(n.Number()) == nil && nv.ByNumber(n.Number()) == n {
				pairs = append(pairs, valuePair{new: n, oldEnum: ep.old, newEnum: ep.new})
			}
		}
		for _, p := range pairs {
			if p.old != nil {
				e.element = string(ep.old.FullName()) + "." + string(p.old.Name())
			} else {
				e.element = string(ep.old.FullName()) + "." + string(p.new.Name())
			}
			if p.new != nil {
				e.loc = func() compat.Location { return c.new.location(p.new) }
			} else {
				e.loc = func() compat.Location { return c.old.location(p.old) }
			}
			for i := range ruleList {
				if r := &ruleList[i]; r.value != nil {
					e.rule = r
					r.value(c, p, &e)
				}
			}
		}
	}
}

func (c *checker) services() {
	for _, p := range c.p.services {
		if c.stop() {
			return
		}
		e := emit{c: c}
		var names []string
		if p.old != nil {
			e.element, e.loc = string(p.old.FullName()), func() compat.Location { return c.old.location(p.old) }
			names = methodNames(p.old)
		}
		if p.new != nil {
			e.loc = func() compat.Location { return c.new.location(p.new) }
			names = append(names, methodNames(p.new)...)
			if p.old == nil {
				e.element = string(p.new.FullName())
			}
		}
		e.reach = func(string) []compat.Element { return rpcElements(names...) }
		for i := range ruleList {
			if r := &ruleList[i]; r.service != nil {
				e.rule = r
				r.service(c, p, &e)
			}
		}
	}
}

func methodNames(s protoreflect.ServiceDescriptor) []string {
	var out []string
	for i := 0; i < s.Methods().Len(); i++ {
		out = append(out, string(s.Methods().Get(i).FullName()))
	}
	return out
}

func (c *checker) methods() {
	for _, p := range c.p.methods {
		if c.stop() {
			return
		}
		e := emit{c: c}
		var names []string
		if p.old != nil {
			e.element, e.loc = string(p.old.FullName()), func() compat.Location { return c.old.location(p.old) }
			names = append(names, e.element)
		}
		if p.new != nil {
			e.loc = func() compat.Location { return c.new.location(p.new) }
			names = append(names, string(p.new.FullName()))
			if p.old == nil {
				e.element = string(p.new.FullName())
			}
		}
		e.reach = func(string) []compat.Element { return rpcElements(names...) }
		for i := range ruleList {
			if r := &ruleList[i]; r.method != nil {
				e.rule = r
				r.method(c, p, &e)
			}
		}
	}
}
