import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { contractedObjects, destructiveStatements, stripSqlNoise } from "../../policies/migrations/sql.js";
import type { MigrationSource } from "../../policies/migrations/expand-only.js";
import { currentMigrationSources, previousMigrationSources } from "../../policies/migrations/sources.js";
import { MIGRATION_RULES } from "../../policies/rules.js";
import { checkMigrations } from "../../policies/run.js";
import { PROJECT_DIR } from "../support/stacks.js";

const goose = (up: string, down = "SELECT 1;") => `-- +goose Up\n${up}\n\n-- +goose Down\n${down}\n`;
const CODE = 'package database\n\nconst list = `SELECT id, name FROM items ORDER BY id` // legacy_name was dropped\n';
const OLD_CODE = "package database\n\nconst list = `SELECT id, name, legacy_name FROM items`\n";

const migration = (path: string, text: string, release: "current" | "previous" = "current"): MigrationSource => ({ kind: "migration", release, path, text });
const code = (text: string, release: "current" | "previous" = "current"): MigrationSource => ({ kind: "code", release, path: "internal/database/items.go", text });
const rules = (sources: MigrationSource[]) => checkMigrations(sources).map((v) => `${v.ruleId} ${v.object.name}: ${v.message}`);

describe("reading destructive statements", () => {
  it.each([
    ["DROP TABLE IF EXISTS public.old_items, \"Legacy\" CASCADE;", ["drops table old_items", "drops table Legacy"]],
    ["ALTER TABLE items DROP COLUMN legacy_name;", ["drops column items.legacy_name"]],
    ["alter table only items drop if exists legacy_name, add column x int;", ["drops column items.legacy_name"]],
    ["ALTER TABLE items RENAME COLUMN name TO title;", ["renames column items.name"]],
    ["ALTER TABLE items RENAME name TO title;", ["renames column items.name"]],
    ["ALTER TABLE items RENAME TO things;", ["renames table items"]],
    ["ALTER TABLE items ALTER COLUMN name TYPE varchar(20);", ["changes the type of column items.name"]],
    ["ALTER TABLE items ALTER name SET DATA TYPE text USING name::text;", ["changes the type of column items.name"]],
    ["TRUNCATE TABLE items RESTART IDENTITY;", ["empties table items"]],
    ["DROP MATERIALIZED VIEW item_counts;", ["drops materialized view item_counts"]],
    ["ALTER VIEW item_view RENAME TO item_list;", ["renames view item_view"]],
  ])("%s", (sql, expected) => {
    expect(destructiveStatements(goose(sql)).map((s) => `${s.action} ${s.object}`)).toEqual(expected);
  });

  it.each([
    "CREATE TABLE items (id bigint PRIMARY KEY);",
    "ALTER TABLE items ADD COLUMN title text;",
    "ALTER TABLE items DROP CONSTRAINT items_name_check;",
    "ALTER TABLE items ALTER COLUMN name DROP NOT NULL;",
    "ALTER TABLE items ALTER COLUMN name DROP DEFAULT;",
    "ALTER TABLE items RENAME CONSTRAINT a TO b;",
    "DROP INDEX IF EXISTS items_name_idx;",
    "INSERT INTO notes (body) VALUES ('DROP TABLE items; ALTER TABLE items DROP COLUMN name');",
    "-- DROP TABLE items;\n/* ALTER TABLE items RENAME TO x; */ SELECT 1;",
    "CREATE FUNCTION f() RETURNS void AS $body$ DROP TABLE items; $body$ LANGUAGE sql;",
  ])("not destructive: %s", (sql) => {
    expect(destructiveStatements(goose(sql))).toEqual([]);
  });

  it("reads only the Up section: the Down section undoes an expand with a DROP", () => {
    expect(destructiveStatements(goose("CREATE TABLE t (id int);", "DROP TABLE t;"))).toEqual([]);
  });

  it("keeps line breaks when blanking out comments and strings", () => {
    expect(stripSqlNoise("a -- x\n'b\nc' d").split("\n")).toHaveLength(3);
  });

  it("reads contract markers: several per line, schema dropped, quoted names kept", () => {
    expect(contractedObjects("-- contract: items.legacy_name, public.old_items\n-- contract: \"Legacy\"")).toEqual(
      expect.arrayContaining(["items.legacy_name", "old_items", "Legacy"]),
    );
  });
});

