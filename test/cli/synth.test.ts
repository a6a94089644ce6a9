import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { runSynth } from "../../cli/synth.js";
import { PROJECT_DIR, productionBlock, stackFileText } from "../support/stacks.js";

function projectWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "synth-"));
  copyFileSync(join(PROJECT_DIR, "Pulumi.yaml"), join(dir, "Pulumi.yaml"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

function filesUnder(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) out[join(entry.parentPath, entry.name).slice(dir.length)] = readFileSync(join(entry.parentPath, entry.name), "utf8");
  }
  return out;
}

const SECRET_CIPHERTEXT = "v1:Zm9vYmFyYmF6cXV4LXNlY3JldC1jaXBoZXJ0ZXh0";

describe("npm run synth", () => {
  it("writes dist/<stack>/kubernetes.yaml for every committed stack", () => {
    const out = mkdtempSync(join(tmpdir(), "dist-"));
    const result = runSynth({ projectDir: PROJECT_DIR, outDir: out });
    expect(result.errors).toEqual([]);
    const stacks = readdirSync(PROJECT_DIR).filter((f) => /^Pulumi\..+\.yaml$/.test(f)).map((f) => f.split(".")[1]);
    for (const stack of stacks) {
      const docs = parseAllDocuments(readFileSync(join(out, String(stack), "kubernetes.yaml"), "utf8")).map((d) => d.toJS() as { kind: string });
      expect(docs.map((d) => d.kind)).toContain("Deployment");
    }
  });

  it("is byte-identical from one run to the next", () => {
    const a = mkdtempSync(join(tmpdir(), "dist-a-"));
    const b = mkdtempSync(join(tmpdir(), "dist-b-"));
    runSynth({ projectDir: PROJECT_DIR, outDir: a });
    runSynth({ projectDir: PROJECT_DIR, outDir: b });
    expect(filesUnder(b)).toEqual(filesUnder(a));
  });

  it("--stack synthesizes only the named stack", () => {
    const out = mkdtempSync(join(tmpdir(), "dist-"));
    const result = runSynth({ projectDir: PROJECT_DIR, outDir: out, stacks: ["staging"] });
    expect(result.errors).toEqual([]);
    expect(readdirSync(out)).toEqual(["staging"]);
  });

  it("an unknown --stack is an error naming the stacks that exist", () => {
    const result = runSynth({ projectDir: PROJECT_DIR, outDir: mkdtempSync(join(tmpdir(), "dist-")), stacks: ["prod"] });
    expect(result.errors[0]).toMatch(/^No stack file Pulumi\.prod\.yaml in .* \(stacks: .*production.*\)$/);
  });

  it("one invalid stack writes nothing for itself, still writes the valid ones, and removes its stale output", () => {
    const dir = projectWith({
      "Pulumi.good.yaml": stackFileText(productionBlock()),
      "Pulumi.bad.yaml": stackFileText(productionBlock({ "go-service:image": "registry.example.com/myapp:latest" })),
    });
    const out = join(dir, "dist");
    writeFileSync(join(dir, "stale.txt"), "");
    runSynth({ projectDir: dir, outDir: out, stacks: ["good"] });
    // A previous good run of "bad" left output behind; the failing run must not leave it looking current.
    runSynth({ projectDir: projectWith({ "Pulumi.bad.yaml": stackFileText(productionBlock()) }), outDir: out });
    const result = runSynth({ projectDir: dir, outDir: out });
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toContain("Pulumi.bad.yaml: go-service:image: must be pinned in production");
    expect(readdirSync(out).sort()).toEqual(["good"]);
  });

  it("exits 1 and prints every problem when run as a command", () => {
    const dir = projectWith({
      "Pulumi.production.yaml": stackFileText(
        productionBlock({ "go-service:database": { sslMode: "disable" }, "go-service:server": { readTimeout: "10ms" } }),
      ),
    });
    const run = spawnSync(process.execPath, ["--import", "tsx", join(PROJECT_DIR, "cli/synth.ts"), "--project", dir], { encoding: "utf8", cwd: PROJECT_DIR });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("Invalid stack configuration (2 problems):");
    expect(run.stderr).toContain("Pulumi.production.yaml: go-service:database.sslMode:");
    expect(run.stderr).toContain("Pulumi.production.yaml: go-service:server.readTimeout:");
    expect(readdirSync(dir)).not.toContain("dist");
  });
});

describe("secrets never reach dist/", () => {
  it("secure config values and Secret objects are absent from every synthesized file", () => {
    const dir = projectWith({
      "Pulumi.production.yaml": stackFileText(
        productionBlock({
          "go-service:jwtSecret": { secure: SECRET_CIPHERTEXT },
          "go-service:dbPassword": { secure: SECRET_CIPHERTEXT },
          "go-service:encryptionKey": { secure: SECRET_CIPHERTEXT },
        }),
      ),
    });
    const out = join(dir, "dist");
    expect(runSynth({ projectDir: dir, outDir: out }).errors).toEqual([]);
    const files = filesUnder(out);
    expect(Object.keys(files).length).toBeGreaterThan(0);
    for (const [name, text] of Object.entries(files)) {
      expect(text, name).not.toContain(SECRET_CIPHERTEXT);
      expect(text, name).not.toMatch(/^kind: Secret$/m);
    }
  });

  it("the committed stacks' output holds no secret-looking value", () => {
    const out = mkdtempSync(join(tmpdir(), "dist-"));
    runSynth({ projectDir: PROJECT_DIR, outDir: out });
    const all = Object.values(filesUnder(out)).join("\n");
    expect(all).not.toMatch(/secure:|v1:[A-Za-z0-9+/=]{16,}|BEGIN (RSA )?PRIVATE KEY|password:\s*\S/i);
    // Secret *references* are expected; secret *data* is not.
    expect(all).toContain("secretKeyRef");
    expect(all).not.toMatch(/^kind: Secret$/m);
  });
});
