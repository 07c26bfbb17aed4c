package proto

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/contractgate/contracts/compat"
)

// TestAffects pins the scope keys of findings: every message type and RPC
// whose closure reaches the changed element, from OLD and NEW.
func TestAffects(t *testing.T) {
	for _, tc := range []struct {
		dir, rule, element string
		want               string
	}{
		{"506-imports-money-units-changed", "FIELD_TYPE_CHANGED", "common.v1.Money.units", "common.v1.Money orders.v1.Order"},
		{"204-response-only-message-field-deleted", "FIELD_DELETED", "orders.v1.GetOrderResponse.etag", "orders.v1.GetOrderResponse orders.v1.OrderService.GetOrder"},
		{"201-nested-message-field-type-changed", "FIELD_TYPE_CHANGED", "orders.v1.Order.Line.unit_price_cents", "orders.v1.Order orders.v1.Order.Line"},
		{"105-enum-value-renamed-json", "ENUM_VALUE_NAME_CHANGED", "orders.v1.Status.STATUS_PAID", "orders.v1.Order"},
		{"207-message-deleted-unreferenced-json", "MESSAGE_DELETED", "orders.v1.LegacyOrder", "orders.v1.LegacyOrder"},
		{"303-service-deleted", "SERVICE_DELETED", "orders.v1.ReportService", "orders.v1.ReportService.GetDailySummary"},
		{"308-service-renamed", "SERVICE_RENAMED", "orders.v1.OrderService", "orders.v1.OrderService.GetOrder orders.v1.OrderingService.GetOrder"},
		{"304-rpc-request-type-changed", "RPC_REQUEST_INCOMPATIBLE", "orders.v1.OrderService.GetOrder", "orders.v1.OrderService.GetOrder"},
		{"304-rpc-request-type-changed", "FIELD_TYPE_CHANGED", "orders.v1.GetOrderRequest.order_id", "orders.v1.GetOrderRequest orders.v1.OrderService.GetOrder"},
		{"305-rpc-response-type-changed", "FIELD_TYPE_CHANGED", "orders.v1.ListOrdersResponse.orders", "orders.v1.ListOrdersResponse orders.v1.OrderService.ListOrders"},
		{"404-message-moved-to-other-package-json", "MESSAGE_RENAMED", "orders.v1.Money", "orders.v1.Money orders.v1.Order"},
		{"202-map-value-type-changed", "FIELD_TYPE_CHANGED", "inventory.v1.Item.stock_by_warehouse", "inventory.v1.Item"},
	} {
		t.Run(tc.dir+"/"+tc.rule, func(t *testing.T) {
			old, new := compileCase(t, filepath.Join(goldenRoot, tc.dir))
			rep, err := Check(context.Background(), old, new, Options{Level: compat.Source})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range rep.Findings {
				if f.Rule == tc.rule && f.Element == tc.element {
					if got := strings.Join(f.Affects, " "); got != tc.want {
						t.Errorf("Affects = %q, want %q", got, tc.want)
					}
					return
				}
			}
			t.Fatalf("no %s finding on %s in\n%s", tc.rule, tc.element, render(rep))
		})
	}
}

// TestScope narrows a check to message types and RPCs: findings that reach
// none of them are left out, and those that stay keep only the elements
// inside the scope.
func TestScope(t *testing.T) {
	for _, tc := range []struct {
		dir      string
		messages []string
		breaking bool
		findings int
	}{
		{"204-response-only-message-field-deleted", []string{"/orders.v1.OrderService/GetOrder"}, true, 1},
		{"204-response-only-message-field-deleted", []string{"orders.v1.OrderService.GetOrder"}, true, 1},
		{"204-response-only-message-field-deleted", []string{"orders.v1.GetOrderResponse"}, true, 1},
		{"204-response-only-message-field-deleted", []string{"orders.v1.Order"}, false, 0},
		{"506-imports-money-units-changed", []string{"orders.v1.Order"}, true, 1},
		{"303-service-deleted", []string{"orders.v1.OrderService.GetOrder"}, false, 0},
		{"303-service-deleted", nil, true, 1},
		{"301-rpc-added", []string{"orders.v1.Order"}, false, 0},
		{"301-rpc-added", nil, false, 1},
		{"scope-messages-shared-folder", []string{"pricing.v1.PriceChanged"}, true, 1},
		{"scope-messages-shared-folder", []string{"pricing.v1.PricingService.ListPrices"}, true, 4},
	} {
		old, new := compileCase(t, filepath.Join(goldenRoot, tc.dir))
		rep, err := Check(context.Background(), old, new, Options{Level: compat.JSON, Messages: tc.messages})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Breaking() != tc.breaking || len(rep.Findings) != tc.findings {
			t.Errorf("%s narrowed to %v: breaking = %v with %d findings, want %v with %d\n%s", tc.dir, tc.messages, rep.Breaking(), len(rep.Findings), tc.breaking, tc.findings, render(rep))
		}
		for _, f := range rep.Findings {
			for _, el := range f.Elements {
				if len(tc.messages) > 0 && !slices.ContainsFunc(tc.messages, func(m string) bool { return compat.ScopeKey(m) == el.Scope }) {
					t.Errorf("%s narrowed to %v: %s keeps element %s", tc.dir, tc.messages, f.Rule, el)
				}
			}
		}
	}
}

