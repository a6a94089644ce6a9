package database

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/prometheus/client_golang/prometheus"
)

// Item is one entry of GET /api/items.
type Item struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Where the items of a response came from.
const (
	SourceDatabase = "database"
	SourceStatic   = "static"
)

// StaticItems are served when the items table does not exist, or when the database is optional
// (READY_REQUIRES_DB=false) and unreachable, so demos and load tests always have a route.
var StaticItems = []Item{{1, "alpha"}, {2, "beta"}, {3, "gamma"}}

const (
	queryTimeout = 2 * time.Second
	// retryAfter is how long an optional database that failed is left alone before being tried
	// again, so that every request does not pay for a connection attempt to a missing server.
	retryAfter = 5 * time.Second
	// undefinedTable is PostgreSQL's SQLSTATE 42P01.
	undefinedTable = "42P01"
)

// Store reads items from PostgreSQL and times every query in db_query_duration_seconds.
type Store struct {
	db            *sql.DB
	optional      bool
	queryDuration prometheus.Observer
	log           *slog.Logger
	lastFailure   atomic.Int64 // unix nanoseconds of the last failure of an optional database
	now           func() time.Time
}

// NewStore wraps db. optional is !READY_REQUIRES_DB.
func NewStore(db *sql.DB, optional bool, queryDuration prometheus.Observer, log *slog.Logger) *Store {
	return &Store{db: db, optional: optional, queryDuration: queryDuration, log: log, now: time.Now}
}

// Ping is the readiness check: one round trip on a pooled connection, bounded by ctx. Its outcome
// also tells Items whether an optional database is worth trying.
func (s *Store) Ping(ctx context.Context) error {
	err := s.db.PingContext(ctx)
	switch {
	case err == nil:
		s.lastFailure.Store(0)
	case s.optional:
		s.lastFailure.Store(s.now().UnixNano())
	}
	return err
}

// Items lists up to 100 items from the items table (id bigint, name text), or the static list
// when the table does not exist or an optional database is unreachable.
func (s *Store) Items(ctx context.Context) ([]Item, string, error) {
	if s.optional && s.recentlyFailed() {
		return StaticItems, SourceStatic, nil
	}
	items, err := s.query(ctx)
	var pgErr *pgconn.PgError
	switch {
	case err == nil:
		return items, SourceDatabase, nil
	case errors.As(err, &pgErr) && pgErr.Code == undefinedTable:
		return StaticItems, SourceStatic, nil
	case s.optional:
		s.lastFailure.Store(s.now().UnixNano())
		s.log.Debug("optional database unavailable, serving static items", "error", err.Error())
		return StaticItems, SourceStatic, nil
	default:
		return nil, "", err
	}
}

func (s *Store) recentlyFailed() bool {
	last := s.lastFailure.Load()
	return last != 0 && s.now().Sub(time.Unix(0, last)) < retryAfter
}

func (s *Store) query(ctx context.Context) ([]Item, error) {
	ctx, cancel := context.WithTimeout(ctx, queryTimeout)
	defer cancel()
	start := time.Now()
	defer func() { s.queryDuration.Observe(time.Since(start).Seconds()) }()

	rows, err := s.db.QueryContext(ctx, "SELECT id, name FROM items ORDER BY id LIMIT 100")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	items := []Item{}
	for rows.Next() {
		var it Item
		if err := rows.Scan(&it.ID, &it.Name); err != nil {
			return nil, err
		}
		items = append(items, it)
	}
	return items, rows.Err()
}
