// The preview report, on engine events captured from real previews of the local stack (fixtures/).
import { readFileSync } from "node:fs";
import type { EngineEvent } from "@pulumi/pulumi/automation/index.js";
import { describe, expect, it } from "vitest";
import { commentMarker, DEFAULT_REPORT_LIMIT, GITHUB_COMMENT_LIMIT, renderPreviewMarkdown, type PreviewReportInput } from "../../release/markdown-report.js";
import { errorDiagnostics } from "../../release/preview.js";
import { countChanges, resourceChanges } from "../../release/resource-changes.js";
import { SECRET_SIGNATURE, SECRET_SIGNATURE_KEY } from "../../release/secret-mask.js";

function fixture(name: string): EngineEvent[] {
  return JSON.parse(readFileSync(new URL(`fixtures/${name}.events.json`, import.meta.url), "utf8")) as EngineEvent[];
}

function input(events: EngineEvent[], extra: Partial<PreviewReportInput> = {}): PreviewReportInput {
  const changes = resourceChanges(events);
  return { stack: "staging", counts: countChanges(events, changes), changes, errors: errorDiagnostics(events), ...extra };
}

const render = (events: EngineEvent[], extra: Partial<PreviewReportInput> = {}, maxChars?: number) =>
  renderPreviewMarkdown(input(events, extra), maxChars === undefined ? {} : { maxChars }).markdown;

/** The table row of a property, by its readable path. */
function row(markdown: string, label: string): string | undefined {
  return markdown.split("\n").find((line) => line.startsWith(`| \`${label}\``));
}

