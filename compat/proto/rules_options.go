package proto

import (
	"fmt"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
)

// Rules over the options and edition features of fields, messages and
// RPCs that change an encoding, a runtime's behaviour or generated code.

// utf8Rank orders how strictly readers of one part of a field (the field,
// or a map's key or value) check UTF-8: bytes and unchecked strings 0, a
// string only Java checks 1, a string every reader checks 2. A writer
// checks as strictly as its readers, so a reader ranked above the writer
// may reject what the writer sends.
func utf8Rank(f, part protoreflect.FieldDescriptor) int {
	switch {
	case part.Kind() != protoreflect.StringKind:
		return 0
	case utf8Verified(f):
		return 2
	case javaUTF8Verified(f):
		return 1
	}
	return 0
}

func utf8Words(part protoreflect.FieldDescriptor, rank int) string {
	switch {
	case part.Kind() == protoreflect.BytesKind:
		return "bytes (never checked as UTF-8)"
	case part.Kind() != protoreflect.StringKind:
		return part.Kind().String()
	case rank == 2:
		return "a string every reader checks as UTF-8"
	case rank == 1:
		return "a string Java readers check as UTF-8"
	}
	return "a string no reader checks as UTF-8"
}

func fieldUTF8ValidationChanged(c *checker, p fieldPair, e *emit) {
	if !bothPresent(p) || p.old.IsMap() != p.new.IsMap() || wireBreak(p.old, p.new) != "" {
		return
	}
	op, np := typeParts(p.old), typeParts(p.new)
	what := []string{"Field " + e.element}
	if p.old.IsMap() {
		what = []string{"The keys of field " + e.element, "The values of field " + e.element}
	}
	for i := range op {
		or, nr := utf8Rank(p.old, op[i]), utf8Rank(p.new, np[i])
		if or == nr || (nr > or && c.opts.Flow == FlowNewWritesOldReads) {
			continue
		}
		strict, lax := "NEW", "OLD"
		if or > nr {
			strict, lax = "OLD", "NEW"
		}
		e.add("%s changed from %s to %s: a reader built from %s rejects the whole message when a writer built from %s sends bytes that are not valid UTF-8.",
			what[i], utf8Words(op[i], or), utf8Words(np[i], nr), strict, lax)
		return
	}
}

func fieldOptions(f protoreflect.FieldDescriptor) *descriptorpb.FieldOptions {
	if o, ok := f.Options().(*descriptorpb.FieldOptions); ok && o != nil {
		return o
	}
	return &descriptorpb.FieldOptions{}
}

// jsType is the JavaScript type generated code uses for a 64-bit integer
// field.
func jsType(f protoreflect.FieldDescriptor) string {
	switch fieldOptions(f).GetJstype() {
	case descriptorpb.FieldOptions_JS_STRING:
		return "JS_STRING"
	case descriptorpb.FieldOptions_JS_NUMBER:
		return "JS_NUMBER"
	}
	return "JS_NORMAL"
}

func fieldJSTypeChanged(c *checker, p fieldPair, e *emit) {
	if !bothPresent(p) || wireBreak(p.old, p.new) != "" {
		return
	}
	if o, n := jsType(p.old), jsType(p.new); o != n {
		e.add("The jstype of field %s changed from %s to %s, so JavaScript code generated from OLD and NEW holds its value as a different type (a number loses precision past 2^53).", e.element, o, n)
	}
}

// cppStringType is the C++ type generated code uses for a string or
// bytes field: the ctype option, or in editions the (pb.cpp).string_type
// feature, STRING when neither is set.
func cppStringType(f protoreflect.FieldDescriptor) string {
	if f.Kind() != protoreflect.StringKind && f.Kind() != protoreflect.BytesKind {
		return ""
	}
	if f.ParentFile() != nil && f.ParentFile().Syntax() == protoreflect.Editions {
		if v, ok := languageFeature(f, featureCpp, cppStringTypeField); ok {
			switch v {
			case cppStringTypeView:
				return "VIEW"
			case cppStringTypeCord:
				return "CORD"
			}
			return "STRING"
		}
	}
	switch fieldOptions(f).GetCtype() {
	case descriptorpb.FieldOptions_CORD:
		return "CORD"
	case descriptorpb.FieldOptions_STRING_PIECE:
		return "VIEW"
	}
	return "STRING"
}

func fieldCTypeChanged(c *checker, p fieldPair, e *emit) {
	if !bothPresent(p) {
		return
	}
	if o, n := cppStringType(p.old), cppStringType(p.new); o != "" && n != "" && o != n {
		e.add("The C++ string type of field %s changed from %s to %s (ctype or (pb.cpp).string_type), so C++ code generated from OLD uses accessors NEW no longer has.", e.element, o, n)
	}
}

func messageOptions(m protoreflect.MessageDescriptor) *descriptorpb.MessageOptions {
	if o, ok := m.Options().(*descriptorpb.MessageOptions); ok && o != nil {
		return o
	}
	return &descriptorpb.MessageOptions{}
}

