package health

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func up(context.Context) error   { return nil }
func down(context.Context) error { return errors.New("connection refused") }

func get(h http.Handler) (int, readyBody) {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/ready", nil))
	var body readyBody
	_ = json.Unmarshal(rec.Body.Bytes(), &body)
	return rec.Code, body
}

func TestLiveness(t *testing.T) {
	rec := httptest.NewRecorder()
	Liveness(rec, httptest.NewRequest(http.MethodGet, "/health", nil))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"alive"`) {
		t.Errorf("got %d %q", rec.Code, rec.Body.String())
	}
}

func TestReadiness(t *testing.T) {
	for _, tc := range []struct {
		name   string
		checks []Check
		want   int
		status map[string]string
	}{
		{"no dependency", nil, 200, map[string]string{}},
		{"all up", []Check{{"database", true, up}, {"redis", true, up}}, 200, map[string]string{"database": "ok", "redis": "ok"}},
		{"required down", []Check{{"database", true, down}, {"redis", true, up}}, 503, map[string]string{"database": "down", "redis": "ok"}},
		{"optional down (READY_REQUIRES_DB=false)", []Check{{"database", false, down}, {"redis", true, up}}, 200, map[string]string{"database": "down", "redis": "ok"}},
		{"required redis down", []Check{{"database", true, up}, {"redis", true, down}}, 503, map[string]string{"database": "ok", "redis": "down"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := get(NewReadiness(quiet, time.Second, false, tc.checks...))
			if code != tc.want {
				t.Errorf("status %d, want %d (%+v)", code, tc.want, body)
			}
			for name, want := range tc.status {
				if body.Checks[name].Status != want {
					t.Errorf("check %s = %q, want %q", name, body.Checks[name].Status, want)
				}
			}
		})
	}
}

func TestReadinessTimesOutSlowDependency(t *testing.T) {
	slow := func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }
	start := time.Now()
	code, _ := get(NewReadiness(quiet, 50*time.Millisecond, false, Check{"database", true, slow}))
	if code != 503 || time.Since(start) > 2*time.Second {
		t.Errorf("status %d after %s", code, time.Since(start))
	}
}

func TestDrainingIsUnready(t *testing.T) {
	r := NewReadiness(quiet, time.Second, false, Check{"database", true, up})
	if code, _ := get(r); code != 200 {
		t.Fatalf("status %d before draining", code)
	}
	r.StartDraining()
	code, body := get(r)
	if code != 503 || !r.Draining() || !strings.Contains(body.Reason, "draining") {
		t.Errorf("while draining: %d %+v", code, body)
	}
}

func TestNeverReadyFault(t *testing.T) {
	code, body := get(NewReadiness(quiet, time.Second, true, Check{"database", true, up}))
	if code != 503 || !strings.Contains(body.Reason, "FAULT_NEVER_READY") {
		t.Errorf("got %d %+v", code, body)
	}
}

// fakeRedis answers like a Redis server that requires password (or none when password is "").
func fakeRedis(t *testing.T, password string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				rd := bufio.NewReader(conn)
				authed := password == ""
				for {
					args, err := readArray(rd)
					if err != nil {
						return
					}
					switch {
					case args[0] == "AUTH" && len(args) == 2 && args[1] == password:
						authed = true
						io.WriteString(conn, "+OK\r\n")
					case args[0] == "AUTH":
						io.WriteString(conn, "-WRONGPASS invalid username-password pair or user is disabled.\r\n")
					case !authed:
						io.WriteString(conn, "-NOAUTH Authentication required.\r\n")
					case args[0] == "PING":
						io.WriteString(conn, "+PONG\r\n")
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

func readArray(rd *bufio.Reader) ([]string, error) {
	line, err := rd.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "*") {
		return nil, errors.New("not an array")
	}
	var n int
	for _, c := range strings.TrimSpace(line[1:]) {
		n = n*10 + int(c-'0')
	}
	args := make([]string, n)
	for i := range args {
		if _, err := rd.ReadString('\n'); err != nil { // $len
			return nil, err
		}
		v, err := rd.ReadString('\n')
		if err != nil {
			return nil, err
		}
		args[i] = strings.TrimRight(v, "\r\n")
	}
	return args, nil
}

func TestRedisPing(t *testing.T) {
	withPassword := fakeRedis(t, "redis-s3cr3t")
	noPassword := fakeRedis(t, "")
	closed := func() string {
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		addr := ln.Addr().String()
		ln.Close()
		return addr
	}()
	for _, tc := range []struct {
		name, addr, password, wantErr string
	}{
		{"no password", noPassword, "", ""},
		{"right password", withPassword, "redis-s3cr3t", ""},
		{"missing password", withPassword, "", "NOAUTH"},
		{"wrong password", withPassword, "wrong-s3cr3t", "WRONGPASS"},
		{"nothing listening", closed, "", "refused"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			err := RedisPing(tc.addr, tc.password)(ctx)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("unexpected error %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("error %v, want one containing %q", err, tc.wantErr)
			case err != nil && strings.Contains(err.Error(), "s3cr3t"):
				t.Errorf("password leaked in %v", err)
			}
		})
	}
}

func TestRedisPingHonoursDeadline(t *testing.T) {
	// A server that accepts and never answers.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := RedisPing(ln.Addr().String(), "")(ctx); err == nil || time.Since(start) > 2*time.Second {
		t.Errorf("err %v after %s", err, time.Since(start))
	}
}
