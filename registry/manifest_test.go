package registry

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

// productExample is the manifest PRODUCT.md shows.
const productExample = `service: checkout
provides:
  - contract: checkout-api
    openapi: api/openapi.yaml
  - contract: checkout-events
    proto: proto                      # import root
    messages: [checkout.v1.OrderPlaced]   # types it publishes
    level: wire                       # protobuf check level; default json
    retention: 7d                     # events stay readable this long (or: forever)
consumes:
  - contract: payments-api
    uses: ["POST /payments", "GET /payments/{id}"]   # optional narrowing
    tolerates: [new-enum-values]       # this reader copes with new enum values
  - contract: payments-api-fields      # or: a partial document of what it uses
    expectations: contracts/payments-expectations.yaml
  - contract: inventory-events
    messages: [inventory.v1.StockChanged]
`

func TestParseManifestProductExample(t *testing.T) {
	m, err := ParseManifest([]byte(productExample), "contracts.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := &Manifest{
		File:    "contracts.yaml",
		Service: "checkout",
		Provides: []ManifestProvision{
			{Contract: "checkout-api", Kind: OpenAPI, Path: "api/openapi.yaml", Line: 3},
			{Contract: "checkout-events", Kind: Proto, Path: "proto", Messages: []string{"checkout.v1.OrderPlaced"}, Level: "wire", Retention: "7d", Line: 5},
		},
		Consumes: []ManifestConsumption{
			{Contract: "payments-api", Uses: []string{"POST /payments", "GET /payments/{id}"}, Tolerates: []string{"new-enum-values"}, Line: 11},
			{Contract: "payments-api-fields", Expectations: "contracts/payments-expectations.yaml", Line: 14},
			{Contract: "inventory-events", Messages: []string{"inventory.v1.StockChanged"}, Line: 16},
		},
	}
	if diff := cmp.Diff(want, m); diff != "" {
		t.Errorf("manifest (-want +got):\n%s", diff)
	}
}

// TestParseManifestRoot: a widened root lets paths climb to it, whatever
// the order of the keys.
func TestParseManifestRoot(t *testing.T) {
	m, err := ParseManifest([]byte("service: checkout\nprovides:\n  - contract: checkout-api\n    openapi: ../../api/checkout/openapi.yaml\n  - contract: checkout-events\n    proto: ../../proto\nconsumes:\n  - contract: pay\n    expectations: ./../../api/pay/../pay/expect.yaml\nroot: ../../\n"), "services/checkout/contracts.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if m.Root != "../.." || m.RootLine != 10 {
		t.Errorf("root %q at line %d, want ../.. at 10", m.Root, m.RootLine)
	}
	if got := m.Provides[0].Path; got != "../../api/checkout/openapi.yaml" {
		t.Errorf("openapi path %q", got)
	}
	if got := m.Consumes[0].Expectations; got != "../../api/pay/expect.yaml" {
		t.Errorf("expectations path %q, want it cleaned", got)
	}
	if got := RootPath("services/checkout", m.Provides[1].Path); got != "proto" {
		t.Errorf("proto root relative to the publish root: %q, want proto", got)
	}
}

