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

	// rev maps a type to the messages and methods that refer to it directly.
	rev map[protoreflect.FullName][]protoreflect.FullName
	// isMethod marks the method names among the nodes of rev.
	isMethod map[protoreflect.FullName]bool
	// mapEntry marks synthetic map entry messages, never listed in Affects.
	mapEntry map[protoreflect.FullName]bool
	affects  map[protoreflect.FullName][]string
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
		rev:        map[protoreflect.FullName][]protoreflect.FullName{},
		isMethod:   map[protoreflect.FullName]bool{},
		mapEntry:   map[protoreflect.FullName]bool{},
		affects:    map[protoreflect.FullName][]string{},
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
				s.edge(m.Input().FullName(), m.FullName())
				s.edge(m.Output().FullName(), m.FullName())
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
		s.edge(m.FullName(), from)
	}
	if e := f.Enum(); e != nil {
		s.edge(e.FullName(), from)
	}
}

func (s *side) edge(to, from protoreflect.FullName) {
	s.rev[to] = append(s.rev[to], from)
}

// affectsOf returns, sorted, every message type and RPC whose transitive
// closure contains the type name (the type itself included when it is a
// message).
func (s *side) affectsOf(name protoreflect.FullName) []string {
	if a, ok := s.affects[name]; ok {
		return a
	}
	seen := map[protoreflect.FullName]bool{name: true}
	queue := []protoreflect.FullName{name}
	var out []string
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		if _, isMsg := s.messages[n]; (isMsg || s.isMethod[n]) && !s.mapEntry[n] {
			out = append(out, string(n))
		} else if !s.mapEntry[n] && !s.isMethod[n] {
			if _, isEnum := s.enums[n]; !isEnum && n == name {
				// A message of an imported file (a well-known type).
				out = append(out, string(n))
			}
		}
		for _, from := range s.rev[n] {
			if !seen[from] {
				seen[from] = true
				queue = append(queue, from)
			}
		}
	}
	sort.Strings(out)
	s.affects[name] = out
	return out
}

// location returns where d is declared, in this side's display names.
func (s *side) location(d protoreflect.Descriptor) compat.Location {
	if d == nil {
		return compat.Location{}
	}
	fd := d.ParentFile()
	if fd == nil {
		return compat.Location{}
	}
	loc := compat.Location{File: s.set.Display + fd.Path()}
	if _, ok := d.(protoreflect.FileDescriptor); ok {
		return loc
	}
	sl := fd.SourceLocations().ByDescriptor(d)
	if sl.Path != nil || sl.StartLine != 0 || sl.StartColumn != 0 {
		loc.Line, loc.Column = sl.StartLine+1, sl.StartColumn+1
	}
	return loc
}

// pathLocation returns the location of a source path in file fd.
func (s *side) pathLocation(fd protoreflect.FileDescriptor, path ...int32) compat.Location {
	loc := compat.Location{File: s.set.Display + fd.Path()}
	sl := fd.SourceLocations().ByPath(protoreflect.SourcePath(path))
	if sl.Path != nil {
		loc.Line, loc.Column = sl.StartLine+1, sl.StartColumn+1
	}
	return loc
}
