/**
 * The inputs of the migration rules, read from the project: the migration files and the service's Go
 * code of the checkout, and, from git, those of a previous release's revision.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import type { MigrationSource } from "./expand-only.js";

/** Where a stack's migrations and the service's code are, relative to the project directory (`migrations.directory`, `.codeDirectory`). */
export interface MigrationPaths {
  readonly directory: string;
  readonly codeDirectory: string;
}

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((entry) => {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) return entry === "vendor" || entry.startsWith(".") ? [] : walk(path);
      return [path];
    });
}

/** The checkout's migration files (`*.sql` of the directory, by file name) and Go files (by path in the project). */
export function currentMigrationSources(projectDir: string, paths: MigrationPaths): MigrationSource[] {
  const migrations = join(projectDir, paths.directory);
  if (!existsSync(migrations)) throw new Error(`migrations.directory ${paths.directory} does not exist in ${projectDir}`);
  return [
    ...readdirSync(migrations)
      .filter((f) => f.endsWith(".sql"))
      .sort()
      .map((f): MigrationSource => ({ kind: "migration", release: "current", path: f, text: readFileSync(join(migrations, f), "utf8") })),
    ...walk(join(projectDir, paths.codeDirectory))
      .filter((f) => f.endsWith(".go"))
      .map((f): MigrationSource => ({ kind: "code", release: "current", path: relative(projectDir, f), text: readFileSync(f, "utf8") })),
  ];
}

const git = (projectDir: string, ...args: string[]): string => execFileSync("git", ["-C", projectDir, ...args], { encoding: "utf8", maxBuffer: 64 << 20, stdio: ["ignore", "pipe", "pipe"] });

/**
 * The migrations and Go code of a previous release, at git revision `revision` (the last good release's
 * commit), plus the `previous-release` marker that tells the rule the previous release is known. Throws
 * when the revision is not in the repository (a shallow clone).
 */
export function previousMigrationSources(projectDir: string, paths: MigrationPaths, revision: string, id = revision.slice(0, 12)): MigrationSource[] {
  try {
    git(projectDir, "cat-file", "-e", `${revision}^{commit}`);
  } catch {
    throw new Error(`revision ${revision} is not in the repository (a shallow clone? fetch with fetch-depth: 0)`);
  }
  const list = (dir: string) => git(projectDir, "ls-tree", "-r", "--name-only", revision, "--", dir).split("\n").filter((line) => line !== "");
  const show = (path: string) => git(projectDir, "show", `${revision}:${path}`);
  const migrationsDir = paths.directory.replace(/\/+$/, "");
  return [
    { kind: "previous-release", id },
    ...list(migrationsDir)
      .filter((f) => f.endsWith(".sql") && !f.slice(migrationsDir.length + 1).includes("/"))
      .map((f): MigrationSource => ({ kind: "migration", release: "previous", path: f.slice(migrationsDir.length + 1), text: show(f) })),
    ...list(paths.codeDirectory)
      .filter((f) => f.endsWith(".go"))
      .map((f): MigrationSource => ({ kind: "code", release: "previous", path: f, text: show(f) })),
  ];
}
