/**
 * The layers of the repository, bottom first. A file may import from its own layer and the layers
 * below it, never from a layer above: configuration knows nothing of Kubernetes objects, constructs know
 * nothing of Pulumi, the Pulumi program knows nothing of the release tool, and only the command-line
 * entry points know about all of them. Written once here; CONTRIBUTING.md and the README describe it.
 */
export const LAYERS = [
  { name: "config", folders: ["config"], job: "schema, every default, every validator, stack-file resolution" },
  { name: "alerts", folders: ["alerts"], job: "the observability model: metrics catalog, rules, SLOs" },
  { name: "dashboards", folders: ["dashboards"], job: "the Grafana dashboard, from the same model" },
  { name: "charts", folders: ["charts"], job: "cdk8s constructs only" },
  { name: "synth", folders: ["synth"], job: "a stack's chart, objects and files (no Pulumi)" },
  { name: "policies", folders: ["policies"], job: "guardrails over synthesized objects, and their Pulumi policy pack" },
  { name: "infra", folders: ["infra"], job: "the Pulumi program and components" },
  { name: "release", folders: ["release"], job: "previews, deploys, rollback, verification (Automation API)" },
  { name: "entry", folders: ["index.ts"], job: "the library's one entry point (re-exports only)" },
  { name: "cli", folders: ["cli"], job: "command-line entry points" },
] as const;

/** Folders that are not layers: they may import any layer, and no layer may import them. */
export const CONSUMERS = ["test", "bench", "examples", "scripts"] as const;

/** Packages a layer must not load (the layer's whole point is to work without them). */
export const FORBIDDEN_PACKAGES: Readonly<Record<string, readonly string[]>> = {
  config: ["@pulumi/pulumi", "@pulumi/kubernetes", "@pulumi/aws", "@pulumi/policy", "cdk8s", "cdk8s-plus-28", "constructs"],
  alerts: ["@pulumi/pulumi", "@pulumi/kubernetes", "@pulumi/aws", "@pulumi/policy"],
  dashboards: ["@pulumi/pulumi", "@pulumi/kubernetes", "@pulumi/aws", "@pulumi/policy"],
  charts: ["@pulumi/pulumi", "@pulumi/kubernetes", "@pulumi/aws", "@pulumi/policy"],
  synth: ["@pulumi/pulumi", "@pulumi/kubernetes", "@pulumi/aws", "@pulumi/policy"],
};

/** The layer a repository path belongs to, or undefined for consumers and root files that are not the entry. */
export function layerOf(path: string): { name: string; rank: number } | undefined {
  const top = path.split("/")[0] ?? path;
  const rank = LAYERS.findIndex((layer) => (layer.folders as readonly string[]).includes(top));
  const layer = LAYERS[rank];
  return layer ? { name: layer.name, rank } : undefined;
}
