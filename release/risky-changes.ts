import type { ResourceChange } from "./resource-changes.js";

/**
 * Types whose deletion loses data that no re-apply brings back, with what is lost. A replacement
 * deletes the old resource too, so it counts.
 */
export const STATEFUL_TYPES: Readonly<Record<string, string>> = {
  "aws:s3/bucket:Bucket": "the bucket and every object in it (the database backups)",
  "aws:s3/bucketV2:BucketV2": "the bucket and every object in it (the database backups)",
  "aws:rds/instance:Instance": "the database and its data",
  "kubernetes:core/v1:Namespace": "every object in the namespace: pods, Secrets, ConfigMaps, volumes claims",
  "kubernetes:core/v1:PersistentVolumeClaim": "the volume's data (unless its reclaim policy retains it)",
  "kubernetes:core/v1:PersistentVolume": "the volume's data (unless its reclaim policy retains it)",
  "kubernetes:apps/v1:StatefulSet": "the StatefulSet's pods (its volume claims are kept by default)",
};

/** A change a reviewer must not miss, and why. */
export interface RiskyChange {
  readonly change: ResourceChange;
  readonly severity: "blocked" | "data-loss" | "downtime";
  readonly reason: string;
}

/**
 * Deletions and replacements of protected or stateful resources, most severe first. A protected
 * resource makes the update fail; a stateful one loses data; any other replacement deletes the live
 * object before or after creating its successor.
 */
export function riskyChanges(changes: readonly ResourceChange[]): RiskyChange[] {
  const out: RiskyChange[] = [];
  for (const change of changes) {
    if (change.op !== "delete" && change.op !== "replace") continue;
    const verb = change.op === "delete" ? "deletes" : "replaces (deletes, then recreates)";
    if (change.protect) {
      out.push({ change, severity: "blocked", reason: `${verb} a **protected** resource: the update will fail until \`protect\` is removed in the program` });
    }
    const lost = STATEFUL_TYPES[change.type];
    if (lost !== undefined) {
      const kept = change.retainOnDelete ? " (retainOnDelete: the cloud resource itself is kept)" : "";
      out.push({ change, severity: "data-loss", reason: `${verb} a stateful resource: loses ${lost}${kept}` });
    } else if (change.op === "replace" && !change.protect) {
      const keys = change.replaceKeys.length > 0 ? ` because ${change.replaceKeys.map((k) => `\`${k}\``).join(", ")} changed` : "";
      out.push({ change, severity: "downtime", reason: `is replaced${keys}` });
    }
  }
  const rank = { blocked: 0, "data-loss": 1, downtime: 2 };
  return out.sort((a, b) => rank[a.severity] - rank[b.severity] || a.change.type.localeCompare(b.change.type) || a.change.name.localeCompare(b.change.name));
}
