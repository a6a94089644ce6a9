import { describe, expect, it } from "vitest";
import { containsSecret, isSecretProperty, maskSecrets, scrubSecretValues, SECRET_SIGNATURE, SECRET_SIGNATURE_KEY } from "../../release/secret-mask.js";

const secret = (payload: Record<string, unknown>) => ({ [SECRET_SIGNATURE_KEY]: SECRET_SIGNATURE, ...payload });

describe("maskSecrets", () => {
  it("replaces a secret by [secret] whether the engine left its plaintext in or not", () => {
    expect(maskSecrets({ a: secret({ ciphertext: "[secret]" }), b: [secret({ plaintext: '"hunter2"' })], c: "visible" })).toEqual({ a: "[secret]", b: ["[secret]"], c: "visible" });
    expect(containsSecret({ x: [{ y: secret({}) }] })).toBe(true);
    expect(containsSecret({ x: [{ y: "z" }] })).toBe(false);
  });
});

describe("isSecretProperty", () => {
  it("treats a Kubernetes Secret's data and stringData as secret, whatever the engine marked", () => {
    expect(isSecretProperty("kubernetes:core/v1:Secret", ["stringData", "JWT_SECRET"])).toBe(true);
    expect(isSecretProperty("kubernetes:core/v1:Secret", ["data"])).toBe(true);
    expect(isSecretProperty("kubernetes:core/v1:Secret", ["metadata", "labels"])).toBe(false);
    expect(isSecretProperty("kubernetes:core/v1:ConfigMap", ["data", "x"])).toBe(false);
  });
});

describe("scrubSecretValues", () => {
  it("removes a secret in plain, base64 and JSON-escaped form", () => {
    const value = 'pa"ss\\word-123';
    const text = `plain ${value} b64 ${Buffer.from(value).toString("base64")} json ${JSON.stringify(value)}`;
    expect(scrubSecretValues(text, [value])).toBe('plain [secret] b64 [secret] json "[secret]"');
  });

  it("leaves values too short to be meaningful alone", () => {
    expect(scrubSecretValues("replicas: true", ["true"])).toBe("replicas: true");
  });

  it("never leaves a secret of 6+ characters in a text around it (seeded random cases)", () => {
    let seed = 42;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const alphabet = "ab01+/=-_ \"\\\n";
    const text = (min: number, max: number): string => Array.from({ length: min + random(max - min + 1) }, () => alphabet[random(alphabet.length)]).join("");
    for (let i = 0; i < 2000; i += 1) {
      const value = text(6, 24);
      const scrubbed = scrubSecretValues(`${text(0, 30)}${value}${text(0, 30)}${value}`, [value]);
      expect(scrubbed.includes(value), JSON.stringify(value)).toBe(false);
    }
  });
});
