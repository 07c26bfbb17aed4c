package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/contractgate/contracts/registry"
)

// testDeploymentHistory: every deployment opens a live interval (unless the
// version is live already), a replacing deployment closes the intervals it
// replaces naming the new version, an undeployment closes one naming none,
// and a rollback opens a second interval. The clock is the store's own (a
// server ignores the client's), so the test compares order and shape, and
// cuts the history at a time it read between two steps.
func testDeploymentHistory(t *testing.T, st registry.Store) {
	ctx := context.Background()
	for _, v := range []string{"1.0.0", "1.1.0", "1.2.0"} {
		publish(t, st, Spec{Service: "orders", Version: v, Events: []string{"orders-events"}, Content: v})
	}
	publish(t, st, Spec{Service: "billing", Version: "2.0.0", Content: "b"})
	CreateEnvs(t, st, "production", "staging")

	type interval struct {
		Service, Version string
		Live             bool
		ReplacedBy       string
	}
	check := func(step string, since time.Time, want []interval) []registry.LiveInterval {
		t.Helper()
		got, err := st.DeploymentHistory(ctx, "production", since)
		if err != nil {
			t.Fatalf("%s: history: %v", step, err)
		}
		if got == nil {
			t.Errorf("%s: history is nil, want an empty list", step)
		}
		var shape []interval
		for _, li := range got {
			shape = append(shape, interval{li.Service, li.Version, li.Live(), li.ReplacedBy})
			if li.Env != "production" {
				t.Errorf("%s: interval %+v is not in production", step, li)
			}
			if li.From.IsZero() || (li.Until != nil && li.Until.Before(li.From)) {
				t.Errorf("%s: interval %s %s from %v until %v", step, li.Service, li.Version, li.From, li.Until)
			}
		}
		if diff := cmp.Diff(want, shape); diff != "" {
			t.Errorf("%s: history (-want +got):\n%s", step, diff)
		}
		return got
	}
	pause := func() { time.Sleep(5 * time.Millisecond) }

	check("before any deployment", time.Time{}, nil)
	deploy(t, st, "production", "orders", "1.0.0", false)
	pause()
	deploy(t, st, "production", "orders", "1.1.0", true)
	check("canary", time.Time{}, []interval{{"orders", "1.0.0", true, ""}, {"orders", "1.1.0", true, ""}})
	deploy(t, st, "production", "orders", "1.1.0", true)
	check("a live version deployed again opens nothing", time.Time{}, []interval{{"orders", "1.0.0", true, ""}, {"orders", "1.1.0", true, ""}})
	pause()
	deploy(t, st, "production", "orders", "1.2.0", false)
	deploy(t, st, "staging", "orders", "1.0.0", false)
	deploy(t, st, "production", "billing", "2.0.0", false)
	pause()
	cut := time.Now()
	pause()
	if err := st.RecordUndeployment(ctx, "production", "orders", "1.2.0"); err != nil {
		t.Fatal(err)
	}
	pause()
	deploy(t, st, "production", "orders", "1.0.0", false)
	all := check("replaced, undeployed and rolled back", time.Time{}, []interval{
		{"billing", "2.0.0", true, ""},
		{"orders", "1.0.0", false, "1.2.0"},
		{"orders", "1.1.0", false, "1.2.0"},
		{"orders", "1.2.0", false, ""},
		{"orders", "1.0.0", true, ""},
	})
	check("since a time after the replacement", cut, []interval{
		{"billing", "2.0.0", true, ""},
		{"orders", "1.2.0", false, ""},
		{"orders", "1.0.0", true, ""},
	})
	if len(all) == 5 {
		if !all[1].Until.Equal(*all[2].Until) || !all[1].Until.Equal(all[3].From) {
			t.Errorf("1.0.0 and 1.1.0 must stop being live when 1.2.0 became live: %v, %v, %v", all[1].Until, all[2].Until, all[3].From)
		}
		if all[4].From.Before(*all[3].Until) {
			t.Errorf("the rollback's interval starts at %v, before 1.2.0's ended at %v", all[4].From, all[3].Until)
		}
		live, err := st.Deployments(ctx, "production")
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range live {
			if d.Service == "orders" && !d.DeployedAt.Equal(all[4].From) {
				t.Errorf("orders 1.0.0 is live since %v but its interval starts at %v", d.DeployedAt, all[4].From)
			}
		}
	}
	staging, err := st.DeploymentHistory(ctx, "staging", time.Time{})
	if err != nil || len(staging) != 1 || staging[0].Version != "1.0.0" || !staging[0].Live() {
		t.Errorf("staging history = %+v, %v; want orders 1.0.0 live", staging, err)
	}
	_, err = st.DeploymentHistory(ctx, "prodution", time.Time{})
	wantCode(t, err, registry.EINVALID, "prodution", "production")
}
