package server

import (
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/go-service-stack/examples/go-service/internal/metrics"
)

// statusRecorder remembers the status code and size of a response.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the real writer (Flush, deadlines).
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// observe counts, times and logs every request that reaches mux, and turns a panic into a 500
// that is counted and logged like any other. It must wrap the ServeMux directly: the route label
// is r.Pattern, which the mux sets on the request while serving it.
func observe(log *slog.Logger, m *metrics.Metrics, mux http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		m.InFlight.Inc()
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler { // the handler's way to abort a response: not a bug
					m.InFlight.Dec()
					panic(p)
				}
				log.Error("panic serving request", "method", r.Method, "path", r.URL.Path, "panic", p, "stack", string(debug.Stack()))
				if rec.status == 0 {
					http.Error(rec, "internal server error", http.StatusInternalServerError)
				}
			}
			m.InFlight.Dec()
			if rec.status == 0 {
				rec.status = http.StatusOK
			}
			elapsed := time.Since(start)
			route := routeLabel(r.Pattern)
			m.ObserveRequest(r.Method, route, rec.status, elapsed)
			logRequest(log, r, route, rec, elapsed)
		}()
		mux.ServeHTTP(rec, r)
	})
}

// routeLabel turns a ServeMux pattern ("GET /api/items", "GET /{$}") into the route label
// ("/api/items", "/"). Requests no pattern matched (404, 405) share one label, "unmatched", so
// that scanners probing random paths cannot grow the number of series.
func routeLabel(pattern string) string {
	if pattern == "" {
		return "unmatched"
	}
	if i := strings.IndexByte(pattern, ' '); i >= 0 {
		pattern = pattern[i+1:]
	}
	if p := strings.TrimSuffix(pattern, "{$}"); p != "" {
		return p
	}
	return pattern
}

// logRequest writes one line per request: no query string, no header, no body, so that tokens
// and cookies never reach the logs. 5xx at error, 4xx at warn, the rest at info.
func logRequest(log *slog.Logger, r *http.Request, route string, rec *statusRecorder, elapsed time.Duration) {
	level := slog.LevelInfo
	switch {
	case rec.status >= 500:
		level = slog.LevelError
	case rec.status >= 400:
		level = slog.LevelWarn
	}
	attrs := []slog.Attr{
		slog.String("method", r.Method),
		slog.String("route", route),
		slog.String("path", r.URL.Path),
		slog.Int("status", rec.status),
		slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
		slog.Int("bytes", rec.bytes),
		slog.String("remote_addr", r.RemoteAddr),
	}
	if id := r.Header.Get("X-Request-ID"); id != "" && len(id) <= 128 {
		attrs = append(attrs, slog.String("request_id", id))
	}
	log.LogAttrs(r.Context(), level, "request", attrs...)
}
