// Config written for a rollback: no secret value on a command line, none in an error. Against a
// stand-in `pulumi` (a shell script recording its arguments and standard input): the real CLI is
// exercised by the end-to-end suite (test/e2e/release).
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { ConfigMap, Stack, StackSettings } from "@pulumi/pulumi/automation/index.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { setSecretConfig, writeStackConfig } from "../../release/stack-config.js";

const SECRET = "sentinel-jwt-SECRET-5c1e9b";
const OTHER = "sentinel-db-SECRET-77aa02";

let dir: string;
let saved: { name: string; settings: StackSettings }[];

function fakeStack(envVars: Record<string, string> = {}): Stack {
  return {
    name: "production",
    workspace: {
      workDir: dir,
      envVars,
      pulumiCommand: { command: path.join(dir, "bin", "pulumi") },
      saveStackSettings: (name: string, settings: StackSettings) => {
        saved.push({ name, settings });
        return Promise.resolve();
      },
    },
  } as unknown as Stack;
}

/** Every invocation's arguments (as the process list shows them) and standard input. */
function invocations(): { args: string[]; stdin: string }[] {
  return readdirSync(path.join(dir, "calls"))
    .filter((f) => f.endsWith(".args"))
    .sort()
    .map((f) => ({
      args: readFileSync(path.join(dir, "calls", f), "utf8").split("\0").slice(0, -1),
      stdin: readFileSync(path.join(dir, "calls", f.replace(/\.args$/, ".stdin")), "utf8"),
    }));
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "stack-config-"));
  saved = [];
  const bin = path.join(dir, "bin");
  const script = path.join(bin, "pulumi");
  mkdirSync(bin);
  // Records argv (NUL-separated, as /proc/<pid>/cmdline) and stdin; with FAKE_FAIL, fails echoing its input.
  const text = `#!/usr/bin/env bash
set -euo pipefail
mkdir -p "${dir}/calls"
n=$(ls "${dir}/calls" | wc -l)
printf '%s\\0' "$@" > "${dir}/calls/$n.args"
cat > "${dir}/calls/$n.stdin"
if [ -n "\${FAKE_FAIL:-}" ]; then
  echo "error: open Pulumi.production.yaml: read-only file system (value: $(cat "${dir}/calls/$n.stdin"))" >&2
  exit 255
fi
`;
  writeFileSync(script, text);
  chmodSync(script, 0o755);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("writeStackConfig", () => {
  const config = {
    "go-service:image": { value: "registry.example.com/myapp:v1.4.2", secret: false },
    "go-service:kubernetes": { value: '{"context":"local"}', secret: false, objectValue: { context: "local" } },
    "go-service:jwtSecret": { value: SECRET, secret: true },
    "go-service:dbPassword": { value: OTHER, secret: true },
  } as ConfigMap;
  const base: StackSettings = { secretsProvider: "passphrase", encryptionSalt: "v1:salt", config: { "go-service:image": "current", "go-service:jwtSecret": { secure: "v1:current" } } };

  it("writes plain values into the settings file and each secret through standard input, never as an argument", async () => {
    await writeStackConfig(fakeStack(), config, base);
    expect(saved).toEqual([
      {
        name: "production",
        settings: {
          secretsProvider: "passphrase",
          encryptionSalt: "v1:salt",
          config: { "go-service:image": "registry.example.com/myapp:v1.4.2", "go-service:kubernetes": { context: "local" } },
        },
      },
    ]);
    const calls = invocations();
    expect(calls).toEqual([
      { args: ["config", "set", "--secret", "--raw", "--stack", "production", "--non-interactive", "--", "go-service:jwtSecret"], stdin: SECRET },
      { args: ["config", "set", "--secret", "--raw", "--stack", "production", "--non-interactive", "--", "go-service:dbPassword"], stdin: OTHER },
    ]);
    for (const call of calls) for (const value of [SECRET, OTHER]) expect(call.args.join(" ")).not.toContain(value);
  });

  it("reports a failed `config set` in fixed words: not the CLI's output, which here repeats the value", async () => {
    const error = await writeStackConfig(fakeStack({ FAKE_FAIL: "1" }), config, base).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toBe("could not store the secret config value of go-service:jwtSecret: pulumi config set --secret failed (exit code 255); its output is withheld, as it could hold the value");
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain(SECRET);
    expect(invocations()).toHaveLength(1);
  });

  it("refuses a secret object value rather than put it on a command line", async () => {
    const objectSecret = { "go-service:tokens": { value: '{"a":"x"}', secret: true, objectValue: { a: "x" } } } as ConfigMap;
    await expect(writeStackConfig(fakeStack(), objectSecret, base)).rejects.toThrow(
      "the config key go-service:tokens is a secret object, which cannot be written back without its values on a command line; set it by hand",
    );
  });
});

describe("setSecretConfig", () => {
  it("reports a CLI that cannot be started, in fixed words", async () => {
    const stack = fakeStack();
    (stack.workspace.pulumiCommand as { command: string }).command = path.join(dir, "no-such-pulumi");
    await expect(setSecretConfig(stack, "go-service:jwtSecret", SECRET)).rejects.toThrow(
      "could not store the secret config value of go-service:jwtSecret: pulumi config set --secret failed (could not start: ENOENT); its output is withheld, as it could hold the value",
    );
  });
});
