package proto

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func required(f protoreflect.FieldDescriptor) bool {
	return f != nil && f.Cardinality() == protoreflect.Required
}

// family is a field kind's binary encoding: kinds of one family read each
// other's bytes (values that fit read back unchanged).
func family(k protoreflect.Kind) string {
	switch k {
	case protoreflect.Int32Kind, protoreflect.Int64Kind, protoreflect.Uint32Kind, protoreflect.Uint64Kind,
		protoreflect.BoolKind, protoreflect.EnumKind:
		return "varint"
	case protoreflect.Sint32Kind, protoreflect.Sint64Kind:
		return "zigzag varint"
	case protoreflect.Fixed32Kind, protoreflect.Sfixed32Kind:
		return "fixed 32-bit integer"
	case protoreflect.FloatKind:
		return "32-bit float"
	case protoreflect.Fixed64Kind, protoreflect.Sfixed64Kind:
		return "fixed 64-bit integer"
	case protoreflect.DoubleKind:
		return "64-bit float"
	case protoreflect.StringKind, protoreflect.BytesKind:
		return "length-delimited bytes"
	case protoreflect.MessageKind:
		return "length-prefixed message"
	case protoreflect.GroupKind:
		return "delimited (group) message"
	}
	return k.String()
}

// typeName spells a field's type the way a .proto file does.
func typeName(f protoreflect.FieldDescriptor) string {
	if f.IsMap() {
		return "map<" + typeName(f.MapKey()) + ", " + typeName(f.MapValue()) + ">"
	}
	switch f.Kind() {
	case protoreflect.MessageKind:
		return string(f.Message().FullName())
	case protoreflect.GroupKind:
		return string(f.Message().FullName()) + " (delimited)"
	case protoreflect.EnumKind:
		return string(f.Enum().FullName())
	}
	return f.Kind().String()
}

// typeParts returns the parts of a field's type to compare: key and value
// for a map, the field itself otherwise.
func typeParts(f protoreflect.FieldDescriptor) []protoreflect.FieldDescriptor {
	if f.IsMap() {
		return []protoreflect.FieldDescriptor{f.MapKey(), f.MapValue()}
	}
	return []protoreflect.FieldDescriptor{f}
}

// wireBreak says how two fields' binary encodings differ, or "".
func wireBreak(o, n protoreflect.FieldDescriptor) string {
	if o.IsMap() != n.IsMap() {
		return mapWireBreak(o, n)
	}
	op, np := typeParts(o), typeParts(n)
	what := []string{"values"}
	if o.IsMap() {
		what = []string{"its keys", "its values"}
	}
	for i := range op {
		if of, nf := family(op[i].Kind()), family(np[i].Kind()); of != nf {
			return fmt.Sprintf("%s are now sent as %s where they were %s", what[i], nf, of)
		}
	}
	return ""
}

// mapWireBreak says how a map field and a field that is not a map differ
// on the wire, or "". A map is a repeated message of key (1) and value (2),
// so it reads like a message field whose fields 1 and 2 share those
// encodings; anything else misreads every entry.
func mapWireBreak(o, n protoreflect.FieldDescriptor) string {
	m, other := o, n
	if n.IsMap() {
		m, other = n, o
	}
	was, now := "a map of length-delimited entries", family(other.Kind())
	if n.IsMap() {
		was, now = now, was
	}
	msg := other.Message()
	if msg == nil || other.Kind() != protoreflect.MessageKind {
		return fmt.Sprintf("values are now sent as %s where they were %s", now, was)
	}
	what := []string{"keys", "values"}
	for i, part := range []protoreflect.FieldDescriptor{m.MapKey(), m.MapValue()} {
		f := msg.Fields().ByNumber(protoreflect.FieldNumber(i + 1))
		switch {
		case f == nil:
			return fmt.Sprintf("the map's %s (field %d of an entry) have no field %d in %s", what[i], i+1, i+1, msg.FullName())
		case f.Cardinality() == protoreflect.Repeated || family(f.Kind()) != family(part.Kind()):
			mf, of := family(part.Kind()), family(f.Kind())
			if f.Cardinality() == protoreflect.Repeated {
				of = "repeated " + of
			}
			if n.IsMap() {
				mf, of = of, mf
			}
			return fmt.Sprintf("the %s (field %d of each entry) are now sent as %s where they were %s", what[i], i+1, of, mf)
		}
	}
	return ""
}

