package compat

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Severity says how bad a finding is for the clients or readers of a contract.
type Severity int

// The severities, from harmless to refusing.
const (
	// Info is a change nobody is hurt by: an addition, a widening, a change
	// nobody relies on. It makes `diff` double as a changelog.
	Info Severity = iota
	// Warning is a change that may hurt some clients and deserves a look.
	Warning
	// Breaking is a change that makes some client or reader fail.
	Breaking
)

var severityNames = [...]string{Info: "info", Warning: "warning", Breaking: "breaking"}

// String returns the lower-case name: info, warning or breaking.
func (s Severity) String() string {
	if s < 0 || int(s) >= len(severityNames) {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// ParseSeverity reads the name String returns.
func ParseSeverity(name string) (Severity, error) {
	for i, n := range severityNames {
		if n == name {
			return Severity(i), nil
		}
	}
	return Info, fmt.Errorf("unknown severity %q: want info, warning or breaking", name)
}

// MarshalText writes the severity by name, so JSON reports are readable.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a severity written by MarshalText.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Level is a protobuf comparison level. Each level includes the ones before
// it: wire ⊂ json ⊂ source.
type Level int

// The protobuf levels.
const (
	// Wire is the binary encoding: numbers, wire types, cardinality.
	Wire Level = iota
	// JSON is wire plus the protobuf JSON mapping: field names, json_name,
	// enum value names, 64-bit integers as strings, bytes as base64.
	JSON
	// Source is JSON plus generated code: type names, files, packages,
	// language options.
	Source
)

var levelNames = [...]string{Wire: "wire", JSON: "json", Source: "source"}

// String returns the level's name: wire, json or source.
func (l Level) String() string {
	if l < 0 || int(l) >= len(levelNames) {
		return fmt.Sprintf("level(%d)", int(l))
	}
	return levelNames[l]
}

// ParseLevel reads the name String returns.
func ParseLevel(name string) (Level, error) {
	for i, n := range levelNames {
		if n == name {
			return Level(i), nil
		}
	}
	return JSON, fmt.Errorf("unknown level %q: want wire, json or source", name)
}

// MarshalText writes the level by name.
func (l Level) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// UnmarshalText reads a level written by MarshalText.
func (l *Level) UnmarshalText(b []byte) error {
	v, err := ParseLevel(string(b))
	if err != nil {
		return err
	}
	*l = v
	return nil
}

// Rule is one compatibility rule: a stable id, what it costs, and for whom.
// Each checker declares its rules once, in one explicit list; ids never change.
type Rule struct {
	// ID is a stable SCREAMING_SNAKE name, unique across all checkers.
	ID string
	// Severity is what a finding of this rule weighs when it applies.
	Severity Severity
	// Level is, for protobuf rules, the lowest level at which the rule
	// breaks; checked at a lower level, its findings are Info. Ignored for
	// OpenAPI rules.
	Level Level
	// Doc is one sentence: what changes, and who is hurt or why nobody is.
	Doc string
	// Tolerance is the class of response change the rule reports, for
	// readers that declare they cope with it; empty for most rules.
	Tolerance Tolerance
	// Deprecated, when set, says which rule now reports what this one did.
	// Ids are never removed, so stored approvals keep their meaning; a
	// deprecated rule makes no new findings.
	Deprecated string
}

// Location is a place in a document. Line and Column count from 1; zero means
// unknown.
type Location struct {
	File   string `json:"file"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
}

// String formats file:line:column, leaving out what is unknown.
func (l Location) String() string {
	switch {
	case l.File == "":
		return ""
	case l.Line == 0:
		return l.File
	case l.Column == 0:
		return fmt.Sprintf("%s:%d", l.File, l.Line)
	}
	return fmt.Sprintf("%s:%d:%d", l.File, l.Line, l.Column)
}

// Finding is one change a checker found.
type Finding struct {
	// Rule is the id of the rule that made the finding.
	Rule string `json:"rule"`
	// Severity is the rule's severity, or Info where the change does not
	// apply at the level checked or nobody relies on it.
	Severity Severity `json:"severity"`
	// Message is a whole sentence naming the element and the change.
	Message string `json:"message"`
	// Element names what changed: `GET /orders/{id}`,
	// `GET /orders/{id} response 200 application/json total`,
	// `orders.v1.Order.status`.
	Element string `json:"element"`
	// Affects lists the scope keys the change reaches: for OpenAPI the
	// operations (`GET /orders/{id}`), for protobuf the RPCs
	// (`orders.v1.OrderService.GetOrder`) and message types
	// (`orders.v1.Order`) whose closure contains the element. A change to a
	// schema shared by many operations is one finding listing them all. It
	// is the scopes of Elements, in order.
	Affects []string `json:"affects,omitempty"`
	// Elements lists every element the change reaches, each with its scope,
	// part, path and location: what reliance and approvals match on.
	Elements []Element `json:"elements,omitempty"`
	// Tolerance is the rule's tolerance class, if any.
	Tolerance Tolerance `json:"tolerance,omitempty"`
	// Location is where the change is: in the new document, or in the old
	// one when the element was deleted.
	Location Location `json:"location"`
	// Note says why a severity was lowered (out of scope, approved, …).
	Note string `json:"note,omitempty"`
}

// Report is the result of one comparison.
type Report struct {
	// Old and New name the compared documents as the user gave them.
	Old string `json:"old,omitempty"`
	New string `json:"new,omitempty"`
	// Findings, sorted by Sort.
	Findings []Finding `json:"findings"`
}

// Add appends a finding.
func (r *Report) Add(f Finding) { r.Findings = append(r.Findings, f) }

// Sort orders findings by file, line, column, rule and element, so output
// never depends on map order.
func (r *Report) Sort() {
	sort.SliceStable(r.Findings, func(i, j int) bool {
		a, b := r.Findings[i], r.Findings[j]
		if a.Location.File != b.Location.File {
			return a.Location.File < b.Location.File
		}
		if a.Location.Line != b.Location.Line {
			return a.Location.Line < b.Location.Line
		}
		if a.Location.Column != b.Location.Column {
			return a.Location.Column < b.Location.Column
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		return a.Element < b.Element
	})
}

// Max is the highest severity in the report, Info when it is empty.
func (r *Report) Max() Severity {
	max := Info
	for _, f := range r.Findings {
		if f.Severity > max {
			max = f.Severity
		}
	}
	return max
}

// Count returns how many findings have severity s.
func (r *Report) Count(s Severity) int {
	n := 0
	for _, f := range r.Findings {
		if f.Severity == s {
			n++
		}
	}
	return n
}

// Breaking reports whether any finding is breaking.
func (r *Report) Breaking() bool { return r.Max() == Breaking }

// Narrow lowers to Info every finding that affects none of the scope keys:
// a change nobody relies on is reported, not refused. Keys are compared with
// ScopeKey, so `GET /orders/{id}` matches `get /orders/{orderId}`. A finding
// that stays keeps only the elements (and Affects) inside the scope. A nil
// scope means "everything" and changes nothing. It returns a new report.
func (r *Report) Narrow(scope []string, note string) *Report {
	out := &Report{Old: r.Old, New: r.New, Findings: make([]Finding, len(r.Findings))}
	copy(out.Findings, r.Findings)
	if scope == nil {
		return out
	}
	keys := make(map[string]bool, len(scope))
	for _, s := range scope {
		keys[ScopeKey(s)] = true
	}
	for i := range out.Findings {
		f := &out.Findings[i]
		if f.Severity == Info {
			continue
		}
		if !f.NarrowTo(func(scope string) bool { return keys[ScopeKey(scope)] }) {
			f.Severity = Info
			f.Note = note
		}
	}
	return out
}

// NarrowTo keeps the elements (and Affects) whose scope keep accepts, and
// reports whether any is left. A finding without elements is matched by its
// Affects.
func (f *Finding) NarrowTo(keep func(scope string) bool) bool {
	if len(f.Elements) > 0 {
		var kept []Element
		for _, e := range f.Elements {
			if keep(e.Scope) {
				kept = append(kept, e)
			}
		}
		if len(kept) == 0 {
			return false
		}
		f.Elements = kept
		f.Affects = Scopes(kept)
		return true
	}
	var kept []string
	for _, a := range f.Affects {
		if keep(a) {
			kept = append(kept, a)
		}
	}
	if len(kept) == 0 {
		return false
	}
	f.Affects = kept
	return true
}

// ScopeKey normalises a scope key for comparison: an HTTP operation
// `get /orders/{orderId}/` becomes `GET /orders/{}`, since clients build the
// same URL whatever the template variable is called; a gRPC method path
// `/pkg.Service/Method` becomes `pkg.Service.Method`; other keys (message
// type names) are returned as they are.
func ScopeKey(s string) string {
	s = strings.TrimSpace(s)
	if method, path, ok := strings.Cut(s, " "); ok && strings.HasPrefix(strings.TrimSpace(path), "/") {
		return strings.ToUpper(method) + " " + NormalizePath(strings.TrimSpace(path))
	}
	if strings.HasPrefix(s, "/") && strings.Count(s, "/") == 2 {
		return strings.Replace(strings.TrimPrefix(s, "/"), "/", ".", 1)
	}
	return s
}

// NormalizePath blanks the names of path template variables and drops a
// trailing slash: `/orders/{id}/` and `/orders/{orderId}` are one path.
func NormalizePath(p string) string {
	var b strings.Builder
	b.Grow(len(p))
	depth := 0
	for _, c := range p {
		switch {
		case c == '{':
			depth++
			if depth == 1 {
				b.WriteString("{}")
			}
		case c == '}':
			if depth > 0 {
				depth--
			}
		case depth == 0:
			b.WriteRune(c)
		}
	}
	out := b.String()
	if len(out) > 1 {
		out = strings.TrimSuffix(out, "/")
	}
	return out
}

// MarshalJSON keeps an empty report's findings as [] rather than null.
func (r Report) MarshalJSON() ([]byte, error) {
	type plain Report
	if r.Findings == nil {
		r.Findings = []Finding{}
	}
	return json.Marshal(plain(r))
}
