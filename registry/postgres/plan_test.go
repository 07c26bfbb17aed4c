package postgres

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/contractgate/contracts/registry/postgres/pgtest"
)

// TestLiveLookupsUseIndexes pins the plan of the gate's live lookups: start
// from the contract's rows (contract index), then probe deployments by
// environment and version, never walk every live deployment of the
// environment. The tables are empty and never analysed, the case where
// the planner has the least to go on.
func TestLiveLookupsUseIndexes(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, pgtest.Database(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, table := range []string{"provisions", "consumptions"} {
		rows, err := db.pool.Query(ctx, `EXPLAIN `+liveQuery(table), "production", "payments-api")
		if err != nil {
			t.Fatal(err)
		}
		lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		plan := strings.Join(lines, "\n")
		for _, want := range []string{
			"on " + table + " s",
			"Index Scan using deployments_version on deployments d",
			"Index Cond: ((env = ",
			"AND (version_id = s.version_id))",
		} {
			if !strings.Contains(plan, want) {
				t.Errorf("live %s plan lacks %q:\n%s", table, want, plan)
			}
		}
		if strings.Index(plan, "on "+table+" s") > strings.Index(plan, "on deployments d") {
			t.Errorf("live %s plan does not start from the contract's rows:\n%s", table, plan)
		}
	}
}
