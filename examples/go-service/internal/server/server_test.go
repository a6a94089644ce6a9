package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/go-service-stack/examples/go-service/internal/config"
	"github.com/go-service-stack/examples/go-service/internal/database"
	"github.com/go-service-stack/examples/go-service/internal/faults"
	"github.com/go-service-stack/examples/go-service/internal/health"
	"github.com/go-service-stack/examples/go-service/internal/metrics"
)

type itemsFunc func(ctx context.Context) ([]database.Item, string, error)

func (f itemsFunc) Items(ctx context.Context) ([]database.Item, string, error) { return f(ctx) }

var staticItems = itemsFunc(func(context.Context) ([]database.Item, string, error) {
	return database.StaticItems, database.SourceStatic, nil
})

func testConfig() *config.Config {
	return &config.Config{
		Environment: config.Staging,
		Version:     "v1.4.2",
		Server: config.ServerConfig{
			MetricsEnabled: true, ReadTimeout: 5 * time.Second, ReadHeaderTimeout: time.Second,
			WriteTimeout: 5 * time.Second, IdleTimeout: 5 * time.Second, ShutdownTimeout: 5 * time.Second, MaxHeaderBytes: 1 << 20,
		},
	}
}

func testDeps(t *testing.T, items ItemSource, f config.FaultConfig) (Deps, *bytes.Buffer) {
	t.Helper()
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg := testConfig()
	cfg.Faults = f
	return Deps{
		Config: cfg, Log: log, Metrics: metrics.New(cfg.Version), Items: items, Faults: faults.New(f),
		Readiness: health.NewReadiness(log, time.Second, f.NeverReady),
	}, &logs
}

func do(h http.Handler, method, target string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(method, target, nil)
	req.Header.Set("Authorization", "Bearer tok-s3cr3t")
	h.ServeHTTP(rec, req)
	return rec
}

func requests(d Deps, method, route, status string) float64 {
	return testutil.ToFloat64(d.Metrics.RequestsCounter().WithLabelValues(method, status, route))
}

func TestRoutes(t *testing.T) {
	d, _ := testDeps(t, staticItems, config.FaultConfig{})
	h := AppHandler(d)
	for _, tc := range []struct {
		method, target string
		code           int
		contains       string
	}{
		{"GET", "/", 200, `"version":"v1.4.2"`},
		{"GET", "/version", 200, `"version":"v1.4.2"`},
		{"GET", "/api/items", 200, `"source":"static"`},
		{"GET", "/health", 200, `"alive"`},
		{"GET", "/ready", 200, `"ready"`},
		{"GET", "/nope", 404, ""},
		{"POST", "/api/items", 405, ""},
	} {
		rec := do(h, tc.method, tc.target)
		if rec.Code != tc.code || !strings.Contains(rec.Body.String(), tc.contains) {
			t.Errorf("%s %s: %d %q", tc.method, tc.target, rec.Code, rec.Body.String())
		}
	}
	var items struct {
		Items  []database.Item `json:"items"`
		Source string          `json:"source"`
	}
	if err := json.Unmarshal(do(h, "GET", "/api/items").Body.Bytes(), &items); err != nil || len(items.Items) != 3 {
		t.Errorf("items body: %+v %v", items, err)
	}
}

func TestItemsErrorIsA500WithoutDetails(t *testing.T) {
	failing := itemsFunc(func(context.Context) ([]database.Item, string, error) {
		return nil, "", errors.New("pq: password authentication failed for user app_user")
	})
	d, logs := testDeps(t, failing, config.FaultConfig{})
	rec := do(AppHandler(d), "GET", "/api/items")
	if rec.Code != 500 || strings.Contains(rec.Body.String(), "password") {
		t.Errorf("got %d %q", rec.Code, rec.Body.String())
	}
	if requests(d, "GET", "/api/items", "500") != 1 {
		t.Error("500 not counted with status=\"500\"")
	}
	if !strings.Contains(logs.String(), "listing items failed") {
		t.Errorf("error not logged: %s", logs.String())
	}
}

// What the alerts read: user requests by route pattern and numeric status; probes and /metrics not
// counted (a 503 from /ready while draining is not a failed user request).
func TestInstrumentation(t *testing.T) {
	d, logs := testDeps(t, staticItems, config.FaultConfig{})
	app, metricsPort := AppHandler(d), MetricsHandler(d)
	do(app, "GET", "/api/items?token=abc-s3cr3t")
	do(app, "GET", "/api/items")
	do(app, "GET", "/")
	do(app, "GET", "/random/scanner/path")
	do(app, "GET", "/health")
	do(app, "GET", "/ready")
	do(metricsPort, "GET", "/ready")
	do(metricsPort, "GET", "/metrics")

	// Counted before the lookups below, which create zero-valued series.
	if got := testutil.CollectAndCount(d.Metrics.RequestsCounter()); got != 3 {
		t.Errorf("%d http_requests_total series, want 3", got)
	}
	for _, tc := range []struct {
		route, status string
		want          float64
	}{
		{"/api/items", "200", 2},
		{"/", "200", 1},
		{"unmatched", "404", 1},
		{"/health", "200", 0},
		{"/ready", "200", 0},
		{"/metrics", "200", 0},
	} {
		if got := requests(d, "GET", tc.route, tc.status); got != tc.want {
			t.Errorf("http_requests_total{route=%q,status=%q} = %v, want %v", tc.route, tc.status, got, tc.want)
		}
	}
	if got := testutil.ToFloat64(d.Metrics.InFlight); got != 0 {
		t.Errorf("in flight = %v after all requests", got)
	}
	// Request logs: one line per counted request, without query string or headers.
	if n := strings.Count(logs.String(), `"msg":"request"`); n != 4 {
		t.Errorf("%d request log lines, want 4:\n%s", n, logs.String())
	}
	if strings.Contains(logs.String(), "s3cr3t") {
		t.Errorf("a secret reached the logs:\n%s", logs.String())
	}
}

