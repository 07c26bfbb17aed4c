package sqlite

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestLiveLookupsUseIndexes pins the plan of the gate's live lookups: start
// from the contract's rows (contract index), then find whether each version
// is live (version index), never walk every live deployment of the
// environment.
func TestLiveLookupsUseIndexes(t *testing.T) {
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "registry.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, table := range []string{"provisions", "consumptions"} {
		rows, err := db.r.Query(`EXPLAIN QUERY PLAN `+liveQuery(table), "production", "payments-api")
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		got := strings.Join(plan, "\n")
		for _, want := range []string{"SEARCH c USING COVERING INDEX " + table + "_contract (contract=?)", "deployments_version (version_id=? AND env=?)", "SEARCH s USING PRIMARY KEY (version_id=? AND ord=?)"} {
			if !strings.Contains(got, want) {
				t.Errorf("live %s plan lacks %q:\n%s", table, want, got)
			}
		}
	}
}
