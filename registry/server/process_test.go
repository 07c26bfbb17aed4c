package server

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/contractgate/contracts/registry"
	"github.com/contractgate/contracts/registry/client"
	"github.com/contractgate/contracts/registry/postgres/pgtest"
	"github.com/contractgate/contracts/registry/sqlite"
	"github.com/contractgate/contracts/registry/storetest"
)

// testEnv holds what the package's tests share: the contracts binary,
// built once, and the PostgreSQL server of pgtest, started on first use.
// TestMain removes and stops both.
var testEnv struct {
	binOnce sync.Once
	binDir  string
	bin     string
	binErr  error

	pgOnce sync.Once
	pg     *pgtest.Server
	pgErr  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if testEnv.pg != nil {
		if err := testEnv.pg.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "stop PostgreSQL:", err)
		}
	}
	if testEnv.binDir != "" {
		os.RemoveAll(testEnv.binDir)
	}
	os.Exit(code)
}

// buildContracts builds cmd/contracts, once for the package's tests, and
// returns the binary's path.
func buildContracts(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the contracts binary; skipped with -short")
	}
	testEnv.binOnce.Do(func() {
		testEnv.binDir, testEnv.binErr = os.MkdirTemp("", "contracts-server-test-")
		if testEnv.binErr != nil {
			return
		}
		testEnv.bin = filepath.Join(testEnv.binDir, "contracts")
		cmd := exec.Command("go", "build", "-o", testEnv.bin, "github.com/contractgate/contracts/cmd/contracts")
		if out, err := cmd.CombinedOutput(); err != nil {
			testEnv.binErr = fmt.Errorf("go build ./cmd/contracts: %w\n%s", err, out)
		}
	})
	if testEnv.binErr != nil {
		t.Fatal(testEnv.binErr)
	}
	return testEnv.bin
}

// pgDatabase returns the URL of a fresh database, dropped when t ends, on a
// PostgreSQL server from the storage engineers' harness (pgtest), which
// this package starts itself so that TestMain can also remove the binary.
// Without PostgreSQL it skips loudly, or fails under
// CONTRACTS_REQUIRE_POSTGRES=1.
func pgDatabase(t testing.TB) string {
	t.Helper()
	testEnv.pgOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		testEnv.pg, testEnv.pgErr = pgtest.Start(ctx)
	})
	if err := testEnv.pgErr; err != nil {
		if os.Getenv(pgtest.EnvRequire) == "1" || !errors.Is(err, pgtest.ErrNoServer) {
			t.Fatalf("PostgreSQL is required for this test (%s=1, or a server that failed to start): %v", pgtest.EnvRequire, err)
		}
		t.Skipf("\n!!! SKIPPING: PostgreSQL tests did not run: %v\n!!! set %s=1 to make this a failure", err, pgtest.EnvRequire)
	}
	return testEnv.pg.Database(t)
}

// freeAddr returns a loopback address nobody listens on.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// serveProcess is a `contracts serve` process.
type serveProcess struct {
	cmd  *exec.Cmd
	url  string
	logs *bytes.Buffer
	done chan error
}

// startServe starts `contracts serve --store store` on a free loopback port
// and waits until it is ready.
func startServe(t testing.TB, bin, store string, extra ...string) *serveProcess {
	t.Helper()
	return startServeWith(t, http.DefaultClient, "http", bin, store, extra...)
}

// startServeWith is startServe polling with hc over scheme (https when the
// server is given --tls-cert).
func startServeWith(t testing.TB, hc *http.Client, scheme, bin, store string, extra ...string) *serveProcess {
	t.Helper()
	addr := freeAddr(t)
	p := &serveProcess{url: scheme + "://" + addr, logs: &bytes.Buffer{}, done: make(chan error, 1)}
	p.cmd = exec.Command(bin, append([]string{"serve", "--store", store, "--addr", addr}, extra...)...)
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
			<-p.done
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := hc.Get(p.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p
			}
		}
		select {
		case err := <-p.done:
			t.Fatalf("contracts serve exited: %v\n%s", err, p.logs)
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("contracts serve did not get ready\n%s", p.logs)
	return nil
}

// createToken runs `contracts token create` and returns the secret.
func createToken(t testing.TB, bin, store, name string, scopes ...string) string {
	t.Helper()
	args := []string{"token", "create", "--store", store, "--name", name}
	for _, s := range scopes {
		args = append(args, "--scope", s)
	}
	out, err := exec.Command(bin, args...).Output()
	if err != nil {
		t.Fatalf("contracts %s: %v", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out))
}