describe("migration-expand-only", () => {
  it("is the one migration rule, mandatory", () => {
    expect(MIGRATION_RULES.map((r) => [r.id, r.level])).toEqual([["migration-expand-only", "mandatory"]]);
  });

  it("accepts additive migrations", () => {
    expect(rules([migration("00002_add_title.sql", goose("ALTER TABLE items ADD COLUMN title text;")), code(CODE)])).toEqual([]);
  });

  it("refuses a destructive statement without a contract marker, naming the object, the statement and the way out", () => {
    const violations = checkMigrations([migration("00002_drop.sql", goose("ALTER TABLE items DROP COLUMN legacy_name;")), code(CODE)]);
    expect(violations).toHaveLength(1);
    expect(violations[0]?.object).toEqual({ kind: "Migration", name: "00002_drop.sql" });
    expect(violations[0]?.message).toMatch(/drops column items.legacy_name \(`ALTER TABLE items DROP COLUMN legacy_name`\) without a `-- contract: items.legacy_name` line/);
    expect(violations[0]?.fix).toMatch(/remove it in a later release/);
  });

  it("refuses a contract whose object the code of this release still uses", () => {
    const sql = `-- contract: items.name\n${goose("ALTER TABLE items DROP COLUMN name;")}`;
    expect(rules([migration("00002_drop.sql", sql), code(CODE)])).toEqual([
      expect.stringMatching(/drops column items.name, but the code of this release still uses "name" \(internal\/database\/items.go:3\)/),
    ]);
  });

  it("ignores uses in Go comments and in tests", () => {
    const sql = `-- contract: items.legacy_name\n${goose("ALTER TABLE items DROP COLUMN legacy_name;")}`;
    const testFile: MigrationSource = { kind: "code", release: "current", path: "internal/database/items_test.go", text: "const q = `legacy_name`" };
    expect(rules([migration("00002_drop.sql", sql), code(CODE), testFile])).toEqual([]);
  });

  it("with the previous release known: refuses the contract in the release whose code stops using the object", () => {
    const sql = `-- contract: items.legacy_name\n${goose("ALTER TABLE items DROP COLUMN legacy_name;")}`;
    const sources = [migration("00002_drop.sql", sql), code(CODE), { kind: "previous-release", id: "20261130T000000Z-0123456789ab" } as const, code(OLD_CODE, "previous")];
    expect(rules(sources)).toEqual([expect.stringMatching(/the code of the previous release 20261130T000000Z-0123456789ab still uses "legacy_name" \(internal\/database\/items.go:3\)/)]);
  });

  it("with the previous release known: accepts the contract one release later", () => {
    const sql = `-- contract: items.legacy_name\n${goose("ALTER TABLE items DROP COLUMN legacy_name;")}`;
    expect(rules([migration("00002_drop.sql", sql), code(CODE), { kind: "previous-release", id: "r1" }, code(CODE, "previous")])).toEqual([]);
  });

  it("refuses a contract in a stack's first release, and does not check again a migration the previous release shipped", () => {
    const sql = `-- contract: items.legacy_name\n${goose("ALTER TABLE items DROP COLUMN legacy_name;")}`;
    expect(rules([migration("00002_drop.sql", sql), code(CODE), { kind: "previous-release", id: undefined }])).toEqual([expect.stringMatching(/in the stack's first release/)]);
    const shipped = [migration("00002_drop.sql", goose("DROP TABLE items;")), migration("00002_drop.sql", "", "previous"), { kind: "previous-release", id: "r1" } as const, code(CODE), code(OLD_CODE, "previous")];
    expect(rules(shipped)).toEqual([]);
  });
});

describe("the repository's migrations", () => {
  it("are expand-only: the reference service's migrations pass the rule", () => {
    const sources = currentMigrationSources(PROJECT_DIR, { directory: "examples/go-service/migrations", codeDirectory: "examples/go-service" });
    expect(sources.some((s) => s.kind === "migration")).toBe(true);
    expect(sources.some((s) => s.kind === "code" && s.path === "examples/go-service/internal/database/items.go")).toBe(true);
    expect(checkMigrations(sources)).toEqual([]);
  });
});

describe("the previous release, read from git", () => {
  const dir = mkdtempSync(join(tmpdir(), "migration-policy-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const run = (...args: string[]) => execFileSync("git", ["-C", dir, ...args], { encoding: "utf8" }).trim();

  it("reads the migrations and code of a revision, and the rule judges the next release against it", () => {
    run("init", "-q");
    run("config", "user.email", "t@example.com");
    run("config", "user.name", "t");
    mkdirSync(join(dir, "svc/migrations"), { recursive: true });
    cpSync(join(PROJECT_DIR, "examples/go-service/migrations/00001_create_items.sql"), join(dir, "svc/migrations/00001_create_items.sql"));
    writeFileSync(join(dir, "svc/items.go"), OLD_CODE);
    run("add", ".");
    run("commit", "-qm", "release 1");
    const first = run("rev-parse", "HEAD");
    // Release 2: the code stops using legacy_name AND drops it: refused.
    writeFileSync(join(dir, "svc/items.go"), CODE);
    writeFileSync(join(dir, "svc/migrations/00002_drop_legacy_name.sql"), `-- contract: items.legacy_name\n${goose("ALTER TABLE items DROP COLUMN legacy_name;")}`);
    const paths = { directory: "svc/migrations", codeDirectory: "svc" };
    const sources = () => [...currentMigrationSources(dir, paths), ...previousMigrationSources(dir, paths, first)];
    expect(rules(sources())).toEqual([expect.stringMatching(/previous release [0-9a-f]{12} still uses "legacy_name" \(svc\/items.go:3\)/)]);
    // Ship the code alone as release 2; the contract then passes as release 3.
    rmSync(join(dir, "svc/migrations/00002_drop_legacy_name.sql"));
    run("add", ".");
    run("commit", "-qm", "release 2");
    const second = run("rev-parse", "HEAD");
    writeFileSync(join(dir, "svc/migrations/00002_drop_legacy_name.sql"), `-- contract: items.legacy_name\n${goose("ALTER TABLE items DROP COLUMN legacy_name;")}`);
    expect(rules([...currentMigrationSources(dir, paths), ...previousMigrationSources(dir, paths, second)])).toEqual([]);
    expect(() => previousMigrationSources(dir, paths, "0".repeat(40))).toThrow(/not in the repository/);
  });
});
