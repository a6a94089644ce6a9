// The bundles `npm run synth` and the Pulumi program run (scripts/bundle): they do what the sources do,
// and they follow the sources (rebuilt after an edit, reused otherwise).
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { runSynth } from "../../cli/synth.js";
import { PROJECT_DIR } from "../support/stacks.js";

// Every test builds into its own directory: the checkout's bundles stay untouched.
const bundleDir = (): string => mkdtempSync(join(tmpdir(), "bundles-"));

function node(args: readonly string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, args, { cwd: PROJECT_DIR, encoding: "utf8", env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
}

function filesUnder(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) out[join(entry.parentPath, entry.name).slice(dir.length)] = readFileSync(join(entry.parentPath, entry.name), "utf8");
  }
  return out;
}

describe("scripts/bundle", () => {
  it("the bundled synth (npm run synth) writes byte for byte what the sources write", () => {
    const fromSources = mkdtempSync(join(tmpdir(), "dist-sources-"));
    const fromBundle = mkdtempSync(join(tmpdir(), "dist-bundle-"));
    expect(runSynth({ projectDir: PROJECT_DIR, outDir: fromSources }).errors).toEqual([]);
    const run = node(["scripts/bundle/run.mjs", "cli/synth.ts", "--out", fromBundle], { GSS_BUNDLE_DIR: bundleDir() });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(filesUnder(fromBundle)).toEqual(filesUnder(fromSources));
  });

  it("the bundled synth keeps the command's exit code and messages", () => {
    const run = node(["scripts/bundle/run.mjs", "cli/synth.ts", "--stack", "no-such-stack"], { GSS_BUNDLE_DIR: bundleDir() });
    const viaTsx = node(["--import", "tsx", "cli/synth.ts", "--stack", "no-such-stack"]);
    expect(run.status).toBe(viaTsx.status);
    expect(run.stderr).toBe(viaTsx.stderr);
  });

  it.each(["local", "production"])("the bundled Pulumi program (Pulumi.yaml main) registers what the sources register: %s", (stack) => {
    const fixture = "test/scripts/fixtures/program-registrations.mjs";
    const bundled = node([fixture, stack, "bundle"], { GSS_BUNDLE_DIR: bundleDir() });
    const sources = node(["--import", "tsx", fixture, stack, "tsx"]);
    expect(bundled.stderr).toBe("");
    expect(sources.status).toBe(0);
    const parsed = JSON.parse(bundled.stdout) as { registrations: unknown[] };
    expect(parsed.registrations.length).toBeGreaterThan(10);
    expect(bundled.stdout).toBe(sources.stdout);
  });

  it("rebuilds after a source edit, reuses the bundle otherwise, and caches compiled code", () => {
    const project = mkdtempSync(join(tmpdir(), "bundle-src-"));
    mkdirSync(join(project, "lib"));
    writeFileSync(join(project, "entry.ts"), 'import { value } from "./lib/value.js";\nexport const url: string = import.meta.url;\nexport { value };\n');
    writeFileSync(join(project, "lib", "value.ts"), "export const value: number = 1;\n");
    const env = { GSS_BUNDLE_DIR: bundleDir(), GSS_BUNDLE_DEBUG: "1" };
    const entry = join(project, "entry.ts");
    const script = `const { loadEntry, ensureBundle } = await import(${JSON.stringify(pathToFileURL(join(PROJECT_DIR, "scripts/bundle/bundle.mjs")).href)});
      const m = await loadEntry(${JSON.stringify(entry)});
      console.log(JSON.stringify({ value: m.value, url: m.url, bundle: await ensureBundle(${JSON.stringify(entry)}) }));`;
    const load = () => {
      const run = node(["--input-type=module", "-e", script], env);
      expect(run.status, run.stderr).toBe(0);
      return { ...(JSON.parse(run.stdout) as { value: number; url: string; bundle: string }), stderr: run.stderr };
    };

    const first = load();
    expect(first.value).toBe(1);
    expect(first.url).toBe(pathToFileURL(entry).href); // import.meta.url is the source's, as under tsx
    expect(first.stderr).toContain("code cache missing");
    const second = load();
    expect(second.bundle).toBe(first.bundle);
    expect(second.stderr).toContain("code cache used");

    writeFileSync(join(project, "lib", "value.ts"), "export const value: number = 2;\n");
    const edited = load();
    expect(edited.value).toBe(2);
    expect(edited.bundle).not.toBe(first.bundle);
    expect(edited.stderr).toContain("code cache missing");
  });
});