// TestKilledMidPublishLeavesNoPartialVersion kills `contracts serve` with
// SIGKILL while it receives, decodes or stores a large publish, restarts
// it, and checks that the version is either absent or whole.
func TestKilledMidPublishLeavesNoPartialVersion(t *testing.T) {
	bin := buildContracts(t)
	store := "sqlite:" + filepath.Join(t.TempDir(), "registry.db")
	secret := createToken(t, bin, store, "admin", "admin")
	ctx := context.Background()

	// The kill lands while the body streams in (-1), or at a delay after the
	// whole body was sent: while the server decodes it or stores it.
	for i, delay := range []time.Duration{-1, 0, 60 * time.Millisecond, 250 * time.Millisecond} {
		t.Run(fmt.Sprintf("kill-%d", i), func(t *testing.T) {
			srv := startServe(t, bin, store)
			v, blobs := storetest.Spec{Service: fmt.Sprintf("big%d", i), Version: "1.0.0", Provides: []string{fmt.Sprintf("big%d-api", i)}, Expects: []string{"x-api"}, DocSize: 8 << 20}.Build()
			body, err := json.Marshal(PublishRequest{Version: v, Blobs: blobs})
			if err != nil {
				t.Fatal(err)
			}
			pr, pw := io.Pipe()
			req, _ := http.NewRequest("POST", srv.url+"/v1/services/"+v.Service+"/versions", pr)
			req.Header.Set("Authorization", "Bearer "+secret)
			req.Header.Set("Content-Type", "application/json")
			req.ContentLength = int64(len(body))
			answered := make(chan error, 1)
			go func() {
				resp, err := http.DefaultClient.Do(req)
				if err == nil {
					resp.Body.Close()
					if resp.StatusCode != 201 {
						err = fmt.Errorf("status %d", resp.StatusCode)
					}
				}
				answered <- err
			}()
			if delay < 0 {
				pw.Write(body[:len(body)/2])
			} else {
				pw.Write(body)
				time.Sleep(delay)
			}
			if err := srv.cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			<-srv.done
			pw.CloseWithError(io.ErrClosedPipe)
			<-answered

			srv = startServe(t, bin, store)
			c, _ := client.New(srv.url, secret)
			got, err := c.Version(ctx, v.Service, v.Version)
			switch {
			case registry.ErrorCode(err) == registry.ENOTFOUND:
				if _, err := c.Contract(ctx, v.Provides[0].Contract); registry.ErrorCode(err) != registry.ENOTFOUND {
					t.Errorf("the version is absent but its contract was claimed: %v", err)
				}
				// Nothing half-stored blocks publishing it again.
				if out, err := c.Publish(ctx, v, blobs); err != nil || out != registry.Created {
					t.Fatalf("publish after the crash: %v, %v", out, err)
				}
			case err != nil:
				t.Fatal(err)
			default:
				t.Logf("the publish committed before the kill")
				if got.Digest != v.Digest {
					t.Errorf("stored digest %s, want %s", got.Digest, v.Digest)
				}
			}
			hashes := registry.ReferencedBlobs(v)
			stored, err := c.Blobs(ctx, hashes)
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range hashes {
				if b, ok := stored[h]; !ok || registry.HashBytes(b) != h {
					t.Errorf("blob %s is missing or corrupt after the crash", h)
				}
			}
			srv.cmd.Process.Signal(syscall.SIGTERM)
			<-srv.done
		})
	}
}

