/**
 * Validates synthesized objects against the Kubernetes OpenAPI schema, as compiled into the
 * kubernetes-models packages (types, required fields, enums, formats), and rejects unknown fields, for
 * every kind, as the API server's strict field validation does: a misspelt field fails `npm test`, not
 * only the end-to-end suite.
 *
 * The compiled validators accept unknown fields (the OpenAPI schemas do not forbid them), so the known
 * fields come from the same models' type declarations (generated from the same schemas, and for the
 * Prometheus Operator kinds from the operator's Go types): the TypeScript checker resolves each
 * object's model interface, and every key of the object must be a property of the type at its place
 * (or fall under an index signature such as `labels`, or a free-form type such as `any`).
 */
import { fileURLToPath } from "node:url";
import path from "node:path";
import ts from "typescript";

interface Validatable {
  validate(): void;
}
type ModelClass = new (data: unknown) => Validatable;

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

function modulePath(apiVersion: string, kind: string): string {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : [undefined, apiVersion];
  if (group === "monitoring.coreos.com") return `@kubernetes-models/prometheus-operator/${group}/${version}/${kind}`;
  return group === undefined ? `kubernetes-models/${version}/${kind}` : `kubernetes-models/${group}/${version}/${kind}`;
}

/** Throws with the object's kind/name and the schema's message when the object is invalid or has a field its kind does not know. */
export async function validateAgainstSchema(object: { apiVersion: string; kind: string; metadata?: { name?: string } }): Promise<void> {
  const path_ = modulePath(object.apiVersion, object.kind);
  const module = (await import(path_)) as Record<string, ModelClass | undefined>;
  const Model = module[object.kind];
  if (Model === undefined) throw new Error(`no schema model for ${object.apiVersion} ${object.kind} (looked in ${path_})`);
  try {
    new Model(object).validate();
  } catch (error) {
    throw new Error(`${object.kind}/${object.metadata?.name ?? "?"} is invalid: ${(error as Error).message}`);
  }
  const unknown = unknownFields(object);
  if (unknown.length > 0) throw new Error(`${object.kind}/${object.metadata?.name ?? "?"} is invalid: unknown field(s) ${unknown.map((f) => `"${f}"`).join(", ")}`);
}

/** The kinds the program is built with up front (every kind the charts make); others are added on first use. */
const KINDS: readonly [string, string][] = [
  ["v1", "Namespace"],
  ["v1", "ConfigMap"],
  ["v1", "Secret"],
  ["v1", "Service"],
  ["v1", "ServiceAccount"],
  ["apps/v1", "Deployment"],
  ["batch/v1", "CronJob"],
  ["networking.k8s.io/v1", "Ingress"],
  ["networking.k8s.io/v1", "NetworkPolicy"],
  ["autoscaling/v2", "HorizontalPodAutoscaler"],
  ["policy/v1", "PodDisruptionBudget"],
  ["monitoring.coreos.com/v1", "ServiceMonitor"],
  ["monitoring.coreos.com/v1", "PrometheusRule"],
];

const ROOT_FILE = path.join(REPO, "test", "support", "__kubernetes-models__.mts");

interface Models {
  readonly key: string;
  readonly program: ts.Program;
  readonly types: ReadonlyMap<string, ts.Type>;
}
let models: Models | undefined;

const alias = (apiVersion: string, kind: string): string => `M_${`${apiVersion}_${kind}`.replace(/[^A-Za-z0-9]/g, "_")}`;

