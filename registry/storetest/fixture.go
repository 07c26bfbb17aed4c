package storetest

import (
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	"github.com/contractgate/contracts/registry"
)

// Spec describes a version to build for a test. Building is deterministic:
// specs that differ only in Version, Branch, Commit or At build the same
// content and Digest; a different Content changes the documents and so the
// Digest.
type Spec struct {
	Service string
	Version string
	// Provides lists OpenAPI contracts the version provides.
	Provides []string
	// Events lists proto contracts the version provides, each publishing
	// one message type.
	Events []string
	// Consumes lists contracts consumed, each narrowed to one operation.
	Consumes []string
	// Expects lists contracts consumed through an expectations document.
	Expects []string
	// Content varies the documents' content.
	Content string
	// DocSize pads each OpenAPI document to about this many bytes.
	DocSize int
	Branch  string
	Commit  string
	// At is the publish time; zero lets the store set it.
	At time.Time
}

// Build returns the version and the blobs to publish with it.
func (s Spec) Build() (*registry.Version, map[string][]byte) {
	blobs := map[string][]byte{}
	var manifest strings.Builder
	fmt.Fprintf(&manifest, "service: %s\n", s.Service)
	v := &registry.Version{
		Service:     s.Service,
		Version:     s.Version,
		Branch:      s.Branch,
		Commit:      s.Commit,
		PublishedAt: s.At,
	}
	if len(s.Provides)+len(s.Events) > 0 {
		manifest.WriteString("provides:\n")
	}
	for _, c := range s.Provides {
		fmt.Fprintf(&manifest, "  - contract: %s\n    openapi: %s/openapi.yaml\n", c, c)
		doc, b := registry.NewDoc(registry.OpenAPI, "openapi.yaml", map[string][]byte{
			"openapi.yaml":        openAPIDoc(c, s.Content, s.DocSize),
			"schemas/common.yaml": []byte("components: {schemas: {Id: {type: string}}}\n"),
		})
		merge(blobs, b)
		v.Provides = append(v.Provides, registry.Provision{Contract: c, Kind: registry.OpenAPI, Path: c + "/openapi.yaml", Doc: doc})
	}
	for _, c := range s.Events {
		msg := strings.ReplaceAll(c, "-", "") + ".v1.Changed"
		fmt.Fprintf(&manifest, "  - contract: %s\n    proto: proto\n    messages: [%s]\n    level: wire\n", c, msg)
		doc, b := registry.NewDoc(registry.Proto, "", map[string][]byte{
			c + "/v1/events.proto": fmt.Appendf(nil, "syntax = \"proto3\";\npackage %s.v1;\n// %s\nmessage Changed { string id = 1; }\n", strings.ReplaceAll(c, "-", ""), s.Content),
		})
		merge(blobs, b)
		v.Provides = append(v.Provides, registry.Provision{Contract: c, Kind: registry.Proto, Path: "proto", Messages: []string{msg}, Level: "wire", Doc: doc})
	}
	if len(s.Consumes)+len(s.Expects) > 0 {
		manifest.WriteString("consumes:\n")
	}
	for _, c := range s.Consumes {
		fmt.Fprintf(&manifest, "  - contract: %s\n    uses: [\"GET /%s/{id}\"]\n", c, c)
		v.Consumes = append(v.Consumes, registry.Consumption{Contract: c, Uses: []string{"GET /" + c + "/{id}"}})
	}
	for _, c := range s.Expects {
		path := "contracts/" + c + "-expectations.yaml"
		fmt.Fprintf(&manifest, "  - contract: %s\n    expectations: %s\n", c, path)
		doc, b := registry.NewDoc(registry.OpenAPI, "expectations.yaml", map[string][]byte{
			"expectations.yaml": fmt.Appendf(nil, "openapi: 3.0.3\ninfo: {title: %s expectations, version: '%s'}\npaths: {}\n", c, s.Content),
		})
		merge(blobs, b)
		v.Consumes = append(v.Consumes, registry.Consumption{Contract: c, ExpectationsPath: path, Expectations: &doc})
	}
	v.Manifest = []byte(manifest.String())
	v.ComputeDigest()
	return v, blobs
}

func merge(dst, src map[string][]byte) {
	for k, b := range src {
		dst[k] = b
	}
}

// openAPIDoc writes an OpenAPI document for contract whose operations depend
// on content, padded with further paths to about size bytes.
func openAPIDoc(contract, content string, size int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "openapi: 3.0.3\ninfo: {title: %s, version: '%s'}\npaths:\n", contract, content)
	fmt.Fprintf(&b, "  /%s/{id}:\n    get:\n      operationId: get\n      parameters:\n        - {name: id, in: path, required: true, schema: {type: string}}\n      responses:\n        '200': {description: found}\n", contract)
	h := fnv.New32a()
	h.Write([]byte(contract + content))
	seed := h.Sum32()
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, "  /%s/r%d-%x:\n    post:\n      operationId: op%d\n      requestBody:\n        content:\n          application/json:\n            schema:\n              type: object\n              required: [amount]\n              properties:\n                amount: {type: integer, minimum: %d}\n                note: {type: string, maxLength: %d}\n      responses:\n        '201': {description: created}\n",
			contract, i, seed+uint32(i), i, seed%97, 10+i)
	}
	return []byte(b.String())
}
