package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/contractgate/contracts/registry"
)

// Body size limits. A publish carries every document of a version, base64
// encoded in JSON; everything else is small.
const (
	// MaxPublishBytes bounds a publish request body.
	MaxPublishBytes = 64 << 20
	// MaxSmallBytes bounds every other request body.
	MaxSmallBytes = 1 << 20
)

// Options configure a Server.
type Options struct {
	// Auth holds the tokens and the audit log. It is required unless
	// InsecureNoAuth.
	Auth registry.AuthStore
	// InsecureNoAuth lets callers without a token read, for a registry on
	// a developer's loopback interface. Writes still need a token (from
	// Auth): nobody writes unauthenticated, ever.
	InsecureNoAuth bool
	// Logger receives structured request and error logs; nil discards them.
	Logger *slog.Logger
	// Now is the clock for audit entries; nil means time.Now.
	Now func() time.Time
	// GateCacheSalt is the release of contracts, mixed into the keys of
	// comparisons the web page's gate caches (see gate.Gate).
	GateCacheSalt string
	// MaxConcurrentPublishes bounds the publishes decoded and verified at
	// once, each up to MaxPublishBytes in memory; others wait their turn.
	// Zero means 8.
	MaxConcurrentPublishes int
	// MaxConcurrentGates bounds the gate and verify runs at once; zero
	// means 8.
	MaxConcurrentGates int
	// MaxWorkPerToken bounds the publishes, and separately the gate runs,
	// one token has in flight at once; zero means 2. Its further requests
	// wait, holding no memory: their bodies are not read yet.
	MaxWorkPerToken int
	// RequestMemory is the memory budget of one request's work (a
	// publish's verification, a gate or verify run): past it the request
	// answers 503. Zero means DefaultRequestMemory (1 GiB).
	RequestMemory int64
	// Budget enforces RequestMemory; nil means internal/budget's
	// per-request limit.
	Budget Budget
	// DrainDelay is how long Serve keeps answering after its context ends,
	// with /readyz answering 503, so that load balancers stop sending new
	// requests before the listener closes. Zero shuts down at once.
	DrainDelay time.Duration
	// ShutdownTimeout bounds how long Serve waits for requests in flight
	// after its context ends; zero means 30 seconds.
	ShutdownTimeout time.Duration
}

// Server answers the registry's HTTP API over a registry.Store.
type Server struct {
	store   registry.Store
	auth    registry.AuthStore
	opts    Options
	log     *slog.Logger
	now     func() time.Time
	metrics *metrics
	handler http.Handler
	// pools hold the work slots, by kind.
	pools map[workKind]*workPool
	// budget bounds the memory of each request's work.
	budget Budget
	// draining is set once shutdown has begun: /readyz answers 503.
	draining atomic.Bool
	// traceIngest takes OTLP trace exports (traces.go).
	traceIngest *traceIngest
}

// New makes a server over store. Without opts.Auth it refuses to run unless
// opts.InsecureNoAuth.
func New(store registry.Store, opts Options) (*Server, error) {
	if store == nil {
		return nil, errors.New("server: no store")
	}
	if opts.Auth == nil && !opts.InsecureNoAuth {
		return nil, registry.Errorf(registry.EINVALID, "the server needs a token store for authentication, or --insecure-no-auth")
	}
	s := &Server{store: store, auth: opts.Auth, opts: opts, log: opts.Logger, now: opts.Now}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.now == nil {
		s.now = time.Now
	}
	if opts.MaxConcurrentPublishes <= 0 {
		opts.MaxConcurrentPublishes = 8
	}
	if opts.MaxConcurrentGates <= 0 {
		opts.MaxConcurrentGates = 8
	}
	if opts.MaxWorkPerToken <= 0 {
		opts.MaxWorkPerToken = 2
	}
	if opts.RequestMemory <= 0 {
		opts.RequestMemory = DefaultRequestMemory
	}
	s.opts = opts
	s.pools = map[workKind]*workPool{
		publishWork: newWorkPool("publishes", opts.MaxConcurrentPublishes, opts.MaxWorkPerToken),
		gateWork:    newWorkPool("gate runs", opts.MaxConcurrentGates, opts.MaxWorkPerToken),
	}
	s.budget = opts.Budget
	if s.budget == nil {
		s.budget = requestBudget{limit: uint64(opts.RequestMemory), period: 20 * time.Millisecond}
	}
	s.metrics = newMetrics()
	s.traceIngest = newTraceIngest(s)
	s.handler = s.routes()
	return s, nil
}

// Handler returns the server's root handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Registry returns the Prometheus registry holding the server's metrics.
func (s *Server) Registry() *prometheus.Registry { return s.metrics.reg }

// Serve answers requests on ln until ctx ends, then stops accepting
// connections and waits for requests in flight (up to ShutdownTimeout)
// before returning. It returns nil after a clean shutdown.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		// A 64 MiB publish over a slow CI link needs time; handlers bound
		// their own store calls through the request context.
		ReadTimeout:    5 * time.Minute,
		WriteTimeout:   5 * time.Minute,
		IdleTimeout:    2 * time.Minute,
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		BaseContext:    func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	s.log.Info("registry server listening", slog.String("addr", ln.Addr().String()), slog.Bool("insecure_no_auth", s.opts.InsecureNoAuth))
	select {
	case err := <-errc:
		return fmt.Errorf("serve on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	s.draining.Store(true)
	if d := s.opts.DrainDelay; d > 0 {
		s.log.Info("draining: /readyz answers 503 before the listener closes", slog.Duration("delay", d))
		time.Sleep(d)
	}
	timeout := s.opts.ShutdownTimeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	s.log.Info("shutting down: finishing requests in flight", slog.Duration("timeout", timeout))
	sctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
		return fmt.Errorf("shut down within %s: %w", timeout, err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve on %s: %w", ln.Addr(), err)
	}
	s.log.Info("shut down cleanly")
	return nil
}

// IsLoopback reports whether addr (host:port) listens only on a loopback
// interface. An empty host listens on every interface.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// CheckStartup applies the start-up rules of `contracts serve`: without
// --insecure-no-auth a non-revoked admin token must exist (else nobody could
// ever create the others through the API); with it, addr must be loopback.
func CheckStartup(ctx context.Context, auth registry.AuthStore, addr string, insecureNoAuth bool) error {
	if insecureNoAuth {
		if !IsLoopback(addr) {
			return registry.Errorf(registry.EINVALID, "--insecure-no-auth lets anyone read the registry without a token, so it is only allowed on a loopback address (for example --addr 127.0.0.1:8080), not %q", addr)
		}
		return nil
	}
	if auth == nil {
		return registry.Errorf(registry.EINVALID, "this store cannot hold tokens; use --insecure-no-auth on a loopback address")
	}
	ok, err := HasAdmin(ctx, auth)
	if err != nil {
		return err
	}
	if !ok {
		return registry.Errorf(registry.EINVALID, "the store has no admin token, so nobody could use this server: create one first with `contracts token create --store URL --name admin --scope admin`, or run with --insecure-no-auth on a loopback address")
	}
	return nil
}
