import type { UpdateSummary } from "@pulumi/pulumi/automation/index.js";
import { describe, expect, it } from "vitest";
import { configOfRelease, newReleaseId, parseReleaseTags, RELEASE_TAGS, releaseMessage } from "../../release/release-record.js";

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

describe("release ids and tags", () => {
  it("ids sort by time and name the commit", () => {
    expect(newReleaseId("0123456789abcdef0123456789abcdef01234567", new Date("2026-11-27T22:39:06.123Z"))).toBe("20261127T223906Z-0123456789ab");
  });

  it("tag names fit Pulumi's 40-character limit", () => {
    for (const tag of Object.values(RELEASE_TAGS)) expect(tag).toMatch(/^[A-Za-z0-9:._-]{1,40}$/);
  });

  it("reads a record back from the tags, or nothing when no release was ever verified", () => {
    expect(parseReleaseTags({ [RELEASE_TAGS.id]: "r1", [RELEASE_TAGS.sha]: "abc", [RELEASE_TAGS.image]: "img:1", [RELEASE_TAGS.verifiedAt]: "t" })).toEqual({ id: "r1", sha: "abc", image: "img:1", verifiedAt: "t" });
    expect(parseReleaseTags({ "pulumi:project": "go-service" })).toBeUndefined();
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
});
