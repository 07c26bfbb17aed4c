package proto

import (
	"bytes"
	"fmt"
	"strconv"

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
		return ""
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

func bothPresent(p fieldPair) bool { return p.old != nil && p.new != nil }

func fieldAdded(c *checker, p fieldPair, e *emit) {
	if p.old != nil || p.ext || (required(p.new) && c.opts.Flow == FlowBoth) {
		return
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
	if bothPresent(p) && !p.ext && p.old.Name() != p.new.Name() {
		e.add("Field %s was renamed to %s.", e.element, p.new.Name())
	}
}

func fieldJSONNameChanged(c *checker, p fieldPair, e *emit) {
	if bothPresent(p) && !p.ext && p.old.JSONName() != p.new.JSONName() {
		e.add("The JSON name of field %s changed from %q to %q.", e.element, p.old.JSONName(), p.new.JSONName())
	}
}

func fieldTypeChanged(c *checker, p fieldPair, e *emit) {
	if !bothPresent(p) {
		return
	}
	if why := wireBreak(p.old, p.new); why != "" {
		e.add("Field %s changed type from %s to %s: %s.", e.element, typeName(p.old), typeName(p.new), why)
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
		e.add("Field %s changed type from %s to %s: %s.", e.element, typeName(p.old), typeName(p.new), why)
	}
}

func fieldTypeNameChanged(c *checker, p fieldPair, e *emit) {
	if !bothPresent(p) || typeName(p.old) == typeName(p.new) || wireBreak(p.old, p.new) != "" || jsonTypeBreak(p.old, p.new) != "" {
		return
	}
	e.add("Field %s changed type from %s to %s; both encodings match, generated code differs.", e.element, typeName(p.old), typeName(p.new))
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
		e.add("Field %s changed from %s to %s; binary readers built from the other version drop or misread its values.", e.element, cardinality(p.old), cardinality(p.new))
	}
}

func fieldDelimitedCardinalityChanged(c *checker, p fieldPair, e *emit) {
	if changed, delimited := repeatedChanged(p); changed && delimited {
		e.add("Field %s changed from %s to %s; binary readers cope (a singular reader keeps the last value or merges messages), but JSON writes an array where it wrote a value.", e.element, cardinality(p.old), cardinality(p.new))
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

func fieldOneofChanged(c *checker, p fieldPair, e *emit) {
	if !bothPresent(p) || p.ext {
		return
	}
	oo, no := realOneof(p.old), realOneof(p.new)
	switch {
	case oo == nil && no != nil:
		// Harmless when every other member is new (no OLD writer sets
		// them), or when only NEW writes: it sets one member at most.
		if g := coMember(no, p.new, p.oldMsg); g != nil && c.opts.Flow == FlowBoth {
			e.add("Field %s moved into oneof %s; a reader built from NEW keeps only one of it and %s, which an OLD writer may set together.", e.element, no.Name(), g.Name())
		}
	case oo != nil && no == nil:
		if g := coMember(oo, p.old, p.newMsg); g != nil {
			e.add("Field %s moved out of oneof %s; a reader built from OLD keeps only one of it and %s, which a NEW writer may set together.", e.element, oo.Name(), g.Name())
		}
	case oo != nil && oo.Name() != no.Name():
		// A renamed oneof keeps some of its members together; a field that
		// joins a oneof none of its old companions are in has moved.
		for i := 0; i < oo.Fields().Len(); i++ {
			g := oo.Fields().Get(i)
			if ng := p.newMsg.Fields().ByNumber(g.Number()); g != p.old && ng != nil && ng.ContainingOneof() == no {
				return
			}
		}
		if oo.Fields().Len() > 1 {
			e.add("Field %s moved from oneof %s to oneof %s.", e.element, oo.Name(), no.Name())
		}
	}
}

// coMember returns a member of oneof o other than f whose number the other
// version's message m also has, or nil.
func coMember(o protoreflect.OneofDescriptor, f protoreflect.FieldDescriptor, m protoreflect.MessageDescriptor) protoreflect.FieldDescriptor {
	for i := 0; i < o.Fields().Len(); i++ {
		if g := o.Fields().Get(i); g.Number() != f.Number() && m.Fields().ByNumber(g.Number()) != nil {
			return g
		}
	}
	return nil
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
	if p.ext && p.old == nil {
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
	case typeName(p.old) != typeName(p.new) || p.old.Kind() != p.new.Kind():
		e.add("Custom option %s changed type from %s to %s.", e.element, typeName(p.old), typeName(p.new))
	case p.old.Cardinality() != p.new.Cardinality():
		e.add("Custom option %s changed from %s to %s.", e.element, cardinality(p.old), cardinality(p.new))
	}
}
