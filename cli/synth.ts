/**
 * `npm run synth [-- --stack <name>] [--out <dir>]`: validates every `Pulumi.<stack>.yaml` and writes
 * `dist/<stack>/…`. A stack with an invalid config writes nothing and makes the command exit 1, after
 * every stack was checked and every problem printed.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { StackConfigError } from "../config/config-error.js";
import { resolveStackFile } from "../config/resolve-stack-config.js";
import { listStackFiles, readProjectName } from "../config/stack-files.js";
import { synthesizeStack } from "../synth/synthesize.js";

export interface SynthOptions {
  readonly projectDir: string;
  readonly outDir: string;
  readonly stacks?: readonly string[];
}

export interface SynthResult {
  readonly written: readonly string[];
  readonly errors: readonly string[];
}

export function runSynth(options: SynthOptions): SynthResult {
  const project = readProjectName(options.projectDir);
  const available = listStackFiles(options.projectDir);
  const wanted = options.stacks ?? available.map((s) => s.stack);
  const errors: string[] = [];
  const written: string[] = [];
  for (const stack of wanted) {
    const file = available.find((s) => s.stack === stack);
    if (file === undefined) {
      errors.push(`No stack file Pulumi.${stack}.yaml in ${options.projectDir} (stacks: ${available.map((s) => s.stack).join(", ") || "none"})`);
      continue;
    }
    const stackDir = join(options.outDir, stack);
    try {
      const resolved = resolveStackFile(readFileSync(file.path, "utf8"), { project, stack, file: file.file });
      const synthesized = synthesizeStack(resolved);
      rmSync(stackDir, { recursive: true, force: true });
      mkdirSync(stackDir, { recursive: true });
      for (const [name, content] of Object.entries(synthesized.files)) {
        writeFileSync(join(stackDir, name), content);
        written.push(join(stackDir, name));
      }
    } catch (error) {
      // Nothing half-written survives: a stale directory would be mistaken for this run's output.
      rmSync(stackDir, { recursive: true, force: true });
      errors.push(error instanceof StackConfigError ? error.message : `${file.file}: ${(error as Error).message}`);
    }
  }
  return { written, errors };
}

function main(): void {
  const { values } = parseArgs({
    options: { stack: { type: "string", multiple: true }, out: { type: "string" }, project: { type: "string" } },
  });
  const projectDir = resolve(values.project ?? ".");
  const result = runSynth({
    projectDir,
    outDir: resolve(values.out ?? join(projectDir, "dist")),
    ...(values.stack === undefined ? {} : { stacks: values.stack }),
  });
  for (const path of result.written) console.log(`wrote ${path}`);
  for (const error of result.errors) console.error(error);
  if (result.errors.length > 0) process.exitCode = 1;
}

if (import.meta.url === `file://${process.argv[1]}`) main();
