// Package migrations holds the service's SQL schema migrations, embedded in the binary so that the
// image the Deployment runs is also the one the migration Job runs (`/server migrate`).
//
// Files are goose migrations (github.com/pressly/goose/v3): NNNNN_description.sql with a
// `-- +goose Up` section and a `-- +goose Down` section; each runs in its own transaction. They are
// expand-only by default: a statement that drops, renames or retypes a table or column needs a
// `-- contract: <table>[.<column>]` marker and a release in which no code uses it any more; the stack's
// policy `migration-expand-only` (policies/migrations) checks both before a deploy.
package migrations

import "embed"

// FS is the directory's SQL files.
//
//go:embed *.sql
var FS embed.FS
