package server

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/contractgate/contracts/registry/client"
	"github.com/contractgate/contracts/registry/storetest"
)

// TestCheapRequestsDoNotExhaustTheServer: eight slow publish bodies from a
// read-only token once held every publish slot (a real publish got 503
// after 120 s), and 8 × 64 MB bodies from a read token took 1.1 GB, all
// answered 403. Against a real `contracts serve`, a token's scope is
// checked before its body is read or a slot taken, so such requests are
// refused at once and cost nothing; an authorised token's own slow bodies
// hold only its own two slots; and an authorised publish meanwhile is
// answered as fast as ever.
func TestCheapRequestsDoNotExhaustTheServer(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			bin := buildContracts(t)
			store := b.store(t)
			admin := createToken(t, bin, store, "admin", "admin")
			srv := startServe(t, bin, store)
			mk := func(name, scope string) string {
				return strings.TrimSpace(mustCLI(t, bin, srv.url, admin, 0, "token", "create", "--name", name, "--scope", scope))
			}
			reader, other, slowpoke, honest := mk("ci-reader", "read"), mk("ci-other", "publish:other"), mk("ci-slow", "publish:slow"), mk("ci-honest", "publish:honest")

			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var wg sync.WaitGroup
			refused := make(chan time.Duration, 16)
			slow := func(service, secret string, answered chan<- time.Duration) {
				defer wg.Done()
				pr, pw := io.Pipe()
				go func() {
					// A kilobyte a tenth of a second: 64 MiB would take days.
					for ctx.Err() == nil {
						if _, err := pw.Write(bytes.Repeat([]byte(" "), 1024)); err != nil {
							return
						}
						time.Sleep(100 * time.Millisecond)
					}
					pw.CloseWithError(ctx.Err())
				}()
				req, _ := http.NewRequestWithContext(ctx, "POST", srv.url+"/v1/services/"+service+"/versions", pr)
				req.ContentLength = MaxPublishBytes
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+secret)
				start := time.Now()
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					return // cancelled at the end: the slow body never finished
				}
				resp.Body.Close()
				if answered != nil {
					if resp.StatusCode != http.StatusForbidden {
						t.Errorf("a slow body of a token without the scope answered %d, want 403", resp.StatusCode)
					}
					answered <- time.Since(start)
				}
			}
			for i := 0; i < 8; i++ {
				wg.Add(3)
				go slow("victim", reader, refused)
				go slow("victim", other, refused)
				go slow("slow", slowpoke, nil) // allowed: holds its own two slots
			}
			for i := 0; i < 16; i++ {
				select {
				case d := <-refused:
					if d > 5*time.Second {
						t.Errorf("a slow body without the scope took %s to be refused", d)
					}
				case <-time.After(30 * time.Second):
					t.Fatalf("slow bodies without the scope are not refused before they are read")
				}
			}
			// With 8 slow bodies of its own token in flight, an honest
			// publish is answered at once.
			time.Sleep(200 * time.Millisecond)
			c, _ := client.New(srv.url, honest)
			v, blobs := storetest.Spec{Service: "honest", Version: "1.0.0", Provides: []string{"honest-api"}}.Build()
			start := time.Now()
			if _, err := c.Publish(context.Background(), v, blobs); err != nil {
				t.Fatalf("an authorised publish with slow bodies in flight: %v", err)
			}
			took := time.Since(start)
			t.Logf("an authorised publish took %s with 16 refused and 8 authorised slow bodies in flight", took)
			if took > 5*time.Second {
				t.Errorf("the authorised publish took %s", took)
			}
			cancel()
			wg.Wait()

			// Oversized bodies from a read token are refused unread.
			big := bytes.Repeat([]byte("A"), MaxPublishBytes)
			var bwg sync.WaitGroup
			for i := 0; i < 8; i++ {
				bwg.Add(1)
				go func() {
					defer bwg.Done()
					req, _ := http.NewRequest("POST", srv.url+"/v1/services/victim/versions", bytes.NewReader(big))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Authorization", "Bearer "+reader)
					resp, err := http.DefaultClient.Do(req)
					if err == nil {
						resp.Body.Close()
						if resp.StatusCode != http.StatusForbidden {
							t.Errorf("a 64 MiB body of a read token answered %d", resp.StatusCode)
						}
					}
				}()
			}
			bwg.Wait()
			rss := rssOf(t, srv.cmd.Process.Pid)
			t.Logf("contracts serve holds %d MiB after 8 × 64 MiB bodies from a read token", rss>>20)
			if rss > 256<<20 {
				t.Errorf("contracts serve holds %d MiB after refusing 8 × 64 MiB bodies unread", rss>>20)
			}
			// Bodies of a small route are bounded too, and need the right
			// content type before they are read.
			resp, body := doRaw(t, "POST", srv.url+"/v1/blobs/query", reader, "", `{"hashes":["`+strings.Repeat("a", MaxSmallBytes)+`"]}`)
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "larger than") {
				t.Errorf("an oversized small body: %d %s", resp.StatusCode, body)
			}
		})
	}
}