// fieldNoun names the element of a field pair in a message: "Field
// pkg.Msg.f", or for an extension "Extension pkg.ext of pkg.Msg (number N)".
func fieldNoun(p fieldPair, e *emit) string {
	if !p.ext {
		return "Field " + e.element
	}
	x := p.old
	if x == nil {
		x = p.new
	}
	return fmt.Sprintf("Extension %s of %s (number %d)", e.element, x.ContainingMessage().FullName(), x.Number())
}

func bothPresent(p fieldPair) bool { return p.old != nil && p.new != nil }

func fieldAdded(c *checker, p fieldPair, e *emit) {
	if p.old != nil || p.ext || (required(p.new) && c.opts.Flow == FlowBoth) || requiredAddedToRequest(c, p) {
		return // a new required field is FIELD_REQUIRED_ADDED or FIELD_BEHAVIOR_REQUIRED_ADDED
	}
	if o := p.oldMsg.Fields().ByName(p.new.Name()); o != nil {
		return // renumbered: FIELD_NUMBER_CHANGED says so
	}
	e.add("Field %s (number %d) was added.", e.element, p.new.Number())
}

func fieldRequiredAdded(c *checker, p fieldPair, e *emit) {
	if c.opts.Flow == FlowNewWritesOldReads || !required(p.new) || required(p.old) {
		return
	}
	if p.old == nil {
		e.add("Required field %s (number %d) was added; readers built from NEW reject messages from OLD writers, which never set it.", e.element, p.new.Number())
		return
	}
	e.add("Field %s became required; readers built from NEW reject messages from OLD writers that leave it out.", e.element)
}

func fieldRequiredRemoved(c *checker, p fieldPair, e *emit) {
	if !required(p.old) || required(p.new) {
		return
	}
	if p.new == nil {
		e.add("Required field %s was deleted; readers built from OLD reject every message from NEW writers.", e.element)
		return
	}
	e.add("Field %s is no longer required; readers built from OLD reject messages from NEW writers that leave it out.", e.element)
}

// deletion classifies a field gone from a message pair.
type deletion int

const (
	notDeleted deletion = iota
	renumbered
	unreserved
	numberReserved
	bothReserved
)

func deleted(p fieldPair) deletion {
	if p.ext || p.old == nil || p.new != nil {
		return notDeleted
	}
	if p.newMsg.Fields().ByName(p.old.Name()) != nil {
		return renumbered
	}
	if !p.newMsg.ReservedRanges().Has(p.old.Number()) {
		return unreserved
	}
	if !p.newMsg.ReservedNames().Has(p.old.Name()) {
		return numberReserved
	}
	return bothReserved
}

func fieldDeleted(c *checker, p fieldPair, e *emit) {
	if deleted(p) == unreserved {
		e.add("Field %s (number %d) was deleted without reserving its number; OLD peers still send and expect it.", e.element, p.old.Number())
	}
}

func fieldDeletedNameNotReserved(c *checker, p fieldPair, e *emit) {
	if deleted(p) == numberReserved {
		e.add("Field %s was deleted with number %d reserved but not the name %q, so its JSON key may come back with another meaning.", e.element, p.old.Number(), p.old.Name())
	}
}

func fieldDeletedReserved(c *checker, p fieldPair, e *emit) {
	if deleted(p) == bothReserved {
		e.add("Field %s was deleted with its number and name reserved; generated accessors disappear.", e.element)
	}
}

