package proto

import (
	"fmt"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
)

// A new file is one change: what it declares that the other version does
// not have anywhere is part of FILE_ADDED, not a finding each; so is a
// deleted file for the messages and enums that went with it (services and
// RPCs, which break at the wire, keep findings of their own).

// inFileOnlyHere reports whether d is declared in a file the other
// version has no file at the same path of, so the file's finding covers it.
func inFileOnlyHere(other *side, d protoreflect.Descriptor) bool {
	return d.ParentFile() != nil && other.files[d.ParentFile().Path()] == nil
}

// fresh counts, as words, the top-level messages, enums and services of f
// whose full names the other version lacks, leaving out the types moved
// there from elsewhere (moved says which).
func fresh(f protoreflect.FileDescriptor, other *side, moved func(protoreflect.FullName) bool) string {
	var msgs, enums, svcs int
	for i := 0; i < f.Messages().Len(); i++ {
		if n := f.Messages().Get(i).FullName(); other.messages[n] == nil && !moved(n) {
			msgs++
		}
	}
	for i := 0; i < f.Enums().Len(); i++ {
		if n := f.Enums().Get(i).FullName(); other.enums[n] == nil && !moved(n) {
			enums++
		}
	}
	for i := 0; i < f.Services().Len(); i++ {
		if _, ok := other.services[f.Services().Get(i).FullName()]; !ok {
			svcs++
		}
	}
	var parts []string
	for _, n := range []struct {
		n    int
		what string
	}{{msgs, "message"}, {enums, "enum"}, {svcs, "service"}} {
		switch {
		case n.n == 1:
			parts = append(parts, "1 "+n.what)
		case n.n > 1:
			parts = append(parts, itoa(int64(n.n))+" "+n.what+"s")
		}
	}
	return quoteList(parts)
}

func fileAdded(c *checker, p filePair, e *emit) {
	if p.old != nil {
		return
	}
	if what := fresh(p.new, c.old, func(n protoreflect.FullName) bool { return c.renamedTo[n] }); what != "" {
		e.add("File %s was added, declaring %s.", p.new.Path(), what)
		return
	}
	e.add("File %s was added.", p.new.Path())
}

func fileDeleted(c *checker, p filePair, e *emit) {
	if p.new == nil {
		what := fresh(p.old, c.new, func(n protoreflect.FullName) bool {
			return len(c.p.msgPartner[n]) > 0 || len(c.p.enumPartner[n]) > 0
		})
		if what != "" {
			what = ", and with it " + what
		}
		e.add("File %s was deleted or renamed%s; code generated from it and files importing it break.", p.old.Path(), what)
	}
}

func filePackageChanged(c *checker, p filePair, e *emit) {
	if p.old != nil && p.new != nil && p.old.Package() != p.new.Package() {
		e.at(c.new.pathLocation(p.new, 2), "The package of file %s changed from %q to %q.", p.old.Path(), p.old.Package(), p.new.Package())
	}
}

func fileSyntaxChanged(c *checker, p filePair, e *emit) {
	if p.old != nil && p.new != nil && p.old.Syntax() != p.new.Syntax() {
		loc := c.new.pathLocation(p.new, 12) // syntax
		if loc.Line == 0 {
			loc = c.new.pathLocation(p.new, 14) // edition
		}
		e.at(loc, "File %s changed from %s to %s, which changes the generated API.", p.old.Path(), syntaxName(p.old), syntaxName(p.new))
	}
}

func syntaxName(f protoreflect.FileDescriptor) string {
	if f.Syntax() == protoreflect.Editions {
		return "editions"
	}
	return f.Syntax().String()
}

// fileOptions are the file options that steer code generators.
var fileOptions = []struct {
	name string
	get  func(o *descriptorpb.FileOptions) any
}{
	{"go_package", func(o *descriptorpb.FileOptions) any { return o.GetGoPackage() }},
	{"java_package", func(o *descriptorpb.FileOptions) any { return o.GetJavaPackage() }},
	{"java_outer_classname", func(o *descriptorpb.FileOptions) any { return o.GetJavaOuterClassname() }},
	{"java_multiple_files", func(o *descriptorpb.FileOptions) any { return o.GetJavaMultipleFiles() }},
	{"csharp_namespace", func(o *descriptorpb.FileOptions) any { return o.GetCsharpNamespace() }},
	{"objc_class_prefix", func(o *descriptorpb.FileOptions) any { return o.GetObjcClassPrefix() }},
	{"php_namespace", func(o *descriptorpb.FileOptions) any { return o.GetPhpNamespace() }},
	{"php_metadata_namespace", func(o *descriptorpb.FileOptions) any { return o.GetPhpMetadataNamespace() }},
	{"ruby_package", func(o *descriptorpb.FileOptions) any { return o.GetRubyPackage() }},
	{"swift_prefix", func(o *descriptorpb.FileOptions) any { return o.GetSwiftPrefix() }},
	{"optimize_for", func(o *descriptorpb.FileOptions) any { return o.GetOptimizeFor().String() }},
	{"php_class_prefix", func(o *descriptorpb.FileOptions) any { return o.GetPhpClassPrefix() }},
	{"java_string_check_utf8", func(o *descriptorpb.FileOptions) any { return o.GetJavaStringCheckUtf8() }},
	{"cc_enable_arenas", func(o *descriptorpb.FileOptions) any { return o.GetCcEnableArenas() }},
	{"cc_generic_services", func(o *descriptorpb.FileOptions) any { return o.GetCcGenericServices() }},
	{"java_generic_services", func(o *descriptorpb.FileOptions) any { return o.GetJavaGenericServices() }},
	{"py_generic_services", func(o *descriptorpb.FileOptions) any { return o.GetPyGenericServices() }},
}

func fileOptionChanged(c *checker, p filePair, e *emit) {
	if p.old == nil || p.new == nil {
		return
	}
	oo, _ := p.old.Options().(*descriptorpb.FileOptions)
	no, _ := p.new.Options().(*descriptorpb.FileOptions)
	if oo == nil {
		oo = &descriptorpb.FileOptions{}
	}
	if no == nil {
		no = &descriptorpb.FileOptions{}
	}
	if proto.Equal(oo, no) {
		return
	}
	for _, opt := range fileOptions {
		ov, nv := opt.get(oo), opt.get(no)
		if ov == nv {
			continue
		}
		loc := c.new.set.OptionLocation(p.new.Path(), opt.name)
		e.at(loc, "The %s option of file %s changed from %s to %s.", opt.name, p.old.Path(), quote(ov), quote(nv))
	}
}

func quote(v any) string {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprint(v)
}
