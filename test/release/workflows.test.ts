// The CI workflows users of this stack run: structure (what must hold for previews and deploys to be
// safe), then actionlint (expressions, action inputs, shellcheck of every run: script).
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { driftMarker } from "../../release/drift-report.js";
import { commentMarker } from "../../release/markdown-report.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const workflowDir = path.join(repoRoot, ".github/workflows");

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
  if?: string;
}
interface Job {
  uses?: string;
  needs?: string | string[];
  with?: Record<string, unknown>;
  secrets?: unknown;
  environment?: string | { name: string; url?: string; deployment?: boolean };
  concurrency?: { group: string; "cancel-in-progress": boolean };
  strategy?: { matrix: Record<string, unknown> };
  steps?: Step[];
  env?: Record<string, string>;
  if?: string;
  permissions?: Record<string, string>;
}
interface Workflow {
  name: string;
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  concurrency?: { group: string; "cancel-in-progress": boolean };
  jobs: Record<string, Job>;
}

function workflow(file: string): Workflow {
  return parse(readFileSync(path.join(workflowDir, file), "utf8")) as Workflow;
}
const files = readdirSync(workflowDir).filter((f) => /\.ya?ml$/.test(f)).sort();
const allSteps = (w: Workflow): Step[] => Object.values(w.jobs).flatMap((j) => j.steps ?? []);

