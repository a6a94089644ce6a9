package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/go-service-stack/examples/go-service/internal/health"
)

// metricsShutdownTimeout bounds the metrics server's own shutdown, after the API has drained.
const metricsShutdownTimeout = 2 * time.Second

// Runner runs the API and metrics servers until ctx is cancelled (SIGTERM, SIGINT), then drains.
type Runner struct {
	App             *http.Server
	Metrics         *http.Server
	Readiness       *health.Readiness
	ShutdownTimeout time.Duration
	Log             *slog.Logger
}

// Run serves on the two listeners and returns after a graceful shutdown (nil), a shutdown that
// outlasted ShutdownTimeout, or a server failure.
//
// Shutdown order: /ready turns 503 (the kubelet stops routing to the pod; the Deployment's preStop
// sleep has already given the endpoints time to drop it), then the API server stops accepting
// connections and waits for in-flight requests, which complete normally. The metrics server stops
// last, so Prometheus can scrape the pod while it drains.
func (s *Runner) Run(ctx context.Context, appLn, metricsLn net.Listener) error {
	failed := make(chan error, 2)
	serve := func(name string, srv *http.Server, ln net.Listener) {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			failed <- fmt.Errorf("%s server: %w", name, err)
		}
	}
	go serve("api", s.App, appLn)
	go serve("metrics", s.Metrics, metricsLn)

	var runErr error
	select {
	case <-ctx.Done():
		s.Log.Info("shutdown requested: draining", "timeout", s.ShutdownTimeout.String())
	case runErr = <-failed:
		s.Log.Error("server failed: shutting down", "error", runErr.Error())
	}
	s.Readiness.StartDraining()

	drainCtx, cancel := context.WithTimeout(context.Background(), s.ShutdownTimeout)
	defer cancel()
	start := time.Now()
	if err := s.App.Shutdown(drainCtx); err != nil {
		_ = s.App.Close() // cut what is left: the kubelet's SIGKILL would anyway
		runErr = errors.Join(runErr, fmt.Errorf("in-flight requests did not finish within SHUTDOWN_TIMEOUT (%s): %w", s.ShutdownTimeout, err))
	} else {
		s.Log.Info("api server drained", "elapsed", time.Since(start).String())
	}

	metricsCtx, cancelMetrics := context.WithTimeout(context.Background(), metricsShutdownTimeout)
	defer cancelMetrics()
	if err := s.Metrics.Shutdown(metricsCtx); err != nil {
		_ = s.Metrics.Close()
	}
	return runErr
}