func fieldNumberChanged(c *checker, p fieldPair, e *emit) {
	switch {
	case deleted(p) == renumbered:
		n := p.newMsg.Fields().ByName(p.old.Name())
		e.at(c.new.location(n), "Field %s changed number from %d to %d, so binary peers no longer agree on its tag.", e.element, p.old.Number(), n.Number())
	case p.ext && bothPresent(p) && p.old.Number() != p.new.Number():
		e.add("Extension %s changed number from %d to %d.", e.element, p.old.Number(), p.new.Number())
	}
}

func fieldNameChanged(c *checker, p fieldPair, e *emit) {
	if !bothPresent(p) {
		return
	}
	if p.ext {
		if p.old.FullName() != p.new.FullName() {
			e.add("Extension %s of %s (number %d) was renamed to %s; JSON writes an extension under its full name.", e.element, p.old.ContainingMessage().FullName(), p.old.Number(), p.new.FullName())
		}
		return
	}
	if p.old.Name() == p.new.Name() {
		return
	}
	// One change, one finding: the JSON name a rename changes is part of
	// it (FIELD_JSON_NAME_CHANGED is for json_name alone).
	if oj, nj := p.old.JSONName(), p.new.JSONName(); oj != nj {
		e.add("Field %s was renamed to %s, and its JSON name from %q to %q.", e.element, p.new.Name(), oj, nj)
		return
	}
	e.add("Field %s was renamed to %s; its JSON name %q is unchanged, but JSON parsers also accept the field name as a key.", e.element, p.new.Name(), p.new.JSONName())
}

func fieldJSONNameChanged(c *checker, p fieldPair, e *emit) {
	if bothPresent(p) && !p.ext && p.old.Name() == p.new.Name() && p.old.JSONName() != p.new.JSONName() {
		e.add("The JSON name of field %s changed from %q to %q.", e.element, p.old.JSONName(), p.new.JSONName())
	}
}

func fieldTypeChanged(c *checker, p fieldPair, e *emit) {
	if !bothPresent(p) {
		return
	}
	if why := wireBreak(p.old, p.new); why != "" {
		e.add("%s changed type from %s to %s: %s.", fieldNoun(p, e), typeName(p.old), typeName(p.new), why)
	}
}

// jsonTypeBreak says how two fields of one binary family differ in JSON,
// or "".
func jsonTypeBreak(o, n protoreflect.FieldDescriptor) string {
	if o.IsMap() != n.IsMap() {
		return "same bytes, but JSON writes a map as an object and a repeated field as an array"
	}
	op, np := typeParts(o), typeParts(n)
	for i := range op {
		if o.IsMap() && i == 0 && integerKind(op[i].Kind()) && integerKind(np[i].Kind()) {
			continue // JSON writes every integer map key as a decimal string
		}
		if op[i].Kind() != np[i].Kind() {
			return "the binary encoding is shared, but the JSON form differs"
		}
		if om, nm := op[i].Message(), np[i].Message(); om != nil && nm != nil && om.FullName() != nm.FullName() && (specialJSON(om) || specialJSON(nm)) {
			return fmt.Sprintf("the fields match, but JSON writes the well-known type %s in its own form", pick(specialJSON(om), om, nm).FullName())
		}
	}
	return ""
}

func fieldJSONTypeChanged(c *checker, p fieldPair, e *emit) {
	if !bothPresent(p) || wireBreak(p.old, p.new) != "" {
		return
	}
	if why := jsonTypeBreak(p.old, p.new); why != "" {
		e.add("%s changed type from %s to %s: %s.", fieldNoun(p, e), typeName(p.old), typeName(p.new), why)
	}
}

