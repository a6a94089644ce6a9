package metrics

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	dto "github.com/prometheus/client_model/go"
)

// The service-sourced metrics of alerts/metrics-catalog.ts, with the labels the rules rely on.
var catalog = map[string][]string{
	"http_requests_total":           {"method", "status", "route"},
	"http_request_duration_seconds": {"method", "route", "status"},
	"http_requests_in_flight":       nil,
	"go_goroutines":                 nil,
	"go_memstats_alloc_bytes":       nil,
	"go_memstats_sys_bytes":         nil,
	"go_gc_duration_seconds":        nil,
	"go_sql_open_connections":       {"db_name"},
	"go_sql_in_use_connections":     {"db_name"},
	"go_sql_max_open_connections":   {"db_name"},
	"db_query_duration_seconds":     nil,
	"app_build_info":                {"version"},
}

func newWithDB(t *testing.T) *Metrics {
	t.Helper()
	m := New("v1.2.3")
	cfg, err := pgx.ParseConfig("postgres://u:p@127.0.0.1:1/appdb")
	if err != nil {
		t.Fatal(err)
	}
	db := stdlib.OpenDB(*cfg) // never connects: Stats() needs no server
	db.SetMaxOpenConns(7)
	t.Cleanup(func() { db.Close() })
	if err := m.RegisterDB(db, "appdb"); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestCatalogMetricsAreExposedWithTheirLabels(t *testing.T) {
	m := newWithDB(t)
	m.ObserveRequest("GET", "/api/items", 500, 30*time.Millisecond)
	m.DBQueryDuration.Observe(0.01)

	families, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*dto.MetricFamily{}
	for _, f := range families {
		byName[f.GetName()] = f
	}
	for name, labels := range catalog {
		f, ok := byName[name]
		if !ok {
			t.Errorf("metric %s missing", name)
			continue
		}
		var got []string
		for _, l := range f.GetMetric()[0].GetLabel() {
			got = append(got, l.GetName())
		}
		want := slices.Clone(labels)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s labels = %v, want %v", name, got, want)
		}
	}
	if v := byName["go_sql_max_open_connections"].GetMetric()[0].GetGauge().GetValue(); v != 7 {
		t.Errorf("go_sql_max_open_connections = %v, want 7", v)
	}
}

func TestStatusLabelIsTheNumericCode(t *testing.T) {
	m := New("dev")
	m.ObserveRequest("GET", "/api/items", 503, time.Millisecond)
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body := rec.Body.String()
	for _, want := range []string{
		`http_requests_total{method="GET",route="/api/items",status="503"} 1`,
		`http_request_duration_seconds_bucket{method="GET",route="/api/items",status="503",le="0.5"} 1`,
		`app_build_info{version="dev"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// The SLO rules read le="<latencyThresholdSeconds>" directly, so the usual thresholds must be
// bucket boundaries; the buckets span 5 ms to 10 s.
func TestBuckets(t *testing.T) {
	for _, le := range []float64{0.5, 1, 1.5, 2} {
		if !slices.Contains(HTTPBuckets, le) {
			t.Errorf("HTTP buckets lack %g", le)
		}
	}
	if HTTPBuckets[0] != 0.005 || HTTPBuckets[len(HTTPBuckets)-1] != 10 || !slices.IsSorted(HTTPBuckets) {
		t.Errorf("HTTP buckets %v do not span 5ms..10s in order", HTTPBuckets)
	}
	if !slices.Contains(DBBuckets, 0.5) || !slices.IsSorted(DBBuckets) {
		t.Errorf("DB buckets %v lack the 0.5 s slow-query threshold", DBBuckets)
	}
}
