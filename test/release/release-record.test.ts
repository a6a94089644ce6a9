import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Stack, UpdateSummary } from "@pulumi/pulumi/automation/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  configOfRelease,
  LEGACY_RELEASE_TAGS,
  newReleaseId,
  parseReleaseRecord,
  RELEASE_RECORD_TAG,
  recordProblems,
  releaseConfig,
  releaseMessage,
  type ReleaseRecord,
  serializeReleaseRecord,
  tagValueLimit,
  writeReleaseRecord,
} from "../../release/release-record.js";

const update = (message: string, result: UpdateSummary["result"], config: UpdateSummary["config"]): UpdateSummary => ({
  kind: "update",
  startTime: new Date(0),
  endTime: new Date(0),
  message,
  environment: {},
  config,
  result,
  version: 0,
});

const SHA = "0123456789abcdef0123456789abcdef01234567";
const RECORD: ReleaseRecord = { id: `20261127T223906Z-${SHA.slice(0, 12)}`, sha: SHA, image: "registry.example.com/myapp:v1.4.2", verifiedAt: "2026-11-27T22:41:00.000Z" };

describe("release ids", () => {
  it("sort by time and name the commit", () => {
    expect(newReleaseId(SHA, new Date("2026-11-27T22:39:06.123Z"))).toBe("20261127T223906Z-0123456789ab");
  });
});

describe("the record: one tag, one JSON value with a format version", () => {
  it("its tag name fits Pulumi's rules (40 characters, no other character)", () => {
    for (const tag of [RELEASE_RECORD_TAG, ...LEGACY_RELEASE_TAGS]) expect(tag).toMatch(/^[A-Za-z0-9:._-]{1,40}$/);
  });

  it("is serialized with the format version first, and read back as it was written", () => {
    const text = serializeReleaseRecord({ ...RECORD, noSmoke: "staging smoke endpoint down, INC-42" });
    expect(text).toBe(
      '{"format":1,"id":"20261127T223906Z-0123456789ab","sha":"0123456789abcdef0123456789abcdef01234567","image":"registry.example.com/myapp:v1.4.2","verifiedAt":"2026-11-27T22:41:00.000Z","noSmoke":"staging smoke endpoint down, INC-42"}',
    );
    expect(parseReleaseRecord({ [RELEASE_RECORD_TAG]: text })).toEqual({ kind: "record", record: { ...RECORD, noSmoke: "staging smoke endpoint down, INC-42" } });
  });

  it("refuses to serialize a record that does not fit in a Pulumi Cloud tag (256 characters), saying what to shorten", () => {
    const image = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/myapp@sha256:${"0".repeat(64)}`;
    expect(() => serializeReleaseRecord({ ...RECORD, image }, tagValueLimit("https://api.pulumi.com"))).toThrow(
      "the release record would be 271 characters, more than a stack tag of this backend holds (256): shorten the image reference (122 characters)",
    );
    expect(serializeReleaseRecord({ ...RECORD, image }, tagValueLimit("file:///var/pulumi-state"))).toHaveLength(271);
  });

  it("is written with one tag write, then the old format's tags are removed", async () => {
    const calls: string[] = [];
    const tags: Record<string, string> = { "go-service:last-good-release": "old-id", "go-service:last-good-sha": "old-sha", "pulumi:project": "go-service" };
    const stack = {
      setTag: (name: string, value: string) => {
        calls.push(`set ${name}=${value}`);
        tags[name] = value;
        return Promise.resolve();
      },
      removeTag: (name: string) => {
        calls.push(`remove ${name}`);
        delete tags[name];
        return Promise.resolve();
      },
      listTags: () => Promise.resolve({ ...tags }),
    } as unknown as Stack;
    await writeReleaseRecord(stack, RECORD);
    expect(calls).toEqual([`set ${RELEASE_RECORD_TAG}=${serializeReleaseRecord(RECORD)}`, "remove go-service:last-good-release", "remove go-service:last-good-sha"]);
    expect(Object.keys(tags).sort()).toEqual([RELEASE_RECORD_TAG, "pulumi:project"]);
  });
});

describe("reading a record never trusts a malformed one", () => {
  const tag = (value: unknown): Record<string, string> => ({ [RELEASE_RECORD_TAG]: typeof value === "string" ? value : JSON.stringify(value) });
  it.each<[string, Record<string, string>, ReturnType<typeof parseReleaseRecord>]>([
    ["no record at all", { "pulumi:project": "go-service" }, { kind: "none" }],
    [
      "the old four-tag format",
      { "go-service:last-good-release": RECORD.id, "go-service:last-good-sha": SHA },
      { kind: "unreadable", problem: "the record is in the old four-tag format (no format version), which is not trusted: deploy a release to record it again" },
    ],
    ["not JSON", tag("20261127T223906Z-0123456789ab"), { kind: "unreadable", problem: "tag go-service:last-good is not JSON (29 characters)" }],
    ["not an object", tag([1]), { kind: "unreadable", problem: "tag go-service:last-good is not a JSON object" }],
    ["a format version from the future", tag({ ...RECORD, format: 2 }), { kind: "unreadable", problem: "format version 2 is not known (this tool reads version 1)" }],
    ["no format version", tag(RECORD), { kind: "unreadable", problem: "format version null is not known (this tool reads version 1)" }],
    ["a field missing", tag({ format: 1, id: RECORD.id, sha: SHA, verifiedAt: RECORD.verifiedAt }), { kind: "unreadable", problem: "image is missing" }],
    [
      "an id and a sha of the wrong shape",
      tag({ ...RECORD, format: 1, id: "r1", sha: "abc" }),
      { kind: "unreadable", problem: 'id "r1" is not a release id (<UTC time>-<12 hex digits>); sha "abc" is not a full commit SHA (40 hex digits)' },
    ],
    ["a time that is not one", tag({ ...RECORD, format: 1, verifiedAt: "yesterday" }), { kind: "unreadable", problem: 'verifiedAt "yesterday" is not a time' }],
  ])("%s", (_case, tags, expected) => {
    expect(parseReleaseRecord(tags)).toEqual(expected);
  });
});

describe("recordProblems: the record is cross-checked before a rollback", () => {
  let repo: string;
  let head: string;
  beforeAll(() => {
    repo = mkdtempSync(path.join(tmpdir(), "record-repo-"));
    const git = (...args: string[]) => execFileSync("git", ["-C", repo, "-c", "user.email=t@example.com", "-c", "user.name=t", ...args], { encoding: "utf8" }).trim();
    git("init", "-q");
    writeFileSync(path.join(repo, "Pulumi.yaml"), "name: go-service\n");
    git("add", "Pulumi.yaml");
    git("commit", "-q", "-m", "A");
    head = git("rev-parse", "HEAD");
  });
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  const good = (): ReleaseRecord => ({ ...RECORD, id: `20261127T223906Z-${head.slice(0, 12)}`, sha: head });
  const config = (image: string) => ({ "go-service:image": { value: image, secret: false } });

  it("trusts a record whose commit exists and is the id's, and whose image is the history's", async () => {
    expect(await recordProblems(good(), repo, config(RECORD.image))).toEqual([]);
  });

  it.each<[string, (r: ReleaseRecord) => ReleaseRecord, string, (r: ReleaseRecord) => string[]]>([
    [
      "an id paired with another release's commit (an interrupted write of the old format)",
      (r) => ({ ...r, id: "20261127T220000Z-fedcba987654" }),
      RECORD.image,
      (r) => [`the id 20261127T220000Z-fedcba987654 names commit fedcba987654, the record's commit is ${r.sha}`],
    ],
    [
      "a commit the repository does not have",
      (r) => ({ ...r, id: `20261127T223906Z-${SHA.slice(0, 12)}`, sha: SHA }),
      RECORD.image,
      () => [`commit ${SHA} is not in the repository at ${repo} (a shallow clone? CI must check out with fetch-depth: 0)`],
    ],
    [
      "an image the release's update in history did not run",
      (r) => r,
      "registry.example.com/myapp:v1.4.3",
      () => ['the stack\'s history has the release\'s update with image "registry.example.com/myapp:v1.4.3", the record says "registry.example.com/myapp:v1.4.2"'],
    ],
  ])("refuses %s, saying what did not match", async (_case, change, historyImage, expected) => {
    const record = change(good());
    expect(await recordProblems(record, repo, config(historyImage))).toEqual(expected(record));
  });
});

