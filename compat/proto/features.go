package proto

import (
	"github.com/bufbuild/protocompile/protoutil"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
)

// Reading options and edition features off linked descriptors. Custom
// options and language features (pb.cpp, pb.java, pb.go) are extensions
// the compiler interprets into dynamic messages, or leaves as unknown
// bytes; both are read here by number.

// The language feature extensions of google.protobuf.FeatureSet and the
// fields of theirs that are compared.
const (
	featureCpp  = 1000 // pb.cpp
	featureJava = 1001 // pb.java
	featureGo   = 1002 // pb.go

	cppStringTypeField = 2 // pb.cpp.string_type
	javaUTF8           = 2 // pb.java.utf8_validation
	javaUTF8Verify     = 2 // pb.JavaFeatures.Utf8Validation.VERIFY
	cppStringTypeView  = 1 // pb.CppFeatures.StringType.VIEW
	cppStringTypeCord  = 2 // pb.CppFeatures.StringType.CORD
)

var featureSetFields = (&descriptorpb.FeatureSet{}).ProtoReflect().Descriptor().Fields()

// utf8Verified reports whether every reader of string field f rejects
// invalid UTF-8: the utf8_validation feature is VERIFY (the proto3 and
// edition 2023 default; proto2 strings are not checked). For a map, the
// map field's own features count, as for its key and value.
func utf8Verified(f protoreflect.FieldDescriptor) bool {
	v, err := protoutil.ResolveFeature(f, featureSetFields.ByName("utf8_validation"))
	return err == nil && descriptorpb.FeatureSet_Utf8Validation(v.Enum()) == descriptorpb.FeatureSet_VERIFY
}

// javaUTF8Verified reports whether Java readers of string field f reject
// invalid UTF-8 although other runtimes need not: java_string_check_utf8
// in proto2 and proto3, (pb.java).utf8_validation = VERIFY in editions.
func javaUTF8Verified(f protoreflect.FieldDescriptor) bool {
	if f.ParentFile() == nil {
		return false
	}
	if f.ParentFile().Syntax() != protoreflect.Editions {
		o, _ := f.ParentFile().Options().(*descriptorpb.FileOptions)
		return o.GetJavaStringCheckUtf8()
	}
	v, ok := languageFeature(f, featureJava, javaUTF8)
	return ok && v == javaUTF8Verify
}

// languageFeature resolves field number of the language feature extension
// ext for d: set on d or on the nearest enclosing declaration that sets it.
func languageFeature(d protoreflect.Descriptor, ext, number protowire.Number) (int64, bool) {
	for ; d != nil; d = d.Parent() {
		if v, ok := explicitLanguageFeature(d, ext, number); ok {
			return v, true
		}
	}
	return 0, false
}

// explicitLanguageFeature returns the varint value of field number of the
// language feature ext set in d's own options, if it is set there.
func explicitLanguageFeature(d protoreflect.Descriptor, ext, number protowire.Number) (int64, bool) {
	fs := featuresOf(d)
	if fs == nil {
		return 0, false
	}
	var out int64
	found := false
	fs.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if !fd.IsExtension() || fd.Number() != ext || fd.Message() == nil || fd.IsList() {
			return true
		}
		m := v.Message()
		if sub := m.Descriptor().Fields().ByNumber(number); sub != nil && m.Has(sub) {
			switch val := m.Get(sub).Interface().(type) {
			case protoreflect.EnumNumber:
				out, found = int64(val), true
			case bool:
				out, found = boolInt(val), true
			case int32:
				out, found = int64(val), true
			}
		}
		return false
	})
	if found {
		return out, true
	}
	return rawField(fs.GetUnknown(), ext, number)
}

// featuresOf returns the FeatureSet of d's own options, or nil.
func featuresOf(d protoreflect.Descriptor) protoreflect.Message {
	opts := d.Options()
	if opts == nil {
		return nil
	}
	m := opts.ProtoReflect()
	fd := m.Descriptor().Fields().ByName("features")
	if fd == nil || !m.Has(fd) {
		return nil
	}
	return m.Get(fd).Message()
}

