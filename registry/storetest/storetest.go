package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/contractgate/contracts/registry"
)

// base is the publish time tests count from; microsecond precision, which
// every backend holds.
var base = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// Run runs the store suite. open must return a fresh, empty store for each
// call, closed by its own t.Cleanup.
func Run(t *testing.T, open func(t *testing.T) registry.Store) {
	RunWithout(t, open)
}

// RunWithout runs the store suite but the named behaviours, for a store
// that leaves them to another: the client of a registry server keeps no
// report cache (the server's gate owns it).
func RunWithout(t *testing.T, open func(t *testing.T) registry.Store, skip ...string) {
	tests := []struct {
		name string
		run  func(t *testing.T, st registry.Store)
	}{
		{"PublishAndRead", testPublishAndRead},
		{"WidenedRootIsKept", testWidenedRoot},
		{"VersionNotFound", testVersionNotFound},
		{"VersionOrder", testVersionOrder},
		{"Services", testServices},
		{"ContractOwnership", testContractOwnership},
		{"BlobsAreSharedByHash", testBlobsShared},
		{"RepublishSameContent", testRepublishSame},
		{"RepublishDifferentContent", testRepublishDifferent},
		{"InvalidPublishStoresNothing", testInvalidPublish},
		{"Environments", testEnvironments},
		{"Deployments", testDeployments},
		{"DeploymentErrors", testDeploymentErrors},
		{"LiveConsumersAndProviders", testLive},
		{"Approvals", testApprovals},
		{"ReportCache", testReportCache},
		{"DeploymentHistory", testDeploymentHistory},
		{"ObservedUsage", testObservedUsage},
	}
	tests = append(tests, concurrencyTests...)
	for _, tt := range tests {
		if slices.Contains(skip, tt.name) {
			continue
		}
		t.Run(tt.name, func(t *testing.T) {
			tt.run(t, open(t))
		})
	}
}

// versionOpts compare versions as stored: no slice is nil-vs-empty
// different.
var versionOpts = cmp.Options{cmpopts.EquateEmpty()}

func publish(t *testing.T, st registry.Store, s Spec) *registry.Version {
	t.Helper()
	v, blobs := s.Build()
	out, err := st.Publish(context.Background(), v, blobs)
	if err != nil {
		t.Fatalf("publish %s %s: %v", s.Service, s.Version, err)
	}
	if out != registry.Created {
		t.Fatalf("publish %s %s: outcome %v, want Created", s.Service, s.Version, out)
	}
	return v
}

func wantCode(t *testing.T, err error, code string, contains ...string) {
	t.Helper()
	if got := registry.ErrorCode(err); got != code {
		t.Fatalf("error %v: code %q, want %q", err, got, code)
	}
	for _, s := range contains {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not mention %q", err, s)
		}
	}
}

// CreateEnvs creates environments, failing the test or benchmark if one
// cannot be.
func CreateEnvs(t testing.TB, st registry.Store, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := st.CreateEnvironment(context.Background(), n); err != nil {
			t.Fatalf("create environment %s: %v", n, err)
		}
	}
}

// deploy records a deployment, creating its environment first.
func deploy(t *testing.T, st registry.Store, env, service, version string, keep bool) {
	t.Helper()
	CreateEnvs(t, st, env)
	if err := st.RecordDeployment(context.Background(), registry.Deployment{Env: env, Service: service, Version: version}, keep); err != nil {
		t.Fatalf("deploy %s %s to %s: %v", service, version, env, err)
	}
}

func testPublishAndRead(t *testing.T, st registry.Store) {
	ctx := context.Background()
	v, blobs := Spec{
		Service: "checkout", Version: "1.2.0", Provides: []string{"checkout-api"}, Events: []string{"checkout-events"},
		Consumes: []string{"payments-api"}, Expects: []string{"inventory-api"}, Content: "a",
		Branch: "main", Commit: "abc123", At: base,
	}.Build()
	out, err := st.Publish(ctx, v, blobs)
	if err != nil || out != registry.Created {
		t.Fatalf("publish: %v, %v; want Created", out, err)
	}
	got, err := st.Version(ctx, "checkout", "1.2.0")
	if err != nil {
		t.Fatalf("read back: %v", err)
	}
	if diff := cmp.Diff(v, got, versionOpts); diff != "" {
		t.Errorf("stored version differs (-published +stored):\n%s", diff)
	}
	hashes := registry.ReferencedBlobs(v)
	stored, err := st.Blobs(ctx, append(hashes, "sha256:absent"))
	if err != nil {
		t.Fatalf("blobs: %v", err)
	}
	if len(stored) != len(hashes) {
		t.Errorf("got %d blobs, want %d (the absent one left out)", len(stored), len(hashes))
	}
	for _, h := range hashes {
		if string(stored[h]) != string(blobs[h]) {
			t.Errorf("blob %s: content differs", h)
		}
	}
	for _, c := range []struct {
		name string
		kind registry.Kind
	}{{"checkout-api", registry.OpenAPI}, {"checkout-events", registry.Proto}} {
		got, err := st.Contract(ctx, c.name)
		if err != nil {
			t.Fatalf("contract %s: %v", c.name, err)
		}
		if want := (&registry.Contract{Name: c.name, Owner: "checkout", Kind: c.kind}); !cmp.Equal(got, want) {
			t.Errorf("contract %s = %+v, want %+v", c.name, got, want)
		}
	}
	// A store sets the publish time when the caller does not.
	before := time.Now().Add(-time.Second)
	publish(t, st, Spec{Service: "checkout", Version: "1.3.0", Provides: []string{"checkout-api"}, Content: "b"})
	got, err = st.Version(ctx, "checkout", "1.3.0")
	if err != nil {
		t.Fatalf("read 1.3.0: %v", err)
	}
	if got.PublishedAt.Before(before) || got.PublishedAt.After(time.Now().Add(time.Second)) {
		t.Errorf("publish time %v was not set to now", got.PublishedAt)
	}
}