/** The markdown of one resource section, from its header line to the next one. */
function section(markdown: string, header: string): string {
  const start = markdown.indexOf(header);
  expect(start, `no section ${header}`).toBeGreaterThanOrEqual(0);
  const next = markdown.slice(start + header.length).search(header.startsWith("####") ? /\n#### / : /\n(🟢|🟡|🟠|🔴|####) /);
  return next < 0 ? markdown.slice(start) : markdown.slice(start, start + header.length + next);
}

describe("summary line", () => {
  it.each([
    ["create", "20 to create, 0 to update, 0 to replace, 0 to delete (0 unchanged)"],
    ["image-change", "0 to create, 8 to update, 0 to replace, 0 to delete (12 unchanged)"],
    ["secret-change", "0 to create, 0 to update, 1 to replace, 0 to delete (19 unchanged)"],
    ["config-change", "0 to create, 7 to update, 2 to replace, 1 to delete (10 unchanged)"],
  ])("%s: comes first, with creates, updates, replaces and deletes", (name, summary) => {
    expect(render(fixture(name)).split("\n")[0]).toBe(`**Preview of \`staging\`**: ${summary}`);
  });

  it("counts only real resources: not the stack, not component resources", () => {
    const changes = resourceChanges(fixture("create"));
    expect(changes.map((c) => c.type)).not.toContain("pulumi:pulumi:Stack");
    expect(changes.map((c) => c.type)).not.toContain("seed:stack:GoServiceStack");
    expect(changes.map((c) => c.type)).toContain("pulumi:providers:kubernetes");
  });

  it("says a failed preview failed, with the engine's error", () => {
    const markdown = render(fixture("namespace-renamed-protected"));
    expect(markdown.split("\n")[0]).toMatch(/^\*\*Preview of `staging` failed\*\*: /);
    expect(markdown).toContain("#### Errors\n\n```text\nPreview failed: resource \"urn:pulumi:release-e2e::go-service::seed:stack:GoServiceStack$kubernetes:core/v1:Namespace::myapp-local\" cannot be deleted\nbecause it is protected.");
  });

  it("lists the program's and providers' warnings", () => {
    const events = fixture("image-change");
    expect(render(events, { warnings: errorDiagnostics(events, "warning") })).toContain("#### Warnings\n\n- Undefined value (backupBucketArn) will not show as a stack output.\n");
  });

  it("ends with the hidden marker CI finds the comment by", () => {
    expect(render(fixture("image-change")).trimEnd().endsWith(commentMarker("staging"))).toBe(true);
    expect(commentMarker("production")).toBe("<!-- preview:production -->");
  });
});

describe("grouping", () => {
  it("lists only changed resources, grouped by kind, groups and resources in a stable order", () => {
    const markdown = render(fixture("image-change"));
    const headers = markdown.split("\n").filter((l) => l.startsWith("#### "));
    expect(headers).toEqual([
      "#### Deployment (`kubernetes:apps/v1:Deployment`)",
      "#### HorizontalPodAutoscaler (`kubernetes:autoscaling/v2:HorizontalPodAutoscaler`)",
      "#### ConfigMap (`kubernetes:core/v1:ConfigMap`)",
      "#### Service (`kubernetes:core/v1:Service`)",
      "#### ServiceAccount (`kubernetes:core/v1:ServiceAccount`)",
      "#### Ingress (`kubernetes:networking.k8s.io/v1:Ingress`)",
      "#### NetworkPolicy (`kubernetes:networking.k8s.io/v1:NetworkPolicy`)",
      "#### PodDisruptionBudget (`kubernetes:policy/v1:PodDisruptionBudget`)",
    ]);
    // Unchanged resources (CronJobs, Secret, Namespace...) are not listed.
    expect(markdown).not.toContain("db-backup");
    expect(markdown).not.toContain("#### Namespace");
  });

  it("is deterministic: the same events in another order give the same report", () => {
    const events = fixture("config-change");
    expect(render([...events].reverse())).toBe(render(events));
  });
});

describe("property-level diff of Kubernetes manifests", () => {
  const markdown = render(fixture("config-change"));
  const deployment = section(markdown, "#### Deployment (`kubernetes:apps/v1:Deployment`)");

  it("container image, by container name", () => {
    expect(row(render(fixture("image-change")), "spec.template.spec.containers[app].image")).toBe(
      "| `spec.template.spec.containers[app].image` | `registry.example.com/myapp:v1.4.2` | `registry.example.com/myapp:v1.4.3` |",
    );
  });

  it("replicas, added when autoscaling is turned off", () => {
    expect(row(deployment, "spec.replicas")).toBe("| `spec.replicas` | _(absent)_ | `3` |");
  });

  it("env, by variable name", () => {
    expect(row(deployment, "spec.template.spec.containers[app].env[GOMEMLIMIT].value")).toBe(
      "| `spec.template.spec.containers[app].env[GOMEMLIMIT].value` | `460MiB` | `691MiB` |",
    );
  });

  it("resources", () => {
    expect(row(deployment, "spec.template.spec.containers[app].resources.limits.memory")).toBe(
      "| `spec.template.spec.containers[app].resources.limits.memory` | `512Mi` | `768Mi` |",
    );
  });

  it("annotations, with their keys quoted", () => {
    expect(row(markdown, 'metadata.annotations["cert-manager.io/cluster-issuer"]')).toBe(
      '| `metadata.annotations["cert-manager.io/cluster-issuer"]` | `selfsigned` | `letsencrypt-staging` |',
    );
    expect(row(deployment, 'spec.template.metadata.annotations["checksum/config"]')).toMatch(/^\| `spec\.template\.metadata\.annotations\["checksum\/config"\]` \| `[0-9a-f]{64}` \| `[0-9a-f]{64}` \|$/);
  });

  it("a large text (a dashboard in a ConfigMap) by its first differing line", () => {
    expect(row(markdown, 'data["myapp-staging.json"]')).toBe(
      '| `data["myapp-staging.json"]` ⚠️ _forces replacement_ | line 856: `"value": 483183821` | line 856: `"value": 724775731` _(2 lines differ, 1528 → 1528 lines)_ |',
    );
  });

  it("Prometheus rules by alert name", () => {
    expect(row(markdown, "spec.groups[myapp.alerts].rules[HighMemoryUsage].expr")).toBe("| `spec.groups[myapp.alerts].rules[HighMemoryUsage].expr` | line 3: `536870912` | line 3: `805306368` |");
  });

  it("what a created workload runs: images and schedule", () => {
    const cronJob = section(render(fixture("create")), "🟢 **create** `myapp-local/db-backup`\n\n| Property | Value |");
    expect(cronJob).toContain("| `spec.schedule` | `0 2 * * *` |");
    expect(cronJob).toContain("| `spec.jobTemplate.spec.template.spec.containers[backup].image` | `registry.example.com/pg-backup-tools:15.8-1` |");
  });
});

describe("replacements and deletions", () => {
  it("calls replacements out first, with the properties that force them", () => {
    const markdown = render(fixture("config-change"));
    expect(markdown).toContain(
      "> [!CAUTION]\n> **Read before merging: this change deletes or replaces resources.**\n>\n" +
        "> ⚠️ `kubernetes:core/v1:ConfigMap` `myapp-local/myapp-config` is replaced because `data.LOG_LEVEL` changed.\n" +
        '> ⚠️ `kubernetes:core/v1:ConfigMap` `myapp-local/myapp-dashboard` is replaced because `data["myapp-staging.json"]` changed.\n',
    );
    expect(markdown.indexOf("[!CAUTION]")).toBeLessThan(markdown.indexOf("####"));
    expect(section(markdown, "🟠 **replace** `myapp-local/myapp-config`")).toContain("Replaced because `data.LOG_LEVEL` changed.\n\n| Property | Before | After |\n|---|---|---|\n| `data.LOG_LEVEL` ⚠️ _forces replacement_ | `info` | `debug` |");
  });

  it("marks deletions", () => {
    expect(render(fixture("config-change"))).toContain("#### HorizontalPodAutoscaler (`kubernetes:autoscaling/v2:HorizontalPodAutoscaler`)\n\n🔴 **delete** `myapp-local/myapp`");
  });

  it("flags loudly the deletion of a protected resource and of a stateful one (the Namespace)", () => {
    const markdown = render(fixture("namespace-renamed-protected"));
    expect(markdown).toContain(
      "> 🛑 `kubernetes:core/v1:Namespace` `myapp-local` deletes a **protected** resource: the update will fail until `protect` is removed in the program.\n" +
        "> 🚨 `kubernetes:core/v1:Namespace` `myapp-local` deletes a stateful resource: loses every object in the namespace: pods, Secrets, ConfigMaps, volumes claims.\n",
    );
    expect(markdown).toContain("🔴 **delete** `myapp-local` (🔒 protected)");
  });

  it("flags the deletion of the backup bucket (aws:s3/bucket:Bucket)", () => {
    // The local stack owns no bucket: the Namespace's real delete step, retyped as the bucket.
    const events = fixture("namespace-renamed-protected").map((e) => {
      const m = e.resourcePreEvent?.metadata;
      if (m?.op !== "delete" || m.type !== "kubernetes:core/v1:Namespace") return e;
      const retype = <T extends { type: string; protect?: boolean } | undefined>(s: T): T => (s == null ? s : { ...s, type: "aws:s3/bucket:Bucket", protect: false });
      return { ...e, resourcePreEvent: { ...e.resourcePreEvent, metadata: { ...m, type: "aws:s3/bucket:Bucket", old: retype(m.old), new: retype(m.new) } } } as EngineEvent;
    });
    expect(render(events)).toContain("> 🚨 `aws:s3/bucket:Bucket` `myapp-local` deletes a stateful resource: loses the bucket and every object in it (the database backups).");
  });
});

describe("secrets", () => {
  const SECRET_VALUES = ["e2e-jwt-SECRET-4f1c9a7b2d8e6053a1b9", "e2eENCkey0123456789abcdefSECRET!", "e2e-csrf-SECRET-77d0b3e5a9", "e2e-db-SECRET-pass-c4e8f2a6", "e2e-csrf-ROTATED-SECRET-19a8"];

  it("the captured events hold no secret value, and a changed secret shows [secret] before and after", () => {
    const raw = readFileSync(new URL("fixtures/secret-change.events.json", import.meta.url), "utf8");
    for (const v of SECRET_VALUES) {
      expect(raw).not.toContain(v);
      expect(raw).not.toContain(Buffer.from(v).toString("base64"));
    }
    expect(row(render(fixture("secret-change")), "data.csrf-secret")).toBe("| `data.csrf-secret` ⚠️ _forces replacement_ | `[secret]` | `[secret]` |");
  });

  it("masks a Secret's data even if an event carried it in plain text, old and new alike", () => {
    const leaky = fixture("secret-change").map((e) => {
      const m = e.resourcePreEvent?.metadata;
      if (m?.type !== "kubernetes:core/v1:Secret" || m.op === "same") return e;
      const plain = (s: typeof m.old, value: string) => (s == null ? s : { ...s, inputs: { ...s.inputs, data: { "csrf-secret": Buffer.from(value).toString("base64") } } });
      return { ...e, resourcePreEvent: { ...e.resourcePreEvent, metadata: { ...m, old: plain(m.old, "plain-OLD-value"), new: plain(m.new, "plain-NEW-value") } } } as EngineEvent;
    });
    const markdown = render(leaky);
    expect(row(markdown, "data.csrf-secret")).toBe("| `data.csrf-secret` ⚠️ _forces replacement_ | `[secret]` | `[secret]` |");
    expect(markdown).not.toContain(Buffer.from("plain-NEW-value").toString("base64"));
  });

  it("masks any value the engine marks secret, in any resource, even with its plaintext attached", () => {
    const leaky = fixture("image-change").map((e) => {
      const m = e.resourcePreEvent?.metadata;
      if (m?.type !== "kubernetes:apps/v1:Deployment" || m.new === undefined) return e;
      const containers = [{ ...(m.new.inputs.spec.template.spec.containers[0] as object), image: { [SECRET_SIGNATURE_KEY]: SECRET_SIGNATURE, plaintext: '"registry.example.com/private:v9"' } }];
      const inputs = { ...m.new.inputs, spec: { ...m.new.inputs.spec, template: { ...m.new.inputs.spec.template, spec: { ...m.new.inputs.spec.template.spec, containers } } } };
      return { ...e, resourcePreEvent: { ...e.resourcePreEvent, metadata: { ...m, new: { ...m.new, inputs } } } } as EngineEvent;
    });
    const markdown = render(leaky);
    expect(row(markdown, "spec.template.spec.containers[app].image")).toBe("| `spec.template.spec.containers[app].image` | `[secret]` | `[secret]` |");
    expect(markdown).not.toContain("private:v9");
  });

  it("scrubs the stack's secret values from anything else, errors included", () => {
    const markdown = render(fixture("image-change"), { errors: [`the server said: token=${SECRET_VALUES[0]}`], secretValues: SECRET_VALUES });
    expect(markdown).toContain("the server said: token=[secret]");
    expect(markdown).not.toContain(SECRET_VALUES[0]);
  });
});

describe("secrets cut or escaped in a value", () => {
  const SECRET = "e2e-jwt-SECRET-4f1c9a7b2d8e6053a1b9";
  const PIPED = "a|secret|with-pipes-0042";
  const withValue = (after: string): PreviewReportInput => ({
    stack: "staging",
    counts: { create: 0, update: 1, replace: 0, delete: 0, same: 0 },
    changes: [
      {
        op: "update",
        type: "kubernetes:core/v1:ConfigMap",
        name: "myapp/myapp-config",
        urn: "urn:pulumi:staging::go-service::kubernetes:core/v1:ConfigMap::myapp-config",
        protect: false,
        retainOnDelete: false,
        replaceKeys: [],
        highlights: [],
        properties: [{ label: "data.TOKEN", path: "data.TOKEN", kind: "update", before: "old", after, replaces: false }],
      },
    ],
  });

  it.each([
    ["a secret across the 300-character cut of a value: not even its start is left", `${"x".repeat(290)}${SECRET}`, SECRET, SECRET.slice(0, 10)],
    ["a secret holding a pipe, which the table escapes", PIPED, PIPED, "secret\\|with"],
  ])("%s", (_case, after, secret, leaked) => {
    const markdown = renderPreviewMarkdown({ ...withValue(after), secretValues: [secret] }).markdown;
    expect(markdown).not.toContain(leaked);
    expect(row(markdown, "data.TOKEN")).toMatch(/^\| `data\.TOKEN` \| `old` \| `(x+)?\[secret\]` \|$/);
  });
});

describe("size limit", () => {
  it("the default keeps a margin under GitHub's comment limit", () => {
    expect(DEFAULT_REPORT_LIMIT).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT - 5_000);
  });

  it("stays under the limit: summary and call-outs kept, resources condensed then left out with a note", () => {
    const events = fixture("config-change");
    const full = render(events);
    const limited = renderPreviewMarkdown(input(events), { maxChars: 3_000, fullReportName: "the `preview-staging` artifact" });
    expect(full.length).toBeGreaterThan(3_000);
    expect(limited.markdown.length).toBeLessThanOrEqual(3_000);
    expect(limited.markdown.split("\n")[0]).toBe(full.split("\n")[0]);
    expect(limited.markdown).toContain("> [!CAUTION]");
    expect(limited.omitted).toBeGreaterThan(0);
    expect(limited.markdown).toContain(`> ${limited.omitted} more changed resource(s) are not shown: the comment has a size limit. See the \`preview-staging\` artifact.`);
    expect(limited.markdown.trimEnd().endsWith(commentMarker("staging"))).toBe(true);
  });

  it("a very large preview (hundreds of changed resources) fits the default limit", () => {
    const base = fixture("config-change");
    const many: EngineEvent[] = [];
    for (let i = 0; i < 60; i += 1) {
      for (const e of base) {
        const m = e.resourcePreEvent?.metadata;
        many.push(m === undefined ? e : ({ ...e, resourcePreEvent: { ...e.resourcePreEvent, metadata: { ...m, urn: `${m.urn}-${i}` } } } as EngineEvent));
      }
    }
    const rendered = renderPreviewMarkdown(input(many));
    expect(rendered.markdown.length).toBeLessThanOrEqual(DEFAULT_REPORT_LIMIT);
    expect(rendered.omitted).toBeGreaterThan(0);
    expect(renderPreviewMarkdown(input(many), { maxChars: Number.MAX_SAFE_INTEGER }).omitted).toBe(0);
  });
});