/** A program whose one root file names each kind's model interface, its checker, and each kind's type. */
function modelTypes(apiVersion: string, kind: string): { checker: ts.TypeChecker; type: ts.Type } {
  const wanted = new Map<string, [string, string]>([...KINDS, ...(models === undefined ? [] : [...models.types.keys()].map((k) => k.split(" ") as [string, string]))].map((e) => [`${e[0]} ${e[1]}`, e]));
  wanted.set(`${apiVersion} ${kind}`, [apiVersion, kind]);
  const key = [...wanted.keys()].sort().join(",");
  if (models === undefined || models.key !== key) {
    const source = [...wanted.values()].map(([v, k]) => `import type { I${k} } from "${modulePath(v, k)}";\nexport type ${alias(v, k)} = I${k};`).join("\n");
    const options: ts.CompilerOptions = { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, strict: true, noEmit: true, skipLibCheck: true, types: [] };
    const host = ts.createCompilerHost(options, true);
    const getSourceFile = host.getSourceFile.bind(host);
    host.getSourceFile = (file, language, ...rest) => (path.resolve(file) === ROOT_FILE ? ts.createSourceFile(file, source, language, true) : getSourceFile(file, language, ...rest));
    const fileExists = host.fileExists.bind(host);
    host.fileExists = (file) => path.resolve(file) === ROOT_FILE || fileExists(file);
    const readFile = host.readFile.bind(host);
    host.readFile = (file) => (path.resolve(file) === ROOT_FILE ? source : readFile(file));
    const program = ts.createProgram({ rootNames: [ROOT_FILE], options, host, ...(models === undefined ? {} : { oldProgram: models.program }) });
    const checker = program.getTypeChecker();
    const root = program.getSourceFile(ROOT_FILE);
    const symbols = root === undefined ? [] : (checker.getSymbolAtLocation(root)?.exports ?? new Map<ts.__String, ts.Symbol>());
    const types = new Map<string, ts.Type>();
    for (const [k, [v, kd]] of wanted) {
      const symbol = (symbols as Map<ts.__String, ts.Symbol>).get(alias(v, kd) as ts.__String);
      if (symbol === undefined) continue;
      const type = checker.getDeclaredTypeOfSymbol(symbol);
      if (!(type.flags & ts.TypeFlags.Any)) types.set(k, type);
    }
    models = { key, program, types };
  }
  const type = models.types.get(`${apiVersion} ${kind}`);
  if (type === undefined) throw new Error(`no model type for ${apiVersion} ${kind} (${modulePath(apiVersion, kind)})`);
  return { checker: models.program.getTypeChecker(), type };
}

/** The paths of every field of `object` that its kind's model does not declare. */
export function unknownFields(object: { apiVersion: string; kind: string }): string[] {
  const { checker, type } = modelTypes(object.apiVersion, object.kind);
  const found: string[] = [];
  walk(checker, object, type, "", found);
  return found;
}

const FREE_FORM = ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.NonPrimitive;

function walk(checker: ts.TypeChecker, value: unknown, type: ts.Type, at: string, found: string[]): void {
  if (value === null || value === undefined || typeof value !== "object") return;
  if (type.flags & FREE_FORM) return;
  if (type.isUnion()) {
    const members = type.types.filter((t) => !(t.flags & (ts.TypeFlags.Null | ts.TypeFlags.Undefined)));
    if (members.some((t) => t.flags & FREE_FORM)) return;
    const fitting = members.filter((t) => (Array.isArray(value) ? checker.isArrayType(t) : !checker.isArrayType(t) && (t.flags & ts.TypeFlags.Object) !== 0));
    // The value's fields must all be known to one of the union's object types.
    let best: string[] | undefined;
    for (const member of fitting) {
      const attempt: string[] = [];
      walk(checker, value, member, at, attempt);
      if (best === undefined || attempt.length < best.length) best = attempt;
    }
    found.push(...(best ?? []));
    return;
  }
  if (Array.isArray(value)) {
    const element = checker.isArrayType(type) ? checker.getTypeArguments(type as ts.TypeReference)[0] : checker.getIndexTypeOfType(type, ts.IndexKind.Number);
    if (element === undefined) return;
    value.forEach((item, index) => walk(checker, item, element, `${at}[${index}]`, found));
    return;
  }
  const stringIndex = checker.getIndexTypeOfType(type, ts.IndexKind.String);
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    const field = at === "" ? key : `${at}.${key}`;
    const property = checker.getPropertyOfType(type, key);
    if (property !== undefined) {
      walk(checker, inner, checker.getNonNullableType(checker.getTypeOfSymbol(property)), field, found);
    } else if (stringIndex !== undefined) {
      walk(checker, inner, stringIndex, field, found);
    } else {
      found.push(field);
    }
  }
}