func testVersionNotFound(t *testing.T, st registry.Store) {
	ctx := context.Background()
	publish(t, st, Spec{Service: "checkout", Version: "1.0.0", Content: "a"})
	tests := []struct{ service, version string }{{"checkout", "2.0.0"}, {"nobody", "1.0.0"}}
	for _, tt := range tests {
		_, err := st.Version(ctx, tt.service, tt.version)
		wantCode(t, err, registry.ENOTFOUND, tt.service, tt.version)
	}
	_, err := st.Contract(ctx, "nothing-api")
	wantCode(t, err, registry.ENOTFOUND, "nothing-api")
	vs, err := st.Versions(ctx, "nobody")
	if err != nil || len(vs) != 0 {
		t.Errorf("versions of an unknown service = %v, %v; want none", vs, err)
	}
}

func testVersionOrder(t *testing.T, st registry.Store) {
	ctx := context.Background()
	tests := []struct {
		service  string
		publish  []string // in publish order, one minute apart
		want     []string
		earliest bool // publish in reverse time order
	}{
		{service: "semver", publish: []string{"1.10.0", "1.2.0", "2.0.0-rc.1", "1.9.0", "2.0.0", "0.1.0"}, want: []string{"0.1.0", "1.2.0", "1.9.0", "1.10.0", "2.0.0-rc.1", "2.0.0"}},
		{service: "by-time", publish: []string{"zebra", "main-7", "abc"}, want: []string{"zebra", "main-7", "abc"}},
		{service: "by-time-reversed", publish: []string{"a", "b", "c"}, want: []string{"c", "b", "a"}, earliest: true},
	}
	for _, tt := range tests {
		for i, ver := range tt.publish {
			at := base.Add(time.Duration(i) * time.Minute)
			if tt.earliest {
				at = base.Add(-time.Duration(i) * time.Minute)
			}
			publish(t, st, Spec{Service: tt.service, Version: ver, Content: ver, At: at})
		}
		vs, err := st.Versions(ctx, tt.service)
		if err != nil {
			t.Fatalf("versions of %s: %v", tt.service, err)
		}
		var got []string
		for _, v := range vs {
			got = append(got, v.Version)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("order of %s (-want +got):\n%s", tt.service, diff)
		}
	}
}

func testServices(t *testing.T, st registry.Store) {
	ctx := context.Background()
	publish(t, st, Spec{Service: "payments", Version: "1.0.0", Provides: []string{"payments-api"}, Events: []string{"payments-events"}, Content: "1", At: base})
	publish(t, st, Spec{Service: "payments", Version: "0.9.0", Provides: []string{"payments-api"}, Content: "2", At: base.Add(time.Hour)})
	publish(t, st, Spec{Service: "checkout", Version: "main", Consumes: []string{"payments-api"}, Content: "1", At: base})
	got, err := st.Services(ctx)
	if err != nil {
		t.Fatalf("services: %v", err)
	}
	want := []registry.ServiceInfo{
		{Name: "checkout", Contracts: []string{}, Versions: 1, Latest: "main"},
		{Name: "payments", Contracts: []string{"payments-api", "payments-events"}, Versions: 2, Latest: "0.9.0"},
	}
	if diff := cmp.Diff(want, got, versionOpts); diff != "" {
		t.Errorf("services (-want +got):\n%s", diff)
	}
}

