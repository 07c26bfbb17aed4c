package proto

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	protoschema "github.com/contractgate/contracts/schemas/proto"
)

// pricingProto is a small contract with an RPC, a message type read off a
// bus, a type both of them reach, an enum, a map and an extension.
const pricingProto = `syntax = "proto2";

package pricing.v1;

service PricingService {
  rpc GetPrice(GetPriceRequest) returns (GetPriceResponse);
  rpc Reprice(Price) returns (Price);
}

message GetPriceRequest {
  optional string sku = 1;
  optional Currency currency = 2;
}

message GetPriceResponse {
  optional Price price = 1;
}

message Price {
  optional int64 amount_cents = 1;
  optional Currency currency = 2;
  map<string, Tier> tiers = 3;
  message Tier {
    optional int64 min_quantity = 1;
  }
  extensions 100 to 199;
}

enum Currency {
  CURRENCY_UNSPECIFIED = 0;
  CURRENCY_EUR = 1;
}

message PriceChanged {
  optional Price price = 1;
}

extend Price {
  optional string note = 100;
}

enum Unused {
  UNUSED_ZERO = 0;
}
`

func pricingSet(t *testing.T) *protoschema.Set {
	t.Helper()
	set, err := protoschema.Compile(context.Background(), fstest.MapFS{
		"pricing/v1/pricing.proto": &fstest.MapFile{Data: []byte(pricingProto)},
	}, protoschema.Options{Display: "proto/"})
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func TestResolve(t *testing.T) {
	set := pricingSet(t)
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"pricing.v1.PricingService.GetPrice", []string{"pricing.v1.PricingService.GetPrice"}},
		{"/pricing.v1.PricingService/GetPrice", []string{"pricing.v1.PricingService.GetPrice"}},
		{" .pricing.v1.PricingService.Reprice ", []string{"pricing.v1.PricingService.Reprice"}},
		{"pricing.v1.PricingService", []string{"pricing.v1.PricingService.GetPrice", "pricing.v1.PricingService.Reprice"}},
		{"pricing.v1.Price.amount_cents", []string{
			"pricing.v1.GetPriceResponse pricing.v1.Price.amount_cents",
			"pricing.v1.Price pricing.v1.Price.amount_cents",
			"pricing.v1.PriceChanged pricing.v1.Price.amount_cents",
			"pricing.v1.PricingService.GetPrice response pricing.v1.Price.amount_cents",
			"pricing.v1.PricingService.Reprice request pricing.v1.Price.amount_cents",
			"pricing.v1.PricingService.Reprice response pricing.v1.Price.amount_cents",
		}},
		{"pricing.v1.Price", []string{
			"pricing.v1.GetPriceResponse pricing.v1.Price",
			"pricing.v1.Price",
			"pricing.v1.PriceChanged pricing.v1.Price",
			"pricing.v1.PricingService.GetPrice response pricing.v1.Price",
			"pricing.v1.PricingService.Reprice request pricing.v1.Price",
			"pricing.v1.PricingService.Reprice response pricing.v1.Price",
		}},
		{"pricing.v1.GetPriceRequest.sku", []string{
			"pricing.v1.GetPriceRequest pricing.v1.GetPriceRequest.sku",
			"pricing.v1.PricingService.GetPrice request pricing.v1.GetPriceRequest.sku",
		}},
		// Through a map's values: the synthetic entry is never a scope.
		{"pricing.v1.Price.Tier.min_quantity", []string{
			"pricing.v1.GetPriceResponse pricing.v1.Price.Tier.min_quantity",
			"pricing.v1.Price pricing.v1.Price.Tier.min_quantity",
			"pricing.v1.Price.Tier pricing.v1.Price.Tier.min_quantity",
			"pricing.v1.PriceChanged pricing.v1.Price.Tier.min_quantity",
			"pricing.v1.PricingService.GetPrice response pricing.v1.Price.Tier.min_quantity",
			"pricing.v1.PricingService.Reprice request pricing.v1.Price.Tier.min_quantity",
			"pricing.v1.PricingService.Reprice response pricing.v1.Price.Tier.min_quantity",
		}},
		// An enum is no scope; the enum value is spelled Enum.VALUE either way.
		{"pricing.v1.Currency.CURRENCY_EUR", currencyElements("pricing.v1.Currency.CURRENCY_EUR")},
		{"pricing.v1.CURRENCY_EUR", currencyElements("pricing.v1.Currency.CURRENCY_EUR")},
		{"pricing.v1.Currency", currencyElements("pricing.v1.Currency")},
		// An extension reaches what its extended message reaches.
		{"pricing.v1.note", []string{
			"pricing.v1.GetPriceResponse pricing.v1.note",
			"pricing.v1.Price pricing.v1.note",
			"pricing.v1.PriceChanged pricing.v1.note",
			"pricing.v1.PricingService.GetPrice response pricing.v1.note",
			"pricing.v1.PricingService.Reprice request pricing.v1.note",
			"pricing.v1.PricingService.Reprice response pricing.v1.note",
		}},
		{"pricing.v1.PriceChanged", []string{"pricing.v1.PriceChanged"}},
		// An enum nothing carries is its own scope.
		{"pricing.v1.Unused", []string{"pricing.v1.Unused"}},
		{"pricing.v1.Unused.UNUSED_ZERO", []string{"pricing.v1.Unused pricing.v1.Unused.UNUSED_ZERO"}},
		// Not defined by the set's own files.
		{"pricing.v1.Price.amount", nil},
		{"pricing.v1.PricingService.Delete", nil},
		{"pricing.v1.Currency.CURRENCY_USD", nil},
		{"pricing.v2.Price", nil},
		{"google.protobuf.Timestamp", nil},
		{"Price", nil},
		{"", nil},
		{"GET /prices", nil},
		{"pricing..v1", nil},
	} {
		t.Run(tc.query, func(t *testing.T) {
			els := Resolve(set, tc.query)
			var got []string
			for _, e := range els {
				got = append(got, e.String())
				if e.Location.File != "proto/pricing/v1/pricing.proto" || e.Location.Line == 0 {
					t.Errorf("%s: location %v, want a line in proto/pricing/v1/pricing.proto", e, e.Location)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Resolve(%q) (-want +got):\n%s", tc.query, diff)
			}
		})
	}
	if got := Resolve(nil, "pricing.v1.Price"); got != nil {
		t.Errorf("Resolve(nil) = %v", got)
	}
}