describe("workflow files", () => {
  it("are the four expected ones", () => {
    expect(files).toEqual(["deploy-stack.yml", "deploy.yml", "drift.yml", "preview.yml"]);
  });

  it.each(files)("%s pins every action to a major version tag or a commit", (file) => {
    for (const step of allSteps(workflow(file))) {
      if (step.uses !== undefined) expect(step.uses, `${file}: ${step.uses}`).toMatch(/^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$/);
    }
  });

  it.each(files)("%s never interpolates secrets or event data into a run: script (they go through env:)", (file) => {
    for (const step of allSteps(workflow(file))) {
      expect(step.run ?? "", `${file}: ${step.name ?? step.run}`).not.toMatch(/\$\{\{\s*(secrets\.|github\.event\.|inputs\.|vars\.)/);
    }
  });

  it.each(files)("%s contains no literal credential", (file) => {
    const text = readFileSync(path.join(workflowDir, file), "utf8");
    for (const key of ["PULUMI_CONFIG_PASSPHRASE", "PULUMI_BACKEND_URL", "SLACK_WEBHOOK_URL"]) {
      for (const match of text.matchAll(new RegExp(`${key}:\\s*(.+)`, "g"))) expect(match[1], `${file}: ${key}`).toMatch(/^\$\{\{\s*secrets\.[A-Z_]+\s*\}\}$/);
    }
  });
});

describe("preview.yml (pull requests)", () => {
  const w = workflow("preview.yml");
  const job = w.jobs.preview as Job;
  const steps = job.steps ?? [];

  it("runs on pull requests to main, one job per environment", () => {
    expect(Object.keys(w.on)).toEqual(["pull_request"]);
    expect(job.strategy?.matrix.stack).toEqual(["staging", "production"]);
    expect(job.if).toContain("github.event.pull_request.head.repo.full_name == github.repository");
  });

  it("may comment on the pull request, and nothing more than read the code", () => {
    expect(w.permissions).toEqual({ contents: "read", "pull-requests": "write", "id-token": "write" });
  });

  it("previews with the backend and the passphrase from repository secrets, and saves the plan", () => {
    expect(job.env).toMatchObject({ PULUMI_BACKEND_URL: "${{ secrets.PULUMI_BACKEND_URL }}", PULUMI_CONFIG_PASSPHRASE: "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}" });
    const preview = steps.find((s) => s.run?.includes("npm run --silent preview --"));
    expect(preview?.run).toContain('--stack "$STACK" --save-plan "reports/plan-$STACK.json"');
  });

  it("updates the environment's comment found by the same hidden marker the report ends with, or creates it", () => {
    const script = String(steps.find((s) => s.uses?.startsWith("actions/github-script@"))?.with?.script);
    const markerTemplate = /const marker = `(.+)`;/.exec(script)?.[1];
    expect(markerTemplate?.replace("${stack}", "staging")).toBe(commentMarker("staging"));
    expect(script).toContain("c.body?.includes(marker)");
    expect(script.indexOf("updateComment")).toBeLessThan(script.indexOf("createComment"));
    expect(script).toContain("github.paginate");
  });

  it("runs the guardrail policy pack on the preview, and a violation fails the job", () => {
    const guardrails = steps.find((s) => s.uses?.startsWith("pulumi/actions@") && s.with?.command === "preview");
    expect(guardrails?.with).toMatchObject({ command: "preview", "stack-name": "${{ matrix.stack }}", policyPacks: "policies/pack", "pulumi-version": "3.248.0" });
    expect(guardrails?.if).toBeUndefined();
    expect((guardrails as { "continue-on-error"?: unknown } | undefined)?.["continue-on-error"]).toBeUndefined();
    // The report's comment is posted whether the guardrails pass or not.
    const comment = steps.findIndex((s) => s.uses?.startsWith("actions/github-script@"));
    expect(steps.indexOf(guardrails as Step)).toBeLessThan(comment);
    expect(steps[comment]?.if).toContain("always()");
  });

  it("runs the production checklist and links its summary from the comment, the whole checklist in the artifact", () => {
    const checklist = steps.find((s) => s.run?.includes("npm run --silent checklist --"));
    expect(checklist?.run).toContain('--stack "$STACK" --live');
    const comment = steps.find((s) => s.uses?.startsWith("actions/github-script@"));
    const script = String(comment?.with?.script ?? "");
    expect(script).toContain("reports/checklist-${stack}.summary.txt");
    expect(script).toContain("**Production checklist (${stack})**");
    expect(script).toContain("body.replace(marker, `${line}\\n\\n${marker}`)");
    const upload = steps.find((s) => s.uses?.startsWith("actions/upload-artifact@"));
    expect(String(upload?.with?.path)).toContain("reports/checklist-${{ matrix.stack }}.md");
  });

  it("uploads the full report and the plan as artifacts, even when the preview failed", () => {
    const upload = steps.find((s) => s.uses?.startsWith("actions/upload-artifact@"));
    expect(upload?.if).toBe("always()");
    expect(String(upload?.with?.path)).toContain("reports/preview-${{ matrix.stack }}.full.md");
  });
});

describe("deploy.yml and deploy-stack.yml (merges to main)", () => {
  const w = workflow("deploy.yml");
  const stackWorkflow = workflow("deploy-stack.yml");
  const job = stackWorkflow.jobs.deploy as Job;
  const steps = job.steps ?? [];

  it("deploys staging, then production, on pushes to main", () => {
    expect(w.on).toHaveProperty("push", { branches: ["main"] });
    expect(w.jobs.staging).toMatchObject({ uses: "./.github/workflows/deploy-stack.yml", with: { stack: "staging", environment: "staging" } });
    expect(w.jobs.production).toMatchObject({ uses: "./.github/workflows/deploy-stack.yml", with: { stack: "production", environment: "production" } });
    expect(w.jobs.production?.needs).toEqual(expect.arrayContaining(["staging"]));
  });

  it("load-tests staging after its deploy, and production waits for the load test (and its approval)", () => {
    const loadtest = w.jobs["loadtest-staging"] as Job;
    expect(loadtest.needs).toBe("staging");
    expect(loadtest.environment).toMatchObject({ name: "staging" });
    expect(w.jobs.production?.needs).toEqual(["staging", "loadtest-staging"]);
    const run = (loadtest.steps ?? []).find((s) => s.run?.includes("npm run --silent loadtest --"));
    expect(run?.run).toContain("args=(--stack staging --record)");
    expect(run?.env).toMatchObject({ LOAD_TEST_URL: "${{ vars.LOAD_TEST_URL || vars.SMOKE_URL }}" });
    expect((loadtest.steps ?? []).find((s) => s.uses?.startsWith("actions/upload-artifact@"))?.with).toMatchObject({ name: "loadtest-staging" });
  });

  it("runs each deploy in its GitHub environment (production's required reviewers are the manual approval)", () => {
    expect(job.environment).toMatchObject({ name: "${{ inputs.environment }}" });
  });

  it("never cancels a running deploy of a stack; a newer one waits", () => {
    expect(job.concurrency).toEqual({ group: "deploy-${{ inputs.stack }}", "cancel-in-progress": false });
  });

  it("checks out the whole history, which the rollback's git worktree needs", () => {
    expect(steps.find((s) => s.uses?.startsWith("actions/checkout@"))?.with).toEqual({ "fetch-depth": 0 });
  });

  it("takes the backend, passphrase and Slack webhook from secrets, and runs npm run deploy", () => {
    expect(job.env).toMatchObject({
      PULUMI_BACKEND_URL: "${{ secrets.PULUMI_BACKEND_URL }}",
      PULUMI_CONFIG_PASSPHRASE: "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}",
      SLACK_WEBHOOK_URL: "${{ secrets.SLACK_WEBHOOK_URL }}",
    });
    expect(steps.some((s) => s.run?.includes('npm run --silent deploy -- "${args[@]}"'))).toBe(true);
  });

  it("passes the environment's smoke URL, or its reason to deploy without smoke tests (production requires one)", () => {
    const deploy = steps.find((s) => s.run?.includes("npm run --silent deploy --"));
    expect(deploy?.env).toMatchObject({ SMOKE_URL: "${{ vars.SMOKE_URL }}", NO_SMOKE_REASON: "${{ vars.NO_SMOKE_REASON }}" });
    expect(deploy?.run).toContain('if [ -n "$SMOKE_URL" ]; then args+=(--smoke-url "$SMOKE_URL"); fi');
    expect(deploy?.run).toContain('if [ -n "$NO_SMOKE_REASON" ]; then args+=(--no-smoke "$NO_SMOKE_REASON"); fi');
  });

  it("passes the environment's Prometheus, which a canary stack is judged by", () => {
    const deploy = steps.find((s) => s.run?.includes("npm run --silent deploy --"));
    expect(deploy?.env).toMatchObject({ PROMETHEUS_URL: "${{ vars.PROMETHEUS_URL }}" });
    expect(deploy?.run).toContain('if [ -n "$PROMETHEUS_URL" ]; then args+=(--prometheus-url "$PROMETHEUS_URL"); fi');
  });
});

describe("drift.yml (scheduled drift checks)", () => {
  const w = workflow("drift.yml");
  const job = w.jobs.drift as Job;
  const steps = job.steps ?? [];
  const script = String(steps.find((s) => s.uses?.startsWith("actions/github-script@"))?.with?.script);

  it("runs on a schedule and by hand, one job per environment, in its environment without a deployment", () => {
    expect(Object.keys(w.on).sort()).toEqual(["schedule", "workflow_dispatch"]);
    expect(job.strategy?.matrix.stack).toEqual(["staging", "production"]);
    expect(job.environment).toEqual({ name: "${{ matrix.stack }}", deployment: false });
  });

  it("may write issues, and nothing more than read the code", () => {
    expect(w.permissions).toEqual({ contents: "read", issues: "write", "id-token": "write" });
  });

  it("never shares the deploy's concurrency group (a pending check would cancel a pending deploy)", () => {
    expect(job.concurrency?.group).toBe("drift-${{ matrix.stack }}");
  });

  it("runs npm run drift and keeps its exit code, then acts on it", () => {
    const drift = steps.find((s) => s.run?.includes("npm run --silent drift --"));
    expect(drift?.run).toContain('npm run --silent drift -- --stack "$STACK"');
    expect(drift?.run).toContain('echo "exit-code=$?" >> "$GITHUB_OUTPUT"');
  });

  it("keeps one issue per environment, found by the same hidden marker the report ends with: opened or updated on drift, closed when it is gone", () => {
    const markerTemplate = /const marker = `(.+)`;/.exec(script)?.[1];
    expect(markerTemplate?.replace("${stack}", "staging")).toBe(driftMarker("staging"));
    expect(script).toContain('labels: "drift"');
    expect(script).toContain("github.paginate");
    expect(script.indexOf("issues.update")).toBeLessThan(script.indexOf("issues.create("));
    expect(script).toContain('state: "closed"');
    // Only a check that ran (0 or 1) touches the issue.
    expect(steps.find((s) => s.uses?.startsWith("actions/github-script@"))?.if).toBe("steps.drift.outputs.exit-code == '0' || steps.drift.outputs.exit-code == '1'");
  });

  it("fails the job when the check could not run, but not for drift or a locked stack", () => {
    const fail = steps.find((s) => s.name === "Fail when the check could not run");
    expect(fail?.if).toBe("steps.drift.outputs.exit-code != '0' && steps.drift.outputs.exit-code != '1' && steps.drift.outputs.exit-code != '3'");
    expect(fail?.run).toContain("exit 1");
  });
});

/** actionlint, as scripts/ci/install-actionlint.sh installs it. */
function actionlintPath(): string {
  const version = /^ACTIONLINT_VERSION=(\S+)$/m.exec(readFileSync(path.join(repoRoot, "scripts/ci/install-actionlint.sh"), "utf8"))?.[1];
  const root = process.env.GO_SERVICE_STACK_TOOLS ?? path.join(homedir(), ".cache/go-service-stack/tools");
  const cached = path.join(root, `actionlint-${version ?? "?"}`, "actionlint");
  if (existsSync(cached)) return cached;
  throw new Error("actionlint is not installed: run `bash scripts/ci/install-actionlint.sh` (builds it from the Go module proxy, cached)");
}

describe("actionlint", () => {
  it("finds no problem in any workflow (shellcheck included when it is installed)", () => {
    const result = spawnSync(actionlintPath(), ["-no-color", "-oneline", ...files.map((f) => path.join(".github/workflows", f))], { cwd: repoRoot, encoding: "utf8" });
    expect(result.stdout + result.stderr).toBe("");
    expect(result.status).toBe(0);
  });
});