func testContractOwnership(t *testing.T, st registry.Store) {
	ctx := context.Background()
	p1 := publish(t, st, Spec{Service: "payments", Version: "1.0.0", Provides: []string{"payments-api"}, Content: "1"})
	// The owner publishes the contract again in later versions.
	p2 := publish(t, st, Spec{Service: "payments", Version: "1.1.0", Provides: []string{"payments-api"}, Content: "2"})
	shared := map[string]bool{}
	for _, h := range append(registry.ReferencedBlobs(p1), registry.ReferencedBlobs(p2)...) {
		shared[h] = true
	}

	v, blobs := Spec{Service: "impostor", Version: "1.0.0", Provides: []string{"impostor-api", "payments-api"}, Content: "unique-impostor-content"}.Build()
	_, err := st.Publish(ctx, v, blobs)
	wantCode(t, err, registry.EFORBIDDEN, "payments-api", "belongs to service payments", "impostor")
	// Nothing of the refused version is left behind: no version, no claimed
	// contract, no blob.
	_, err = st.Version(ctx, "impostor", "1.0.0")
	wantCode(t, err, registry.ENOTFOUND)
	_, err = st.Contract(ctx, "impostor-api")
	wantCode(t, err, registry.ENOTFOUND)
	stored, err := st.Blobs(ctx, registry.ReferencedBlobs(v))
	if err != nil {
		t.Fatalf("blobs: %v", err)
	}
	for h := range stored {
		if !shared[h] {
			t.Errorf("blob %s of the refused version was stored", h)
		}
	}
	services, err := st.Services(ctx)
	if err != nil {
		t.Fatalf("services: %v", err)
	}
	if len(services) != 1 || services[0].Name != "payments" {
		t.Errorf("services = %+v, want only payments", services)
	}
	c, err := st.Contract(ctx, "payments-api")
	if err != nil || c.Owner != "payments" {
		t.Errorf("payments-api = %+v, %v; want owned by payments", c, err)
	}
	// Consuming someone else's contract is fine.
	publish(t, st, Spec{Service: "impostor", Version: "1.0.0", Provides: []string{"impostor-api"}, Consumes: []string{"payments-api"}, Content: "ok"})
}

func testBlobsShared(t *testing.T, st registry.Store) {
	ctx := context.Background()
	v1 := publish(t, st, Spec{Service: "payments", Version: "1.0.0", Provides: []string{"payments-api"}, Content: "same"})
	// A second version with the same document may leave its blobs out: they
	// are stored already.
	v2, _ := Spec{Service: "payments", Version: "1.0.1", Provides: []string{"payments-api"}, Content: "same"}.Build()
	if out, err := st.Publish(ctx, v2, nil); err != nil || out != registry.Created {
		t.Fatalf("publish without blobs already stored: %v, %v", out, err)
	}
	if v1.Provides[0].Doc.Hash != v2.Provides[0].Doc.Hash {
		t.Fatalf("fixture: same content built different documents")
	}
	got, err := st.Blobs(ctx, registry.ReferencedBlobs(v2))
	if err != nil || len(got) != len(registry.ReferencedBlobs(v2)) {
		t.Errorf("blobs = %d, %v; want all %d", len(got), err, len(registry.ReferencedBlobs(v2)))
	}
	got, err = st.Blobs(ctx, nil)
	if err != nil || len(got) != 0 {
		t.Errorf("blobs of nothing = %v, %v", got, err)
	}
}

func testRepublishSame(t *testing.T, st registry.Store) {
	ctx := context.Background()
	s := Spec{Service: "payments", Version: "1.0.0", Provides: []string{"payments-api"}, Consumes: []string{"ledger-api"}, Content: "1", Branch: "main", Commit: "aaa", At: base}
	first := publish(t, st, s)
	// Branch, commit and time are not content.
	s.Branch, s.Commit, s.At = "feature", "bbb", base.Add(time.Hour)
	v, blobs := s.Build()
	for i := 0; i < 2; i++ {
		out, err := st.Publish(ctx, v, blobs)
		if err != nil || out != registry.Unchanged {
			t.Fatalf("republish #%d: %v, %v; want Unchanged", i+1, out, err)
		}
	}
	got, err := st.Version(ctx, "payments", "1.0.0")
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if diff := cmp.Diff(first, got, versionOpts); diff != "" {
		t.Errorf("a no-op republish changed the stored version (-first +stored):\n%s", diff)
	}
}

func testRepublishDifferent(t *testing.T, st registry.Store) {
	ctx := context.Background()
	first := publish(t, st, Spec{Service: "payments", Version: "1.0.0", Provides: []string{"payments-api"}, Content: "1"})
	tests := []struct {
		name     string
		spec     Spec
		contains []string
	}{
		{"document changed", Spec{Service: "payments", Version: "1.0.0", Provides: []string{"payments-api"}, Content: "2"},
			[]string{"payments 1.0.0", "contract payments-api (files openapi.yaml)", "new version"}},
		{"contract added", Spec{Service: "payments", Version: "1.0.0", Provides: []string{"payments-api", "refunds-api"}, Content: "1"},
			[]string{"payments 1.0.0", "contracts.yaml", "contract refunds-api (not in the stored version)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, blobs := tt.spec.Build()
			_, err := st.Publish(ctx, v, blobs)
			wantCode(t, err, registry.ECONFLICT, tt.contains...)
			got, err := st.Version(ctx, "payments", "1.0.0")
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			if diff := cmp.Diff(first, got, versionOpts, cmpopts.IgnoreFields(registry.Version{}, "PublishedAt")); diff != "" {
				t.Errorf("a refused publish changed the stored version (-first +stored):\n%s", diff)
			}
		})
	}
	// refunds-api was not claimed by the refused publish.
	_, err := st.Contract(ctx, "refunds-api")
	wantCode(t, err, registry.ENOTFOUND)
}

