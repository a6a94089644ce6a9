/**
 * Validates synthesized objects against the Kubernetes OpenAPI schema, as compiled into the
 * kubernetes-models packages (types, required fields, enums, formats). Unknown fields are caught
 * separately by the API server's strict field validation in the end-to-end suite.
 */
interface Validatable {
  validate(): void;
}
type ModelClass = new (data: unknown) => Validatable;

function modulePath(apiVersion: string, kind: string): string {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : [undefined, apiVersion];
  if (group === "monitoring.coreos.com") return `@kubernetes-models/prometheus-operator/${group}/${version}/${kind}`;
  return group === undefined ? `kubernetes-models/${version}/${kind}` : `kubernetes-models/${group}/${version}/${kind}`;
}

/** Throws with the object's kind/name and the schema's message when the object is invalid. */
export async function validateAgainstSchema(object: { apiVersion: string; kind: string; metadata?: { name?: string } }): Promise<void> {
  const path = modulePath(object.apiVersion, object.kind);
  const module = (await import(path)) as Record<string, ModelClass | undefined>;
  const Model = module[object.kind];
  if (Model === undefined) throw new Error(`no schema model for ${object.apiVersion} ${object.kind} (looked in ${path})`);
  try {
    new Model(object).validate();
  } catch (error) {
    throw new Error(`${object.kind}/${object.metadata?.name ?? "?"} is invalid: ${(error as Error).message}`);
  }
}
