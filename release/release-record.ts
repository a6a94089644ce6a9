import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { ConfigMap, Stack, UpdateSummary } from "@pulumi/pulumi/automation/index.js";

const execFileAsync = promisify(execFile);

/**
 * The last release that passed verification, kept with the stack in its backend so that the next
 * deploy, from any machine, can re-apply it:
 * - one stack tag (`pulumi stack tag get go-service:last-good`) holds the whole record as one
 *   JSON value with a format version, written in one step after the verification, so that no
 *   interruption can pair the fields of two releases;
 * - the config is the one the backend recorded with that update in the stack's history (found by the
 *   update message `go-service release <id>`), secrets included, encrypted as the backend keeps them.
 */
export interface ReleaseRecord {
  /** `<UTC timestamp>-<short sha>`, unique per deploy. */
  readonly id: string;
  /** Full git commit SHA of the program. */
  readonly sha: string;
  /** The service image of the release (`go-service:image`). */
  readonly image: string;
  /** When it was verified, ISO 8601. */
  readonly verifiedAt: string;
  /** Why the HTTP smoke tests were skipped (`--no-smoke <reason>`); absent when they ran. */
  readonly noSmoke?: string;
}

/** The one tag holding the record (names: at most 40 characters). */
export const RELEASE_RECORD_TAG = "go-service:last-good";

/** The record's format version: the `format` field of the tag's JSON. */
export const RELEASE_RECORD_FORMAT = 1;

/**
 * The tags of the first format (four tags, written one at a time, not cross-checked). Never read as a
 * record; removed once a record of the current format is written.
 */
export const LEGACY_RELEASE_TAGS = ["go-service:last-good-release", "go-service:last-good-sha", "go-service:last-good-image", "go-service:last-good-at"] as const;

/** Pulumi Cloud's limit on a tag value. Self-managed backends (file://, s3://, ...) have none. */
export const CLOUD_TAG_VALUE_LIMIT = 256;

/** The tag value limit of the backend at `url`: Pulumi Cloud's for an http(s) backend, none for a self-managed one. */
export function tagValueLimit(url: string | undefined): number | undefined {
  return url === undefined || /^https?:\/\//.test(url) ? CLOUD_TAG_VALUE_LIMIT : undefined;
}

/** The update message that marks a release in the stack's history. */
export function releaseMessage(id: string): string {
  return `go-service release ${id}`;
}

export function rollbackMessage(id: string): string {
  return `go-service rollback to ${id}`;
}

/** A release id: sortable, readable, unique per deploy. */
export function newReleaseId(sha: string, now: Date): string {
  return `${now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z")}-${sha.slice(0, 12)}`;
}

const RELEASE_ID = /^\d{8}T\d{6}Z-[0-9a-f]{12}$/;
const FULL_SHA = /^[0-9a-f]{40}$/;

/** The tag's value: one JSON object, the format version first. Throws when it does not fit in the backend's tags. */
export function serializeReleaseRecord(record: ReleaseRecord, limit?: number): string {
  const value = JSON.stringify({
    format: RELEASE_RECORD_FORMAT,
    id: record.id,
    sha: record.sha,
    image: record.image,
    verifiedAt: record.verifiedAt,
    ...(record.noSmoke === undefined ? {} : { noSmoke: record.noSmoke }),
  });
  if (limit !== undefined && value.length > limit) {
    throw new Error(
      `the release record would be ${value.length} characters, more than a stack tag of this backend holds (${limit}): ` +
        `shorten the image reference (${record.image.length} characters)${record.noSmoke === undefined ? "" : ` or the --no-smoke reason (${record.noSmoke.length} characters)`}`,
    );
  }
  return value;
}

/** What the stack's tags say about the last good release. */
export type RecordReading =
  | { readonly kind: "none" }
  | { readonly kind: "record"; readonly record: ReleaseRecord }
  /** A record is there but cannot be read as one: `problem` says why. */
  | { readonly kind: "unreadable"; readonly problem: string };

/** Reads the record from the stack's tags; never throws for a malformed record (the reading says what is wrong). */
export function parseReleaseRecord(tags: Readonly<Record<string, string>>): RecordReading {
  const text = tags[RELEASE_RECORD_TAG];
  if (text === undefined || text === "") {
    if (LEGACY_RELEASE_TAGS.some((tag) => tags[tag] !== undefined)) {
      return { kind: "unreadable", problem: `the record is in the old four-tag format (no format version), which is not trusted: deploy a release to record it again` };
    }
    return { kind: "none" };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: "unreadable", problem: `tag ${RELEASE_RECORD_TAG} is not JSON (${text.length} characters)` };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) return { kind: "unreadable", problem: `tag ${RELEASE_RECORD_TAG} is not a JSON object` };
  const fields = value as Record<string, unknown>;
  if (fields.format !== RELEASE_RECORD_FORMAT) {
    return { kind: "unreadable", problem: `format version ${JSON.stringify(fields.format ?? null)} is not known (this tool reads version ${RELEASE_RECORD_FORMAT})` };
  }
  const problems: string[] = [];
  const text_ = (name: string): string => {
    const v = fields[name];
    if (typeof v !== "string" || v === "") {
      problems.push(`${name} is missing`);
      return "";
    }
    return v;
  };
  const id = text_("id");
  const sha = text_("sha");
  const image = text_("image");
  const verifiedAt = text_("verifiedAt");
  if (id !== "" && !RELEASE_ID.test(id)) problems.push(`id ${JSON.stringify(id)} is not a release id (<UTC time>-<12 hex digits>)`);
  if (sha !== "" && !FULL_SHA.test(sha)) problems.push(`sha ${JSON.stringify(sha)} is not a full commit SHA (40 hex digits)`);
  if (verifiedAt !== "" && Number.isNaN(Date.parse(verifiedAt))) problems.push(`verifiedAt ${JSON.stringify(verifiedAt)} is not a time`);
  if (fields.noSmoke !== undefined && typeof fields.noSmoke !== "string") problems.push("noSmoke is not text");
  if (problems.length > 0) return { kind: "unreadable", problem: problems.join("; ") };
  return { kind: "record", record: { id, sha, image, verifiedAt, ...(typeof fields.noSmoke === "string" ? { noSmoke: fields.noSmoke } : {}) } };
}

