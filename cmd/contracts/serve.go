package main

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/contractgate/contracts/registry"
	"github.com/contractgate/contracts/registry/server"
)

func newServeCmd(g *globals) *cobra.Command {
	var (
		store     string
		addr      string
		insecure  bool
		logFormat string
		tlsCert   string
		tlsKey    string
		drain     time.Duration
		memMiB    int64
	)
	cmd := &cobra.Command{
		Use:   "serve --store URL [--addr 127.0.0.1:8080] [--insecure-no-auth]",
		Short: "Run the registry server: the registry's HTTP/JSON API and web page",
		Long: `serve exposes a registry (SQLite file or PostgreSQL) over HTTP/JSON, as
described by schemas/registry-api.yaml, so that CI jobs everywhere share it
with --registry https://…. Servers keep no state of their own: several may
run over one PostgreSQL database.

Every API request needs a bearer token with the right scope: read,
publish:SERVICE, approve:SERVICE, deploy:ENV or admin. The first admin token
is made on the store (contracts token create --store); an admin makes the
others over HTTP (contracts token create --registry https://…). The server
refuses to start while the store holds no admin token, unless
--insecure-no-auth is given, which lets callers without a token read (never
write) and so is only allowed on a loopback address.

The gate runs here: can-i-deploy, verify (the working copy is uploaded and
verified, not stored), who-uses and graph over an http(s):// registry are
answered by the server, with its clock (CONTRACTS_NOW set for serve fixes
it), and only its gate writes the comparison cache. Every publish is
verified from the bytes received: hashes, paths, and that every document
loads.

The web page at / takes the token as the password of the browser's login
dialog (any user name). /healthz and /readyz (which checks the store) need
no token; /metrics is in Prometheus format. SIGTERM stops accepting
connections and finishes the requests in flight. --tls-cert and --tls-key
serve HTTPS directly; without them, put the server behind a
TLS-terminating proxy.`,
		Example: `  contracts token create --store postgres://db/contracts --name admin --scope admin
  contracts serve --store postgres://db/contracts --addr :8080
  contracts serve --store sqlite:./registry.db --insecure-no-auth`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			ctx := c.Context()
			log, err := newLogger(logFormat)
			if err != nil {
				return err
			}
			if (tlsCert == "") != (tlsKey == "") {
				return usageErrorf("--tls-cert and --tls-key go together")
			}
			var tlsConfig *tls.Config
			if tlsCert != "" {
				pair, err := tls.LoadX509KeyPair(tlsCert, tlsKey)
				if err != nil {
					return usageErrorf("--tls-cert %s / --tls-key %s: %v", tlsCert, tlsKey, err)
				}
				tlsConfig = &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
			}
			st, auth, err := openServerStore(ctx, g, store, false)
			if err != nil {
				return err
			}
			defer st.Close()
			if err := server.CheckStartup(ctx, auth, addr, insecure); err != nil {
				if registry.ErrorCode(err) == registry.EINVALID {
					return usageErrorf("%v", err)
				}
				return err
			}
			if memMiB < 64 {
				return usageErrorf("--max-request-memory-mib %d: give at least 64", memMiB)
			}
			srv, err := server.New(st, server.Options{Auth: auth, InsecureNoAuth: insecure, Logger: log, Now: now, GateCacheSalt: version, DrainDelay: drain,
				RequestMemory: memMiB << 20})
			if err != nil {
				return err
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return &registry.Error{Code: registry.EUNAVAILABLE, Message: "cannot listen on " + addr + ": " + err.Error(), Err: err}
			}
			if tlsConfig != nil {
				ln = tls.NewListener(ln, tlsConfig)
			}
			if insecure {
				log.Warn("--insecure-no-auth: anyone who can reach " + ln.Addr().String() + " may read this registry; writes still need a token")
			}
			return srv.Serve(ctx, ln)
		},
	}
	cmd.Flags().StringVar(&store, "store", "", "the registry store: a file path or sqlite:PATH, or postgres://… (required)")
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "the address to listen on (host:port; :8080 for every interface)")
	cmd.Flags().BoolVar(&insecure, "insecure-no-auth", false, "let callers without a token read, never write (loopback addresses only)")
	cmd.Flags().Int64Var(&memMiB, "max-request-memory-mib", server.DefaultRequestMemory>>20, "memory one request's gate, verify or publish check may take before it is answered 503 (MiB)")
	cmd.Flags().StringVar(&logFormat, "log-format", "text", "log format on stderr: text or json")
	cmd.Flags().DurationVar(&drain, "drain-delay", 0, "on SIGTERM, keep answering this long with /readyz failing, so load balancers move away first (e.g. 5s)")
	cmd.Flags().StringVar(&tlsCert, "tls-cert", "", "serve HTTPS with this PEM certificate (chain) file, with --tls-key; else plain HTTP, for behind a TLS proxy")
	cmd.Flags().StringVar(&tlsKey, "tls-key", "", "the PEM private key of --tls-cert")
	return cmd
}

func newLogger(format string) (*slog.Logger, error) {
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(os.Stderr, nil)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(os.Stderr, nil)), nil
	}
	return nil, usageErrorf("--log-format %q: use text or json", format)
}

// openServerStore opens the store a server (or the token command) works
// on: the same URL forms as --registry, but not a registry server.
//
// Only `token create` may create the store: a server started on a store
// that does not exist fails instead of serving an empty registry.
func openServerStore(ctx context.Context, g *globals, url string, create bool) (registry.Store, registry.AuthStore, error) {
	if url == "" {
		return nil, nil, usageErrorf("--store is required: a file path or sqlite:PATH, or postgres://…")
	}
	if strings.HasPrefix(url, "http://") || strings.HasPrefix(url, "https://") {
		return nil, nil, usageErrorf("--store %s is a registry server; give the database it runs on (sqlite:PATH or postgres://…)", url)
	}
	local := *g
	local.registry = url
	st, err := local.open(ctx, create)
	if err != nil {
		return nil, nil, err
	}
	auth, _ := st.(registry.AuthStore)
	return st, auth, nil
}