func testInvalidPublish(t *testing.T, st registry.Store) {
	ctx := context.Background()
	good := func() (*registry.Version, map[string][]byte) {
		return Spec{Service: "payments", Version: "1.0.0", Provides: []string{"payments-api"}, Content: "x"}.Build()
	}
	tests := []struct {
		name   string
		mutate func(v *registry.Version, blobs map[string][]byte)
		code   string
	}{
		{"bad service name", func(v *registry.Version, _ map[string][]byte) { v.Service = "Pay_ments" }, registry.EINVALID},
		{"bad version", func(v *registry.Version, _ map[string][]byte) { v.Version = "1.0.0 beta" }, registry.EINVALID},
		{"bad contract name", func(v *registry.Version, _ map[string][]byte) { v.Provides[0].Contract = "-api" }, registry.EINVALID},
		{"contract provided twice", func(v *registry.Version, _ map[string][]byte) { v.Provides = append(v.Provides, v.Provides[0]) }, registry.EINVALID},
		{"blob not matching its hash", func(_ *registry.Version, blobs map[string][]byte) {
			for h := range blobs {
				blobs[h] = []byte("tampered")
			}
		}, registry.EINVALID},
		{"blob missing", func(_ *registry.Version, blobs map[string][]byte) {
			for h := range blobs {
				delete(blobs, h)
				break
			}
		}, registry.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, blobs := good()
			tt.mutate(v, blobs)
			_, err := st.Publish(ctx, v, blobs)
			wantCode(t, err, tt.code)
			services, err := st.Services(ctx)
			if err != nil || len(services) != 0 {
				t.Errorf("services after a refused publish = %+v, %v; want none", services, err)
			}
			if _, err := st.Contract(ctx, "payments-api"); registry.ErrorCode(err) != registry.ENOTFOUND {
				t.Errorf("a refused publish claimed payments-api: %v", err)
			}
			got, err := st.Blobs(ctx, registry.ReferencedBlobs(v))
			if err != nil || len(got) != 0 {
				t.Errorf("a refused publish stored %d blobs (%v)", len(got), err)
			}
		})
	}
}

func testDeployments(t *testing.T, st registry.Store) {
	ctx := context.Background()
	for _, ver := range []string{"1.0.0", "1.1.0", "1.2.0"} {
		publish(t, st, Spec{Service: "payments", Version: ver, Provides: []string{"payments-api"}, Content: ver})
	}
	publish(t, st, Spec{Service: "checkout", Version: "1.0.0", Consumes: []string{"payments-api"}, Content: "c"})
	type dep struct{ env, service, version string }
	steps := []struct {
		name   string
		do     func(t *testing.T)
		env    string
		wantIn []dep
	}{
		{"first deployment", func(t *testing.T) { deploy(t, st, "production", "payments", "1.0.0", false) },
			"production", []dep{{"production", "payments", "1.0.0"}}},
		{"canary keeps the previous version", func(t *testing.T) { deploy(t, st, "production", "payments", "1.1.0", true) },
			"production", []dep{{"production", "payments", "1.0.0"}, {"production", "payments", "1.1.0"}}},
		{"another service is independent", func(t *testing.T) { deploy(t, st, "production", "checkout", "1.0.0", false) },
			"production", []dep{{"production", "checkout", "1.0.0"}, {"production", "payments", "1.0.0"}, {"production", "payments", "1.1.0"}}},
		{"another environment is independent", func(t *testing.T) { deploy(t, st, "staging", "payments", "1.2.0", false) },
			"production", []dep{{"production", "checkout", "1.0.0"}, {"production", "payments", "1.0.0"}, {"production", "payments", "1.1.0"}}},
		{"a deployment replaces every live version", func(t *testing.T) { deploy(t, st, "production", "payments", "1.2.0", false) },
			"production", []dep{{"production", "checkout", "1.0.0"}, {"production", "payments", "1.2.0"}}},
		{"undeploy removes one", func(t *testing.T) {
			if err := st.RecordUndeployment(ctx, "production", "checkout", "1.0.0"); err != nil {
				t.Fatal(err)
			}
		}, "production", []dep{{"production", "payments", "1.2.0"}}},
		{"every environment", func(t *testing.T) {}, "", []dep{{"production", "payments", "1.2.0"}, {"staging", "payments", "1.2.0"}}},
	}
	for _, step := range steps {
		step.do(t)
		ds, err := st.Deployments(ctx, step.env)
		if err != nil {
			t.Fatalf("%s: deployments: %v", step.name, err)
		}
		var got []dep
		for _, d := range ds {
			got = append(got, dep{d.Env, d.Service, d.Version})
			if d.DeployedAt.IsZero() {
				t.Errorf("%s: %s %s has no deployment time", step.name, d.Service, d.Version)
			}
		}
		if diff := cmp.Diff(step.wantIn, got, cmp.AllowUnexported(dep{})); diff != "" {
			t.Errorf("%s (-want +got):\n%s", step.name, diff)
		}
	}
	// Recording a live version again is a no-op: it keeps its time. (A
	// registry server records its own clock's time, whatever the client
	// sends, so the test compares the two readings.)
	CreateEnvs(t, st, "qa")
	at := base.Add(-48 * time.Hour)
	if err := st.RecordDeployment(ctx, registry.Deployment{Env: "qa", Service: "payments", Version: "1.0.0", DeployedAt: at}, false); err != nil {
		t.Fatal(err)
	}
	first, err := st.Deployments(ctx, "qa")
	if err != nil || len(first) != 1 {
		t.Fatalf("qa deployments = %+v, %v; want payments 1.0.0", first, err)
	}
	if err := st.RecordDeployment(ctx, registry.Deployment{Env: "qa", Service: "payments", Version: "1.0.0"}, false); err != nil {
		t.Fatalf("recording a live version again: %v", err)
	}
	ds, err := st.Deployments(ctx, "qa")
	if err != nil || len(ds) != 1 || !ds[0].DeployedAt.Equal(first[0].DeployedAt) {
		t.Errorf("qa deployments = %+v, %v; want payments 1.0.0 deployed at %v", ds, err, first[0].DeployedAt)
	}
}

