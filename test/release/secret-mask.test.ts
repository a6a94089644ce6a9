import { describe, expect, it } from "vitest";
import { containsSecret, isSecretProperty, maskSecrets, scrubSecretValues, SECRET_SIGNATURE, SECRET_SIGNATURE_KEY, SecretScrubber, WITHHELD_TEXT } from "../../release/secret-mask.js";

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

  it.each([
    ["a 1-character secret", "x", "a x b", "a [secret] b"],
    ["a 4-character secret", "true", "replicas: true", "replicas: [secret]"],
    ["a 5-character secret in base64", "hunt2", `data: ${Buffer.from("hunt2").toString("base64")}`, "data: [secret]"],
    ["a secret in base64 without its padding", "pass-word", `token=${Buffer.from("pass-word").toString("base64").replace(/=+$/, "")}.`, "token=[secret]."],
  ])("scrubs %s too (no length below which a secret is left in)", (_case, value, text, expected) => {
    expect(scrubSecretValues(text, [value])).toBe(expected);
  });

  it("withholds the whole text when a value still shows after one pass (a value overlapping the mark)", () => {
    expect(scrubSecretValues("x [secret] y", ["secret"])).toBe(WITHHELD_TEXT);
  });

  it("never leaves a secret of any length in a text around it (seeded random cases)", () => {
    let seed = 42;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const alphabet = "ab01+/=-_ \"\\\n";
    const text = (min: number, max: number): string => Array.from({ length: min + random(max - min + 1) }, () => alphabet[random(alphabet.length)]).join("");
    for (let i = 0; i < 2000; i += 1) {
      const value = text(1, 24);
      const scrubbed = scrubSecretValues(`${text(0, 30)}${value}${text(0, 30)}${value}`, [value]);
      expect(scrubbed.includes(value), JSON.stringify(value)).toBe(false);
    }
  });
});

describe("SecretScrubber", () => {
  it("scrubs the values added later too (the release re-applied), and never shows them when serialized", () => {
    const scrubber = new SecretScrubber(["current-jwt-secret"]);
    scrubber.add(["rotated-out-secret", ""]);
    expect(scrubber.scrub("a current-jwt-secret b rotated-out-secret")).toBe("a [secret] b [secret]");
    expect(scrubber.scrubDeep({ failure: "x rotated-out-secret", checks: [{ detail: Buffer.from("current-jwt-secret").toString("base64") }], code: 2 })).toEqual({
      failure: "x [secret]",
      checks: [{ detail: "[secret]" }],
      code: 2,
    });
    expect(JSON.stringify({ scrubber })).toBe('{"scrubber":"SecretScrubber(2 values)"}');
    expect(Object.keys(scrubber)).toEqual([]);
  });
});
