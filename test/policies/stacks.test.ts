import { describe, expect, it } from "vitest";
import { listStackFiles } from "../../config/stack-files.js";
import { checkSets, synthesizedStacks } from "../../cli/policy.js";
import { formatViolation, mandatoryViolations } from "../../policies/run.js";
import { PROJECT_DIR } from "../support/stacks.js";

describe("every committed stack", () => {
  const sets = synthesizedStacks(PROJECT_DIR);

  it("is checked", () => {
    expect(sets.map((s) => s.label)).toEqual(listStackFiles(PROJECT_DIR).map((f) => `stack ${f.stack}`));
  });

  it.each(sets.map((set) => [set.label, set] as const))("%s has no mandatory violation", (_label, set) => {
    const { violations } = checkSets([set]);
    expect(mandatoryViolations(violations).map(formatViolation)).toEqual([]);
  });
});
