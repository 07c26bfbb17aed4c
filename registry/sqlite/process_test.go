package sqlite_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/contractgate/contracts/registry"
	"github.com/contractgate/contracts/registry/sqlite"
	"github.com/contractgate/contracts/registry/storetest"
)

// helperEnv makes the test binary act as one registry process of
// TestSeparateProcesses: its value is "PATH|ID".
const helperEnv = "CONTRACTS_SQLITE_TEST_PROCESS"

// TestSeparateProcesses runs four processes that open one new file at the
// same time and publish: ten versions with the same content in each
// process (all succeed, each Created once overall) and one version with
// content of their own (exactly one wins, the rest get ECONFLICT).
func TestSeparateProcesses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "registry.db")
	const procs = 4
	outs := make([]bytes.Buffer, procs)
	errs := make([]error, procs)
	var wg sync.WaitGroup
	for i := 0; i < procs; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(os.Args[0], "-test.run=^TestProcessHelper$")
			cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s|%d", helperEnv, path, i))
			cmd.Stdout, cmd.Stderr = &outs[i], &outs[i]
			errs[i] = cmd.Run()
		}()
	}
	wg.Wait()
	created, won := 0, 0
	for i := range outs {
		if errs[i] != nil {
			t.Fatalf("process %d: %v\n%s", i, errs[i], outs[i].String())
		}
		created += strings.Count(outs[i].String(), "created\n")
		won += strings.Count(outs[i].String(), "race won\n")
	}
	if created != 10 {
		t.Errorf("%d shared versions Created across processes, want 10", created)
	}
	if won != 1 {
		t.Errorf("%d processes won the different-content race, want 1", won)
	}
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	vs, err := db.Versions(context.Background(), "payments")
	if err != nil || len(vs) != 11 {
		t.Errorf("payments has %d versions (%v), want 11", len(vs), err)
	}
}

// TestProcessHelper is one process of TestSeparateProcesses; it does nothing
// in a normal test run.
func TestProcessHelper(t *testing.T) {
	arg := os.Getenv(helperEnv)
	if arg == "" {
		t.Skip("runs only as a process of TestSeparateProcesses")
	}
	path, id, _ := strings.Cut(arg, "|")
	ctx := context.Background()
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer db.Close()
	for v := 0; v < 10; v++ {
		ver, blobs := storetest.Spec{Service: "payments", Version: fmt.Sprintf("1.0.%d", v), Provides: []string{"payments-api"}, Content: "shared"}.Build()
		out, err := db.Publish(ctx, ver, blobs)
		if err != nil {
			t.Fatalf("publish %s: %v", ver.Version, err)
		}
		if out == registry.Created {
			fmt.Println("created")
		}
	}
	ver, blobs := storetest.Spec{Service: "payments", Version: "2.0.0", Provides: []string{"payments-api"}, Content: "process " + id}.Build()
	_, err = db.Publish(ctx, ver, blobs)
	switch registry.ErrorCode(err) {
	case "":
		fmt.Println("race won")
	case registry.ECONFLICT:
		fmt.Println("race lost")
	default:
		t.Fatalf("publish 2.0.0: %v", err)
	}
}
