package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/contractgate/contracts/registry"
)

// metrics are the server's Prometheus collectors, on a registry of their
// own so that two servers in one process (tests) do not collide.
type metrics struct {
	reg        *prometheus.Registry
	requests   *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	inFlight   prometheus.Gauge
	panics     prometheus.Counter
	auditFail  prometheus.Counter
	overBudget prometheus.Counter
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "contracts_http_requests_total",
			Help: "HTTP requests answered, by route and status code.",
		}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "contracts_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"route"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "contracts_http_requests_in_flight",
			Help: "HTTP requests being answered.",
		}),
		panics: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "contracts_http_panics_total",
			Help: "Handler panics recovered and answered with 500.",
		}),
		auditFail: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "contracts_audit_failures_total",
			Help: "Mutations that succeeded but could not be written to the audit log.",
		}),
		overBudget: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "contracts_request_memory_exceeded_total",
			Help: "Requests stopped because their work needed more than the per-request memory budget.",
		}),
	}
	m.reg.MustRegister(m.requests, m.duration, m.inFlight, m.panics, m.auditFail, m.overBudget,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// statusWriter remembers the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

type requestKey struct{}

// requestInfo is what the middleware and the handlers of one request
// share: its ID, and who called (set by the handler once authenticated).
type requestInfo struct {
	id    string
	actor string
}

// requestID returns the X-Request-ID sent by a proxy when it is short and
// printable, or a fresh random one, so log lines can be correlated.
func requestID(r *http.Request) string {
	if id := r.Header.Get("X-Request-ID"); id != "" && len(id) <= 64 && strings.Trim(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:") == "" {
		return id
	}
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// instrument wraps h, the handler of route, with panic recovery, metrics
// and one structured log line per request.
func (s *Server) instrument(route string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		start := time.Now()
		w := &statusWriter{ResponseWriter: rw}
		info := &requestInfo{id: requestID(r)}
		w.Header().Set("X-Request-ID", info.id)
		r = r.WithContext(context.WithValue(r.Context(), requestKey{}, info))
		s.metrics.inFlight.Inc()
		defer func() {
			s.metrics.inFlight.Dec()
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.metrics.panics.Inc()
				s.log.ErrorContext(r.Context(), "handler panicked", slog.String("route", route), slog.String("request_id", info.id), slog.Any("panic", p), slog.String("stack", string(debug.Stack())))
				if w.status == 0 {
					s.writeError(w, r, &registry.Error{Code: registry.EINTERNAL, Message: "the registry server hit a bug answering this request; it is logged, and the server keeps running: tell its operators",
						Err: fmt.Errorf("panic: %v", p)})
				}
			}
			status := w.status
			if status == 0 {
				status = http.StatusOK
			}
			d := time.Since(start)
			s.metrics.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
			s.metrics.duration.WithLabelValues(route).Observe(d.Seconds())
			level := slog.LevelInfo
			switch {
			case status == http.StatusServiceUnavailable && s.draining.Load():
				// Expected while draining: the load balancer is told.
			case status == http.StatusServiceUnavailable:
				// Busy, or the database is away: the cause is logged at
				// its own level, and clients retry.
				level = slog.LevelWarn
			case status >= 500:
				level = slog.LevelError
			}
			s.log.LogAttrs(r.Context(), level, "request",
				slog.String("method", r.Method), slog.String("route", route), slog.String("path", r.URL.Path),
				slog.Int("status", status), slog.Int64("bytes", w.bytes), slog.Duration("duration", d),
				slog.String("actor", info.actor), slog.String("remote", r.RemoteAddr), slog.String("request_id", info.id))
		}()
		h.ServeHTTP(w, r)
	})
}

// setActor records the caller for the request log.
func setActor(ctx context.Context, name string) {
	if info, ok := ctx.Value(requestKey{}).(*requestInfo); ok {
		info.actor = name
	}
}

// requestIDOf is the request's ID.
func requestIDOf(ctx context.Context) string {
	if info, ok := ctx.Value(requestKey{}).(*requestInfo); ok {
		return info.id
	}
	return ""
}

// requestAttr is the request's ID as a log attribute, for handler logs.
func requestAttr(ctx context.Context) slog.Attr {
	if info, ok := ctx.Value(requestKey{}).(*requestInfo); ok {
		return slog.String("request_id", info.id)
	}
	return slog.String("request_id", "")
}
