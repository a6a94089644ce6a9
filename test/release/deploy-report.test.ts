import { describe, expect, it } from "vitest";
import type { DeployResult } from "../../release/deploy.js";
import { renderDeployReport } from "../../release/deploy-report.js";
import { SecretScrubber } from "../../release/secret-mask.js";

const SHA = "0123456789abcdef0123456789abcdef01234567";
const result: DeployResult = {
  exitCode: 1,
  outcome: "rolled-back",
  stack: "production",
  release: { id: "20261127T230000Z-abcdefabcdef", sha: "abcdefabcdefabcdefabcdefabcdefabcdefabcd", image: "registry.example.com/myapp:v1.4.3" },
  previewSummary: "0 to create, 1 to update, 0 to replace, 0 to delete (19 unchanged)",
  failure: "the update failed:\nerror: container app: env JWT_SECRET=rotated-secret-value-9",
  checks: [{ name: "GET https://monapp.com/health", status: "not run", detail: "skipped (--no-smoke): smoke endpoint down | INC-42" }],
  rollback: {
    release: { id: `20261127T223906Z-${SHA.slice(0, 12)}`, sha: SHA, image: "registry.example.com/myapp:v1.4.2", verifiedAt: "2026-11-27T22:41:00Z", noSmoke: "smoke endpoint down, INC-42" },
    ok: true,
    checks: [{ name: "rollout of Deployment myapp/myapp", status: "passed", detail: 'deployment "myapp" successfully rolled out' }],
  },
  pendingOperations: 0,
  timingsMs: { preview: 2100, update: 21000, rollback: 19000 },
};

describe("renderDeployReport", () => {
  const report = renderDeployReport(result, new SecretScrubber(["rotated-secret-value-9"]));

  it("says what was rolled back to, with the record's --no-smoke reason", () => {
    expect(report).toContain(
      `Re-applied the last good release \`20261127T223906Z-0123456789ab\` (program \`${SHA}\`, image \`registry.example.com/myapp:v1.4.2\`, verified at 2026-11-27T22:41:00Z, smoke tests skipped: smoke endpoint down, INC-42): **verified**.`,
    );
    expect(report).toContain("| GET https://monapp.com/health | ➖ not run | skipped (--no-smoke): smoke endpoint down \\| INC-42 |");
  });

  it("is scrubbed with the scrubber's values (here the re-applied release's rotated secret)", () => {
    expect(report).toContain("env JWT_SECRET=[secret]");
    expect(report).not.toContain("rotated-secret-value-9");
  });
});
