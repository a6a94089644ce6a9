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
 * The forms a secret value takes in text that leaves the process: as it is, in base64 (with and
 * without padding: a Kubernetes Secret's `data`, a JSON dump of it) and JSON-escaped (inside a JSON
 * string, quotes and backslashes escaped).
 */
export function secretForms(value: string): string[] {
  if (value === "") return [];
  const base64 = Buffer.from(value, "utf8").toString("base64");
  return [...new Set([value, base64, base64.replace(/=+$/, ""), JSON.stringify(value).slice(1, -1)])].filter((form) => form !== "");
}

/** What replaces a whole text that still held a secret after scrubbing (a value overlapping the mark itself). */
export const WITHHELD_TEXT = "[text withheld: it contained a secret value]";

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * `text` with every occurrence of each secret value, in each of its {@link secretForms}, replaced by
 * `[secret]`, whatever the value's length: the program refuses secrets shorter than 8 characters
 * (`MIN_SECRET_LENGTH`, infra/engine-config.ts), but a release re-applied from history may predate
 * that rule, and a short secret garbling a report is better than a short secret in it. One pass, longest form first (a
 * secret containing another is replaced whole); in the unlikely case that a form is still found
 * afterwards (a value overlapping the mark), the whole text is withheld.
 */
export function scrubSecretValues(text: string, secretValues: readonly string[]): string {
  const needles = [...new Set(secretValues.flatMap(secretForms))].sort((a, b) => b.length - a.length);
  if (needles.length === 0 || text === "") return text;
  const out = text.replace(new RegExp(needles.map(escapeRegExp).join("|"), "g"), SECRET_MARK);
  return needles.some((needle) => out.includes(needle)) ? WITHHELD_TEXT : out;
}

/**
 * The secret values to keep out of everything that leaves the process: the stack's current secret
 * config and, once a rollback reads it, the secret config of the release being re-applied (they
 * differ after a rotation). The values are held privately, never enumerable, so a scrubber passed
 * around or serialized does not carry them.
 */
export class SecretScrubber {
  readonly #values = new Set<string>();

  constructor(values: Iterable<string> = []) {
    this.add(values);
  }

  /** Adds secret values (empty strings are ignored). */
  add(values: Iterable<string>): void {
    for (const value of values) if (value !== "") this.#values.add(value);
  }

  /** How many distinct values are held. */
  get size(): number {
    return this.#values.size;
  }

  /** `text` scrubbed of every value held, in every form. */
  scrub(text: string): string {
    return scrubSecretValues(text, [...this.#values]);
  }

  /** A deep copy of `value` with every string in it scrubbed (for results built from engine and CLI text). */
  scrubDeep<T>(value: T): T {
    return scrubDeep(value, (text) => this.scrub(text));
  }

  toJSON(): string {
    return `SecretScrubber(${this.size} values)`;
  }
}

/** Secret values to scrub: a list of them, or a {@link SecretScrubber} holding them. */
export type SecretSource = readonly string[] | Pick<SecretScrubber, "scrub">;

/** The scrub function of a {@link SecretSource}. */
export function scrubFunction(source: SecretSource): (text: string) => string {
  return Array.isArray(source) ? (text: string) => scrubSecretValues(text, source as readonly string[]) : (text: string) => (source as Pick<SecretScrubber, "scrub">).scrub(text);
}

/** A deep copy of `value` (plain data) with every string in it, keys included, passed through `scrub`. */
export function scrubDeep<T>(value: T, scrub: (text: string) => string): T {
  if (typeof value === "string") return scrub(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => scrubDeep(item, scrub)) as T;
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [scrub(k), scrubDeep(v, scrub)])) as T;
  }
  return value;
}