// TestFlow pins which changes the event flow (NEW writes, OLD reads)
// forgives: those that hurt only readers built from NEW.
func TestFlow(t *testing.T) {
	for _, tc := range []struct {
		dir              string
		both, newWritesO bool
	}{
		{"501-proto2-required-field-added", true, false},
		{"field-required-removed", true, true},
		{"enum-closed", true, false},
		{"020-field-moved-into-oneof", true, false},
		{"021-field-moved-out-of-oneof", true, true},
		{"002-field-deleted", true, true},
		{"502-proto2-optional-field-added", false, false},
	} {
		old, new := compileCase(t, filepath.Join(goldenRoot, tc.dir))
		for _, flow := range []struct {
			flow Flow
			want bool
		}{{FlowBoth, tc.both}, {FlowNewWritesOldReads, tc.newWritesO}} {
			rep, err := Check(context.Background(), old, new, Options{Level: compat.Wire, Flow: flow.flow})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Breaking() != flow.want {
				t.Errorf("%s, flow %d: breaking = %v, want %v\n%s", tc.dir, flow.flow, rep.Breaking(), flow.want, render(rep))
			}
		}
	}
}

// TestCheckConcurrent: the gate checks shared sets from several goroutines.
func TestCheckConcurrent(t *testing.T) {
	old, new := compileCase(t, filepath.Join(goldenRoot, "305-rpc-response-type-changed"))
	want, err := Check(context.Background(), old, new, Options{Level: compat.JSON})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan string)
	for i := 0; i < 4; i++ {
		go func() {
			rep, err := Check(context.Background(), old, new, Options{Level: compat.JSON})
			if err != nil {
				done <- err.Error()
				return
			}
			done <- render(rep)
		}()
	}
	for i := 0; i < 4; i++ {
		if got := <-done; got != render(want) {
			t.Errorf("concurrent check differs:\n%s", got)
		}
	}
}

// TestElements pins the elements of findings, as Resolve spells them: a
// change inside a type reaches each RPC part and message type whose
// closure holds it; an RPC-level change reaches the RPC alone.
func TestElements(t *testing.T) {
	for _, tc := range []struct {
		dir, rule, element string
		want               []string
		// partial: the rule keeps only some of the elements Resolve finds.
		partial bool
	}{
		// field_behavior hurts servers reading requests: the request parts
		// alone, not the message types or responses that carry the field.
		{"field-behavior-required-added-json", "FIELD_BEHAVIOR_RESTRICTED", "library.v1.Shelf.name", []string{
			"library.v1.Library.CreateShelf request library.v1.Shelf.name",
		}, true},
		{"field-behavior-required-added-json", "FIELD_BEHAVIOR_REQUIRED_ADDED", "library.v1.CreateShelfRequest.region", []string{
			"library.v1.Library.CreateShelf request library.v1.CreateShelfRequest.region",
		}, true},
		{"204-response-only-message-field-deleted", "FIELD_DELETED", "orders.v1.GetOrderResponse.etag", []string{
			"orders.v1.GetOrderResponse orders.v1.GetOrderResponse.etag",
			"orders.v1.OrderService.GetOrder response orders.v1.GetOrderResponse.etag",
		}, false},
		{"506-imports-money-units-changed", "FIELD_TYPE_CHANGED", "common.v1.Money.units", []string{
			"common.v1.Money common.v1.Money.units",
			"orders.v1.Order common.v1.Money.units",
		}, false},
		{"207-message-deleted-unreferenced-json", "MESSAGE_DELETED", "orders.v1.LegacyOrder", []string{
			"orders.v1.LegacyOrder",
		}, false},
		{"303-service-deleted", "SERVICE_DELETED", "orders.v1.ReportService", []string{
			"orders.v1.ReportService.GetDailySummary",
		}, false},
		{"302-rpc-deleted", "RPC_DELETED", "orders.v1.OrderService.CancelOrder", []string{
			"orders.v1.OrderService.CancelOrder",
		}, false},
		{"105-enum-value-renamed-json", "ENUM_VALUE_NAME_CHANGED", "orders.v1.Status.STATUS_PAID", []string{
			"orders.v1.Order orders.v1.Status.STATUS_PAID",
		}, false},
		{"http-binding-changed-json", "RPC_HTTP_BINDING_CHANGED", "library.v1.Library.GetShelf", []string{
			"library.v1.Library.GetShelf",
		}, false},
	} {
		t.Run(tc.dir+"/"+tc.rule, func(t *testing.T) {
			old, new := compileCase(t, filepath.Join(goldenRoot, tc.dir))
			rep, err := Check(context.Background(), old, new, Options{Level: compat.Source})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range rep.Findings {
				if f.Rule != tc.rule || f.Element != tc.element {
					continue
				}
				var got []string
				for _, e := range f.Elements {
					got = append(got, e.String())
					if e.Location != f.Location {
						t.Errorf("element %s at %v, finding at %v", e, e.Location, f.Location)
					}
				}
				if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
					t.Errorf("Elements:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
				}
				// The elements Resolve finds for the element, in the
				// version that has it, are the finding's.
				if tc.partial {
					return
				}
				set := old
				if len(Resolve(set, tc.element)) == 0 {
					set = new
				}
				var resolved []string
				for _, e := range Resolve(set, tc.element) {
					resolved = append(resolved, e.String())
				}
				if strings.Join(resolved, "\n") != strings.Join(got, "\n") {
					t.Errorf("Resolve(%s):\n%s\nfinding's elements:\n%s", tc.element, strings.Join(resolved, "\n"), strings.Join(got, "\n"))
				}
				return
			}
			t.Fatalf("no %s finding on %s in\n%s", tc.rule, tc.element, render(rep))
		})
	}
}

// TestCheckCancelled: a cancelled context ends the check with its error,
// not with a partial report.
func TestCheckCancelled(t *testing.T) {
	old, new := compileCase(t, filepath.Join(goldenRoot, "305-rpc-response-type-changed"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rep, err := Check(ctx, old, new, Options{Level: compat.JSON})
	if !errors.Is(err, context.Canceled) || rep != nil {
		t.Fatalf("Check with a cancelled context = %v, %v; want nil, context.Canceled", rep, err)
	}
}
