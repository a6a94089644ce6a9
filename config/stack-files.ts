import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

/** A `Pulumi.<stack>.yaml` file found next to `Pulumi.yaml`. */
export interface StackFile {
  /** Stack name, the `<stack>` of the file name. */
  readonly stack: string;
  /** Path of the file: the project directory joined with the file name. */
  readonly path: string;
  /** The file name as messages show it. */
  readonly file: string;
}

const STACK_FILE = /^Pulumi\.([A-Za-z0-9_.-]+)\.yaml$/;

/** The Pulumi project name from `Pulumi.yaml`: the namespace of the project's config keys. */
export function readProjectName(projectDir: string): string {
  const project: unknown = parse(readFileSync(join(projectDir, "Pulumi.yaml"), "utf8"));
  const name = project !== null && typeof project === "object" ? (project as { name?: unknown }).name : undefined;
  if (typeof name !== "string" || name === "") throw new Error(`${join(projectDir, "Pulumi.yaml")}: needs a name: field`);
  return name;
}

/** Every stack file of the project, sorted by stack name so runs are deterministic. */
export function listStackFiles(projectDir: string): StackFile[] {
  return readdirSync(projectDir)
    .map((file) => ({ file, match: STACK_FILE.exec(file) }))
    .filter((entry): entry is { file: string; match: RegExpExecArray } => entry.match !== null && entry.match[1] !== undefined)
    .map(({ file, match }) => ({ stack: match[1] as string, file, path: join(projectDir, file) }))
    .sort((a, b) => a.stack.localeCompare(b.stack));
}
