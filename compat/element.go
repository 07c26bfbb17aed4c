package compat

import "strings"

// Element is one place a change reaches, as reliance and approvals match it.
// A change to a schema shared by many operations reaches many elements, one
// per operation and the status, media type and path it is met at there; the
// gate decides per element whether a consumer relies on it, and an approval
// names an element (or one that encloses it).
type Element struct {
	// Scope is the unit a consumer declares it uses: an HTTP operation
	// (`GET /orders/{id}`, method upper-case, path as in the document), a
	// webhook or callback operation, an RPC (`orders.v1.OrderService.GetOrder`)
	// or a message type read off a bus (`orders.v1.OrderPlaced`).
	Scope string `json:"scope"`
	// Part is where inside the scope: `request application/json`,
	// `response 200 application/json`, `parameter query limit`,
	// `response 200 header X-Next`; `request` or `response` for an RPC;
	// empty for the scope itself.
	Part string `json:"part,omitempty"`
	// Path is the place inside the part's schema as printed: for OpenAPI
	// `property total`, `property items[].price`; for protobuf the full name
	// of the field, type or enum value (`orders.v1.Order.status`).
	Path string `json:"path,omitempty"`
	// Location is where the element is, in the document the finding points
	// at for it.
	Location Location `json:"location"`
}

// String is the element as findings print it and as `who-uses` and
// `approve --element` accept it:
// `GET /orders/{id} response 200 application/json property total`.
func (e Element) String() string {
	parts := make([]string, 0, 3)
	for _, s := range []string{e.Scope, e.Part, e.Path} {
		if s = strings.TrimSpace(s); s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, " ")
}

// Key is the element normalised for matching: see ElementKey.
func (e Element) Key() string { return ElementKey(e.String()) }

// ElementKey normalises an element as a person may write it: the HTTP
// method upper-cased and path template variables blanked
// (`get /orders/{orderId}/ response 200` → `GET /orders/{} response 200`), a
// gRPC method path `/pkg.Service/Method` as `pkg.Service.Method`, runs of
// spaces as one. Other text is kept as written.
func ElementKey(s string) string {
	fields := strings.Fields(s)
	if len(fields) == 0 {
		return ""
	}
	if len(fields) >= 2 && strings.HasPrefix(fields[1], "/") && isMethodToken(fields[0]) {
		head := ScopeKey(fields[0] + " " + fields[1])
		return strings.Join(append([]string{head}, fields[2:]...), " ")
	}
	fields[0] = ScopeKey(fields[0])
	return strings.Join(fields, " ")
}

// isMethodToken reports whether s is an HTTP method in any letter case.
func isMethodToken(s string) bool {
	switch strings.ToUpper(s) {
	case "GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE", "QUERY", "CONNECT":
		return true
	}
	return false
}

// Within reports whether e is the element named by key (an ElementKey) or
// lies inside it: `GET /orders/{}` holds every element of that operation,
// `GET /orders/{} response 200` every element of that response.
func (e Element) Within(key string) bool {
	k := e.Key()
	return k == key || strings.HasPrefix(k, key+" ")
}

// Scopes lists the distinct scopes of elements, in order of first
// appearance.
func Scopes(elements []Element) []string {
	seen := make(map[string]bool, len(elements))
	out := make([]string, 0, len(elements))
	for _, e := range elements {
		if !seen[e.Scope] {
			seen[e.Scope] = true
			out = append(out, e.Scope)
		}
	}
	return out
}
