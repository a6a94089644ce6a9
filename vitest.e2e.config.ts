import { defineConfig } from "vitest/config";

// End-to-end suites: real services (PostgreSQL, an S3 server, the Pulumi engine, a Kubernetes API server).
// Files run one at a time because they share the local cluster and loopback ports.
export default defineConfig({
  test: {
    include: ["test/e2e/**/*.e2e.test.ts"],
    testTimeout: 600_000,
    hookTimeout: 600_000,
    fileParallelism: false,
    pool: "forks",
    // The JSON report feeds scripts/test-totals.mjs, which prints the suite's closing totals line.
    reporters: ["default", ["json", { outputFile: "reports/vitest-e2e.json" }]],
  },
});
