import { describe, expect, it } from "vitest";
import { KUBERNETES_RULES } from "../../policies/rules.js";
import { checkKubernetesManifests } from "../../policies/run.js";
import { formatObjectRef } from "../../policies/types.js";
import type { Manifest } from "../support/stacks.js";
import { appContainer, asManifests, backupContainer, find, goodObjects } from "./fixtures.js";

const check = (objects: Manifest[]) => checkKubernetesManifests(asManifests(objects), { environment: "production" });
const deploymentPod = (objects: Manifest[]) => find(objects, "Deployment").spec.template.spec;

/** One mistake each: the rule expected to fire and the object it names. */
const BREAKAGES: readonly { rule: string; object: string; mutate: (objects: Manifest[]) => void }[] = [
  { rule: "pss-privileged", object: "Deployment/myapp/myapp", mutate: (o) => void (appContainer(o).securityContext.privileged = true) },
  { rule: "pss-host-namespaces", object: "Deployment/myapp/myapp", mutate: (o) => void (deploymentPod(o).hostNetwork = true) },
  { rule: "pss-host-ports", object: "Deployment/myapp/myapp", mutate: (o) => void (appContainer(o).ports[0].hostPort = 8080) },
  {
    rule: "pss-volume-types",
    object: "Deployment/myapp/myapp",
    mutate: (o) => void deploymentPod(o).volumes.push({ name: "node-logs", hostPath: { path: "/var/log" } }),
  },
  { rule: "pss-privilege-escalation", object: "Deployment/myapp/myapp", mutate: (o) => void (appContainer(o).securityContext.allowPrivilegeEscalation = true) },
  { rule: "pss-run-as-non-root", object: "Deployment/myapp/myapp", mutate: (o) => void (appContainer(o).securityContext.runAsNonRoot = false) },
  { rule: "pss-seccomp", object: "Deployment/myapp/myapp", mutate: (o) => void (appContainer(o).securityContext.seccompProfile = { type: "Unconfined" }) },
  { rule: "pss-capabilities", object: "Deployment/myapp/myapp", mutate: (o) => void (appContainer(o).securityContext.capabilities = { drop: ["NET_RAW"] }) },
  { rule: "read-only-root-filesystem", object: "Deployment/myapp/myapp", mutate: (o) => void (appContainer(o).securityContext.readOnlyRootFilesystem = false) },
  { rule: "resources-requests-limits", object: "Deployment/myapp/myapp", mutate: (o) => void delete appContainer(o).resources.limits.cpu },
  { rule: "probes-liveness-readiness", object: "Deployment/myapp/myapp", mutate: (o) => void delete appContainer(o).readinessProbe },
  { rule: "image-pinned", object: "Deployment/myapp/myapp", mutate: (o) => void (appContainer(o).image = "registry.example.com/myapp:latest") },
  { rule: "image-digest", object: "Deployment/myapp/myapp", mutate: (o) => void (appContainer(o).image = "registry.example.com/myapp:v1.4.2") },
  { rule: "pdb-required", object: "Deployment/myapp/myapp", mutate: (o) => void o.splice(o.indexOf(find(o, "PodDisruptionBudget")), 1) },
  { rule: "network-policy-coverage", object: "Deployment/myapp/myapp", mutate: (o) => void o.splice(o.indexOf(find(o, "NetworkPolicy", "myapp")), 1) },
  {
    rule: "network-policy-coverage",
    object: "CronJob/batch/fixture-backup",
    mutate: (o) => void o.splice(o.indexOf(find(o, "NetworkPolicy", "fixture-backup")), 1),
  },
  { rule: "ingress-tls", object: "Ingress/myapp/myapp", mutate: (o) => void (find(o, "Ingress").spec.tls[0].hosts = ["monapp.com"]) },
  {
    rule: "pss-privilege-escalation",
    object: "CronJob/batch/fixture-backup",
    mutate: (o) => void (backupContainer(o).securityContext.allowPrivilegeEscalation = true),
  },
  {
    rule: "image-pinned",
    object: "CronJob/batch/fixture-backup",
    mutate: (o) => void (backupContainer(o).image = "registry.example.com/pg-backup-tools"),
  },
];

describe("Kubernetes guardrails", () => {
  it("pass the good objects (production stack, backup CronJob) with no violation at all", () => {
    expect(check(goodObjects())).toEqual([]);
  });

  it("have a known-bad case for every rule", () => {
    expect(new Set(BREAKAGES.map((b) => b.rule))).toEqual(new Set(KUBERNETES_RULES.map((r) => r.id)));
  });

  it.each(BREAKAGES)("$rule fires alone on $object", ({ rule, object, mutate }) => {
    const objects = goodObjects();
    mutate(objects);
    const violations = check(objects);
    expect(violations.map((v) => [v.ruleId, formatObjectRef(v.object)])).toEqual([[rule, object]]);
    const [violation] = violations;
    expect(violation?.level).toBe(KUBERNETES_RULES.find((r) => r.id === rule)?.level);
    expect(violation?.fix.length).toBeGreaterThan(10);
  });

  it.each(["Pod", "StatefulSet", "DaemonSet", "Job", "CronJob"])("checks the pods of a %s", (kind) => {
    const deployment = find(goodObjects(), "Deployment");
    const pod = { metadata: deployment.spec.template.metadata, spec: { ...deployment.spec.template.spec, hostPID: true } };
    const specs: Record<string, Manifest> = {
      Pod: { apiVersion: "v1", kind, metadata: { ...deployment.metadata, labels: pod.metadata.labels }, spec: pod.spec },
      StatefulSet: { apiVersion: "apps/v1", kind, metadata: deployment.metadata, spec: { ...deployment.spec, template: pod } },
      DaemonSet: { apiVersion: "apps/v1", kind, metadata: deployment.metadata, spec: { selector: deployment.spec.selector, template: pod } },
      Job: { apiVersion: "batch/v1", kind, metadata: deployment.metadata, spec: { template: pod } },
      CronJob: { apiVersion: "batch/v1", kind, metadata: deployment.metadata, spec: { schedule: "@daily", jobTemplate: { spec: { template: pod } } } },
    };
    const violations = checkKubernetesManifests(asManifests([specs[kind] as Manifest]), { environment: "production" });
    expect(violations.filter((v) => v.ruleId === "pss-host-namespaces").map((v) => formatObjectRef(v.object))).toEqual([`${kind}/myapp/myapp`]);
  });

  it("counts an HPA's maxReplicas for the disruption budget", () => {
    const objects = goodObjects();
    objects.splice(objects.indexOf(find(objects, "PodDisruptionBudget")), 1);
    expect(find(objects, "Deployment").spec.replicas).toBeUndefined();
    expect(check(objects).map((v) => v.message)).toEqual([expect.stringContaining("HorizontalPodAutoscaler myapp maxReplicas 10")]);
    objects.splice(objects.indexOf(find(objects, "HorizontalPodAutoscaler")), 1);
    expect(check(objects)).toEqual([]);
  });

  it("applies the image rules only in production, known from the label or the context", () => {
    const objects = goodObjects();
    appContainer(objects).image = "registry.example.com/myapp:latest";
    for (const o of objects) if (o.metadata.labels) o.metadata.labels["app.kubernetes.io/environment"] = "staging";
    find(objects, "Deployment").spec.template.metadata.labels["app.kubernetes.io/environment"] = "staging";
    expect(check(objects)).toEqual([]);
    expect(checkKubernetesManifests(asManifests([find(objects, "CronJob", "fixture-backup")]), { environment: "production" })).toEqual([
      expect.objectContaining({ ruleId: "network-policy-coverage" }),
    ]);
  });
});
