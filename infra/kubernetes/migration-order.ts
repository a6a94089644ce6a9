/**
 * The order the schema migrations impose on a release: the migration Job (charts/migration-job.ts) is
 * applied, and awaited to success, before any Deployment is changed; a failed migration fails the update
 * with every pod as it was.
 */
import { MIGRATION_COMPONENT } from "../../charts/migration-job.js";
import type { KubernetesObject } from "../../synth/synthesize.js";

type Labelled = Pick<KubernetesObject, "kind" | "metadata">;

function component(object: Labelled): unknown {
  const labels = object.metadata["labels"];
  return labels !== null && typeof labels === "object" ? (labels as Record<string, unknown>)["app.kubernetes.io/component"] : undefined;
}

/** The migration Job of a stack's objects. */
export function isMigrationJob(object: Labelled): boolean {
  return object.kind === "Job" && component(object) === MIGRATION_COMPONENT;
}

/** The migration Job's NetworkPolicy, applied before the Job so that its pod never runs unrestricted. */
export function isMigrationNetworkPolicy(object: Labelled): boolean {
  return object.kind === "NetworkPolicy" && component(object) === MIGRATION_COMPONENT;
}

/** Objects that must wait for the migrations: the workloads that run the release's code (the stable and canary Deployments). */
export function waitsForMigrations(object: Labelled): boolean {
  return object.kind === "Deployment" || object.kind === "StatefulSet" || object.kind === "DaemonSet";
}
