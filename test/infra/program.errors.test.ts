import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { engineConfigOf, installMocks, runInStack, settle } from "../support/pulumi-mocks.js";

const GOOD_SECRETS = {
  "go-service:jwtSecret": "production-jwt-secret-value-0123456789abcdef",
  "go-service:encryptionKey": "0123456789abcdef0123456789abcdef",
  "go-service:csrfSecret": "production-csrf-secret",
  "go-service:dbPassword": "production-db-password",
};

async function run(config: Record<string, string>, secretKeys: string[]) {
  const registrations = await installMocks("production", config, secretKeys);
  const { runProgram } = await import("../../infra/program.js");
  const { error } = await runInStack(runProgram);
  await settle();
  return { registrations: registrations.filter((r) => r.type !== "pulumi:pulumi:Stack"), error };
}

describe("an invalid config registers nothing", () => {
  it.each<[string, Record<string, string>, string[]]>([
    [
      "SSL disabled and a floating image",
      { "go-service:database": JSON.stringify({ sslMode: "disable" }), "go-service:image": "registry.example.com/myapp:latest" },
      [
        "Pulumi.production.yaml: go-service:database.sslMode: must not be \"disable\" in production",
        "Pulumi.production.yaml: go-service:image: must be pinned in production",
      ],
    ],
    ["an unknown key", { "go-service:replcias": "3" }, ['Pulumi.production.yaml: go-service:replcias: is not a known key; did you mean "replicas"?']],
    [
      "a JWT secret shorter than 32 characters",
      { "go-service:jwtSecret": "too-short" },
      ["Pulumi.production.yaml: go-service:jwtSecret: must be at least 32 characters in production (it has 9)"],
    ],
    [
      "an encryption key that is not 32 characters",
      { "go-service:encryptionKey": "0123456789" },
      ["Pulumi.production.yaml: go-service:encryptionKey: must be exactly 32 characters for AES-256 (it has 10)"],
    ],
  ])("%s: fails with every problem named, before any resource", async (_case, overrides, messages) => {
    const config = engineConfigOf("production", { ...GOOD_SECRETS, ...overrides });
    const { registrations, error } = await run(config, Object.keys(GOOD_SECRETS));
    expect(error).toBeInstanceOf(pulumi.RunError);
    for (const message of messages) expect((error as Error).message).toContain(message);
    expect(registrations).toEqual([]);
  });

  it("a missing required secret names the command that sets it", async () => {
    const secrets: Record<string, string> = { ...GOOD_SECRETS };
    delete secrets["go-service:dbPassword"];
    const { registrations, error } = await run(engineConfigOf("production", secrets), Object.keys(secrets));
    expect((error as Error).message).toContain("go-service:dbPassword: is required; run: pulumi config set --secret dbPassword <value>");
    expect(registrations).toEqual([]);
  });

  it("a secret given in plain text is refused", async () => {
    const { registrations, error } = await run(engineConfigOf("production", GOOD_SECRETS), Object.keys(GOOD_SECRETS).filter((k) => k !== "go-service:jwtSecret"));
    expect((error as Error).message).toContain("go-service:jwtSecret: is a secret and must not be stored in plain text");
    expect(registrations).toEqual([]);
  });

  it("error messages never contain a secret value", async () => {
    const { error } = await run(engineConfigOf("production", { ...GOOD_SECRETS, "go-service:jwtSecret": "short-secret-xyz" }), Object.keys(GOOD_SECRETS));
    expect((error as Error).message).not.toContain("short-secret-xyz");
  });

  it("the same config with valid values does register resources (the test can fail)", async () => {
    const { registrations, error } = await run(engineConfigOf("production", GOOD_SECRETS), Object.keys(GOOD_SECRETS));
    expect(error).toBeUndefined();
    expect(registrations.length).toBeGreaterThan(5);
  });
});
