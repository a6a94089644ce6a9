import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildRuleGroups, isAlertRule, renderRuleGroups, resolveObservabilityProps } from "../../alerts/index.js";
import { renderPromtoolTestFile } from "../../alerts/promtool/promtool-test-file.js";
import { buildRuleTests } from "../../alerts/promtool/rule-test-cases.js";
import type { RuleTests } from "../../alerts/promtool/rule-test-cases.js";
import { listStackFiles } from "../../config/stack-files.js";
import { buildStackChart, synthesizeStack } from "../../synth/synthesize.js";
import { committedStack, PROJECT_DIR } from "../support/stacks.js";
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

/**
 * The same unit tests, generated from each committed stack's own thresholds and run against its own
 * synthesized rule file (dist/<stack>/prometheus-rules.yaml), so that a change of a stack file that
 * breaks an alert (a threshold no series can cross, an SLO whose burn-rate alert cannot fire) fails
 * `npm test`.
 */
const COMMITTED = listStackFiles(PROJECT_DIR).map((file) => file.stack);

describe("the committed stacks", () => {
  it("are the ones this suite runs on", () => {
    expect(COMMITTED).toEqual(expect.arrayContaining(["production", "staging"]));
  });

  it.each<[string, number, number]>([
    ["staging", 0.1, 1.5],
    ["production", 0.05, 1],
  ])("%s: the tests are generated from its own thresholds (error rate %s, P95 %s s)", (stack, errorRate, p95) => {
    const o = buildStackChart(committedStack(stack)).observability;
    expect([o.monitoring.thresholds.errorRate, o.monitoring.thresholds.latencyP95Seconds]).toEqual([errorRate, p95]);
    const titles = buildRuleTests(o).suites.flatMap((suite) => suite.testFile.tests.map((test) => test.title));
    expect(titles).toContain(`HighLatency: P95 above ${p95}s`);
    expect(titles).toContain(`HighErrorRate: ${Math.round(1000 * errorRate * 1.02) / 10}% of requests fail`);
  });
});

describe.each(COMMITTED)("promtool on the committed %s stack: its own thresholds and rule file", (stack) => {
  const resolved = committedStack(stack);
  const o = buildStackChart(resolved).observability;
  const ruleFile = synthesizeStack(resolved).files["prometheus-rules.yaml"] ?? "";

  it("the synthesized rule file is the one the tests are generated against", () => {
    expect(renderRuleGroups(buildRuleGroups(o))).toBe(ruleFile);
  });

  it("`promtool check rules` accepts the synthesized rule file", async () => {
    const file = join(dir, `committed-${stack}.rules.yaml`);
    writeFileSync(file, ruleFile);
    const result = await runPromtool(["check", "rules", file], dir);
    expect(result.code, result.output).toBe(0);
  });

  it("`promtool test rules` passes on the stack's thresholds: every alert fires above its threshold and stays silent below", async () => {
    const tests = buildRuleTests(o);
    const alerts = buildRuleGroups(o).flatMap((g) => g.rules.filter(isAlertRule).map((r) => r.alert));
    expect(alerts.filter((a) => !tests.coverage.fires.has(a) || !tests.coverage.silent.has(a))).toEqual([]);
    // The annotated cases run against the synthesized file itself.
    const suites = tests.suites.map((suite) => (suite.name === "annotations" ? { ...suite, ruleFile } : suite));
    const { cwd, files } = writeSuites(`committed-${stack}`, { ...tests, suites });
    const results = await Promise.all(files.map((file) => runPromtool(["test", "rules", file], cwd)));
    results.forEach((result, index) => {
      expect(result.code, `${files[index]}:\n${result.output}`).toBe(0);
    });
  });
});
