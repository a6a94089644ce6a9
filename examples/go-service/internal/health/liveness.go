// Package health serves the kubelet's probes: /health (liveness) and /ready (readiness).
package health

import "net/http"

// Liveness answers 200 while the process can serve HTTP at all. It checks no dependency on
// purpose: a database outage must make pods unready, not get every pod restarted in a loop.
func Liveness(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(`{"status":"alive"}` + "\n"))
}