// manifestCases are bad manifests and the error each must give: file, line
// and a phrase a person can act on. schemaAgrees says whether the JSON
// Schema also rejects it (some checks, like duplicates, are beyond it).
var manifestCases = []struct {
	name, in, want string
	schemaAgrees   bool
}{
	{"unknown top-level key", "service: a\nprovide:\n  - contract: x\n", `contracts.yaml:2:1: unknown key "provide" (allowed here: service, root, provides, consumes); did you mean "provides"?`, true},
	{"unknown provision key", "service: a\nprovides:\n  - contract: x\n    openapi: o.yaml\n    lvl: wire\n", `contracts.yaml:5:5: unknown key "lvl"`, true},
	{"no service", "provides: []\n", "has no `service:`", true},
	{"bad service name", "service: Payments\n", `contracts.yaml:1:10: service name "Payments" is not valid`, true},
	{"bad contract name", "service: a\nprovides:\n  - contract: Pay_API\n    openapi: o.yaml\n", `contracts.yaml:3:15: contract name "Pay_API" is not valid`, true},
	{"no kind", "service: a\nprovides:\n  - contract: x\n", "contract x needs `openapi:` (a document) or `proto:`", true},
	{"both kinds", "service: a\nprovides:\n  - contract: x\n    openapi: o.yaml\n    proto: p\n", "either openapi or proto, not both", true},
	{"level on openapi", "service: a\nprovides:\n  - contract: x\n    openapi: o.yaml\n    level: wire\n", "`level` applies to proto contracts only", true},
	{"bad level", "service: a\nprovides:\n  - contract: x\n    proto: p\n    level: binary\n", `level "binary" is not one of wire, json, source`, true},
	{"retention on openapi", "service: a\nprovides:\n  - contract: x\n    openapi: o.yaml\n    retention: 7d\n", "contracts.yaml:5:5: `retention` applies to proto contracts with `messages` only", true},
	{"retention without messages", "service: a\nprovides:\n  - contract: x\n    proto: p\n    retention: 7d\n", "contracts.yaml:5:5: `retention` applies to proto contracts with `messages` only", true},
	{"bad retention", "service: a\nprovides:\n  - contract: x\n    proto: p\n    messages: [a.B]\n    retention: 7 days\n", `contracts.yaml:6:16: retention "7 days" is not a duration such as 7d`, true},
	{"zero retention", "service: a\nprovides:\n  - contract: x\n    proto: p\n    messages: [a.B]\n    retention: 0d\n", `contracts.yaml:6:16: retention "0d" must be longer than zero`, true},
	{"negative retention", "service: a\nprovides:\n  - contract: x\n    proto: p\n    messages: [a.B]\n    retention: -7d\n", `retention "-7d" is not a duration`, true},
	{"provided twice", "service: a\nprovides:\n  - contract: x\n    proto: p\n  - contract: x\n    proto: q\n", "contracts.yaml:5:5: contract x is listed twice under provides (first at line 3)", false},
	{"consumed twice", "service: a\nconsumes:\n  - contract: x\n  - contract: x\n", "contract x is listed twice under consumes", false},
	{"provided and consumed", "service: a\nprovides:\n  - contract: x\n    proto: p\nconsumes:\n  - contract: x\n", "both provided and consumed", false},
	{"uses and expectations", "service: a\nconsumes:\n  - contract: x\n    uses: [GET /x]\n    expectations: e.yaml\n", "either `uses` or `expectations`", true},
	{"bad use", "service: a\nconsumes:\n  - contract: x\n    uses: [FETCH /x]\n", `contracts.yaml:4:12: uses entry "FETCH /x": "FETCH" is not an HTTP method`, false},
	{"use without slash", "service: a\nconsumes:\n  - contract: x\n    uses: [GET x]\n", "the path must start with /", true},
	{"empty uses", "service: a\nconsumes:\n  - contract: x\n    uses: []\n", "uses is empty", true},
	{"path leaves folder", "service: a\nprovides:\n  - contract: x\n    openapi: ../other/o.yaml\n", `openapi "../other/o.yaml" leaves the service's folder`, true},
	{"absolute path", "service: a\nprovides:\n  - contract: x\n    openapi: /etc/o.yaml\n", "leaves the service's folder", true},
	{"root below the manifest", "service: a\nroot: api\n", `contracts.yaml:2:7: root "api" must be the manifest's folder or one above it`, true},
	{"absolute root", "service: a\nroot: /srv/repo\n", `root "/srv/repo" must be the manifest's folder or one above it`, true},
	{"root climbs then descends", "service: a\nroot: ../x\n", `root "../x" must be`, true},
	{"path leaves a widened root", "service: a\nroot: ..\nprovides:\n  - contract: x\n    openapi: ../../api/o.yaml\n", `contracts.yaml:5:14: openapi "../../api/o.yaml" leaves the publish root ..`, false},
	{"root after the path it bounds", "service: a\nprovides:\n  - contract: x\n    openapi: ../../../o.yaml\nroot: ../..\n", `leaves the publish root ../..`, false},
	{"root dot is no widening", "service: a\nroot: .\nprovides:\n  - contract: x\n    openapi: ../o.yaml\n", `leaves the service's folder`, false},
	{"not a mapping", "- service: a\n", "must be a mapping", true},
	{"empty", "", "the manifest is empty", false},
	{"malformed yaml", "service: a\nprovides: [\n", "contracts.yaml:2: not valid YAML", false},
	{"duplicate key", "service: a\nservice: b\n", `key "service" appears twice`, false},
	{"provides not a list", "service: a\nprovides: x\n", "provides must be a list", true},
	{"unknown tolerance", "service: a\nconsumes:\n  - contract: x\n    tolerates: [new-enums]\n", `contracts.yaml:4:17: tolerates: unknown tolerance "new-enums": want one of new-enum-values, new-variants, wider-bounds`, true},
}

