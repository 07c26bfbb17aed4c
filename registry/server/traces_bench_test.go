package server

import (
	"bytes"
	"context"
	"database/sql"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/contractgate/contracts/registry/otlp/otlptest"
	"github.com/contractgate/contracts/registry/postgres"
	"github.com/contractgate/contracts/registry/sqlite"
)

// benchCallsPerExport is the calls in one export: an SDK batch of 512 spans
// is the client halves of 512 calls, or their server halves.
const benchCallsPerExport = 512

// benchSenders is how many exporters send at once.
const benchSenders = 4

// traceBodies builds, for calls [first, first+n), the export of their
// client halves (checkout's exporter) and of their server halves (orders').
func traceBodies(b *testing.B, first uint64, n int) (clients, servers []byte) {
	get := []string{"http.request.method", "GET", "http.route", "/v1/orders/{id}"}
	var cs, ss []*tracepb.Span
	for i := 0; i < n; i++ {
		c, s := otlptest.Call(first+uint64(i), get...)
		cs, ss = append(cs, c), append(ss, s)
	}
	var err error
	if clients, err = proto.Marshal(otlptest.Export(otlptest.ResourceSpans{Resource: otlptest.Service("checkout", "1.0.0", "production"), Spans: cs})); err != nil {
		b.Fatal(err)
	}
	if servers, err = proto.Marshal(otlptest.Export(otlptest.ResourceSpans{Resource: otlptest.Service("orders", "2.0.0", "production"), Spans: ss})); err != nil {
		b.Fatal(err)
	}
	return clients, servers
}

func sendTraces(b *testing.B, hc *http.Client, url, secret string, body []byte) {
	req, _ := http.NewRequest("POST", url+"/v1/traces", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-protobuf")
	req.Header.Set("Authorization", "Bearer "+secret)
	resp, err := hc.Do(req)
	if err != nil {
		b.Error(err)
		return
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		b.Errorf("export: %d", resp.StatusCode)
	}
}

// BenchmarkTraceIngest measures span ingestion on loopback: each op is two
// exports of 512 spans, the client halves of 512 calls (which wait in the
// store) and then their server halves (which join them), sent by 4
// exporters at once, to one server over SQLite and to two servers over one
// PostgreSQL (the halves of a call go to different servers). It reports
// spans/s; -benchmem's B/op and allocs/op are the server's and client's
// work per two exports.
func BenchmarkTraceIngest(b *testing.B) {
	for _, setup := range []struct {
		name  string
		start func(b *testing.B) ([]string, string)
	}{
		{"sqlite-1server", func(b *testing.B) ([]string, string) {
			db := openSQLite(b)
			otlptest.Seed(b, db)
			_, hs := startServer(b, db, Options{})
			return []string{hs.URL}, token(b, db, "collector", "usage")
		}},
		{"postgres-2servers", func(b *testing.B) ([]string, string) {
			urls, secret, db := startPostgresServers(b, 2)
			otlptest.Seed(b, db)
			return urls, secret
		}},
	} {
		b.Run(setup.name, func(b *testing.B) {
			urls, secret := setup.start(b)
			hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: benchSenders}}
			bodies := make([][2][]byte, b.N)
			for i := range bodies {
				bodies[i][0], bodies[i][1] = traceBodies(b, uint64(i)*benchCallsPerExport, benchCallsPerExport)
			}
			var next atomic.Int64
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			var wg sync.WaitGroup
			for w := 0; w < benchSenders; w++ {
				wg.Add(1)
				go func(w int) {
					defer wg.Done()
					for {
						i := int(next.Add(1) - 1)
						if i >= b.N {
							return
						}
						sendTraces(b, hc, urls[i%len(urls)], secret, bodies[i][0])
						sendTraces(b, hc, urls[(i+1)%len(urls)], secret, bodies[i][1])
					}
				}(w)
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			b.ReportMetric(float64(2*benchCallsPerExport*b.N)/elapsed.Seconds(), "spans/s")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// BenchmarkJoinWindow measures what the join window holds: it sends only
// client halves (100 exports of 512, as if no server half had come yet) and
// reports the store's bytes per pending half (table and indexes) and the
// server's heap growth, which stays flat because pending halves live in the
// store.
func BenchmarkJoinWindow(b *testing.B) {
	const exports = 100
	for _, setup := range []struct {
		name  string
		start func(b *testing.B) (string, string, func() int64)
	}{
		{"sqlite", func(b *testing.B) (string, string, func() int64) {
			path := b.TempDir() + "/registry.db"
			db, err := sqlite.Open(context.Background(), path)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { db.Close() })
			otlptest.Seed(b, db)
			_, hs := startServer(b, db, Options{})
			raw, err := sql.Open("sqlite", path)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { raw.Close() })
			return hs.URL, token(b, db, "collector", "usage"), func() int64 {
				var n int64
				if err := raw.QueryRow(`SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name IN ('span_halves', 'span_halves_received')`).Scan(&n); err != nil {
					b.Fatal(err)
				}
				return n
			}
		}},
		{"postgres", func(b *testing.B) (string, string, func() int64) {
			url := pgDatabase(b)
			db, err := postgres.Open(context.Background(), url)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { db.Close() })
			otlptest.Seed(b, db)
			srv, err := New(db, Options{Auth: db})
			if err != nil {
				b.Fatal(err)
			}
			hs := httptest.NewServer(srv.Handler())
			b.Cleanup(hs.Close)
			conn, err := pgx.Connect(context.Background(), url)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { conn.Close(context.Background()) })
			return hs.URL, token(b, db, "collector", "usage"), func() int64 {
				var n int64
				if _, err := conn.Exec(context.Background(), `VACUUM ANALYZE span_halves`); err != nil {
					b.Fatal(err)
				}
				if err := conn.QueryRow(context.Background(), `SELECT pg_total_relation_size('span_halves')`).Scan(&n); err != nil {
					b.Fatal(err)
				}
				return n
			}
		}},
	} {
		b.Run(setup.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				url, secret, size := setup.start(b)
				hc := &http.Client{}
				before := size()
				heapBefore := heapInUse()
				for e := 0; e < exports; e++ {
					clients, _ := traceBodies(b, uint64(e)*benchCallsPerExport, benchCallsPerExport)
					sendTraces(b, hc, url, secret, clients)
				}
				halves := float64(exports * benchCallsPerExport)
				b.ReportMetric(float64(size()-before)/halves, "store-B/pending-half")
				b.ReportMetric(float64(int64(heapInUse())-int64(heapBefore))/halves, "heap-B/pending-half")
				b.ReportMetric(halves, "pending-halves")
			}
		})
	}
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}