describe("configOfRelease", () => {
  const good = { "go-service:image": { value: "img:1", secret: false }, "go-service:jwtSecret": { value: "s3cr3t-value", secret: true }, "pulumi:tags": { value: "{}", secret: false } };

  it("takes the config of the release's successful update from the history, without project settings", () => {
    const history = [
      update("go-service rollback to r1", "succeeded", {}),
      update(releaseMessage("r2"), "failed", { "go-service:image": { value: "img:broken", secret: false } }),
      update(releaseMessage("r1"), "succeeded", good),
    ];
    expect(configOfRelease(history, { id: "r1" })).toEqual({ "go-service:image": good["go-service:image"], "go-service:jwtSecret": good["go-service:jwtSecret"] });
  });

  it("says plainly when the history no longer has the release", () => {
    expect(() => configOfRelease([update(releaseMessage("r1"), "failed", good)], { id: "r1" })).toThrow(
      'the stack\'s history has no successful update with the message "go-service release r1" (was the history pruned?); the last good release cannot be re-applied automatically',
    );
  });

  it("refuses a release whose secrets the CLI could not decrypt", () => {
    const history = [update(releaseMessage("r1"), "succeeded", { ...good, "go-service:jwtSecret": { value: "ERROR_UNABLE_TO_DECRYPT", secret: true } })];
    expect(() => configOfRelease(history, { id: "r1" })).toThrow(
      "the release's secret config could not be decrypted from the history (go-service:jwtSecret): was the passphrase or secrets provider changed?",
    );
  });

  it("reports a failed history read in fixed words, never with the CLI's output (decrypted values)", async () => {
    const stack = { history: () => Promise.reject(new Error("code: 255\n stdout: [{\"config\":{\"go-service:jwtSecret\":{\"value\":\"s3cr3t-value\"}}}]")) } as unknown as Stack;
    const error = await releaseConfig(stack, { id: "r1" }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toBe("could not read the stack's history (pulumi stack history failed; its output is not shown because it holds decrypted config)");
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain("s3cr3t-value");
  });
});
