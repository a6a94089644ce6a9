/**
 * `migration-expand-only`: a release's schema migrations only add, unless a migration says, with a
 * `-- contract:` marker, what it removes, and neither the code being released nor the code of the previous
 * release (the pods that run during the rollout, and what a rollback re-applies) uses it any more.
 *
 * What is checked statically, precisely (policies/README.md, "Migrations"):
 *
 * 1. Every destructive statement of a migration new in this release (its Up section: DROP TABLE / VIEW /
 *    MATERIALIZED VIEW / SCHEMA, ALTER TABLE … DROP [COLUMN], … RENAME [COLUMN] … TO, … RENAME TO, … ALTER
 *    [COLUMN] … TYPE, ALTER VIEW/SCHEMA … RENAME TO, TRUNCATE) names its object in a `-- contract:
 *    <table>[.<column>]` line of the same file.
 * 2. No Go file of the release's code (`*.go`, tests excluded, comments ignored) uses a contracted object's
 *    name (the column's for `table.column`) as a word.
 * 3. When the previous release is known (a deploy reads it from the stack's last good release; `npm run
 *    policy -- --previous <git ref>`), its code does not use the name either; and a contract migration
 *    needs a previous release at all: the first release of a stack cannot prove the old code is gone.
 *
 * A migration already in the previous release was checked when it shipped (and has run): it is not checked again.
 */
import type { Finding, PolicyRule } from "../types.js";
import { CONTRACT_MARKER, contractedObjects, destructiveStatements, referenceName } from "./sql.js";

/** One input of the migration rules: a migration file or a source file, of the release being deployed or the previous one. */
export type MigrationSource =
  | {
      /** A SQL migration (`NNNNN_name.sql`) or a file of the service's code. */
      readonly kind: "migration" | "code";
      /** The release the file belongs to. */
      readonly release: "current" | "previous";
      /** Path relative to the project (or to the migrations directory for a migration). */
      readonly path: string;
      /** The file's text. */
      readonly text: string;
    }
  | {
      /** What is known of the previous release; absent from the set when nothing is known (offline, without `--previous`). */
      readonly kind: "previous-release";
      /** Its id or git revision; undefined when the stack has none (its first release). */
      readonly id: string | undefined;
    };

const ref = (path: string) => ({ kind: "Migration", name: path });

/** Go source with line comments and block comments blanked out. */
function goCode(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, " ")).replace(/\/\/[^\n]*/g, "");
}

/** The first `file:line` of `files` that uses `name` as a word (case-insensitive: SQL folds unquoted names). */
function firstUse(files: readonly { path: string; text: string }[], name: string): string | undefined {
  const word = new RegExp(`(^|[^A-Za-z0-9_])${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}($|[^A-Za-z0-9_])`, "i");
  for (const file of files) {
    const lines = goCode(file.text).split("\n");
    const index = lines.findIndex((line) => word.test(line));
    if (index >= 0) return `${file.path}:${index + 1}`;
  }
  return undefined;
}

function checkAll(sources: readonly MigrationSource[]): Finding[] {
  const findings: Finding[] = [];
  const files = (kind: "migration" | "code", release: "current" | "previous") =>
    sources.flatMap((s) => (s.kind === kind && s.release === release ? [{ path: s.path, text: s.text }] : []));
  const previous = sources.find((s): s is Extract<MigrationSource, { kind: "previous-release" }> => s.kind === "previous-release");
  const released = new Set(files("migration", "previous").map((f) => f.path));
  const code = files("code", "current").filter((f) => !f.path.endsWith("_test.go"));
  const previousCode = files("code", "previous").filter((f) => !f.path.endsWith("_test.go"));

  for (const migration of files("migration", "current")) {
    if (released.has(migration.path)) continue;
    const contracted = contractedObjects(migration.text);
    for (const statement of destructiveStatements(migration.text)) {
      const { object, action } = statement;
      if (!contracted.includes(object)) {
        findings.push({
          object: ref(migration.path),
          message: `${action} ${object} (\`${statement.statement}\`) without a \`${CONTRACT_MARKER} ${object}\` line: migrations are expand-only by default, and the pods of the previous release, which run during the rollout and which a rollback re-applies, may still use it`,
          fix: `keep ${object} (add, never remove, in the release that changes the code); remove it in a later release, once no released code uses it, with \`${CONTRACT_MARKER} ${object}\` in the migration`,
        });
        continue;
      }
      const name = referenceName(object);
      const current = firstUse(code, name);
      if (current !== undefined) {
        findings.push({
          object: ref(migration.path),
          message: `${action} ${object}, but the code of this release still uses "${name}" (${current})`,
          fix: `release the code that stops using ${object} first; contract it in a later release`,
        });
        continue;
      }
      if (previous === undefined) continue;
      if (previous.id === undefined) {
        findings.push({
          object: ref(migration.path),
          message: `${action} ${object} in the stack's first release: a contract migration needs a previous release whose code no longer uses it`,
          fix: `leave the contract out of the first release; ship it in a later one`,
        });
        continue;
      }
      const old = firstUse(previousCode, name);
      if (old !== undefined) {
        findings.push({
          object: ref(migration.path),
          message: `${action} ${object}, but the code of the previous release ${previous.id} still uses "${name}" (${old}): its pods serve until the rollout replaces them, and a rollback re-applies it`,
          fix: `deploy this release without the contract migration first (its code no longer uses ${object}); contract ${object} in the next release`,
        });
      }
    }
  }
  return findings;
}

/** The migration rule; it reads the whole set at once (`checkAll`). */
export const MIGRATION_EXPAND_ONLY: PolicyRule<MigrationSource> = {
  id: "migration-expand-only",
  level: "mandatory",
  description:
    "a release's new migrations drop, rename, retype or empty nothing unless a `-- contract:` line names it and neither this release's code nor the previous release's uses it",
  checkAll,
};

/** Every rule over schema migrations. */
export const MIGRATION_RULES: readonly PolicyRule<MigrationSource>[] = [MIGRATION_EXPAND_ONLY];
