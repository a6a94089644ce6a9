/**
 * Secrets in engine events, and the three ways this package keeps them out of reports:
 * 1. values the engine marks as secret are replaced by `[secret]`, whatever their payload;
 * 2. properties that hold secret material by their nature (a Kubernetes Secret's `data` and
 *    `stringData`) are masked even when the engine did not mark them;
 * 3. as a last line of defence, the stack's own secret config values are scrubbed from the final text.
 */

/** The signature key the engine puts on a serialized secret value (sdk/go/common/resource/sig). */
export const SECRET_SIGNATURE_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIGNATURE = "1b47061264138c4ac30d75fd1eb44270";
/** The engine's placeholder for a value that is only known after the update (a preview's outputs). */
export const UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export const SECRET_MARK = "[secret]";

/** True for a serialized secret, with its payload shown or not (`ciphertext: "[secret]"` or `plaintext`). */
export function isSecretValue(value: unknown): boolean {
  return (
    value !== null &&
    typeof value === "object" &&
    !Array.isArray(value) &&
    (value as Record<string, unknown>)[SECRET_SIGNATURE_KEY] === SECRET_SIGNATURE
  );
}

/** True when `value` is, or contains, a secret. */
export function containsSecret(value: unknown): boolean {
  if (isSecretValue(value)) return true;
  if (Array.isArray(value)) return value.some(containsSecret);
  if (value !== null && typeof value === "object") return Object.values(value).some(containsSecret);
  return false;
}

/** A deep copy of `value` with every secret replaced by `[secret]`. */
export function maskSecrets(value: unknown): unknown {
  if (isSecretValue(value)) return SECRET_MARK;
  if (Array.isArray(value)) return value.map(maskSecrets);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskSecrets(v)]));
  }
  return value;
}

/** Resource types whose listed top-level properties are secret material however the engine serialized them. */
const SECRET_PROPERTIES: Readonly<Record<string, readonly string[]>> = {
  "kubernetes:core/v1:Secret": ["data", "stringData"],
  "kubernetes:core/v1:SecretPatch": ["data", "stringData"],
};

/** True when the property at this path of this resource type must never be shown. */
export function isSecretProperty(type: string, path: readonly (string | number)[]): boolean {
  const first = path[0];
  return typeof first === "string" && (SECRET_PROPERTIES[type]?.includes(first) ?? false);
}

/**
 * Shorter values are left alone: scrubbing "true" or "app" out of a report would garble it, and a
 * secret that short is rejected by the config rules anyway.
 */
const MIN_SCRUBBED_LENGTH = 6;

/**
 * `text` with every occurrence of each secret value (and of its base64 and JSON-escaped forms, as they
 * would appear in a Secret's `data` or in a JSON dump) replaced by `[secret]`.
 */
export function scrubSecretValues(text: string, secretValues: readonly string[]): string {
  const needles = new Set<string>();
  for (const value of secretValues) {
    if (value.length < MIN_SCRUBBED_LENGTH) continue;
    needles.add(value);
    needles.add(Buffer.from(value, "utf8").toString("base64"));
    needles.add(JSON.stringify(value).slice(1, -1));
  }
  let out = text;
  // Longest first, so a secret that contains another is replaced whole.
  for (const needle of [...needles].sort((a, b) => b.length - a.length)) {
    if (needle.length >= MIN_SCRUBBED_LENGTH) out = out.split(needle).join(SECRET_MARK);
  }
  return out;
}