func testDeploymentErrors(t *testing.T, st registry.Store) {
	ctx := context.Background()
	publish(t, st, Spec{Service: "payments", Version: "1.0.0", Content: "1"})
	deploy(t, st, "production", "payments", "1.0.0", false)
	err := st.RecordDeployment(ctx, registry.Deployment{Env: "production", Service: "payments", Version: "9.9.9"}, false)
	wantCode(t, err, registry.ENOTFOUND, "payments", "9.9.9")
	err = st.RecordDeployment(ctx, registry.Deployment{Env: "production", Service: "ghost", Version: "1.0.0"}, false)
	wantCode(t, err, registry.ENOTFOUND, "ghost", "1.0.0")
	// The refused deployment did not retire what was live.
	ds, err := st.Deployments(ctx, "production")
	if err != nil || len(ds) != 1 || ds[0].Version != "1.0.0" {
		t.Errorf("production = %+v, %v; want payments 1.0.0 still live", ds, err)
	}
	CreateEnvs(t, st, "staging")
	err = st.RecordUndeployment(ctx, "staging", "payments", "1.0.0")
	wantCode(t, err, registry.ENOTFOUND, "payments", "1.0.0", "staging")
	ds, err = st.Deployments(ctx, "staging")
	if err != nil || len(ds) != 0 {
		t.Errorf("deployments of an empty environment = %+v, %v", ds, err)
	}
}

// testEnvironments: environments exist only once created, creating one
// again changes nothing, and every deployment call naming an unknown one
// fails with the nearest names, changing nothing.
func testEnvironments(t *testing.T, st registry.Store) {
	ctx := context.Background()
	envs, err := st.Environments(ctx)
	if err != nil || len(envs) != 0 {
		t.Fatalf("a new registry's environments = %+v, %v; want none", envs, err)
	}
	for _, step := range []struct {
		name string
		want bool
	}{{"production", true}, {"staging", true}, {"production", false}} {
		created, err := st.CreateEnvironment(ctx, step.name)
		if err != nil || created != step.want {
			t.Fatalf("create %s = %v, %v; want created=%v", step.name, created, err, step.want)
		}
	}
	_, err = st.CreateEnvironment(ctx, "Bad Name")
	wantCode(t, err, registry.EINVALID, "Bad Name")
	envs, err = st.Environments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range envs {
		names = append(names, e.Name)
		if e.CreatedAt.IsZero() {
			t.Errorf("environment %s has no creation time", e.Name)
		}
	}
	if diff := cmp.Diff([]string{"production", "staging"}, names); diff != "" {
		t.Errorf("environments (-want +got):\n%s", diff)
	}

	publish(t, st, Spec{Service: "payments", Version: "1.0.0", Content: "1"})
	deploy(t, st, "production", "payments", "1.0.0", false)
	err = st.RecordDeployment(ctx, registry.Deployment{Env: "prodution", Service: "payments", Version: "1.0.0"}, false)
	wantCode(t, err, registry.EINVALID, `"prodution"`, "did you mean production?", "environment create prodution")
	err = st.RecordUndeployment(ctx, "prodution", "payments", "1.0.0")
	wantCode(t, err, registry.EINVALID, `"prodution"`, "production")
	_, err = st.Deployments(ctx, "prodution")
	wantCode(t, err, registry.EINVALID, `"prodution"`, "production")
	envs, err = st.Environments(ctx)
	if err != nil || len(envs) != 2 {
		t.Errorf("after refused calls, environments = %+v, %v; want production and staging only", envs, err)
	}
	ds, err := st.Deployments(ctx, "")
	if err != nil || len(ds) != 1 || ds[0].Env != "production" {
		t.Errorf("after refused calls, deployments = %+v, %v; want payments 1.0.0 in production only", ds, err)
	}
}