// TestServeProcess pins the start-up rules and graceful SIGTERM of the real
// `contracts serve`.
func TestServeProcess(t *testing.T) {
	bin := buildContracts(t)
	store := "sqlite:" + filepath.Join(t.TempDir(), "registry.db")
	// serve never creates its store: a typo'd --store is exit 3.
	out, err := exec.Command(bin, "serve", "--store", store, "--addr", "127.0.0.1:0").CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 3 || !strings.Contains(string(out), "no registry at") {
		t.Errorf("serve on a store that does not exist: %v\n%s\nwant exit 3 saying there is no registry", err, out)
	}
	makeStore(t, store)
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"no admin token", []string{"serve", "--store", store, "--addr", "127.0.0.1:0"}, "no admin token"},
		{"insecure off loopback", []string{"serve", "--store", store, "--addr", ":0", "--insecure-no-auth"}, "loopback"},
		{"a server as store", []string{"serve", "--store", "http://127.0.0.1:1"}, "registry server"},
		{"no store", []string{"serve"}, "--store is required"},
		{"bad scope", []string{"token", "create", "--store", store, "--name", "x", "--scope", "root"}, "unknown scope"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, err := exec.Command(bin, tt.args...).CombinedOutput()
			if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || !strings.Contains(string(out), tt.want) {
				t.Errorf("contracts %s: %v\n%s\nwant exit 2 mentioning %q", strings.Join(tt.args, " "), err, out, tt.want)
			}
		})
	}

	admin := createToken(t, bin, store, "admin", "admin")
	srv := startServe(t, bin, store, "--log-format", "json")
	list, err := exec.Command(bin, "token", "list", "--store", store).Output()
	if err != nil || !strings.Contains(string(list), "admin") || strings.Contains(string(list), admin) {
		t.Errorf("token list: %v\n%s", err, list)
	}
	// A token revoked with the CLI is refused by the running server at once.
	reader := createToken(t, bin, store, "reader", "read")
	c, _ := client.New(srv.url, reader)
	if _, err := c.Services(context.Background()); err != nil {
		t.Fatalf("reader before revocation: %v", err)
	}
	var tokens []registry.Token
	out, err = exec.Command(bin, "token", "list", "--store", store, "-o", "json").Output()
	if err != nil || json.Unmarshal(out, &tokens) != nil {
		t.Fatalf("token list -o json: %v\n%s", err, out)
	}
	for _, tk := range tokens {
		if tk.Name == "reader" {
			if out, err := exec.Command(bin, "token", "revoke", tk.ID, "--store", store).CombinedOutput(); err != nil {
				t.Fatalf("token revoke: %v\n%s", err, out)
			}
		}
	}
	if _, err := c.Services(context.Background()); registry.ErrorCode(err) != registry.EUNAUTHORIZED || !strings.Contains(err.Error(), "revoked") {
		t.Errorf("revoked reader: %v, want unauthorized saying it was revoked", err)
	}

	// A slow request in flight when SIGTERM arrives still gets its answer.
	v, blobs := storetest.Spec{Service: "slow", Version: "1.0.0", Provides: []string{"slow-api"}, DocSize: 8 << 20}.Build()
	body, _ := json.Marshal(PublishRequest{Version: v, Blobs: blobs})
	pr, pw := io.Pipe()
	req, _ := http.NewRequest("POST", srv.url+"/v1/services/slow/versions", pr)
	req.Header.Set("Authorization", "Bearer "+admin)
	req.Header.Set("Content-Type", "application/json")
	req.ContentLength = int64(len(body))
	status := make(chan int, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Errorf("request in flight: %v", err)
			status <- 0
			return
		}
		resp.Body.Close()
		status <- resp.StatusCode
	}()
	pw.Write(body[:len(body)/2])
	time.Sleep(100 * time.Millisecond)
	srv.cmd.Process.Signal(syscall.SIGTERM)
	time.Sleep(100 * time.Millisecond)
	pw.Write(body[len(body)/2:])
	pw.Close()
	if got := <-status; got != 201 {
		t.Errorf("the publish in flight at SIGTERM answered %d, want 201", got)
	}
	select {
	case err := <-srv.done:
		if err != nil {
			t.Errorf("contracts serve exited with %v after SIGTERM\n%s", err, srv.logs)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("contracts serve did not exit after SIGTERM")
	}
	if !strings.Contains(srv.logs.String(), `"msg":"shut down cleanly"`) {
		t.Errorf("no clean-shutdown log line:\n%s", srv.logs)
	}
}

// TestServeTLS: with --tls-cert and --tls-key, `contracts serve` answers
// HTTPS, and the client works through it.
func TestServeTLS(t *testing.T) {
	bin := buildContracts(t)
	dir := t.TempDir()
	certFile, keyFile, pool := selfSignedCert(t, dir)
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	store := "sqlite:" + filepath.Join(dir, "registry.db")
	secret := createToken(t, bin, store, "admin", "admin")
	srv := startServeWith(t, hc, "https", bin, store, "--tls-cert", certFile, "--tls-key", keyFile)
	c, err := client.New(srv.url, secret, client.WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	v, blobs := storetest.Spec{Service: "tls", Version: "1.0.0", Provides: []string{"tls-api"}}.Build()
	if _, err := c.Publish(context.Background(), v, blobs); err != nil {
		t.Fatalf("publish over HTTPS: %v", err)
	}
	out, err := exec.Command(bin, "serve", "--store", store, "--tls-cert", certFile).CombinedOutput()
	if !strings.Contains(string(out), "go together") {
		t.Errorf("--tls-cert alone: %v\n%s", err, out)
	}
}

// selfSignedCert writes a certificate for 127.0.0.1 and its key into dir.
func selfSignedCert(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "contracts test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// makeStore creates an empty SQLite registry at store, as `contracts token
// create --store` would: serve refuses a store that does not exist.
func makeStore(t testing.TB, store string) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), store)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
}