// rawField finds, in unknown bytes, the message field ext and in it the
// varint field number.
func rawField(b []byte, ext, number protowire.Number) (int64, bool) {
	var out int64
	found := false
	eachField(b, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) {
		if num != ext || typ != protowire.BytesType {
			return
		}
		eachField(v, func(num protowire.Number, typ protowire.Type, _ []byte, x uint64) {
			if num == number && typ == protowire.VarintType {
				out, found = int64(x), true
			}
		})
	})
	return out, found
}

// eachField calls fn for every well-formed field of b: the bytes of a
// length-delimited field, the value of a varint; it stops at the first
// malformed one.
func eachField(b []byte, fn func(num protowire.Number, typ protowire.Type, v []byte, x uint64)) {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return
		}
		b = b[n:]
		switch typ {
		case protowire.VarintType:
			x, m := protowire.ConsumeVarint(b)
			if m < 0 {
				return
			}
			fn(num, typ, nil, x)
			b = b[m:]
		case protowire.BytesType:
			v, m := protowire.ConsumeBytes(b)
			if m < 0 {
				return
			}
			fn(num, typ, v, 0)
			b = b[m:]
		default:
			m := protowire.ConsumeFieldValue(num, typ, b)
			if m < 0 {
				return
			}
			b = b[m:]
		}
	}
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// extensionValue returns the value of the custom option (an extension of
// one of descriptor.proto's options messages) named name in opts, if set.
func extensionValue(opts proto.Message, name protoreflect.FullName) (protoreflect.Value, protoreflect.FieldDescriptor, bool) {
	if opts == nil {
		return protoreflect.Value{}, nil, false
	}
	var (
		val protoreflect.Value
		fd  protoreflect.FieldDescriptor
	)
	opts.ProtoReflect().Range(func(f protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if f.IsExtension() && f.FullName() == name {
			val, fd = v, f
			return false
		}
		return true
	})
	return val, fd, fd != nil
}

// languageFeatures are the language features compared by
// LANGUAGE_FEATURE_CHANGED: each changes the code generated for one
// language, or how its runtime treats values. The C++ string type and
// Java's UTF-8 check have rules of their own.
var languageFeatures = []struct {
	name        string
	ext, number protowire.Number
}{
	{"(pb.cpp).legacy_closed_enum", featureCpp, 1},
	{"(pb.cpp).enum_name_uses_string_view", featureCpp, 3},
	{"(pb.java).legacy_closed_enum", featureJava, 1},
	{"(pb.java).large_enum", featureJava, 3},
	{"(pb.java).use_old_outer_classname_default", featureJava, 4},
	{"(pb.java).nest_in_file_class", featureJava, 5},
	{"(pb.go).legacy_unmarshal_json_enum", featureGo, 1},
	{"(pb.go).api_level", featureGo, 2},
	{"(pb.go).strip_enum_prefix", featureGo, 3},
}

// featureWords spells a feature value as set on d: its enum value name
// where the feature's type is known, else the number; "unset" when d does
// not set it.
func featureWords(d protoreflect.Descriptor, ext, number protowire.Number) string {
	v, ok := explicitLanguageFeature(d, ext, number)
	if !ok {
		return "unset"
	}
	if name := featureValueName(d, ext, number, v); name != "" {
		return name
	}
	return itoa(v)
}

// featureValueName names value v of the feature through its descriptor,
// when the set's files carry it.
func featureValueName(d protoreflect.Descriptor, ext, number protowire.Number, v int64) string {
	fs := featuresOf(d)
	if fs == nil {
		return ""
	}
	name := ""
	fs.Range(func(fd protoreflect.FieldDescriptor, _ protoreflect.Value) bool {
		if fd.IsExtension() && fd.Number() == ext && fd.Message() != nil && !fd.IsList() {
			if sub := fd.Message().Fields().ByNumber(number); sub != nil {
				switch {
				case sub.Enum() != nil:
					if ev := sub.Enum().Values().ByNumber(protoreflect.EnumNumber(v)); ev != nil {
						name = string(ev.Name())
					}
				case sub.Kind() == protoreflect.BoolKind:
					name = pick(v != 0, "true", "false")
				}
			}
			return false
		}
		return true
	})
	return name
}