/**
 * Records the release as the last good one: one tag, one value, one write (after everything else was
 * verified); then the old format's tags, if any, are removed.
 */
export async function writeReleaseRecord(stack: Stack, record: ReleaseRecord, limit?: number): Promise<void> {
  await stack.setTag(RELEASE_RECORD_TAG, serializeReleaseRecord(record, limit));
  const tags = await stack.listTags();
  for (const legacy of LEGACY_RELEASE_TAGS) if (tags[legacy] !== undefined) await stack.removeTag(legacy);
}

/** The stack's record of its last good release. */
export async function readReleaseRecord(stack: Stack): Promise<RecordReading> {
  return parseReleaseRecord(await stack.listTags());
}

/** The record, when there is a readable one (for callers that only report it). */
export function recordOf(reading: RecordReading): ReleaseRecord | undefined {
  return reading.kind === "record" ? reading.record : undefined;
}

/** The config key holding the service image. */
export const IMAGE_KEY = "go-service:image";

/**
 * Cross-checks a record before anything is re-applied from it: the commit exists in the repository
 * and is the one the id names, and the history's update of that release ran the recorded image.
 * Returns what did not match (empty when the record can be trusted).
 */
export async function recordProblems(record: ReleaseRecord, repoDir: string, config: ConfigMap | undefined): Promise<string[]> {
  const problems: string[] = [];
  const idSha = record.id.slice(record.id.lastIndexOf("-") + 1);
  if (!record.sha.startsWith(idSha)) problems.push(`the id ${record.id} names commit ${idSha}, the record's commit is ${record.sha}`);
  if (!(await commitExists(repoDir, record.sha))) {
    problems.push(`commit ${record.sha} is not in the repository at ${repoDir} (a shallow clone? CI must check out with fetch-depth: 0)`);
  }
  if (config !== undefined) {
    const image = config[IMAGE_KEY]?.value;
    if (image !== record.image) {
      problems.push(`the stack's history has the release's update with image ${image === undefined ? "(none)" : JSON.stringify(image)}, the record says ${JSON.stringify(record.image)}`);
    }
  }
  return problems;
}

async function commitExists(repoDir: string, sha: string): Promise<boolean> {
  try {
    const { stdout } = await execFileAsync("git", ["-C", repoDir, "cat-file", "-t", `${sha}^{commit}`]);
    return stdout.trim() === "commit";
  } catch {
    return false;
  }
}

/**
 * The config the release was deployed with, from the stack's history (secrets decrypted by the CLI,
 * read from its standard output, to be re-encrypted when written back). Throws when the history no
 * longer has that update. A failure of the CLI is reported in fixed words: its error would include
 * its output, which holds decrypted values.
 */
export async function releaseConfig(stack: Stack, record: Pick<ReleaseRecord, "id">): Promise<ConfigMap> {
  let history: UpdateSummary[];
  try {
    history = await stack.history(undefined, undefined, true);
  } catch {
    throw new Error("could not read the stack's history (pulumi stack history failed; its output is not shown because it holds decrypted config)");
  }
  return configOfRelease(history, record);
}

/** The placeholder the CLI puts in history for a secret it could not decrypt. */
const UNDECRYPTABLE = "ERROR_UNABLE_TO_DECRYPT";

export function configOfRelease(history: readonly UpdateSummary[], record: Pick<ReleaseRecord, "id">): ConfigMap {
  const message = releaseMessage(record.id);
  const update = history.find((u) => u.kind === "update" && u.message === message && u.result === "succeeded");
  if (update === undefined) {
    throw new Error(
      `the stack's history has no successful update with the message "${message}" (was the history pruned?); ` +
        `the last good release cannot be re-applied automatically`,
    );
  }
  const undecryptable = Object.entries(update.config).filter(([, entry]) => entry.secret === true && entry.value === UNDECRYPTABLE).map(([key]) => key);
  if (undecryptable.length > 0) {
    throw new Error(`the release's secret config could not be decrypted from the history (${undecryptable.join(", ")}): was the passphrase or secrets provider changed?`);
  }
  // Project-level settings are not stack config and are re-read from Pulumi.yaml.
  return Object.fromEntries(Object.entries(update.config).filter(([key]) => !key.startsWith("pulumi:")));
}
