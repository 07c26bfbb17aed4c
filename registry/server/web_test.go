package server

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/contractgate/contracts/registry"
	"github.com/contractgate/contracts/registry/storetest"
)

const (
	paymentsV1 = `openapi: 3.0.3
info: {title: payments, version: 1.0.0}
paths:
  /payments/{id}:
    get:
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        '200': {description: the payment}
  /payments:
    get:
      responses:
        '200': {description: the payments}
`
	paymentsV2 = `openapi: 3.0.3
info: {title: payments, version: 2.0.0}
paths:
  /payments:
    get:
      responses:
        '200': {description: the payments}
`
)

// publishDoc publishes service version providing contract with an OpenAPI
// document, consuming the given contracts without narrowing.
func publishDoc(t *testing.T, st registry.Store, service, version, contract, doc string, consumes ...string) {
	t.Helper()
	v := &registry.Version{Service: service, Version: version, Manifest: []byte("service: " + service + "\n")}
	blobs := map[string][]byte{}
	if contract != "" {
		d, b := registry.NewDoc(registry.OpenAPI, "openapi.yaml", map[string][]byte{"openapi.yaml": []byte(doc)})
		for h, c := range b {
			blobs[h] = c
		}
		v.Provides = append(v.Provides, registry.Provision{Contract: contract, Kind: registry.OpenAPI, Path: "openapi.yaml", Doc: d})
	}
	for _, c := range consumes {
		v.Consumes = append(v.Consumes, registry.Consumption{Contract: c})
	}
	v.ComputeDigest()
	if _, err := st.Publish(context.Background(), v, blobs); err != nil {
		t.Fatal(err)
	}
}

// TestPageExplainsRefusal: the page's can-i-deploy form shows why a deploy
// is refused, naming the consumer and the finding.
func TestPageExplainsRefusal(t *testing.T) {
	ctx := context.Background()
	db := openSQLite(t)
	_, hs := startServer(t, db, Options{})
	reader := token(t, db, "reader", "read")
	publishDoc(t, db, "payments", "1.0.0", "payments-api", paymentsV1)
	publishDoc(t, db, "checkout", "1.0.0", "", "", "payments-api")
	storetest.CreateEnvs(t, db, "production")
	for _, svc := range []string{"payments", "checkout"} {
		if err := db.RecordDeployment(ctx, registry.Deployment{Env: "production", Service: svc, Version: "1.0.0"}, false); err != nil {
			t.Fatal(err)
		}
	}
	publishDoc(t, db, "payments", "2.0.0", "payments-api", paymentsV2)

	tests := []struct {
		query url.Values
		want  []string
	}{
		{url.Values{"service": {"payments"}, "version": {"2.0.0"}, "env": {"production"}}, []string{"NO", "refused", "checkout 1.0.0", "OPERATION_REMOVED", "GET /payments/{id}"}},
		{url.Values{"service": {"payments"}, "version": {"1.0.0"}, "env": {"production"}}, []string{"YES"}},
		{url.Values{"service": {"payments"}, "version": {"9.0.0"}, "env": {"production"}}, []string{"not published"}},
		{url.Values{"service": {"Bad Name"}, "version": {"1"}, "env": {"production"}}, []string{"valid service name"}},
		{url.Values{}, []string{"checkout 1.0.0</td><td><code>payments-api</code></td><td>payments 1.0.0"}},
	}
	for _, tt := range tests {
		t.Run(tt.query.Encode(), func(t *testing.T) {
			resp, body := do(t, "GET", hs.URL+"/?"+tt.query.Encode(), reader, nil)
			page := string(body)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			for _, w := range tt.want {
				if !strings.Contains(page, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			if strings.Contains(page, "<script") {
				t.Error("the page carries a script")
			}
		})
	}
}