// TestRequestMemoryBudget: a verify whose document costs more memory than
// the server allows one request is answered 503, says so, and leaves the
// server answering; a small one still passes.
func TestRequestMemoryBudget(t *testing.T) {
	bin := buildContracts(t)
	store := "sqlite:" + filepath.Join(t.TempDir(), "registry.db")
	admin := createToken(t, bin, store, "admin", "admin")
	srv := startServe(t, bin, store, "--max-request-memory-mib", "64")
	reader := strings.TrimSpace(mustCLI(t, bin, srv.url, admin, 0, "token", "create", "--name", "ci-reader", "--scope", "read"))
	mustCLI(t, bin, srv.url, admin, 0, "environment", "create", "production")

	dir := t.TempDir()
	var doc strings.Builder
	doc.WriteString("openapi: 3.0.3\ninfo: {title: big, version: '1'}\npaths:\n")
	for i := 0; doc.Len() < 6<<20; i++ {
		fmt.Fprintf(&doc, "  /r%d:\n    post:\n      requestBody:\n        content:\n          application/json:\n            schema:\n              type: object\n              properties:\n                a: {type: integer, minimum: %d}\n                b: {type: string, maxLength: %d}\n      responses:\n        '201': {description: created}\n", i, i%97, 10+i)
	}
	writeFiles(t, dir, map[string]string{
		"big/contracts.yaml":   "service: big\nprovides:\n  - contract: big-api\n    openapi: openapi.yaml\n",
		"big/openapi.yaml":     doc.String(),
		"small/contracts.yaml": "service: small\nprovides:\n  - contract: small-api\n    openapi: openapi.yaml\n",
		"small/openapi.yaml":   "openapi: 3.0.3\ninfo: {title: small, version: '1'}\npaths: {}\n",
	})
	start := time.Now()
	_, errs, code := cli(t, bin, srv.url, reader, "verify", filepath.Join(dir, "big"), "--against", "production")
	t.Logf("a verify of a %d MiB document under a 64 MiB budget: exit %d after %s; the server holds %d MiB", doc.Len()>>20, code, time.Since(start).Round(time.Millisecond), rssOf(t, srv.cmd.Process.Pid)>>20)
	if code != 3 || !strings.Contains(errs, "more memory than") {
		t.Errorf("verify of a costly document: exit %d\n%s\nwant 3 saying it needed more memory than the server allows", code, errs)
	}
	if !strings.Contains(srv.logs.String(), `status=503`) {
		t.Errorf("the refusal is not a logged 503:\n%s", srv.logs)
	}
	if _, errs, code := cli(t, bin, srv.url, reader, "verify", filepath.Join(dir, "small"), "--against", "production"); code != 0 {
		t.Errorf("verify of a small document after: exit %d\n%s", code, errs)
	}
}

// rssOf is the resident memory of process pid, from /proc.
func rssOf(t *testing.T, pid int) uint64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc to measure memory: %v", err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseUint(f[1], 10, 64)
			return kb << 10
		}
	}
	t.Skip("no VmRSS in /proc status")
	return 0
}