func testLive(t *testing.T, st registry.Store) {
	ctx := context.Background()
	p1 := publish(t, st, Spec{Service: "payments", Version: "1.0.0", Provides: []string{"payments-api"}, Content: "1"})
	p2 := publish(t, st, Spec{Service: "payments", Version: "2.0.0", Provides: []string{"payments-api"}, Content: "2"})
	c1 := publish(t, st, Spec{Service: "checkout", Version: "1.0.0", Consumes: []string{"payments-api"}, Content: "1"})
	r1 := publish(t, st, Spec{Service: "refunds", Version: "1.0.0", Expects: []string{"payments-api"}, Content: "1"})
	publish(t, st, Spec{Service: "ledger", Version: "1.0.0", Consumes: []string{"payments-api"}, Content: "1"}) // never deployed
	deploy(t, st, "production", "payments", "1.0.0", false)
	deploy(t, st, "production", "payments", "2.0.0", true)
	deploy(t, st, "production", "checkout", "1.0.0", false)
	deploy(t, st, "production", "refunds", "1.0.0", false)
	deploy(t, st, "staging", "payments", "2.0.0", false)

	tests := []struct {
		env, contract string
		providers     []registry.LiveProvision
		consumers     []registry.LiveConsumption
	}{
		{"production", "payments-api",
			[]registry.LiveProvision{{Service: "payments", Version: "1.0.0", Provision: p1.Provides[0]}, {Service: "payments", Version: "2.0.0", Provision: p2.Provides[0]}},
			[]registry.LiveConsumption{{Service: "checkout", Version: "1.0.0", Consumption: c1.Consumes[0]}, {Service: "refunds", Version: "1.0.0", Consumption: r1.Consumes[0]}}},
		{"staging", "payments-api",
			[]registry.LiveProvision{{Service: "payments", Version: "2.0.0", Provision: p2.Provides[0]}}, nil},
		{"production", "unknown-api", nil, nil},
		{"nowhere", "payments-api", nil, nil},
	}
	for _, tt := range tests {
		providers, err := st.LiveProviders(ctx, tt.env, tt.contract)
		if err != nil {
			t.Fatalf("live providers of %s in %s: %v", tt.contract, tt.env, err)
		}
		if diff := cmp.Diff(tt.providers, providers, versionOpts); diff != "" {
			t.Errorf("live providers of %s in %s (-want +got):\n%s", tt.contract, tt.env, diff)
		}
		consumers, err := st.LiveConsumers(ctx, tt.env, tt.contract)
		if err != nil {
			t.Fatalf("live consumers of %s in %s: %v", tt.contract, tt.env, err)
		}
		if diff := cmp.Diff(tt.consumers, consumers, versionOpts); diff != "" {
			t.Errorf("live consumers of %s in %s (-want +got):\n%s", tt.contract, tt.env, diff)
		}
	}
}

