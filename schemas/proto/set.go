package proto

import (
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// index records the messages and methods of the set's own files by name.
func (s *Set) index() {
	s.messages = map[protoreflect.FullName]protoreflect.MessageDescriptor{}
	s.methods = map[protoreflect.FullName]protoreflect.MethodDescriptor{}
	var addMessages func(ms protoreflect.MessageDescriptors)
	addMessages = func(ms protoreflect.MessageDescriptors) {
		for i := 0; i < ms.Len(); i++ {
			m := ms.Get(i)
			s.messages[m.FullName()] = m
			addMessages(m.Messages())
		}
	}
	for _, f := range s.Files {
		addMessages(f.Messages())
		for i := 0; i < f.Services().Len(); i++ {
			svc := f.Services().Get(i)
			for j := 0; j < svc.Methods().Len(); j++ {
				m := svc.Methods().Get(j)
				s.methods[m.FullName()] = m
			}
		}
	}
}

// HasMessage reports whether the set defines the fully-qualified message
// type name (e.g. "orders.v1.OrderPlaced"). A leading dot is allowed.
func (s *Set) HasMessage(name string) bool {
	if s == nil {
		return false
	}
	_, ok := s.messages[protoreflect.FullName(strings.TrimPrefix(name, "."))]
	return ok
}

// HasMethod reports whether the set defines the RPC "pkg.Service.Method",
// also spelled as the gRPC path "/pkg.Service/Method".
func (s *Set) HasMethod(name string) bool {
	if s == nil {
		return false
	}
	_, ok := s.methods[protoreflect.FullName(MethodName(name))]
	return ok
}

// MethodName turns a gRPC path "/pkg.Service/Method" into
// "pkg.Service.Method" and returns other spellings unchanged.
func MethodName(name string) string {
	name = strings.TrimSpace(name)
	if strings.HasPrefix(name, "/") && strings.Count(name, "/") == 2 {
		return strings.Replace(name[1:], "/", ".", 1)
	}
	return name
}

// Message returns the message type of the set's own files named name.
func (s *Set) Message(name string) (protoreflect.MessageDescriptor, bool) {
	m, ok := s.messages[protoreflect.FullName(strings.TrimPrefix(name, "."))]
	return m, ok
}

// Method returns the RPC of the set's own files named "pkg.Service.Method"
// or "/pkg.Service/Method".
func (s *Set) Method(name string) (protoreflect.MethodDescriptor, bool) {
	m, ok := s.methods[protoreflect.FullName(MethodName(name))]
	return m, ok
}