func TestMetricsPortServesCatalogNames(t *testing.T) {
	d, _ := testDeps(t, staticItems, config.FaultConfig{})
	do(AppHandler(d), "GET", "/api/items")
	body := do(MetricsHandler(d), "GET", "/metrics").Body.String()
	for _, name := range []string{
		"http_requests_total{", "http_request_duration_seconds_bucket{", "http_requests_in_flight ",
		"go_goroutines ", "go_memstats_alloc_bytes ", "go_memstats_sys_bytes ", "go_gc_duration_seconds",
		"db_query_duration_seconds_bucket", `app_build_info{version="v1.4.2"} 1`, "process_resident_memory_bytes",
	} {
		if !strings.Contains(body, name) {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	if code := do(AppHandler(d), "GET", "/metrics").Code; code != 404 {
		t.Errorf("/metrics on the http port answered %d; it belongs on the metrics port only", code)
	}
}

func TestMetricsCanBeSwitchedOff(t *testing.T) {
	d, _ := testDeps(t, staticItems, config.FaultConfig{})
	d.Config.Server.MetricsEnabled = false
	h := MetricsHandler(d)
	if do(h, "GET", "/metrics").Code != 404 || do(h, "GET", "/ready").Code != 200 {
		t.Error("PROMETHEUS_ENABLED=false must remove /metrics and keep the probes")
	}
}

func TestFaultsApplyToAPIRoutesOnly(t *testing.T) {
	d, _ := testDeps(t, staticItems, config.FaultConfig{ErrorRatio: 1, NeverReady: true})
	app, metricsPort := AppHandler(d), MetricsHandler(d)
	for _, tc := range []struct {
		h      http.Handler
		target string
		code   int
	}{
		{app, "/api/items", 500},
		{app, "/", 200},
		{app, "/version", 200},
		{app, "/health", 200},
		{app, "/ready", 503}, // FAULT_NEVER_READY
		{metricsPort, "/metrics", 200},
		{metricsPort, "/health", 200},
		{metricsPort, "/ready", 503},
	} {
		if code := do(tc.h, "GET", tc.target).Code; code != tc.code {
			t.Errorf("%s: %d, want %d", tc.target, code, tc.code)
		}
	}
	if requests(d, "GET", "/api/items", "500") != 1 {
		t.Error("an injected 500 must be counted like a real one, so that the alerts fire")
	}
}

func TestPanicIsA500CountedAndLogged(t *testing.T) {
	panicking := itemsFunc(func(context.Context) ([]database.Item, string, error) { panic("boom") })
	d, logs := testDeps(t, panicking, config.FaultConfig{})
	if code := do(AppHandler(d), "GET", "/api/items").Code; code != 500 {
		t.Errorf("status %d", code)
	}
	if requests(d, "GET", "/api/items", "500") != 1 || !strings.Contains(logs.String(), "panic serving request") {
		t.Errorf("panic not counted or logged:\n%s", logs.String())
	}
	if got := testutil.ToFloat64(d.Metrics.InFlight); got != 0 {
		t.Errorf("in flight = %v after a panic", got)
	}
}

func TestRouteLabel(t *testing.T) {
	for pattern, want := range map[string]string{"GET /api/items": "/api/items", "GET /{$}": "/", "/": "/", "": "unmatched", "GET /version": "/version"} {
		if got := routeLabel(pattern); got != want {
			t.Errorf("routeLabel(%q) = %q, want %q", pattern, got, want)
		}
	}
}

func TestHTTPServerIsHardened(t *testing.T) {
	cfg := testConfig().Server
	srv := NewHTTPServer(cfg, http.NotFoundHandler(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if srv.ReadTimeout != cfg.ReadTimeout || srv.ReadHeaderTimeout != cfg.ReadHeaderTimeout || srv.WriteTimeout != cfg.WriteTimeout ||
		srv.IdleTimeout != cfg.IdleTimeout || srv.MaxHeaderBytes != cfg.MaxHeaderBytes || srv.ErrorLog == nil {
		t.Errorf("server settings: %+v", srv)
	}
}
