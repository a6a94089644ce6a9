import { describe, expect, it } from "vitest";
import { secretValueProblems } from "../../infra/engine-config.js";
import { SECRET_CONFIG_KEYS, type SecretConfigKey } from "../../config/schema.js";

const where = { project: "go-service", file: "Pulumi.staging.yaml" };
const GOOD: Record<string, string> = {
  jwtSecret: "staging-jwt-secret-value",
  encryptionKey: "0123456789abcdef0123456789abcdef",
  csrfSecret: "staging-csrf-secret",
  dbPassword: "staging-db-password",
};

describe("secret values shorter than 8 characters are refused, for every secret key", () => {
  it.each(SECRET_CONFIG_KEYS.map((key) => [key]))("%s of 7 characters: refused, with its length and never its value", (key: SecretConfigKey) => {
    const problems = secretValueProblems("staging", { ...GOOD, [key]: "abc1234" }, where, false);
    expect(problems).toEqual([
      {
        file: "Pulumi.staging.yaml",
        key: `go-service:${key}`,
        message: "must be at least 8 characters, like every secret (it has 7): a shorter one is guessable and cannot be kept out of logs",
      },
    ]);
    expect(JSON.stringify(problems)).not.toContain("abc1234");
  });

  it.each(SECRET_CONFIG_KEYS.map((key) => [key]))("%s of exactly 8 characters: accepted", (key: SecretConfigKey) => {
    expect(secretValueProblems("staging", { ...GOOD, [key]: "abcd1234" }, where, false)).toEqual([]);
  });

  it("a stricter rule on the same key is reported alone (production JWT secret)", () => {
    const problems = secretValueProblems("production", { ...GOOD, jwtSecret: "short" }, { ...where, file: "Pulumi.production.yaml" }, false);
    expect(problems.map((p) => `${p.key}: ${p.message}`)).toEqual(["go-service:jwtSecret: must be at least 32 characters in production (it has 5)"]);
  });
});
