import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative, sep } from "node:path";
import ts from "typescript";

/** One import of one source file, as written and as resolved to a repository path. */
export interface ImportEdge {
  /** The importing file, relative to the repository root (posix separators). */
  readonly from: string;
  /** The specifier as written (`../config/schema.js`, `cdk8s`). */
  readonly specifier: string;
  /** For a relative specifier: the imported file relative to the root; otherwise undefined. */
  readonly to?: string;
  /** For a bare specifier: the package name (`@pulumi/pulumi`, `cdk8s`). */
  readonly packageName?: string;
}

const SKIPPED_DIRS = new Set(["node_modules", "build", "dist", ".git", ".tools", ".cluster", ".e2e", ".scratch", "coverage", "reports"]);

function sourceFiles(root: string, dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    if (SKIPPED_DIRS.has(entry.name)) continue;
    const path = dir === "" ? entry.name : `${dir}/${entry.name}`;
    if (entry.isDirectory()) out.push(...sourceFiles(root, path));
    else if (/\.(ts|mts)$/.test(entry.name) && !entry.name.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

function packageOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? specifier);
}

/**
 * Every static and dynamic import of every TypeScript file under `root`, read with the compiler's own
 * pre-processor (so `import type`, `export … from` and `import()` all count; comments and strings do not).
 */
export function importGraph(root: string): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const file of sourceFiles(root, "")) {
    const info = ts.preProcessFile(readFileSync(join(root, file), "utf8"), true, true);
    for (const { fileName: specifier } of info.importedFiles) {
      if (specifier.startsWith(".")) {
        const to = relative(root, normalize(join(root, dirname(file), specifier))).split(sep).join("/");
        edges.push({ from: file, specifier, to });
      } else if (!specifier.startsWith("node:")) {
        edges.push({ from: file, specifier, packageName: packageOf(specifier) });
      }
    }
  }
  return edges;
}