func TestParseManifestErrors(t *testing.T) {
	for _, tc := range manifestCases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseManifest([]byte(tc.in), "contracts.yaml")
			if err == nil {
				t.Fatalf("no error, want one containing %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q\ndoes not contain %q", err, tc.want)
			}
		})
	}
}

// TestManifestSchemaAgrees checks the JSON Schema editors use against the
// parser: it accepts what the parser accepts and rejects the structural
// mistakes the parser rejects.
func TestManifestSchemaAgrees(t *testing.T) {
	c := jsonschema.NewCompiler()
	f, err := os.Open("../schemas/manifest.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddResource("manifest.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile("manifest.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	validate := func(in string) error {
		var v any
		if err := yaml.Unmarshal([]byte(in), &v); err != nil {
			return err
		}
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(string(b)))
		if err != nil {
			return err
		}
		return schema.Validate(inst)
	}
	if err := validate(productExample); err != nil {
		t.Errorf("schema rejects the PRODUCT.md example: %v", err)
	}
	monorepo := "service: a\nroot: ../..\nprovides:\n  - contract: x\n    openapi: ../../api/o.yaml\nconsumes:\n  - contract: y\n    expectations: ../../api/y.yaml\n"
	if _, err := ParseManifest([]byte(monorepo), "contracts.yaml"); err != nil {
		t.Fatal(err)
	}
	if err := validate(monorepo); err != nil {
		t.Errorf("schema rejects a manifest with a widened root: %v", err)
	}
	for _, tc := range manifestCases {
		if !tc.schemaAgrees {
			continue
		}
		if err := validate(tc.in); err == nil {
			t.Errorf("%s: the schema accepts a manifest the parser rejects:\n%s", tc.name, tc.in)
		}
	}
}

// FuzzParseManifest: no input panics the parser, and whatever it accepts
// has a valid service name.
func FuzzParseManifest(f *testing.F) {
	f.Add([]byte(productExample))
	for _, tc := range manifestCases {
		f.Add([]byte(tc.in))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseManifest(data, "contracts.yaml")
		if err == nil && !ValidServiceName(m.Service) {
			t.Fatalf("accepted service name %q", m.Service)
		}
	})
}

func TestParseRetention(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    time.Duration
		forever bool
		bad     bool
	}{
		{in: "7d", want: 7 * 24 * time.Hour},
		{in: "36h", want: 36 * time.Hour},
		{in: "1d12h", want: 36 * time.Hour},
		{in: "1.5d", want: 36 * time.Hour},
		{in: "90m", want: 90 * time.Minute},
		{in: "forever", forever: true},
		{in: "0d", bad: true},
		{in: "7", bad: true},
		{in: "d", bad: true},
		{in: "7days", bad: true},
		{in: "-1h", bad: true},
		{in: "", bad: true},
		{in: "7d 1h", bad: true},
	} {
		r, err := ParseRetention(tc.in)
		if tc.bad {
			if err == nil {
				t.Errorf("ParseRetention(%q) = %q, want an error", tc.in, r)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseRetention(%q): %v", tc.in, err)
			continue
		}
		d, forever := r.Period()
		if d != tc.want || forever != tc.forever {
			t.Errorf("ParseRetention(%q).Period() = %v, %v; want %v, %v", tc.in, d, forever, tc.want, tc.forever)
		}
	}
	until := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	week := Retention("7d")
	if !week.Covers(until, until.Add(7*24*time.Hour)) || week.Covers(until, until.Add(7*24*time.Hour+time.Second)) {
		t.Errorf("7d must cover a week after the producer stopped and not a second more")
	}
	if !Forever.Covers(until, until.AddDate(10, 0, 0)) {
		t.Errorf("forever must cover ten years later")
	}
	if Retention("").Covers(until, until.Add(time.Second)) {
		t.Errorf("no retention must cover nothing after the producer stopped")
	}
}
