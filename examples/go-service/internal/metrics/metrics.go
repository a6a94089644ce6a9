// Package metrics owns the Prometheus registry and the service's metrics, named exactly as the
// stack's catalog (alerts/metrics-catalog.ts) reads them.
package metrics

import (
	"database/sql"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// HTTPBuckets cover 5 ms to 10 s. They must contain the latency SLO threshold
// (monitoring.slo.latencyThresholdSeconds, 0.5 by default; 1, 1.5 and 2 for looser stacks),
// because the SLO rules read the bucket le="<threshold>" directly.
var HTTPBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 1.5, 2, 2.5, 5, 10}

// DBBuckets cover 1 ms to 5 s and contain 0.5, the SlowDatabaseQueries threshold.
var DBBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5}

// Metrics is the registry and the collectors the service updates.
type Metrics struct {
	Registry *prometheus.Registry

	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	// InFlight is http_requests_in_flight.
	InFlight prometheus.Gauge
	// DBQueryDuration is db_query_duration_seconds.
	DBQueryDuration prometheus.Histogram
}

// New registers the Go runtime and process collectors, the HTTP metrics, db_query_duration_seconds
// and app_build_info{version} on a registry of its own (not the global one, so tests are isolated).
func New(version string) *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		Registry: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "http_requests_total",
			Help: "HTTP requests served, by method, status code and route pattern (probes and /metrics excluded).",
		}, []string{"method", "status", "route"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "http_request_duration_seconds",
			Help:    "HTTP request duration, by route pattern, method and status code (probes and /metrics excluded).",
			Buckets: HTTPBuckets,
		}, []string{"route", "method", "status"}),
		InFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "http_requests_in_flight",
			Help: "HTTP requests being served right now (probes and /metrics excluded).",
		}),
		DBQueryDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "db_query_duration_seconds",
			Help:    "Duration of the service's database queries (readiness pings excluded).",
			Buckets: DBBuckets,
		}),
	}
	buildInfo := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "app_build_info",
		Help: "Always 1; the version label is the release this process runs.",
	}, []string{"version"})
	buildInfo.WithLabelValues(version).Set(1)

	reg.MustRegister(
		// go_goroutines, go_memstats_*, go_gc_duration_seconds, go_threads, go_info.
		collectors.NewGoCollector(),
		// process_cpu_seconds_total, process_resident_memory_bytes, process_open_fds, ...
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests, m.duration, m.InFlight, m.DBQueryDuration, buildInfo,
	)
	return m
}

// RegisterDB adds go_sql_* gauges and counters read from db.Stats() at every scrape
// (go_sql_open_connections, go_sql_in_use_connections, go_sql_max_open_connections, ...),
// with a db_name label.
func (m *Metrics) RegisterDB(db *sql.DB, dbName string) error {
	return m.Registry.Register(collectors.NewDBStatsCollector(db, dbName))
}

// ObserveRequest counts one served request and its duration.
func (m *Metrics) ObserveRequest(method, route string, status int, elapsed time.Duration) {
	code := strconv.Itoa(status)
	m.requests.WithLabelValues(method, code, route).Inc()
	m.duration.WithLabelValues(route, method, code).Observe(elapsed.Seconds())
}

// RequestsCounter is http_requests_total, for tests.
func (m *Metrics) RequestsCounter() *prometheus.CounterVec { return m.requests }

// Handler serves the registry in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.InstrumentMetricHandler(m.Registry, promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry}))
}