// currencyElements are the elements of path inside the Currency enum,
// which requests and prices carry.
func currencyElements(path string) []string {
	return []string{
		"pricing.v1.GetPriceRequest " + path,
		"pricing.v1.GetPriceResponse " + path,
		"pricing.v1.Price " + path,
		"pricing.v1.PriceChanged " + path,
		"pricing.v1.PricingService.GetPrice request " + path,
		"pricing.v1.PricingService.GetPrice response " + path,
		"pricing.v1.PricingService.Reprice request " + path,
		"pricing.v1.PricingService.Reprice response " + path,
	}
}

func TestNames(t *testing.T) {
	got := Names(pricingSet(t))
	want := []string{
		"pricing.v1.Currency",
		"pricing.v1.Currency.CURRENCY_EUR",
		"pricing.v1.Currency.CURRENCY_UNSPECIFIED",
		"pricing.v1.GetPriceRequest",
		"pricing.v1.GetPriceRequest.currency",
		"pricing.v1.GetPriceRequest.sku",
		"pricing.v1.GetPriceResponse",
		"pricing.v1.GetPriceResponse.price",
		"pricing.v1.Price",
		"pricing.v1.Price.Tier",
		"pricing.v1.Price.Tier.min_quantity",
		"pricing.v1.Price.amount_cents",
		"pricing.v1.Price.currency",
		"pricing.v1.Price.tiers",
		"pricing.v1.PriceChanged",
		"pricing.v1.PriceChanged.price",
		"pricing.v1.PricingService",
		"pricing.v1.PricingService.GetPrice",
		"pricing.v1.PricingService.Reprice",
		"pricing.v1.Unused",
		"pricing.v1.Unused.UNUSED_ZERO",
		"pricing.v1.note",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Names (-want +got):\n%s", diff)
	}
	// Every name resolves: Names lists only what Resolve accepts.
	set := pricingSet(t)
	for _, n := range got {
		if len(Resolve(set, n)) == 0 {
			t.Errorf("Names lists %s, which Resolve does not find", n)
		}
	}
	if strings.Join(Names(nil), "") != "" {
		t.Error("Names(nil) is not empty")
	}
}
