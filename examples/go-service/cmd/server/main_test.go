package main

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The test binary doubles as the service: with GO_SERVICE_RUN_MAIN=1 it runs main(), so these tests
// check real exit codes and signals without building another binary.
func TestMain(m *testing.M) {
	if os.Getenv("GO_SERVICE_RUN_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

const jwt = "jwt-s3cr3t-0123456789abcdefghijkl"

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func service(t *testing.T, env ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append([]string{
		"GO_SERVICE_RUN_MAIN=1", "APP_ENV=staging", "SERVER_HOST=127.0.0.1", "LOG_FORMAT=json", "LOG_LEVEL=info",
		"JWT_SECRET=" + jwt, "ENCRYPTION_KEY=encKEY-0123456789abcdefs3cr3t!!!", "CSRF_SECRET=csrf-s3cr3t",
		"DB_PASSWORD=db-s3cr3t", "DB_HOST=127.0.0.1", "DB_PORT=1", "DB_SSL_MODE=disable",
	}, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	return cmd, &stdout, &stderr
}

func exitCode(err error) int {
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode()
	}
	if err == nil {
		return 0
	}
	return -1
}

func TestInvalidConfigExits1ListingEveryProblem(t *testing.T) {
	cmd, stdout, stderr := service(t, "APP_ENV=production", "JWT_SECRET=short-s3cr3t", "DB_SSL_MODE=disable", "LOG_LEVEL=loud")
	if code := exitCode(cmd.Run()); code != 1 {
		t.Fatalf("exit code %d, want 1", code)
	}
	out := stderr.String()
	for _, want := range []string{"refusing to start", "3 problem(s)", "JWT_SECRET:", "DB_SSL_MODE:", "LOG_LEVEL:"} {
		if !strings.Contains(out, want) {
			t.Errorf("stderr lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out+stdout.String(), "s3cr3t") {
		t.Errorf("a secret was printed:\n%s", out)
	}
}

func TestCrashOnStartFault(t *testing.T) {
	cmd, stdout, _ := service(t, "FAULT_CRASH_ON_START=true")
	if code := exitCode(cmd.Run()); code != 1 {
		t.Fatalf("exit code %d, want 1", code)
	}
	if !strings.Contains(stdout.String(), "FAULT_CRASH_ON_START") {
		t.Errorf("no log line:\n%s", stdout.String())
	}
}

// Start, get ready (database optional and absent), serve, then SIGTERM: exit code 0.
func TestStartsServesAndStopsOnSIGTERM(t *testing.T) {
	port, metricsPort := freePort(t), freePort(t)
	cmd, stdout, stderr := service(t, fmt.Sprintf("SERVER_PORT=%d", port), fmt.Sprintf("METRICS_PORT=%d", metricsPort),
		"READY_REQUIRES_DB=false", "APP_VERSION=v9.8.7")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()

	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(base + "/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("never ready:\n%s%s", stdout.String(), stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, path := range []string{"/api/items", "/version"} {
		resp, err := http.Get(base + path)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %v %v", path, resp, err)
		}
		resp.Body.Close()
	}
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", metricsPort))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("/metrics: %v %v", resp, err)
	}
	resp.Body.Close()

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if code := exitCode(err); code != 0 {
			t.Fatalf("exit code %d after SIGTERM, want 0:\n%s%s", code, stdout.String(), stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("did not stop after SIGTERM")
	}
	logs := stdout.String()
	for _, want := range []string{`"msg":"go-service started"`, `"version":"v9.8.7"`, `"msg":"go-service stopped gracefully"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %s:\n%s", want, logs)
		}
	}
	if strings.Contains(logs, "s3cr3t") {
		t.Errorf("a secret reached the logs:\n%s", logs)
	}
}
