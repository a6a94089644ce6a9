// Schema migrations on a real PostgreSQL (a throwaway server on 127.0.0.1), run exactly as the
// migration Job runs them: the service's binary, `server migrate up`, with the pods' environment. Each
// "release" is a binary built from the service module with its migrations embedded: release 1 is the
// repository's, release 2 adds an expand migration, release 3 adds a failing one.
//
// What is real: PostgreSQL, goose, the binary and its embedded SQL, the service reading the migrated
// table. What is not here: the Job itself and its ordering before the Deployment (the Pulumi engine and
// the cluster prove that in test/e2e/migrations/migration-job.e2e.test.ts).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPostgres, type Postgres } from "../backup/harness.js";
import { buildService, runMigrate, serviceWithMigrations, startService, type RunningService } from "../support/go-service.js";
import { stepTimer } from "../support/timer.js";

const { timed } = stepTimer("migrations");
const goose = (up: string, down: string) => `-- +goose Up\n${up}\n\n-- +goose Down\n${down}\n`;

const EXPAND = goose("ALTER TABLE items ADD COLUMN description text NOT NULL DEFAULT '';", "ALTER TABLE items DROP COLUMN description;");
// Adds a column, then fails: the transaction must take the column back with it.
const FAILING = goose("ALTER TABLE items ADD COLUMN note text;\nINSERT INTO items (id, name) VALUES (1, 'duplicate id');", "ALTER TABLE items DROP COLUMN note;");

let pg: Postgres;
let env: Record<string, string>;
const binaries: Record<"release1" | "release2" | "release3", string> = { release1: "", release2: "", release3: "" };
const cleanups: (() => void)[] = [];
let serving: RunningService | undefined;

/** The items table's columns and goose's applied versions: the schema as a release sees it. */
function schema(): { columns: string; versions: string } {
  return {
    columns: pg.psql("myapp", "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = 'items'"),
    versions: pg.psql("myapp", "SELECT string_agg(version_id::text, ',' ORDER BY version_id) FROM goose_db_version WHERE is_applied"),
  };
}

async function items(service: RunningService): Promise<{ source: string; items: { id: number; name: string }[] }> {
  const response = await fetch(`${service.url}/api/items`);
  expect(response.status).toBe(200);
  return (await response.json()) as { source: string; items: { id: number; name: string }[] };
}

beforeAll(async () => {
  pg = await timed("start PostgreSQL", () => startPostgres());
  pg.psql("postgres", "CREATE ROLE app_user LOGIN PASSWORD 'app-pw-e2e'; CREATE DATABASE myapp OWNER app_user;");
  env = { DB_HOST: pg.host, DB_PORT: String(pg.port), DB_USER: "app_user", DB_PASSWORD: "app-pw-e2e", DB_NAME: "myapp", DB_SSL_MODE: "disable", READY_REQUIRES_DB: "true" };
  binaries.release1 = await timed("build release 1", () => buildService());
  const second = serviceWithMigrations({ "00002_add_item_description.sql": EXPAND });
  const third = serviceWithMigrations({ "00002_add_item_description.sql": EXPAND, "00003_add_item_note.sql": FAILING });
  cleanups.push(second.cleanup, third.cleanup);
  binaries.release2 = await timed("build release 2", () => buildService(second.dir));
  binaries.release3 = await timed("build release 3", () => buildService(third.dir));
});

afterAll(async () => {
  await serving?.stop();
  for (const cleanup of cleanups) cleanup();
  pg?.stop();
});

describe("migrations on a real PostgreSQL, run as the migration Job runs them", () => {
  it("release 1 migrates an empty database, and the service then serves the table", async () => {
    const before = await runMigrate(binaries.release1, env, "status");
    expect(before.code).toBe(0);
    expect(before.output).toContain("00001 00001_create_items.sql: pending");
    const run = await timed("migrate up (release 1)", () => runMigrate(binaries.release1, env, "up"));
    expect(run.code, run.output).toBe(0);
    expect(run.output).toMatch(/applied 00001 00001_create_items.sql in \d+ms/);
    expect(run.output).toContain("schema migrated from version 0 to 1");
    expect(schema()).toEqual({ columns: "id,name,created_at", versions: "0,1" });
    serving = await startService(binaries.release1, env);
    expect(await items(serving)).toEqual({ source: "database", items: [{ id: 1, name: "alpha" }, { id: 2, name: "beta" }, { id: 3, name: "gamma" }] });
  });

  it("running it again changes nothing (the Job of a release re-run, or two pods of it)", async () => {
    const run = await runMigrate(binaries.release1, env, "up");
    expect(run.code).toBe(0);
    expect(run.output).toContain("schema up to date at version 1");
  });

  it("release 2 adds a column (expand): the schema migrates, and release 1's binary keeps serving", async () => {
    const run = await runMigrate(binaries.release2, env, "up");
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain("schema migrated from version 1 to 2");
    expect(schema()).toEqual({ columns: "id,name,created_at,description", versions: "0,1,2" });
    expect((await items(serving as RunningService)).source).toBe("database");
  });

  it("a failing migration leaves the schema unchanged, and the old binary keeps serving", async () => {
    const before = schema();
    const run = await timed("migrate up (release 3, failing)", () => runMigrate(binaries.release3, env, "up"));
    expect(run.code).toBe(1);
    expect(run.output).toMatch(/FAILED 00003 00003_add_item_note.sql: .*duplicate key value violates unique constraint/);
    expect(run.output).toContain("migration 00003 (00003_add_item_note.sql) failed and was rolled back");
    expect(run.output).not.toContain("app-pw-e2e");
    // The column the failed migration added went with its transaction; goose recorded nothing.
    expect(schema()).toEqual(before);
    expect((await items(serving as RunningService)).items).toHaveLength(3);
  });

  it("a rollback re-applies release 1, whose migrate up leaves the newer schema alone: expand-only keeps it working", async () => {
    const run = await runMigrate(binaries.release1, env, "up");
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain("schema up to date at version 2");
    expect(schema().columns).toBe("id,name,created_at,description");
    await serving?.stop();
    serving = await startService(binaries.release1, env);
    expect((await items(serving)).source).toBe("database");
  });

  it("refuses to run without its database, with exit 1 and no secret in its output", async () => {
    const run = await runMigrate(binaries.release1, { ...env, DB_PORT: "1" }, "up");
    expect(run.code).toBe(1);
    expect(run.output).toContain("go-service migrate:");
    expect(run.output).not.toContain("app-pw-e2e");
  });
});
