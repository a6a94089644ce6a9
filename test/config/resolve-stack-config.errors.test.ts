import { existsSync, mkdtempSync, readdirSync, writeFileSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { StackConfigError } from "../../config/config-error.js";
import { resolveStackFile } from "../../config/resolve-stack-config.js";
import { runSynth } from "../../cli/synth.js";
import { PROJECT, PROJECT_DIR, productionBlock, stackFileText } from "../support/stacks.js";

const base = productionBlock();
const withKey = (key: string, value: unknown) => stackFileText({ ...base, [`go-service:${key}`]: value });
const without = (key: string) => stackFileText(Object.fromEntries(Object.entries(base).filter(([k]) => k !== `go-service:${key}`)));
const staging = (overrides: Record<string, unknown>) => stackFileText({ ...base, "go-service:environment": "staging", ...overrides });

/** [case, stack file text, offending key, exact message]. */
const BAD_CONFIGS: ReadonlyArray<readonly [string, string, string, string]> = [
  ["replicas as a string", withKey("replicas", "three"), "go-service:replicas", 'must be a whole number (pods) (got string "three")'],
  ["port out of range", withKey("server", { port: 70000 }), "go-service:server.port", "must be 1 to 65535"],
  [
    "replicas over int32, which the API server would refuse",
    withKey("replicas", 2147483648),
    "go-service:replicas",
    "must be at most 2147483647 (pods): Kubernetes stores it as an int32",
  ],
  [
    "run-as user over int32",
    withKey("pod", { runAsUser: 4294967296 }),
    "go-service:pod.runAsUser",
    "must be at most 2147483647, the largest value Kubernetes stores in this field (got 4294967296)",
  ],
  [
    "run-as user root",
    withKey("pod", { runAsGroup: 0 }),
    "go-service:pod.runAsGroup",
    "must be at least 1 (got 0); 0 would be root, which the restricted Pod Security Standard refuses",
  ],
  [
    "/tmp as large as the ephemeral-storage limit",
    withKey("pod", { tmpSizeLimit: "256Mi" }),
    "go-service:pod.tmpSizeLimit",
    "must be below pod.ephemeralStorage.limit (256Mi >= 256Mi): the limit also covers the container's logs",
  ],
  ["unknown top-level key", withKey("replcias", 3), "go-service:replcias", 'is not a known key; did you mean "replicas"?'],
  ["unknown nested key", withKey("database", { sslmode: "require" }), "go-service:database.sslmode", 'is not a known key; did you mean "sslMode"?'],
  [
    "nested key set without --path",
    withKey("kubernetes.kubeconfig", "~/.kube/config"),
    "go-service:kubernetes.kubeconfig",
    "is not a known key; it looks like a nested key set without --path: run pulumi config rm 'go-service:kubernetes.kubeconfig', then pulumi config set --path 'go-service:kubernetes.kubeconfig' <value>",
  ],
  [
    "list item set without --path",
    withKey("ingress.hosts[0]", "api.example.com"),
    "go-service:ingress.hosts[0]",
    "is not a known key; it looks like a nested key set without --path: run pulumi config rm 'go-service:ingress.hosts[0]', then pulumi config set --path 'go-service:ingress.hosts[0]' <value>",
  ],
  [
    "nested secret set without --path",
    withKey("backup.encryptionKey", { secure: "v1:Zm9vYmFyYmF6cXV4" }),
    "go-service:backup.encryptionKey",
    "is not a known key; it looks like a nested key set without --path: run pulumi config rm 'go-service:backup.encryptionKey', then pulumi config set --path --secret 'go-service:backup.encryptionKey' <value>",
  ],
  ["missing image", without("image"), "go-service:image", "is required: the container image, e.g. registry.example.com/myapp@sha256:<digest> or :v1.2.3"],
  [
    "latest in production",
    withKey("image", "registry.example.com/myapp:latest"),
    "go-service:image",
    'must be pinned in production ("registry.example.com/myapp:latest" floats); use a digest (@sha256:…, preferred) or a release tag such as :v1.4.2',
  ],
  [
    "untagged image in production",
    withKey("image", "registry.example.com/myapp"),
    "go-service:image",
    'must be pinned in production ("registry.example.com/myapp" floats); use a digest (@sha256:…, preferred) or a release tag such as :v1.4.2',
  ],
  [
    "malformed image",
    withKey("image", "Registry/My App"),
    "go-service:image",
    "is not an image reference; use registry/repository:tag or registry/repository@sha256:<64 hex digits>",
  ],
  [
    "SSL disabled in production",
    withKey("database", { sslMode: "disable" }),
    "go-service:database.sslMode",
    'must not be "disable" in production: database traffic must be encrypted; use "require" or "verify-full"',
  ],
  ["unknown SSL mode", withKey("database", { sslMode: "on" }), "go-service:database.sslMode", "must be one of disable, allow, prefer, require, verify-ca, verify-full"],
  [
    "read timeout under 1 s",
    withKey("server", { readTimeout: "500ms" }),
    "go-service:server.readTimeout",
    "must be at least 1s: a shorter timeout cuts off ordinary requests (seed validateConfig)",
  ],
  [
    "write timeout under 1 s",
    withKey("server", { writeTimeout: "900ms" }),
    "go-service:server.writeTimeout",
    "must be at least 1s: a shorter timeout cuts off ordinary requests (seed validateConfig)",
  ],
  ["timeout without unit", withKey("server", { readTimeout: "30" }), "go-service:server.readTimeout", "must be a Go duration such as 30s, 1m30s or 1h (a number needs a unit)"],
  [
    "HPA min above max",
    withKey("autoscaling", { minReplicas: 5, maxReplicas: 3 }),
    "go-service:autoscaling.minReplicas",
    "must not exceed autoscaling.maxReplicas (5 > 3); lower minReplicas or raise maxReplicas",
  ],
  [
    "HPA min under 2 in production",
    withKey("autoscaling", { minReplicas: 1 }),
    "go-service:autoscaling.minReplicas",
    "must be at least 2 in production (got 1) so one pod can fail or drain",
  ],
  [
    "one fixed replica in production",
    withKey("autoscaling", { enabled: false }).replace("go-service:environment: production", "go-service:environment: production\n  go-service:replicas: 1"),
    "go-service:replicas",
    "must be at least 2 in production (got 1) so one pod can fail or drain",
  ],
  ["malformed host", withKey("ingress", { hosts: ["api_example.com"] }), "go-service:ingress.hosts[0]", "label \"api_example\" must be 1 to 63 letters, digits or '-', not starting or ending with '-'"],
  ["host not fully qualified", withKey("ingress", { hosts: ["localhost"] }), "go-service:ingress.hosts[0]", "must be a fully qualified name such as api.example.com"],
  ["malformed CPU", withKey("resources", { limits: { cpu: "500x" } }), "go-service:resources.limits.cpu", "must be a Kubernetes CPU quantity such as 250m, 0.5 or 2"],
  ["malformed memory", withKey("resources", { requests: { memory: "256MB" } }), "go-service:resources.requests.memory", "must be a Kubernetes memory quantity such as 256Mi, 1Gi or 800M"],
  [
    "request above limit",
    withKey("resources", { requests: { memory: "1Gi" } }),
    "go-service:resources.requests.memory",
    "must not exceed resources.limits.memory (1Gi > 512Mi)",
  ],
  [
    "plain-text secret",
    withKey("jwtSecret", "not-so-secret"),
    "go-service:jwtSecret",
    "is a secret and must not be stored in plain text; run: pulumi config set --secret jwtSecret <value>",
  ],
  ["unknown environment", withKey("environment", "prod"), "go-service:environment", "must be one of development, staging, production"],
  ["missing environment", without("environment"), "go-service:environment", "is required: one of development, staging, production"],
  ["CORS origin with a path", withKey("security", { corsAllowedOrigins: ["https://a.example.com/app"] }), "go-service:security.corsAllowedOrigins[0]", "must be an origin such as https://app.example.com (no path)"],
  ["malformed cron", withKey("backup", { ...(base["go-service:backup"] as object), schedule: "daily" }), "go-service:backup.schedule", "must have 5 fields (minute hour day-of-month month day-of-week), not 1"],
  [
    "backups off in production",
    withKey("backup", { enabled: false }),
    "go-service:backup.enabled",
    "must be true in production: the seed requires database backups",
  ],
  [
    "ingress on without hosts",
    staging({ "go-service:ingress": { hosts: [] } }),
    "go-service:ingress.hosts",
    "must list at least one host when ingress.enabled is true (or set ingress.enabled: false)",
  ],
  ["key without namespace", stackFileText({ ...base, replicas: 3 }), "replicas", "needs a namespace: write it as go-service:replicas"],
  ["YAML syntax error", "config:\n  go-service:environment: production\n   go-service:image: [unclosed\n", "", "YAML syntax error at line 2, column 27: Nested mappings are not allowed in compact mappings"],
];

function problemsOf(text: string) {
  try {
    resolveStackFile(text, { project: PROJECT, stack: "production", file: "Pulumi.production.yaml" });
  } catch (error) {
    if (error instanceof StackConfigError) return error.problems;
    throw error;
  }
  throw new Error("the config was accepted");
}

describe("invalid stack config", () => {
  it("the table has at least 20 cases", () => {
    expect(BAD_CONFIGS.length).toBeGreaterThanOrEqual(20);
  });

  it.each(BAD_CONFIGS)("%s: names the key and says what to change", (_case, text, key, message) => {
    const problems = problemsOf(text);
    const problem = problems.find((p) => p.key === key);
    expect(problem, `problems: ${JSON.stringify(problems, null, 2)}`).toBeDefined();
    expect(problem?.file).toBe("Pulumi.production.yaml");
    if (key === "") expect(problem?.message.startsWith(message)).toBe(true);
    else expect(problem?.message).toBe(message);
  });

  it.each(BAD_CONFIGS)("%s: synth exits with an error and writes nothing for the stack", (_case, text) => {
    const project = mkdtempSync(join(tmpdir(), "synth-bad-"));
    copyFileSync(join(PROJECT_DIR, "Pulumi.yaml"), join(project, "Pulumi.yaml"));
    writeFileSync(join(project, "Pulumi.production.yaml"), text);
    const out = join(project, "dist");
    const result = runSynth({ projectDir: project, outDir: out });
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toContain("Pulumi.production.yaml");
    expect(result.written).toEqual([]);
    expect(existsSync(join(out, "production")) ? readdirSync(join(out, "production")) : []).toEqual([]);
  });

  it("reports every problem of a file at once, in one error", () => {
    const text = stackFileText({
      ...base,
      "go-service:image": "registry.example.com/myapp:latest",
      "go-service:database": { sslMode: "disable", maxOpenConns: "25" },
      "go-service:server": { readTimeout: "100ms" },
      "go-service:replcias": 2,
    });
    const keys = problemsOf(text).map((p) => p.key);
    expect(keys).toEqual(
      expect.arrayContaining([
        "go-service:image",
        "go-service:database.sslMode",
        "go-service:database.maxOpenConns",
        "go-service:server.readTimeout",
        "go-service:replcias",
      ]),
    );
  });

  it("the error message lists each problem on its own line with file and key", () => {
    const error = new StackConfigError([
      { file: "Pulumi.production.yaml", key: "go-service:image", message: "must be pinned" },
      { file: "Pulumi.production.yaml", key: "", message: "YAML syntax error" },
    ]);
    expect(error.message).toBe(
      "Invalid stack configuration (2 problems):\n  Pulumi.production.yaml: go-service:image: must be pinned\n  Pulumi.production.yaml: YAML syntax error",
    );
  });
});