func messageSetWireFormatChanged(c *checker, p messagePair, e *emit) {
	if p.old == nil || p.new == nil {
		return
	}
	if o, n := messageOptions(p.old).GetMessageSetWireFormat(), messageOptions(p.new).GetMessageSetWireFormat(); o != n {
		e.add("Message %s %s the MessageSet wire format, which encodes its extensions in other tags, so binary peers built from OLD and NEW misread each other.", p.old.FullName(), pick(n, "now uses", "no longer uses"))
	}
}

func standardDescriptorAccessorRemoved(c *checker, p messagePair, e *emit) {
	if p.old == nil || p.new == nil {
		return
	}
	if !messageOptions(p.old).GetNoStandardDescriptorAccessor() && messageOptions(p.new).GetNoStandardDescriptorAccessor() {
		e.add("Message %s now sets no_standard_descriptor_accessor, so code generated from NEW lacks the descriptor() accessor that code built against OLD calls.", p.old.FullName())
	}
}

// idempotency ranks an RPC's idempotency_level by what clients may do
// with it: retry an IDEMPOTENT call, also send a NO_SIDE_EFFECTS call as
// an HTTP GET (Connect, gRPC-Web caches).
func idempotency(m protoreflect.MethodDescriptor) descriptorpb.MethodOptions_IdempotencyLevel {
	if o, ok := m.Options().(*descriptorpb.MethodOptions); ok && o != nil {
		return o.GetIdempotencyLevel()
	}
	return descriptorpb.MethodOptions_IDEMPOTENCY_UNKNOWN
}

// idempotencyRank orders the levels by what they promise: NO_SIDE_EFFECTS
// implies IDEMPOTENT, which promises more than IDEMPOTENCY_UNKNOWN.
func idempotencyRank(l descriptorpb.MethodOptions_IdempotencyLevel) int {
	switch l {
	case descriptorpb.MethodOptions_NO_SIDE_EFFECTS:
		return 2
	case descriptorpb.MethodOptions_IDEMPOTENT:
		return 1
	}
	return 0
}

func rpcIdempotencyLevelWeakened(c *checker, p methodPair, e *emit) {
	if p.old == nil || p.new == nil {
		return
	}
	o, n := idempotency(p.old), idempotency(p.new)
	if idempotencyRank(n) >= idempotencyRank(o) {
		return
	}
	var who string
	if o == descriptorpb.MethodOptions_NO_SIDE_EFFECTS {
		who = "clients built from OLD may send it as an HTTP GET, which servers built from NEW refuse, and retry it"
	} else {
		who = "clients built from OLD may retry it, repeating its side effects"
	}
	e.add("RPC %s changed idempotency_level from %s to %s: %s.", p.old.FullName(), o, n, who)
}

// quoteList spells names for a message: a, b and c.
func quoteList(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	out := names[0]
	for i := 1; i < len(names)-1; i++ {
		out += ", " + names[i]
	}
	return fmt.Sprintf("%s and %s", out, names[len(names)-1])
}

// languageFeatureChanged reports the language features set on a pair of
// declarations (file, message, field, enum) that differ. Features are
// compared where they are written, so a change to a file's feature is one
// finding, not one per field inheriting it.
func languageFeatureChanged(c *checker, e *emit, what string, o, n protoreflect.Descriptor) {
	if o == nil || n == nil {
		return
	}
	name := string(o.FullName())
	file, isFile := n.(protoreflect.FileDescriptor)
	if isFile {
		name = o.(protoreflect.FileDescriptor).Path()
	}
	for _, f := range languageFeatures {
		if ov, nv := featureWords(o, f.ext, f.number), featureWords(n, f.ext, f.number); ov != nv {
			loc := e.loc()
			if isFile {
				// The option statement, where NEW still has one.
				loc = c.new.set.OptionLocation(file.Path(), "features."+f.name)
			}
			e.at(loc, "The %s feature of %s %s changed from %s to %s, which changes the code generated for that language or how its runtime reads the values.", f.name, what, name, ov, nv)
		}
	}
}

func fileLanguageFeatureChanged(c *checker, p filePair, e *emit) {
	if p.old != nil && p.new != nil {
		languageFeatureChanged(c, e, "file", p.old, p.new)
	}
}

func messageLanguageFeatureChanged(c *checker, p messagePair, e *emit) {
	if p.old != nil && p.new != nil {
		languageFeatureChanged(c, e, "message", p.old, p.new)
	}
}

func fieldLanguageFeatureChanged(c *checker, p fieldPair, e *emit) {
	if bothPresent(p) {
		languageFeatureChanged(c, e, "field", p.old, p.new)
	}
}

func enumLanguageFeatureChanged(c *checker, p enumPair, e *emit) {
	if p.old != nil && p.new != nil {
		languageFeatureChanged(c, e, "enum", p.old, p.new)
	}
}
