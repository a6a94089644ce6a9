// Command server is the reference Go service the stack deploys: configuration from the
// environment, /health and /ready probes, Prometheus metrics on a port of their own, JSON logs and
// a graceful shutdown on SIGTERM.
//
// `server migrate [up|status]` applies (or lists) the schema migrations instead, with the same
// configuration: the stack's migration Job runs it before a release changes any pod.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strconv"
	"syscall"
	"time"

	"github.com/go-service-stack/examples/go-service/internal/config"
	"github.com/go-service-stack/examples/go-service/internal/database"
	"github.com/go-service-stack/examples/go-service/internal/faults"
	"github.com/go-service-stack/examples/go-service/internal/health"
	"github.com/go-service-stack/examples/go-service/internal/logging"
	"github.com/go-service-stack/examples/go-service/internal/metrics"
	"github.com/go-service-stack/examples/go-service/internal/server"
)

// readyCheckTimeout bounds each readiness check; it stays under the readiness probe's 3 s
// timeoutSeconds so that /ready answers 503 itself rather than the kubelet timing out.
const readyCheckTimeout = time.Second

func main() {
	if len(os.Args) > 1 && os.Args[1] == "migrate" {
		os.Exit(runMigrate(os.Args[2:]))
	}
	os.Exit(run())
}

// run returns the exit code: 0 after a graceful shutdown, 1 for anything else.
func run() int {
	cfg, err := config.FromEnvironment()
	if err != nil {
		// Plain text on stderr: the logger's own settings may be among the problems.
		fmt.Fprintln(os.Stderr, "go-service: refusing to start:", err)
		return 1
	}
	log := logging.New(cfg.Logging)
	slog.SetDefault(log)

	if cfg.Faults.CrashOnStart {
		log.Error("FAULT_CRASH_ON_START is set: exiting with status 1 (test-only fault)", "version", cfg.Version)
		return 1
	}
	if cfg.Faults.Active() {
		log.Warn("TEST-ONLY faults are active: this image is not a real release",
			"error_ratio", cfg.Faults.ErrorRatio, "latency", cfg.Faults.Latency.String(), "never_ready", cfg.Faults.NeverReady)
		if cfg.Faults.Latency >= cfg.Server.WriteTimeout {
			log.Warn("FAULT_LATENCY is not below WRITE_TIMEOUT: faulted responses will be cut off", "write_timeout", cfg.Server.WriteTimeout.String())
		}
	}

	db, err := database.Open(cfg.Database)
	if err != nil {
		log.Error("refusing to start", "error", err.Error())
		return 1
	}
	defer db.Close()

	m := metrics.New(cfg.Version)
	if err := m.RegisterDB(db, cfg.Database.Name); err != nil {
		log.Error("registering database metrics", "error", err.Error())
		return 1
	}
	store := database.NewStore(db, !cfg.Readiness.RequireDB, m.DBQueryDuration, log)
	checks := []health.Check{{Name: "database", Required: cfg.Readiness.RequireDB, Probe: store.Ping}}
	if cfg.Redis.Addr != "" {
		checks = append(checks, health.Check{Name: "redis", Required: cfg.Readiness.RequireRedis, Probe: health.RedisPing(cfg.Redis.Addr, cfg.Redis.Password.Reveal())})
	}
	readiness := health.NewReadiness(log, readyCheckTimeout, cfg.Faults.NeverReady, checks...)

	deps := server.Deps{Config: cfg, Log: log, Metrics: m, Readiness: readiness, Items: store, Faults: faults.New(cfg.Faults)}
	appLn, err := net.Listen("tcp", net.JoinHostPort(cfg.Server.Host, strconv.Itoa(cfg.Server.Port)))
	if err != nil {
		log.Error("cannot listen on SERVER_PORT", "error", err.Error())
		return 1
	}
	metricsLn, err := net.Listen("tcp", net.JoinHostPort(cfg.Server.Host, strconv.Itoa(cfg.Server.MetricsPort)))
	if err != nil {
		log.Error("cannot listen on METRICS_PORT", "error", err.Error())
		return 1
	}

	// The first SIGTERM/SIGINT starts the drain; stop() then restores the default handling, so a
	// second Ctrl-C kills a shutdown that hangs.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	go func() { <-ctx.Done(); stop() }()

	log.Info("go-service started", "config", cfg,
		"api_addr", appLn.Addr().String(), "metrics_addr", metricsLn.Addr().String(),
		// Both are read by the Go runtime itself from GOMAXPROCS and GOMEMLIMIT (set by the Deployment).
		"gomaxprocs", runtime.GOMAXPROCS(0), "gomemlimit_bytes", debug.SetMemoryLimit(-1))

	runner := &server.Runner{
		App:             server.NewHTTPServer(cfg.Server, server.AppHandler(deps), log),
		Metrics:         server.NewHTTPServer(cfg.Server, server.MetricsHandler(deps), log),
		Readiness:       readiness,
		ShutdownTimeout: cfg.Server.ShutdownTimeout,
		Log:             log,
	}
	if err := runner.Run(ctx, appLn, metricsLn); err != nil {
		log.Error("stopped with an error", "error", err.Error())
		return 1
	}
	log.Info("go-service stopped gracefully")
	return 0
}