func fieldTypeNameChanged(c *checker, p fieldPair, e *emit) {
	if !bothPresent(p) || typeName(p.old) == typeName(p.new) || wireBreak(p.old, p.new) != "" || jsonTypeBreak(p.old, p.new) != "" {
		return
	}
	if c.onlyRenamed(p.old, p.new) {
		return // MESSAGE_RENAMED or ENUM_RENAMED says it, once for every field
	}
	e.add("%s changed type from %s to %s; both encodings match, generated code differs.", fieldNoun(p, e), typeName(p.old), typeName(p.new))
}

// onlyRenamed reports whether two fields' types differ only by types of
// OLD renamed to those of NEW.
func (c *checker) onlyRenamed(o, n protoreflect.FieldDescriptor) bool {
	op, np := typeParts(o), typeParts(n)
	if len(op) != len(np) {
		return false
	}
	for i := range op {
		a, b := op[i], np[i]
		if a.Kind() != b.Kind() {
			return false
		}
		var an, bn protoreflect.FullName
		switch {
		case a.Message() != nil && b.Message() != nil:
			an, bn = a.Message().FullName(), b.Message().FullName()
		case a.Enum() != nil && b.Enum() != nil:
			an, bn = a.Enum().FullName(), b.Enum().FullName()
		default:
			continue
		}
		if an != bn && !c.renamed(an, bn) {
			return false
		}
	}
	return true
}

func integerKind(k protoreflect.Kind) bool {
	switch k {
	case protoreflect.Int32Kind, protoreflect.Int64Kind, protoreflect.Uint32Kind, protoreflect.Uint64Kind,
		protoreflect.Sint32Kind, protoreflect.Sint64Kind, protoreflect.Fixed32Kind, protoreflect.Fixed64Kind,
		protoreflect.Sfixed32Kind, protoreflect.Sfixed64Kind:
		return true
	}
	return false
}

// specialJSON reports whether the JSON mapping writes m other than as an
// object of its fields: the well-known types with a JSON form of their own.
func specialJSON(m protoreflect.MessageDescriptor) bool {
	if m.ParentFile() == nil || m.ParentFile().Package() != "google.protobuf" {
		return false
	}
	switch m.Name() {
	case "Any", "Timestamp", "Duration", "FieldMask", "Struct", "Value", "ListValue", "NullValue",
		"DoubleValue", "FloatValue", "Int64Value", "UInt64Value", "Int32Value", "UInt32Value",
		"BoolValue", "StringValue", "BytesValue", "Empty":
		return true
	}
	return false
}

func pick[T any](cond bool, a, b T) T {
	if cond {
		return a
	}
	return b
}

// repeatedChanged reports whether a field changed between singular and
// repeated, and whether both sides are length-delimited (string, bytes,
// message), which binary readers take either way.
func repeatedChanged(p fieldPair) (changed, delimited bool) {
	if !bothPresent(p) || p.old.IsMap() || p.new.IsMap() {
		return false, false
	}
	or, nr := p.old.Cardinality() == protoreflect.Repeated, p.new.Cardinality() == protoreflect.Repeated
	lenDelim := func(f protoreflect.FieldDescriptor) bool {
		switch f.Kind() {
		case protoreflect.StringKind, protoreflect.BytesKind, protoreflect.MessageKind:
			return true
		}
		return false
	}
	return or != nr, lenDelim(p.old) && lenDelim(p.new)
}

func fieldCardinalityChanged(c *checker, p fieldPair, e *emit) {
	if changed, delimited := repeatedChanged(p); changed && !delimited {
		e.add("%s changed from %s to %s; binary readers built from the other version drop or misread its values.", fieldNoun(p, e), cardinality(p.old), cardinality(p.new))
	}
}

func fieldDelimitedCardinalityChanged(c *checker, p fieldPair, e *emit) {
	if changed, delimited := repeatedChanged(p); changed && delimited {
		e.add("%s changed from %s to %s; binary readers cope (a singular reader keeps the last value or merges messages), but JSON writes an array where it wrote a value.", fieldNoun(p, e), cardinality(p.old), cardinality(p.new))
	}
}

