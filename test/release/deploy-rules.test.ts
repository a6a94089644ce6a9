// The deploy's rules that need no engine: smoke tests in production, a record refused in words that
// say what did not match, and engine errors that never repeat a command line.
import { describe, expect, it } from "vitest";
import { smokeRequirement, untrustedRecord } from "../../release/deploy.js";
import { commandErrorLines } from "../../release/stack-access.js";

describe("smokeRequirement: in production the smoke tests are mandatory", () => {
  it.each<[string, string | undefined, { smokeUrl?: string; noSmokeReason?: string }, string | undefined]>([
    [
      "production, neither a URL nor a reason",
      "production",
      {},
      "the smoke tests are mandatory in production: pass --smoke-url <base URL> (CI: the environment's SMOKE_URL variable), or --no-smoke <reason> to deploy without them",
    ],
    ["production with a URL", "production", { smokeUrl: "https://monapp.com" }, undefined],
    ["production skipped for a reason", "production", { noSmokeReason: "smoke endpoint down, INC-42" }, undefined],
    ["production skipped without a reason", "production", { noSmokeReason: "  " }, "--no-smoke needs a reason, recorded with the release: --no-smoke <reason>"],
    ["a URL and a reason", "staging", { smokeUrl: "https://staging.monapp.com", noSmokeReason: "x" }, "--smoke-url and --no-smoke exclude each other: give one"],
    ["staging, neither: the stack's own URL is tried", "staging", {}, undefined],
  ])("%s", (_case, environment, options, expected) => {
    expect(smokeRequirement(environment, options)).toBe(expected);
  });
});

describe("a refused record", () => {
  it("says that nothing was re-applied, and what did not match", () => {
    expect(untrustedRecord("format version 2 is not known (this tool reads version 1)")).toBe(
      "the last good release record cannot be trusted, so nothing was re-applied: format version 2 is not known (this tool reads version 1)",
    );
  });
});

describe("commandErrorLines never repeats the command line of a failed CLI call", () => {
  const SECRET = "sentinel-SECRET-91d3";
  const commandLine = `pulumi config set-all --stack production --json {"go-service:jwtSecret":{"value":"${SECRET}","secret":true}} --non-interactive`;
  it.each([
    [
      "with error lines",
      `code: 255\n stdout: \n stderr: error: open Pulumi.production.yaml: permission denied\n\n err?: Error: Command failed with exit code 255: ${commandLine}\nerror: open Pulumi.production.yaml: permission denied\n`,
      " stderr: error: open Pulumi.production.yaml: permission denied",
    ],
    ["without error lines", `code: -2\n stdout: \n stderr: spawn failed\n err?: Error: Command failed: ${commandLine}\n`, "code: -2\n stdout:\n stderr: spawn failed"],
  ])("%s", (_case, text, expected) => {
    expect(commandErrorLines(text)).toBe(expected);
    expect(commandErrorLines(text)).not.toContain(SECRET);
  });
});
