import { defineConfig } from "vitest/config";

// Unit suite: fast, no services. End-to-end suites live under test/e2e and run with vitest.e2e.config.ts.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/e2e/**", "node_modules/**"],
    testTimeout: 30_000,
    pool: "forks",
    // The JSON report feeds scripts/test-totals.mjs, which prints the suite's closing totals line.
    reporters: ["default", ["json", { outputFile: "reports/vitest-unit.json" }]],
  },
});