func cardinality(f protoreflect.FieldDescriptor) string {
	if f.Cardinality() == protoreflect.Repeated {
		return "repeated"
	}
	return "singular"
}

// realOneof is the oneof a field belongs to, ignoring the synthetic oneofs
// of proto3 optional fields.
func realOneof(f protoreflect.FieldDescriptor) protoreflect.OneofDescriptor {
	if o := f.ContainingOneof(); o != nil && !o.IsSynthetic() {
		return o
	}
	return nil
}

// oneofGroup names the set of fields a writer may set only one of: a real
// oneof by its full name, a field outside any oneof by its number alone.
func oneofGroup(f protoreflect.FieldDescriptor) string {
	if o := realOneof(f); o != nil {
		return string(o.FullName())
	}
	return "#" + itoa(int64(f.Number()))
}

// regroup splits the fields of one group of version a (a oneof) by the
// groups their numbers have in version b, and picks the group that stays:
// the one whose oneof keeps the name, else the largest oneof of two or
// more. It returns the fields of the other groups (movers) and those that
// stayed, each sorted by number.
func regroup(name protoreflect.Name, members []protoreflect.FieldDescriptor, other protoreflect.MessageDescriptor) (movers, stayers []protoreflect.FieldDescriptor) {
	groups := map[string][]protoreflect.FieldDescriptor{}
	var order []string
	for _, f := range members {
		g := other.Fields().ByNumber(f.Number())
		if g == nil {
			continue
		}
		k := oneofGroup(g)
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], f)
	}
	if len(groups) < 2 {
		return nil, nil
	}
	stay := ""
	for _, k := range order {
		if o := realOneof(other.Fields().ByNumber(groups[k][0].Number())); o != nil && o.Name() == name {
			stay = k
		}
	}
	if stay == "" {
		for _, k := range order {
			if len(groups[k]) >= 2 && !strings.HasPrefix(k, "#") && (stay == "" || len(groups[k]) > len(groups[stay])) {
				stay = k
			}
		}
	}
	for _, k := range order {
		if k == stay {
			stayers = append(stayers, groups[k]...)
		} else {
			movers = append(movers, groups[k]...)
		}
	}
	byNumber := func(fs []protoreflect.FieldDescriptor) {
		sort.Slice(fs, func(i, j int) bool { return fs[i].Number() < fs[j].Number() })
	}
	byNumber(movers)
	byNumber(stayers)
	return movers, stayers
}

func shortNames(fs []protoreflect.FieldDescriptor) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = string(f.Name())
	}
	return out
}

