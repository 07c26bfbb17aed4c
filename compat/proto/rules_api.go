package proto

import (
	"fmt"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// Rules over the Google API annotations (google/api/annotations.proto,
// google/api/field_behavior.proto): an RPC's HTTP bindings, which REST
// clients of a transcoded gRPC API call, and the field behaviours servers
// enforce on requests. They are JSON-level contract: transcoding clients
// speak JSON, and binary peers never see them.

// httpBinding is one HTTP rule of an RPC: google.api.http or one of its
// additional_bindings.
type httpBinding struct {
	verb, path, body, responseBody string
}

func (b httpBinding) String() string { return b.verb + " " + b.path }

// route is what a client's request must match: the verb and the path
// template without its variable names (`/v1/{name=shelves/*}` and
// `/v1/{shelf=shelves/*}` take the same URLs).
func (b httpBinding) route() string {
	var out strings.Builder
	path := b.path
	for {
		open := strings.IndexByte(path, '{')
		if open < 0 {
			out.WriteString(path)
			break
		}
		end := strings.IndexByte(path[open:], '}')
		if end < 0 {
			out.WriteString(path)
			break
		}
		out.WriteString(path[:open])
		v := path[open+1 : open+end]
		if _, pattern, ok := strings.Cut(v, "="); ok {
			out.WriteString("{" + pattern + "}")
		} else {
			out.WriteString("{*}")
		}
		path = path[open+end+1:]
	}
	return b.verb + " " + out.String()
}

// httpBindings reads the google.api.http option of m: the rule, then its
// additional bindings.
func httpBindings(m protoreflect.MethodDescriptor) []httpBinding {
	v, fd, ok := extensionValue(m.Options(), "google.api.http")
	if !ok || fd.IsList() || fd.Message() == nil {
		return nil // absent, or a folder's own google.api.http of another type
	}
	rule := v.Message()
	out := []httpBinding{}
	if b, ok := readHTTPRule(rule); ok {
		out = append(out, b)
	}
	if fd := rule.Descriptor().Fields().ByName("additional_bindings"); fd != nil && fd.IsList() && fd.Message() != nil && !fd.IsMap() {
		l := rule.Get(fd).List()
		for i := 0; i < l.Len(); i++ {
			if b, ok := readHTTPRule(l.Get(i).Message()); ok {
				out = append(out, b)
			}
		}
	}
	return out
}

// readHTTPRule reads one google.api.HttpRule message.
func readHTTPRule(m protoreflect.Message) (httpBinding, bool) {
	str := func(msg protoreflect.Message, name protoreflect.Name) string {
		if fd := msg.Descriptor().Fields().ByName(name); fd != nil && fd.Kind() == protoreflect.StringKind && !fd.IsList() {
			return msg.Get(fd).String()
		}
		return ""
	}
	b := httpBinding{body: str(m, "body"), responseBody: str(m, "response_body")}
	for _, verb := range []protoreflect.Name{"get", "put", "post", "delete", "patch"} {
		if fd := m.Descriptor().Fields().ByName(verb); fd != nil && m.Has(fd) {
			b.verb, b.path = strings.ToUpper(string(verb)), str(m, verb)
			return b, true
		}
	}
	if fd := m.Descriptor().Fields().ByName("custom"); fd != nil && fd.Message() != nil && !fd.IsList() && m.Has(fd) {
		c := m.Get(fd).Message()
		b.verb, b.path = strings.ToUpper(str(c, "kind")), str(c, "path")
		return b, b.verb != ""
	}
	return b, false
}

// bodyWords says how a binding maps the request or response body.
func bodyWords(body string) string {
	switch body {
	case "":
		return "no body"
	case "*":
		return "the whole message"
	}
	return "field " + body
}

// httpChange describes how binding n differs from o, or "".
func httpChange(o, n httpBinding) string {
	var what []string
	if o.route() != n.route() {
		what = append(what, fmt.Sprintf("is now %s", n))
	} else if o.path != n.path {
		what = append(what, fmt.Sprintf("binds its path as %s", n.path))
	}
	if o.body != n.body {
		what = append(what, fmt.Sprintf("takes %s as the request body where it took %s", bodyWords(n.body), bodyWords(o.body)))
	}
	if o.responseBody != n.responseBody {
		what = append(what, fmt.Sprintf("returns %s as the response body where it returned %s", bodyWords(pick(n.responseBody == "", "*", n.responseBody)), bodyWords(pick(o.responseBody == "", "*", o.responseBody))))
	}
	return strings.Join(what, ", and ")
}

// httpPairs pairs the bindings of two versions of an RPC: same binding,
// then same route, then in the order they are declared; the rest are gone
// (o only) or new (n only).
func httpPairs(ob, nb []httpBinding) (pairs [][2]httpBinding, gone, added []httpBinding) {
	usedO, usedN := make([]bool, len(ob)), make([]bool, len(nb))
	match := func(same func(o, n httpBinding) bool) {
		for i, o := range ob {
			for j, n := range nb {
				if !usedO[i] && !usedN[j] && same(o, n) {
					usedO[i], usedN[j] = true, true
					pairs = append(pairs, [2]httpBinding{o, n})
				}
			}
		}
	}
	match(func(o, n httpBinding) bool { return o == n })
	match(func(o, n httpBinding) bool { return o.route() == n.route() })
	var restO, restN []int
	for i := range ob {
		if !usedO[i] {
			restO = append(restO, i)
		}
	}
	for j := range nb {
		if !usedN[j] {
			restN = append(restN, j)
		}
	}
	for k := 0; k < len(restO) && k < len(restN); k++ {
		pairs = append(pairs, [2]httpBinding{ob[restO[k]], nb[restN[k]]})
	}
	for k := len(restN); k < len(restO); k++ {
		gone = append(gone, ob[restO[k]])
	}
	for k := len(restO); k < len(restN); k++ {
		added = append(added, nb[restN[k]])
	}
	return pairs, gone, added
}

func rpcHTTPBindingAdded(c *checker, p methodPair, e *emit) {
	if p.old == nil || p.new == nil {
		return
	}
	_, _, added := httpPairs(httpBindings(p.old), httpBindings(p.new))
	for _, b := range added {
		e.add("RPC %s gained the HTTP binding %s.", p.old.FullName(), b)
	}
}

func rpcHTTPBindingChanged(c *checker, p methodPair, e *emit) {
	if p.old == nil || p.new == nil {
		return
	}
	pairs, _, _ := httpPairs(httpBindings(p.old), httpBindings(p.new))
	for _, pr := range pairs {
		if what := httpChange(pr[0], pr[1]); what != "" {
			e.add("The HTTP binding %s of RPC %s %s, so REST clients built from OLD call it wrongly.", pr[0], p.old.FullName(), what)
		}
	}
}

func rpcHTTPBindingDeleted(c *checker, p methodPair, e *emit) {
	if p.old == nil || p.new == nil {
		return
	}
	_, gone, _ := httpPairs(httpBindings(p.old), httpBindings(p.new))
	for _, b := range gone {
		e.add("The HTTP binding %s of RPC %s was removed; REST clients built from OLD get 404 or 405.", b, p.old.FullName())
	}
}

// The google.api.FieldBehavior values compared.
const (
	behaviorRequired   = 2
	behaviorOutputOnly = 3
	behaviorImmutable  = 5
)

// fieldBehaviors reads the google.api.field_behavior option of f.
func fieldBehaviors(f protoreflect.FieldDescriptor) map[protoreflect.EnumNumber]bool {
	if f == nil {
		return nil
	}
	v, fd, ok := extensionValue(f.Options(), "google.api.field_behavior")
	if !ok {
		return nil
	}
	out := map[protoreflect.EnumNumber]bool{}
	switch {
	case fd.Kind() != protoreflect.EnumKind || fd.IsMap():
		// A folder's own google.api.field_behavior of another type.
	case fd.IsList():
		l := v.List()
		for i := 0; i < l.Len(); i++ {
			out[l.Get(i).Enum()] = true
		}
	default:
		out[v.Enum()] = true
	}
	return out
}

// inRequests reports whether the side's message m is part of some RPC's
// request.
func inRequests(s *side, m protoreflect.MessageDescriptor) bool {
	return m != nil && s.requestTypes()[m.FullName()]
}

// requiredAddedToRequest reports whether field pair p makes a field of a
// request REQUIRED (google.api.field_behavior) that was not.
func requiredAddedToRequest(c *checker, p fieldPair) bool {
	if p.new == nil || p.ext || !fieldBehaviors(p.new)[behaviorRequired] || fieldBehaviors(p.old)[behaviorRequired] {
		return false
	}
	return inRequests(c.old, p.oldMsg) || inRequests(c.new, p.newMsg)
}

func fieldBehaviorRequiredAdded(c *checker, p fieldPair, e *emit) {
	if !requiredAddedToRequest(c, p) {
		return
	}
	r := e.requests()
	if p.old == nil {
		r.add("Field %s (number %d) was added as REQUIRED (google.api.field_behavior); servers built from NEW refuse requests from clients built from OLD, which never set it.", e.element, p.new.Number())
		return
	}
	r.add("Field %s became REQUIRED (google.api.field_behavior); servers built from NEW refuse requests from clients built from OLD that leave it out.", e.element)
}

func fieldBehaviorRestricted(c *checker, p fieldPair, e *emit) {
	if !bothPresent(p) || p.ext || !(inRequests(c.old, p.oldMsg) || inRequests(c.new, p.newMsg)) {
		return
	}
	ob, nb := fieldBehaviors(p.old), fieldBehaviors(p.new)
	for _, b := range []struct {
		value protoreflect.EnumNumber
		name  string
		what  string
	}{
		{behaviorOutputOnly, "OUTPUT_ONLY", "ignore or refuse the value clients built from OLD set in it"},
		{behaviorImmutable, "IMMUTABLE", "refuse updates of it that clients built from OLD make"},
	} {
		if nb[b.value] && !ob[b.value] && !ob[behaviorOutputOnly] {
			e.requests().add("Field %s became %s (google.api.field_behavior); servers built from NEW %s.", e.element, b.name, b.what)
			return
		}
	}
}
