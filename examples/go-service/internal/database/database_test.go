package database

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/go-service-stack/examples/go-service/internal/config"
)

func TestURLEscapesEverything(t *testing.T) {
	cfg := config.DatabaseConfig{Host: "db.internal", Port: 5433, User: "app user", Password: `p@ss w/o:r'd"%`, Name: "my app", SSLMode: "verify-full"}
	parsed, err := pgx.ParseConfig(URL(cfg))
	if err != nil {
		t.Fatal(err)
	}
	if parsed.Host != "db.internal" || parsed.Port != 5433 || parsed.User != "app user" || parsed.Password != cfg.Password.Reveal() ||
		parsed.Database != "my app" || parsed.ConnectTimeout != connectTimeout || parsed.TLSConfig == nil {
		t.Errorf("round trip lost a setting: %+v", parsed.Config)
	}
	cfg.Host = "::1"
	if parsed, err := pgx.ParseConfig(URL(cfg)); err != nil || parsed.Host != "::1" {
		t.Errorf("IPv6 host: %v %v", parsed, err)
	}
}

func TestOpenDoesNotConnect(t *testing.T) {
	db, err := Open(config.DatabaseConfig{Host: "127.0.0.1", Port: 1, User: "u", Name: "d", SSLMode: "disable", MaxOpenConns: 4, MaxIdleConns: 2, ConnMaxLifetime: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := db.Stats().MaxOpenConnections; got != 4 {
		t.Errorf("MaxOpenConnections = %d", got)
	}
}

// fake is a database/sql connector whose behaviour each test sets.
type fake struct {
	connectErr error
	queryErr   error
	connects   int
}

type fakeConn struct{ f *fake }
type fakeRows struct{ i int }
type countObserver struct{ n int }

func (f *fake) db() *sql.DB { return sql.OpenDB(f) }

func (f *fake) Connect(context.Context) (driver.Conn, error) {
	f.connects++
	if f.connectErr != nil {
		return nil, f.connectErr
	}
	return &fakeConn{f}, nil
}

func (f *fake) Driver() driver.Driver { return nil }

func (c *fakeConn) Prepare(string) (driver.Stmt, error) { return nil, errors.New("unsupported") }
func (c *fakeConn) Close() error                        { return nil }
func (c *fakeConn) Begin() (driver.Tx, error)           { return nil, errors.New("unsupported") }
func (c *fakeConn) Ping(context.Context) error          { return nil }

func (c *fakeConn) QueryContext(context.Context, string, []driver.NamedValue) (driver.Rows, error) {
	if c.f.queryErr != nil {
		return nil, c.f.queryErr
	}
	return &fakeRows{}, nil
}

func (r *fakeRows) Columns() []string { return []string{"id", "name"} }
func (r *fakeRows) Close() error      { return nil }

func (r *fakeRows) Next(dest []driver.Value) error {
	if r.i == 2 {
		return io.EOF
	}
	r.i++
	dest[0], dest[1] = int64(r.i), "item"
	return nil
}

func (o *countObserver) Observe(float64) { o.n++ }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestItems(t *testing.T) {
	undefined := &pgconn.PgError{Code: "42P01", Message: `relation "items" does not exist`}
	for _, tc := range []struct {
		name       string
		optional   bool
		f          fake
		wantSource string
		wantErr    bool
	}{
		{"rows from the table", false, fake{}, SourceDatabase, false},
		{"no items table", false, fake{queryErr: undefined}, SourceStatic, false},
		{"query error, database required", false, fake{queryErr: errors.New("deadlock")}, "", true},
		{"unreachable, database required", false, fake{connectErr: errors.New("connection refused")}, "", true},
		{"unreachable, database optional", true, fake{connectErr: errors.New("connection refused")}, SourceStatic, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			obs := &countObserver{}
			s := NewStore(tc.f.db(), tc.optional, obs, quiet)
			items, source, err := s.Items(context.Background())
			if (err != nil) != tc.wantErr || source != tc.wantSource {
				t.Fatalf("got %v %q %v", items, source, err)
			}
			if source == SourceDatabase && (len(items) != 2 || items[1] != (Item{2, "item"})) {
				t.Errorf("items = %v", items)
			}
			if obs.n != 1 {
				t.Errorf("db_query_duration_seconds observed %d times, want 1", obs.n)
			}
		})
	}
}

// An optional database that failed is left alone for retryAfter, then tried again.
func TestOptionalDatabaseIsRetriedLater(t *testing.T) {
	f := &fake{connectErr: errors.New("connection refused")}
	s := NewStore(f.db(), true, &countObserver{}, quiet)
	now := time.Unix(1000, 0)
	s.now = func() time.Time { return now }

	if _, src, _ := s.Items(context.Background()); src != SourceStatic {
		t.Fatal("not static")
	}
	tried := f.connects
	if _, src, _ := s.Items(context.Background()); src != SourceStatic || f.connects != tried {
		t.Errorf("retried at once (%d connects, was %d)", f.connects, tried)
	}
	now = now.Add(retryAfter + time.Second)
	f.connectErr = nil
	if _, src, err := s.Items(context.Background()); src != SourceDatabase || err != nil {
		t.Errorf("after %s: %q %v", retryAfter, src, err)
	}
}

func TestPingRecordsOptionalFailure(t *testing.T) {
	f := &fake{connectErr: errors.New("connection refused")}
	s := NewStore(f.db(), true, &countObserver{}, quiet)
	if err := s.Ping(context.Background()); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("Ping = %v", err)
	}
	if !s.recentlyFailed() {
		t.Error("a failed ping did not mark the optional database as failed")
	}
	f.connectErr = nil
	if err := s.Ping(context.Background()); err != nil || s.recentlyFailed() {
		t.Errorf("a good ping did not clear the failure: %v", err)
	}
}
