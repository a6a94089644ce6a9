package faults

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-service-stack/examples/go-service/internal/config"
)

var ok = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })

func serve(h http.Handler) int {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/items", nil))
	return rec.Code
}

func TestNoFaultReturnsHandlerUnchanged(t *testing.T) {
	h := New(config.FaultConfig{NeverReady: true}).Wrap(ok)
	if _, same := h.(http.HandlerFunc); !same {
		t.Fatalf("Wrap added a layer without error or latency fault: %T", h)
	}
}

func TestErrorRatioIsExact(t *testing.T) {
	for _, tc := range []struct {
		ratio    float64
		requests int
		failures []int // 1-based positions that must fail
	}{
		{0.1, 30, []int{10, 20, 30}},
		{0.25, 8, []int{4, 8}},
		{0.5, 6, []int{2, 4, 6}},
		{1, 3, []int{1, 2, 3}},
		{0.001, 1000, []int{1000}},
	} {
		h := New(config.FaultConfig{ErrorRatio: tc.ratio}).Wrap(ok)
		var got []int
		for i := 1; i <= tc.requests; i++ {
			switch code := serve(h); code {
			case http.StatusInternalServerError:
				got = append(got, i)
			case http.StatusOK:
			default:
				t.Fatalf("ratio %g: unexpected status %d", tc.ratio, code)
			}
		}
		if len(got) != len(tc.failures) {
			t.Errorf("ratio %g: failed requests %v, want %v", tc.ratio, got, tc.failures)
			continue
		}
		for i := range got {
			if got[i] != tc.failures[i] {
				t.Errorf("ratio %g: failed requests %v, want %v", tc.ratio, got, tc.failures)
				break
			}
		}
	}
}

func TestInjectedErrorIsMarked(t *testing.T) {
	rec := httptest.NewRecorder()
	New(config.FaultConfig{ErrorRatio: 1}).Wrap(ok).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/items", nil))
	if rec.Code != 500 || rec.Header().Get("X-Fault-Injected") != "error" || rec.Header().Get("Content-Type") != "application/json" {
		t.Errorf("got %d %v", rec.Code, rec.Header())
	}
}

func TestLatencyIsAdded(t *testing.T) {
	h := New(config.FaultConfig{Latency: 80 * time.Millisecond}).Wrap(ok)
	start := time.Now()
	if code := serve(h); code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	if elapsed := time.Since(start); elapsed < 80*time.Millisecond {
		t.Errorf("request took %s, want at least 80ms", elapsed)
	}
}

func TestLatencyStopsWhenClientLeaves(t *testing.T) {
	called := false
	h := New(config.FaultConfig{Latency: time.Hour}).Wrap(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true }))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	done := make(chan struct{})
	go func() {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/api/items", nil).WithContext(ctx))
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("latency fault ignored the request's cancellation")
	}
	if called {
		t.Error("handler ran for a client that had gone")
	}
}
