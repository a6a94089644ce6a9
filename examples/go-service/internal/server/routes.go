// Package server wires the HTTP handlers and runs the API and metrics servers until SIGTERM,
// then drains them.
package server

import (
	"log/slog"
	"net/http"

	"github.com/go-service-stack/examples/go-service/internal/config"
	"github.com/go-service-stack/examples/go-service/internal/faults"
	"github.com/go-service-stack/examples/go-service/internal/health"
	"github.com/go-service-stack/examples/go-service/internal/metrics"
)

// Deps are what the handlers need.
type Deps struct {
	Config    *config.Config
	Log       *slog.Logger
	Metrics   *metrics.Metrics
	Readiness *health.Readiness
	Items     ItemSource
	Faults    *faults.Injector
}

// AppHandler serves the http port. The probes sit on an outer mux, outside observe: the kubelet's
// requests are neither counted in http_requests_total (a 503 from /ready while draining is not a
// failed user request, and probe traffic would dilute the error ratio) nor logged.
func AppHandler(d Deps) http.Handler {
	app := http.NewServeMux()
	app.HandleFunc("GET /{$}", rootHandler(d.Config))
	app.HandleFunc("GET /version", versionHandler(d.Config))
	app.Handle("GET /api/items", d.Faults.Wrap(itemsHandler(d.Log, d.Items)))

	outer := http.NewServeMux()
	outer.HandleFunc("GET /health", health.Liveness)
	outer.Handle("GET /ready", d.Readiness)
	outer.Handle("/", observe(d.Log, d.Metrics, app))
	return outer
}

// MetricsHandler serves the metrics port: /metrics for Prometheus (unless PROMETHEUS_ENABLED=false),
// and the probes again, because a worker-role Deployment (no http port) points its probes at the
// metrics port.
func MetricsHandler(d Deps) http.Handler {
	mux := http.NewServeMux()
	if d.Config.Server.MetricsEnabled {
		mux.Handle("GET /metrics", d.Metrics.Handler())
	}
	mux.HandleFunc("GET /health", health.Liveness)
	mux.Handle("GET /ready", d.Readiness)
	return mux
}
