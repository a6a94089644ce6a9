package health

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Check is one dependency /ready probes.
type Check struct {
	// Name is the key in the /ready body and in logs ("database", "redis").
	Name string
	// Required checks make the pod unready when they fail; the others are only reported.
	Required bool
	// Probe returns nil when the dependency answers. It must honour ctx's deadline.
	Probe func(ctx context.Context) error
}

// Readiness serves /ready: 503 while draining, when FAULT_NEVER_READY is set, or when a required
// dependency does not answer within the timeout; 200 otherwise.
type Readiness struct {
	log        *slog.Logger
	timeout    time.Duration
	neverReady bool
	checks     []Check
	draining   atomic.Bool

	mu       sync.Mutex
	lastFail map[string]bool // last outcome per check, to log changes instead of every probe
}

// NewReadiness returns a readiness handler. timeout bounds each check and must stay under the
// readiness probe's timeoutSeconds (3 s in the stack), or the kubelet gives up first.
func NewReadiness(log *slog.Logger, timeout time.Duration, neverReady bool, checks ...Check) *Readiness {
	return &Readiness{log: log, timeout: timeout, neverReady: neverReady, checks: checks, lastFail: map[string]bool{}}
}

// StartDraining makes /ready answer 503 from now on (SIGTERM received).
func (r *Readiness) StartDraining() { r.draining.Store(true) }

// Draining reports whether StartDraining was called.
func (r *Readiness) Draining() bool { return r.draining.Load() }

type checkResult struct {
	Status   string `json:"status"` // "ok" or "down"
	Required bool   `json:"required"`
}

type readyBody struct {
	Status string                 `json:"status"`           // "ready" or "not ready"
	Reason string                 `json:"reason,omitempty"` // why not ready
	Checks map[string]checkResult `json:"checks,omitempty"`
}

func (r *Readiness) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	switch {
	case r.Draining():
		writeReady(w, http.StatusServiceUnavailable, readyBody{Status: "not ready", Reason: "draining: shutting down"})
		return
	case r.neverReady:
		writeReady(w, http.StatusServiceUnavailable, readyBody{Status: "not ready", Reason: "FAULT_NEVER_READY is set (test-only fault)"})
		return
	}
	results, ready := r.run(req.Context())
	body := readyBody{Status: "ready", Checks: results}
	code := http.StatusOK
	if !ready {
		body.Status, body.Reason, code = "not ready", "a required dependency is down", http.StatusServiceUnavailable
	}
	writeReady(w, code, body)
}

// run probes every dependency concurrently, so the slowest one bounds the answer, not the sum.
func (r *Readiness) run(parent context.Context) (map[string]checkResult, bool) {
	ctx, cancel := context.WithTimeout(parent, r.timeout)
	defer cancel()
	errs := make([]error, len(r.checks))
	var wg sync.WaitGroup
	for i, c := range r.checks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = c.Probe(ctx)
		}()
	}
	wg.Wait()

	results := make(map[string]checkResult, len(r.checks))
	ready := true
	for i, c := range r.checks {
		res := checkResult{Status: "ok", Required: c.Required}
		if errs[i] != nil {
			res.Status = "down"
			ready = ready && !c.Required
		}
		results[c.Name] = res
		r.logChange(c, errs[i])
	}
	return results, ready
}

// logChange logs a dependency going down or coming back, once, rather than on every probe.
// Error texts go to the log only, not to the /ready body.
func (r *Readiness) logChange(c Check, err error) {
	r.mu.Lock()
	failed, seen := r.lastFail[c.Name]
	r.lastFail[c.Name] = err != nil
	r.mu.Unlock()
	switch {
	case err != nil && (!seen || !failed):
		r.log.Warn("readiness check failed", "check", c.Name, "required", c.Required, "error", err.Error())
	case err == nil && seen && failed:
		r.log.Info("readiness check recovered", "check", c.Name)
	}
}

func writeReady(w http.ResponseWriter, code int, body readyBody) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(body)
}