func testApprovals(t *testing.T, st registry.Store) {
	ctx := context.Background()
	// Valid approvals, so a registry server (which validates them) stores
	// them too: published contracts, a consumer of one, known environments.
	publish(t, st, Spec{Service: "payments", Version: "1.0.0", Provides: []string{"payments-api", "orders-api"}, Content: "p"})
	publish(t, st, Spec{Service: "checkout", Version: "1.0.0", Consumes: []string{"payments-api"}, Content: "c"})
	CreateEnvs(t, st, "production", "staging")
	in := []registry.Approval{
		{Contract: "payments-api", Rule: "RESPONSE_REQUIRED_PROPERTY_REMOVED", Element: "GET /payments-api/{id}", Consumer: "checkout", Envs: []string{"production", "staging"},
			Reason: "checkout ignores it", By: "ana", CreatedAt: base, ExpiresAt: base.Add(24 * time.Hour)},
		{Contract: "orders-api", Rule: "OPERATION_REMOVED", Element: "GET /orders-api/{id}", Envs: []string{"staging"}, Reason: "unused", By: "bo", CreatedAt: base, ExpiresAt: base.Add(-time.Hour)},
		{Contract: "payments-api", Rule: "OPERATION_REMOVED", Element: "GET /payments-api/{id}", Envs: []string{"production"}, Reason: "moved", By: "ana", ExpiresAt: base.Add(time.Hour)},
	}
	var stored []registry.Approval
	ids := map[int64]bool{}
	for _, a := range in {
		got, err := st.AddApproval(ctx, a)
		if err != nil {
			t.Fatalf("add approval: %v", err)
		}
		if got.ID == 0 || ids[got.ID] {
			t.Errorf("approval ID %d is zero or reused", got.ID)
		}
		ids[got.ID] = true
		if got.CreatedAt.IsZero() {
			t.Errorf("approval %d has no creation time", got.ID)
		}
		if diff := cmp.Diff(a.Envs, got.Envs); diff != "" {
			t.Errorf("approval %d environments (-want +got):\n%s", got.ID, diff)
		}
		stored = append(stored, *got)
	}
	list := func(contract string) []registry.Approval {
		t.Helper()
		got, err := st.Approvals(ctx, contract)
		if err != nil {
			t.Fatalf("approvals of %q: %v", contract, err)
		}
		return got
	}
	for _, tt := range []struct {
		contract string
		want     []registry.Approval
	}{
		{"payments-api", []registry.Approval{stored[0], stored[2]}},
		{"orders-api", []registry.Approval{stored[1]}},
		{"", stored},
		{"nothing-api", nil},
	} {
		if diff := cmp.Diff(tt.want, list(tt.contract), versionOpts); diff != "" {
			t.Errorf("approvals of %q (-want +got):\n%s", tt.contract, diff)
		}
	}
	// A revoked approval stays listed, with its revocation time; revoking
	// it again changes nothing; an unknown one is ENOTFOUND.
	at := base.Add(2 * time.Hour)
	if err := st.RevokeApproval(ctx, stored[2].ID, at); err != nil {
		t.Fatalf("revoke: %v", err)
	}
	got := list("payments-api")
	if len(got) != 2 || got[1].RevokedAt == nil || got[0].RevokedAt != nil {
		t.Fatalf("after revoking #%d: %+v", stored[2].ID, got)
	}
	first := *got[1].RevokedAt
	if err := st.RevokeApproval(ctx, stored[2].ID, at.Add(time.Hour)); err != nil {
		t.Fatalf("revoke again: %v", err)
	}
	if again := list("payments-api"); again[1].RevokedAt == nil || !again[1].RevokedAt.Equal(first) {
		t.Errorf("revoking again moved the revocation time: %+v", again[1])
	}
	wantCode(t, st.RevokeApproval(ctx, 9999, at), registry.ENOTFOUND, "9999")
}

func testReportCache(t *testing.T, st registry.Store) {
	ctx := context.Background()
	steps := []struct {
		put  []byte
		key  string
		want []byte
	}{
		{nil, "sha256:a|sha256:b", nil},
		{[]byte(`{"findings":[]}`), "sha256:a|sha256:b", []byte(`{"findings":[]}`)},
		{[]byte(`{"findings":[1]}`), "sha256:a|sha256:b", []byte(`{"findings":[1]}`)},
		{nil, "sha256:other", nil},
	}
	for i, s := range steps {
		if s.put != nil {
			if err := st.PutCachedReport(ctx, s.key, s.put); err != nil {
				t.Fatalf("step %d: put: %v", i, err)
			}
		}
		got, err := st.CachedReport(ctx, s.key)
		if err != nil {
			t.Fatalf("step %d: get: %v", i, err)
		}
		if (got == nil) != (s.want == nil) || string(got) != string(s.want) {
			t.Errorf("step %d: cached %q = %q, want %q", i, s.key, got, s.want)
		}
	}
}

// RunAuth runs the AuthStore suite: tokens and the audit log. open must
// return a fresh, empty store for each call.
func RunAuth(t *testing.T, open func(t *testing.T) registry.AuthStore) {
	tests := []struct {
		name string
		run  func(t *testing.T, st registry.AuthStore)
	}{
		{"Tokens", testTokens},
		{"Audit", testAudit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, open(t)) })
	}
}

