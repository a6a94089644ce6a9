// Package migrate applies the service's schema migrations (the embedded SQL files of
// github.com/go-service-stack/examples/go-service/migrations) with goose, as `server migrate`: the
// command the stack's migration Job runs before a release's pods are changed.
package migrate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// Commands are the subcommands of `server migrate`.
var Commands = []string{"up", "status"}

// lockTimeoutSeconds is how long a run waits for another run's advisory lock (two Jobs of two
// releases, or a Job retried while its predecessor still holds the lock) before it fails.
const lockTimeoutSeconds = 120

// Options of a run.
type Options struct {
	// Command is "up" (apply every pending migration) or "status" (list them, change nothing).
	Command string
	// Migrations is the directory of SQL files.
	Migrations fs.FS
	// Out receives the human-readable report, one line per migration.
	Out io.Writer
	// Log receives the structured log lines.
	Log *slog.Logger
}

// Run executes one command against db. Each migration runs in its own transaction (goose's
// default for SQL files), under a PostgreSQL advisory lock, so that a failing migration leaves the
// schema as it was before that migration, and two runs never interleave.
func Run(ctx context.Context, db *sql.DB, opts Options) error {
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, lockTimeoutSeconds))
	if err != nil {
		return fmt.Errorf("advisory lock: %w", err)
	}
	provider, err := goose.NewProvider(goose.DialectPostgres, db, opts.Migrations, goose.WithSessionLocker(locker))
	if err != nil {
		return fmt.Errorf("reading the migrations: %w", err)
	}
	switch opts.Command {
	case "status":
		return status(ctx, provider, opts)
	case "up":
		return up(ctx, provider, opts)
	default:
		return fmt.Errorf("unknown migrate command %q (commands: %v)", opts.Command, Commands)
	}
}

func status(ctx context.Context, provider *goose.Provider, opts Options) error {
	statuses, err := provider.Status(ctx)
	if err != nil {
		return fmt.Errorf("reading the schema version: %w", err)
	}
	for _, s := range statuses {
		applied := "pending"
		if s.State == goose.StateApplied {
			applied = "applied " + s.AppliedAt.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(opts.Out, "%05d %s: %s\n", s.Source.Version, s.Source.Path, applied)
	}
	return nil
}

func up(ctx context.Context, provider *goose.Provider, opts Options) error {
	before, err := provider.GetDBVersion(ctx)
	if err != nil {
		return fmt.Errorf("reading the schema version: %w", err)
	}
	results, err := provider.Up(ctx)
	var partial *goose.PartialError
	if errors.As(err, &partial) {
		results = partial.Applied
	}
	for _, r := range results {
		fmt.Fprintf(opts.Out, "applied %05d %s in %s\n", r.Source.Version, r.Source.Path, r.Duration.Round(time.Millisecond))
		opts.Log.Info("migration applied", "version", r.Source.Version, "file", r.Source.Path, "duration_ms", r.Duration.Milliseconds())
	}
	if err != nil {
		if partial != nil && partial.Failed != nil {
			fmt.Fprintf(opts.Out, "FAILED %05d %s: %v (rolled back: that migration changed nothing)\n", partial.Failed.Source.Version, partial.Failed.Source.Path, partial.Err)
			opts.Log.Error("migration failed", "version", partial.Failed.Source.Version, "file", partial.Failed.Source.Path, "error", partial.Err.Error())
			return fmt.Errorf("migration %05d (%s) failed and was rolled back; %d migration(s) of this run were applied before it: %w",
				partial.Failed.Source.Version, partial.Failed.Source.Path, len(results), partial.Err)
		}
		return fmt.Errorf("migrating: %w", err)
	}
	after, err := provider.GetDBVersion(ctx)
	if err != nil {
		return fmt.Errorf("reading the schema version: %w", err)
	}
	if len(results) == 0 {
		fmt.Fprintf(opts.Out, "schema up to date at version %d\n", after)
	} else {
		fmt.Fprintf(opts.Out, "schema migrated from version %d to %d\n", before, after)
	}
	opts.Log.Info("schema up to date", "from_version", before, "version", after, "applied", len(results))
	return nil
}
