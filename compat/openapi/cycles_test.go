package openapi

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"testing/fstest"

	oaschema "github.com/contractgate/contracts/schemas/openapi"
)

// cyclesDoc writes what ../shared/corpus/generators/openapi_cycles.py
// writes: k schemas that all reference each other the way large public
// APIs write "expandable" fields (anyOf [string id, $ref]), one GET per
// schema; the new side adds one optional property to s0.
func cyclesDoc(k int, added bool) []byte {
	schemas := map[string]any{}
	for i := 0; i < k; i++ {
		props := map[string]any{"id": map[string]any{"type": "string"}}
		for j := 0; j < k; j++ {
			if j != i {
				props[fmt.Sprintf("s%d", j)] = map[string]any{"anyOf": []any{
					map[string]any{"type": "string"},
					map[string]any{"$ref": fmt.Sprintf("#/components/schemas/s%d", j)},
				}}
			}
		}
		if added && i == 0 {
			props["added"] = map[string]any{"type": "boolean"}
		}
		schemas[fmt.Sprintf("s%d", i)] = map[string]any{"type": "object", "properties": props}
	}
	paths := map[string]any{}
	for i := 0; i < k; i++ {
		paths[fmt.Sprintf("/s%d", i)] = map[string]any{"get": map[string]any{"responses": map[string]any{"200": map[string]any{
			"description": "ok",
			"content": map[string]any{"application/json": map[string]any{"schema": map[string]any{
				"$ref": fmt.Sprintf("#/components/schemas/s%d", i)}}}}}}}
	}
	b, _ := json.MarshalIndent(map[string]any{
		"openapi": "3.0.3", "info": map[string]any{"title": "cycles", "version": "1"},
		"paths": paths, "components": map[string]any{"schemas": schemas},
	}, "", " ")
	return b
}

func loadCycles(t testing.TB, k int) *oaschema.Document {
	t.Helper()
	fsys := fstest.MapFS{"openapi.json": {Data: cyclesDoc(k, false)}}
	d, err := oaschema.Load(context.Background(), fsys, "openapi.json", oaschema.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return d
}