// fieldOneofChanged reports fields a writer of one version may set
// together that a reader of the other keeps only one of: fields merged
// into a oneof of NEW from different groups of OLD (which hurts readers
// built from NEW), and fields of a oneof of OLD spread over different
// groups of NEW (which hurts readers built from OLD). A merge or split is
// one finding, named by the first field that moved.
func fieldOneofChanged(c *checker, p messagePair, e *emit) {
	if p.old == nil || p.new == nil {
		return
	}
	element := func(f protoreflect.FieldDescriptor) string { return string(p.old.FullName()) + "." + string(f.Name()) }
	reported := map[protoreflect.FieldNumber]bool{}
	// Merges, in NEW's oneofs: members that were in different groups.
	for i := 0; i < p.new.Oneofs().Len() && c.opts.Flow == FlowBoth; i++ {
		no := p.new.Oneofs().Get(i)
		if no.IsSynthetic() {
			continue
		}
		var members []protoreflect.FieldDescriptor
		for j := 0; j < no.Fields().Len(); j++ {
			if of := p.old.Fields().ByNumber(no.Fields().Get(j).Number()); of != nil {
				members = append(members, of)
			}
		}
		movers, stayers := regroup(no.Name(), members, p.old)
		if len(movers) == 0 {
			continue
		}
		// movers and stayers are OLD fields here: the groups are OLD's.
		f := movers[0]
		for _, m := range movers {
			reported[m.Number()] = true
		}
		nf := p.new.Fields().ByNumber(f.Number())
		loc := c.new.location(nf)
		if len(movers) == 1 {
			join := fmt.Sprintf("a reader built from NEW keeps only one of %s, which a writer built from OLD may set together", quoteList(shortNames(append(movers, stayers...))))
			if oo := realOneof(f); oo != nil {
				left := leftBehind(f, p.new)
				msg := fmt.Sprintf("Field %s moved from oneof %s to oneof %s; %s", element(f), oo.Name(), no.Name(), join)
				if len(left) > 0 {
					msg += fmt.Sprintf("; a reader built from OLD keeps only one of %s, which a writer built from NEW may set together", quoteList(shortNames(append([]protoreflect.FieldDescriptor{f}, left...))))
				}
				e.on(element(f)).at(loc, "%s.", msg)
				continue
			}
			e.on(element(f)).at(loc, "Field %s moved into oneof %s; %s.", element(f), no.Name(), join)
			continue
		}
		names := make([]string, len(movers))
		for i, m := range movers {
			names[i] = element(m)
		}
		e.on(element(f)).at(loc, "Fields %s moved into oneof %s; a reader built from NEW keeps only one of %s, which a writer built from OLD may set together.", quoteList(names), no.Name(), quoteList(shortNames(append(movers, stayers...))))
	}
	// Splits, in OLD's oneofs: members now in different groups.
	for i := 0; i < p.old.Oneofs().Len(); i++ {
		oo := p.old.Oneofs().Get(i)
		if oo.IsSynthetic() {
			continue
		}
		var members []protoreflect.FieldDescriptor
		for j := 0; j < oo.Fields().Len(); j++ {
			members = append(members, oo.Fields().Get(j))
		}
		movers, stayers := regroup(oo.Name(), members, p.new)
		var left []protoreflect.FieldDescriptor
		for _, m := range movers {
			if !reported[m.Number()] {
				left = append(left, m)
			}
		}
		if len(left) == 0 {
			continue
		}
		f := left[0]
		loc := c.new.location(p.new.Fields().ByNumber(f.Number()))
		if len(left) == 1 {
			where := "out of oneof " + string(oo.Name())
			if no := realOneof(p.new.Fields().ByNumber(f.Number())); no != nil {
				where = fmt.Sprintf("from oneof %s to oneof %s", oo.Name(), no.Name())
			}
			e.on(element(f)).at(loc, "Field %s moved %s; a reader built from OLD keeps only one of %s, which a writer built from NEW may set together.", element(f), where, quoteList(shortNames(append([]protoreflect.FieldDescriptor{f}, leftBehind(f, p.new)...))))
			continue
		}
		names := make([]string, len(left))
		for i, m := range left {
			names[i] = element(m)
		}
		e.on(element(f)).at(loc, "Fields %s moved out of oneof %s; a reader built from OLD keeps only one of %s, which a writer built from NEW may set together.", quoteList(names), oo.Name(), quoteList(shortNames(append(left, stayers...))))
	}
}

// leftBehind lists the other members of f's OLD oneof that NEW has
// outside the oneof f is in now.
func leftBehind(f protoreflect.FieldDescriptor, new protoreflect.MessageDescriptor) []protoreflect.FieldDescriptor {
	oo := realOneof(f)
	nf := new.Fields().ByNumber(f.Number())
	if oo == nil || nf == nil {
		return nil
	}
	var out []protoreflect.FieldDescriptor
	for i := 0; i < oo.Fields().Len(); i++ {
		g := oo.Fields().Get(i)
		if ng := new.Fields().ByNumber(g.Number()); g != f && ng != nil && oneofGroup(ng) != oneofGroup(nf) {
			out = append(out, g)
		}
	}
	return out
}

