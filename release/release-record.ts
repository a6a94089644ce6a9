import type { ConfigMap, Stack, UpdateSummary } from "@pulumi/pulumi/automation/index.js";

/**
 * The last release that passed verification, kept with the stack in its backend so that the next
 * deploy, from any machine, can re-apply it:
 * - stack tags (`pulumi stack tag ls`) hold the release id, the program revision and the image;
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
}

/** Tag names (at most 40 characters each; values at most 256). */
export const RELEASE_TAGS = {
  id: "go-service:last-good-release",
  sha: "go-service:last-good-sha",
  image: "go-service:last-good-image",
  verifiedAt: "go-service:last-good-at",
} as const;

const TAG_VALUE_LIMIT = 256;

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

export async function writeReleaseRecord(stack: Stack, record: ReleaseRecord): Promise<void> {
  for (const [field, tag] of Object.entries(RELEASE_TAGS) as [keyof ReleaseRecord, string][]) {
    const value = record[field];
    if (value.length > TAG_VALUE_LIMIT) throw new Error(`cannot record ${field} in stack tag ${tag}: ${value.length} characters, the limit is ${TAG_VALUE_LIMIT}`);
    await stack.setTag(tag, value);
  }
}

/** The recorded last good release, or undefined if no release of this stack was ever verified. */
export async function readReleaseRecord(stack: Stack): Promise<ReleaseRecord | undefined> {
  const tags = await stack.listTags();
  return parseReleaseTags(tags);
}

export function parseReleaseTags(tags: Readonly<Record<string, string>>): ReleaseRecord | undefined {
  const id = tags[RELEASE_TAGS.id];
  const sha = tags[RELEASE_TAGS.sha];
  if (id === undefined || sha === undefined || id === "" || sha === "") return undefined;
  return { id, sha, image: tags[RELEASE_TAGS.image] ?? "", verifiedAt: tags[RELEASE_TAGS.verifiedAt] ?? "" };
}

/**
 * The config the release was deployed with, from the stack's history (secrets decrypted by the CLI,
 * to be re-encrypted when written back). Throws when the history no longer has that update.
 */
export async function releaseConfig(stack: Stack, record: ReleaseRecord): Promise<ConfigMap> {
  const history: UpdateSummary[] = await stack.history(undefined, undefined, true);
  return configOfRelease(history, record);
}

export function configOfRelease(history: readonly UpdateSummary[], record: Pick<ReleaseRecord, "id">): ConfigMap {
  const message = releaseMessage(record.id);
  const update = history.find((u) => u.kind === "update" && u.message === message && u.result === "succeeded");
  if (update === undefined) {
    throw new Error(
      `the stack's history has no successful update with the message "${message}" (was the history pruned?); ` +
        `the last good release cannot be re-applied automatically`,
    );
  }
  // Project-level settings are not stack config and are re-read from Pulumi.yaml.
  return Object.fromEntries(Object.entries(update.config).filter(([key]) => !key.startsWith("pulumi:")));
}
