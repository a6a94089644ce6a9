// Package faults is a TEST-ONLY fault switch. The end-to-end suites bake FAULT_* variables into
// image variants (image config Env), so that a "bad release" is simply another image tag: one that
// answers errors, is slow, never gets ready or crashes at start. A real release sets none of them.
//
// Error and latency faults apply to the API routes (/api/...) only; /health, /ready, /metrics,
// / and /version are never touched (FAULT_NEVER_READY, handled by the health package, is the one
// fault that changes /ready).
package faults

import (
	"encoding/json"
	"math"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/go-service-stack/examples/go-service/internal/config"
)

// perMillion is the resolution of FAULT_ERROR_RATIO: exact integer arithmetic instead of floats,
// so that 0.1 fails exactly requests 10, 20, 30, ...
const perMillion = 1_000_000

// Injector applies FAULT_ERROR_RATIO and FAULT_LATENCY to the handlers it wraps.
type Injector struct {
	latency time.Duration
	ratio   uint64 // failures per million requests
	count   atomic.Uint64
}

// New returns an injector for cfg; with no error or latency fault, Wrap returns handlers as is.
func New(cfg config.FaultConfig) *Injector {
	return &Injector{latency: cfg.Latency, ratio: uint64(math.Round(cfg.ErrorRatio * perMillion))}
}

// Wrap returns next with the faults applied.
func (in *Injector) Wrap(next http.Handler) http.Handler {
	if in.ratio == 0 && in.latency == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if in.latency > 0 {
			t := time.NewTimer(in.latency)
			select {
			case <-t.C:
			case <-r.Context().Done(): // client gone: nothing left to delay
				t.Stop()
				return
			}
		}
		if in.shouldFail() {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("X-Fault-Injected", "error")
			w.WriteHeader(http.StatusInternalServerError)
			_ = json.NewEncoder(w).Encode(map[string]string{"error": "injected fault (FAULT_ERROR_RATIO, test-only)"})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// shouldFail counts the request and fails it when the running total of failures, floor(n*ratio),
// steps up: over any n requests, floor(n*ratio) of them fail, spread evenly.
func (in *Injector) shouldFail() bool {
	if in.ratio == 0 {
		return false
	}
	n := in.count.Add(1)
	return n*in.ratio/perMillion > (n-1)*in.ratio/perMillion
}
