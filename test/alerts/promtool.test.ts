import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildRuleGroups, isAlertRule, renderRuleGroups, resolveObservabilityProps } from "../../alerts/index.js";
import { renderPromtoolTestFile } from "../../alerts/promtool/promtool-test-file.js";
import { buildRuleTests } from "../../alerts/promtool/rule-test-cases.js";
import type { RuleTests } from "../../alerts/promtool/rule-test-cases.js";
import { PRODUCTION, STAGING } from "./fixtures.js";
import { promtoolPath, runPromtool } from "./promtool.js";

const STACKS = { production: PRODUCTION, staging: STAGING } as const;

let dir: string;
beforeAll(() => {
  promtoolPath(); // fail early, with the install hint, when promtool is missing
  dir = mkdtempSync(join(tmpdir(), "prometheus-rules-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeSuites(stack: string, tests: RuleTests): { cwd: string; files: string[] } {
  const cwd = join(dir, `tests-${stack}`);
  rmSync(cwd, { recursive: true, force: true });
  mkdirSync(cwd, { recursive: true });
  const files: string[] = [];
  for (const suite of tests.suites) {
    if (suite.testFile.tests.length === 0) continue;
    writeFileSync(join(cwd, suite.ruleFileName), suite.ruleFile);
    writeFileSync(join(cwd, suite.testFileName), renderPromtoolTestFile(suite.testFile));
    files.push(suite.testFileName);
  }
  return { cwd, files };
}

describe.each(Object.entries(STACKS))("promtool on the %s rules", (stack, props) => {
  it("`promtool check rules` accepts the rule file", async () => {
    const file = join(dir, `${stack}.rules.yaml`);
    writeFileSync(file, renderRuleGroups(buildRuleGroups(props)));
    const result = await runPromtool(["check", "rules", file], dir);
    expect(result.output).toContain("SUCCESS");
    expect(result.code, result.output).toBe(0);
  });

  it("unit tests cover every alert, firing and silent", () => {
    const o = resolveObservabilityProps(props);
    const { coverage } = buildRuleTests(o);
    const alerts = buildRuleGroups(o).flatMap((g) => g.rules.filter(isAlertRule).map((r) => r.alert));
    expect(alerts.filter((a) => !coverage.fires.has(a)), "alerts without a firing case").toEqual([]);
    expect(alerts.filter((a) => !coverage.silent.has(a)), "alerts without a silent case").toEqual([]);
  });

  it("`promtool test rules` passes: every alert fires above its threshold after `for`, and stays silent below it or before", async () => {
    const o = resolveObservabilityProps(props);
    const { cwd, files } = writeSuites(stack, buildRuleTests(o));
    // One promtool per suite, run concurrently: the suites are independent.
    const results = await Promise.all(files.map((file) => runPromtool(["test", "rules", file], cwd)));
    results.forEach((result, index) => {
      expect(result.code, `${files[index]}:\n${result.output}`).toBe(0);
      expect(result.output).toContain("SUCCESS");
    });
  });
});
