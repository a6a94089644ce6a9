// Prints the closing line of a test run, "tests: N passed, N failed", summed over the vitest JSON
// reports that the suites of this run wrote (reports/vitest-*.json). Exits 1 if any test failed.
import { readdirSync, readFileSync } from "node:fs";

let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of readdirSync("reports").filter((f) => /^vitest-.*\.json$/.test(f))) {
  const report = JSON.parse(readFileSync(`reports/${file}`, "utf8"));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + report.numTodoTests;
}
console.log(`tests: ${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ""}`);
process.exitCode = failed > 0 ? 1 : 0;
