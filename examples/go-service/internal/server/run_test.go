package server

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-service-stack/examples/go-service/internal/config"
	"github.com/go-service-stack/examples/go-service/internal/database"
)

// blockingItems holds GET /api/items until release is closed, to have a request in flight.
func blockingItems() (ItemSource, chan struct{}, chan struct{}) {
	entered, release := make(chan struct{}, 1), make(chan struct{})
	return itemsFunc(func(context.Context) ([]database.Item, string, error) {
		entered <- struct{}{}
		<-release
		return database.StaticItems, database.SourceStatic, nil
	}), entered, release
}

type running struct {
	appURL, metricsURL string
	cancel             context.CancelFunc
	done               chan error
}

func start(t *testing.T, d Deps, shutdownTimeout time.Duration) *running {
	t.Helper()
	appLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	metricsLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &Runner{
		App:             NewHTTPServer(d.Config.Server, AppHandler(d), d.Log),
		Metrics:         NewHTTPServer(d.Config.Server, MetricsHandler(d), d.Log),
		Readiness:       d.Readiness,
		ShutdownTimeout: shutdownTimeout,
		Log:             d.Log,
	}
	run := &running{appURL: "http://" + appLn.Addr().String(), metricsURL: "http://" + metricsLn.Addr().String(), cancel: cancel, done: make(chan error, 1)}
	go func() { run.done <- r.Run(ctx, appLn, metricsLn) }()
	t.Cleanup(cancel)
	return run
}

func status(url string) int {
	resp, err := http.Get(url)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

type result struct {
	code int
	body string
	err  error
}

func getAsync(url string) chan result {
	out := make(chan result, 1)
	go func() {
		resp, err := http.Get(url)
		if err != nil {
			out <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		out <- result{resp.StatusCode, string(b), err}
	}()
	return out
}

// SIGTERM during a request: /ready turns 503 at once, the request still completes with 200, and
// Run returns nil (exit 0) once it has.
func TestGracefulShutdownCompletesInFlightRequest(t *testing.T) {
	items, entered, release := blockingItems()
	d, logs := testDeps(t, items, config.FaultConfig{})
	run := start(t, d, 5*time.Second)
	if code := status(run.appURL + "/ready"); code != 200 {
		t.Fatalf("/ready = %d before shutdown", code)
	}

	inFlight := getAsync(run.appURL + "/api/items")
	<-entered
	run.cancel() // what SIGTERM does in main

	deadline := time.Now().Add(3 * time.Second)
	for status(run.metricsURL+"/ready") != http.StatusServiceUnavailable {
		if time.Now().After(deadline) {
			t.Fatal("/ready did not turn 503 while draining")
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case err := <-run.done:
		t.Fatalf("Run returned (%v) with a request still in flight", err)
	case <-time.After(100 * time.Millisecond):
	}

	close(release)
	res := <-inFlight
	if res.err != nil || res.code != 200 || !strings.Contains(res.body, `"items"`) {
		t.Fatalf("in-flight request: %d %q %v", res.code, res.body, res.err)
	}
	select {
	case err := <-run.done:
		if err != nil {
			t.Fatalf("Run = %v, want nil after a graceful drain", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after the last request")
	}
	if status(run.appURL+"/health") != 0 {
		t.Error("the API port still accepts connections after shutdown")
	}
	if !strings.Contains(logs.String(), "api server drained") {
		t.Errorf("no drain log:\n%s", logs.String())
	}
}

// A request that outlasts SHUTDOWN_TIMEOUT is cut and Run reports it (exit 1).
func TestShutdownTimeoutIsAnError(t *testing.T) {
	items, entered, release := blockingItems()
	defer close(release)
	d, _ := testDeps(t, items, config.FaultConfig{})
	run := start(t, d, 100*time.Millisecond)
	for status(run.appURL+"/health") != 200 {
		time.Sleep(10 * time.Millisecond)
	}
	inFlight := getAsync(run.appURL + "/api/items")
	<-entered
	run.cancel()
	select {
	case err := <-run.done:
		if err == nil || !strings.Contains(err.Error(), "SHUTDOWN_TIMEOUT") {
			t.Errorf("Run = %v, want a SHUTDOWN_TIMEOUT error", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run ignored SHUTDOWN_TIMEOUT")
	}
	if res := <-inFlight; res.err == nil {
		t.Errorf("request cut at the timeout still answered %d", res.code)
	}
}