func testTokens(t *testing.T, st registry.AuthStore) {
	ctx := context.Background()
	ci := registry.Token{ID: "tok-ci", Name: "ci", Scopes: []string{"publish:payments", "deploy:staging"}, CreatedAt: base}
	admin := registry.Token{ID: "tok-admin", Name: "admin", Scopes: []string{"admin"}, CreatedAt: base.Add(time.Minute)}
	for _, tok := range []struct {
		t    registry.Token
		hash string
	}{{ci, "hash-ci"}, {admin, "hash-admin"}} {
		if err := st.CreateToken(ctx, tok.t, tok.hash); err != nil {
			t.Fatalf("create %s: %v", tok.t.ID, err)
		}
	}
	wantCode(t, st.CreateToken(ctx, registry.Token{ID: "tok-ci", Name: "again", CreatedAt: base}, "hash-other"), registry.ECONFLICT)
	got, err := st.TokenByHash(ctx, "hash-ci")
	if err != nil {
		t.Fatalf("token by hash: %v", err)
	}
	if diff := cmp.Diff(&ci, got); diff != "" {
		t.Errorf("token (-want +got):\n%s", diff)
	}
	_, err = st.TokenByHash(ctx, "hash-unknown")
	wantCode(t, err, registry.ENOTFOUND)

	revokedAt := base.Add(time.Hour)
	if err := st.RevokeToken(ctx, "tok-ci", revokedAt); err != nil {
		t.Fatalf("revoke: %v", err)
	}
	wantCode(t, st.RevokeToken(ctx, "tok-unknown", revokedAt), registry.ENOTFOUND, "tok-unknown")
	got, err = st.TokenByHash(ctx, "hash-ci")
	if err != nil || got.RevokedAt == nil || !got.RevokedAt.Equal(revokedAt) {
		t.Errorf("revoked token = %+v, %v; want revoked at %v", got, err, revokedAt)
	}
	all, err := st.Tokens(ctx)
	if err != nil {
		t.Fatalf("tokens: %v", err)
	}
	var ids []string
	for _, tok := range all {
		ids = append(ids, tok.ID)
	}
	if diff := cmp.Diff([]string{"tok-ci", "tok-admin"}, ids); diff != "" {
		t.Errorf("tokens (-want +got):\n%s", diff)
	}
}

func testAudit(t *testing.T, st registry.AuthStore) {
	ctx := context.Background()
	for i := 0; i < 5; i++ {
		e := registry.AuditEntry{At: base.Add(time.Duration(i) * time.Second), Actor: "tok-ci", Action: "publish", Target: fmt.Sprintf("payments 1.0.%d", i)}
		if err := st.AppendAudit(ctx, e); err != nil {
			t.Fatalf("append: %v", err)
		}
	}
	tests := []struct {
		limit int
		want  []string
	}{
		{3, []string{"payments 1.0.4", "payments 1.0.3", "payments 1.0.2"}},
		{10, []string{"payments 1.0.4", "payments 1.0.3", "payments 1.0.2", "payments 1.0.1", "payments 1.0.0"}},
	}
	for _, tt := range tests {
		es, err := st.Audit(ctx, tt.limit)
		if err != nil {
			t.Fatalf("audit: %v", err)
		}
		var got []string
		for i, e := range es {
			got = append(got, e.Target)
			if i > 0 && e.ID >= es[i-1].ID {
				t.Errorf("audit IDs not decreasing: %d after %d", e.ID, es[i-1].ID)
			}
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("audit(%d) (-want +got):\n%s", tt.limit, diff)
		}
	}
}

// testWidenedRoot: a version whose manifest widens its publish root keeps
// where the manifest sits (part of its digest) and its root-relative paths.
func testWidenedRoot(t *testing.T, st registry.Store) {
	ctx := context.Background()
	v, blobs := Spec{Service: "checkout", Version: "1.0.0", Provides: []string{"checkout-api"}}.Build()
	v.Manifest = []byte("service: checkout\nroot: ../..\nprovides:\n  - contract: checkout-api\n    openapi: ../../api/checkout-api/openapi.yaml\n")
	v.ManifestDir = "services/checkout"
	v.Provides[0].Path = "api/checkout-api/openapi.yaml"
	v.ComputeDigest()
	if _, err := st.Publish(ctx, v, blobs); err != nil {
		t.Fatal(err)
	}
	got, err := st.Version(ctx, "checkout", "1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	if got.ManifestDir != "services/checkout" || got.Provides[0].Path != "api/checkout-api/openapi.yaml" || got.Digest != v.Digest {
		t.Errorf("stored manifest folder %q, path %q, digest %s; want services/checkout, api/checkout-api/openapi.yaml, %s", got.ManifestDir, got.Provides[0].Path, got.Digest, v.Digest)
	}
	// The same content published again is unchanged; the same manifest
	// placed elsewhere is other content.
	if out, err := st.Publish(ctx, v, nil); err != nil || out != registry.Unchanged {
		t.Errorf("republish: %v, %v; want unchanged", out, err)
	}
	moved := *v
	moved.ManifestDir, moved.Digest = "apps/checkout", ""
	moved.ComputeDigest()
	if _, err := st.Publish(ctx, &moved, nil); registry.ErrorCode(err) != registry.ECONFLICT {
		t.Errorf("the same version with its manifest elsewhere: %v, want a conflict", err)
	}
}