func fieldPresenceChanged(c *checker, p fieldPair, e *emit) {
	if !bothPresent(p) || required(p.old) || required(p.new) ||
		p.old.Cardinality() == protoreflect.Repeated || p.new.Cardinality() == protoreflect.Repeated ||
		p.old.Message() != nil || p.new.Message() != nil ||
		(realOneof(p.old) == nil) != (realOneof(p.new) == nil) {
		return // oneof members always track presence; FIELD_ONEOF_CHANGED covers the move
	}
	if p.old.HasPresence() != p.new.HasPresence() {
		if p.new.HasPresence() {
			e.add("Field %s now tracks presence (explicit optional), which changes its generated accessors.", e.element)
		} else {
			e.add("Field %s no longer tracks presence, which changes its generated accessors.", e.element)
		}
	}
}

func fieldDefaultChanged(c *checker, p fieldPair, e *emit) {
	if !bothPresent(p) || p.old.Cardinality() == protoreflect.Repeated || p.new.Cardinality() == protoreflect.Repeated ||
		p.old.Message() != nil || p.new.Message() != nil || wireBreak(p.old, p.new) != "" {
		return
	}
	// An enum field without an explicit default defaults to the enum's
	// first value, which a reordering of a proto2 enum changes.
	enums := p.old.Kind() == protoreflect.EnumKind && p.new.Kind() == protoreflect.EnumKind
	if !p.old.HasDefault() && !p.new.HasDefault() && !enums {
		return
	}
	if defaultKey(p.old) != defaultKey(p.new) {
		e.add("The default of field %s changed from %s to %s.", e.element, defaultString(p.old), defaultString(p.new))
	}
}

// defaultKey is what a reader sees for an unset field: enum defaults by
// number, since a renamed value is ENUM_VALUE_NAME_CHANGED's business.
func defaultKey(f protoreflect.FieldDescriptor) string {
	if f.Kind() == protoreflect.EnumKind {
		return itoa(int64(f.Default().Enum()))
	}
	return defaultString(f)
}

func defaultString(f protoreflect.FieldDescriptor) string {
	v := f.Default()
	switch f.Kind() {
	case protoreflect.EnumKind:
		if ev := f.DefaultEnumValue(); ev != nil {
			return string(ev.Name())
		}
		if ev := f.Enum().Values().ByNumber(v.Enum()); ev != nil {
			return string(ev.Name())
		}
		return itoa(int64(v.Enum()))
	case protoreflect.BytesKind:
		return fmt.Sprintf("%q", bytes.Clone(v.Bytes()))
	case protoreflect.StringKind:
		return fmt.Sprintf("%q", v.String())
	}
	return fmt.Sprint(v.Interface())
}

func extensionAdded(c *checker, p fieldPair, e *emit) {
	if p.ext && p.old == nil && !inFileOnlyHere(c.old, p.new) {
		e.add("Extension %s of %s (number %d) was added.", e.element, p.new.ContainingMessage().FullName(), p.new.Number())
	}
}

func extensionDeleted(c *checker, p fieldPair, e *emit) {
	if p.ext && p.new == nil {
		e.add("Extension %s of %s was deleted; generated code that names it breaks.", e.element, p.old.ContainingMessage().FullName())
	}
}

func customOptionChanged(c *checker, p fieldPair, e *emit) {
	if !p.option || !bothPresent(p) {
		return
	}
	switch {
	case p.old.Number() != p.new.Number():
		e.add("Custom option %s changed number from %d to %d.", e.element, p.old.Number(), p.new.Number())
	case p.old.FullName() != p.new.FullName():
		e.add("Custom option %s (number %d) was renamed to %s.", e.element, p.old.Number(), p.new.FullName())
	case typeName(p.old) != typeName(p.new) || p.old.Kind() != p.new.Kind():
		e.add("Custom option %s changed type from %s to %s.", e.element, typeName(p.old), typeName(p.new))
	case p.old.Cardinality() != p.new.Cardinality():
		e.add("Custom option %s changed from %s to %s.", e.element, cardinality(p.old), cardinality(p.new))
	}
}
