import { parseDocument } from "yaml";
import type { z } from "zod";
import { type ConfigProblem, StackConfigError } from "./config-error.js";
import { COMMON_DEFAULTS, DEFAULT_SECRET_KEYS, ENVIRONMENT_DEFAULTS, ENVIRONMENTS, SEED_PROBES, type Environment } from "./environment-defaults.js";
import { MINIMUM_RPO_MINUTES, recoveryTargetProblem } from "./validators.js";
import { defaultBackupSchedule, durationMinutes } from "./recovery-targets.js";
import { crossFieldViolations, SECRET_CONFIG_KEYS, stackConfigSchema, type SecretConfigKey, type StackConfig } from "./schema.js";

/** The validated configuration of one stack, and which secret values the stack file provides. */
export interface ResolvedStack {
  /** Stack name, e.g. "production": the `<stack>` of `Pulumi.<stack>.yaml`, and the output directory under `dist/`. */
  readonly stack: string;
  /** Pulumi project name: the namespace of the stack's config keys. */
  readonly project: string;
  /** The validated configuration, environment defaults merged in. */
  readonly config: StackConfig;
  /** Secret keys set with `pulumi config set --secret` (their values are never read during synthesis). */
  readonly secretKeys: readonly SecretConfigKey[];
}

/** Where a config block comes from, for key namespaces and error messages. */
export interface ResolveOptions {
  /** Pulumi project name: the namespace of the project's keys. */
  readonly project: string;
  /** Stack name, copied to {@link ResolvedStack.stack}. */
  readonly stack: string;
  /** File the values came from, used in messages. */
  readonly file: string;
}

/**
 * A stack's config block as parsed from YAML or received from the Pulumi engine: `<namespace>:<key>`
 * to a value, where a secret value is `{ secure: "<ciphertext>" }` (stack file) or marked
 * `{ secret: true }` (engine). Values are unknown until validated.
 */
export type ConfigBlock = Record<string, unknown>;

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => value !== null && typeof value === "object" && !Array.isArray(value);

/** Deep merge where the user's value wins; arrays and mismatched types are replaced, not merged. */
function mergeDefaults(defaults: unknown, user: unknown): unknown {
  if (user === undefined) return defaults;
  if (!isObject(defaults) || !isObject(user)) return user;
  const merged: Json = { ...defaults };
  for (const [key, value] of Object.entries(user)) merged[key] = mergeDefaults(defaults[key], value);
  return merged;
}

/** The stack's defaults: its environment's, the common ones (both in environment-defaults.ts), and those derived from other keys. */
function derivedDefaults(environment: Environment, user: Json, block: ConfigBlock): Json {
  const awsRegion = block["aws:region"];
  const name = typeof user.name === "string" ? user.name : COMMON_DEFAULTS.name;
  const { backup } = COMMON_DEFAULTS;
  // The schedule follows from the stack's own RPO and method (the default RPO stands in for an invalid one, which is reported on its key).
  const userBackup = isObject(user.backup) ? user.backup : {};
  const method = userBackup.method === "wal" ? "wal" : "dump";
  const rpo = typeof userBackup.rpo === "string" && recoveryTargetProblem(userBackup.rpo, MINIMUM_RPO_MINUTES) === undefined ? userBackup.rpo : backup.rpo;
  return {
    ...ENVIRONMENT_DEFAULTS[environment],
    name,
    namespace: name,
    role: COMMON_DEFAULTS.role,
    probes: SEED_PROBES,
    pod: COMMON_DEFAULTS.pod,
    ingress: { ...COMMON_DEFAULTS.ingress, enabled: user.role !== "worker", hosts: [], tlsSecretName: `${name}-tls` },
    secrets: {
      name: `${name}-secrets`,
      keys: DEFAULT_SECRET_KEYS,
    },
    networkPolicy: COMMON_DEFAULTS.networkPolicy,
    backup: {
      enabled: environment !== "development",
      method: backup.method,
      rpo: backup.rpo,
      rto: backup.rto,
      schedule: defaultBackupSchedule(method, durationMinutes(rpo)),
      restoreCheckSchedule: backup.restoreCheckSchedule,
      createBucket: backup.createBucket,
      encryption: backup.encryption,
      retentionDays: backup.retentionDays,
      frequentRetentionDays: backup.frequentRetentionDays,
      noncurrentVersionExpirationDays: backup.noncurrentVersionExpirationDays,
      ...(method === "wal" ? { walArchiveTimeout: backup.walArchiveTimeout } : {}),
      ...(typeof awsRegion === "string" ? { region: awsRegion } : {}),
    },
    kubernetes: COMMON_DEFAULTS.kubernetes,
    monitoring: {},
    loadTest: COMMON_DEFAULTS.loadTest,
    migrations: {
      enabled: COMMON_DEFAULTS.migrations.enabled,
      args: COMMON_DEFAULTS.migrations.args,
      timeout: COMMON_DEFAULTS.migrations.timeout,
      backoffLimit: COMMON_DEFAULTS.migrations.backoffLimit,
      directory: COMMON_DEFAULTS.migrations.directory,
      codeDirectory: COMMON_DEFAULTS.migrations.codeDirectory,
    },
    // A worker serves no HTTP requests for a canary to be judged by: it rolls, whatever its environment.
    release: { ...ENVIRONMENT_DEFAULTS[environment].release, ...(user.role === "worker" ? { strategy: "rolling" } : {}), ...COMMON_DEFAULTS.release },
  };
}

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] ?? 0;
      row[j] = Math.min(current + 1, (row[j - 1] ?? 0) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length] ?? 0;
}

function suggestion(unknown: string, known: readonly string[]): string {
  const best = known
    .map((candidate) => ({ candidate, distance: levenshtein(unknown.toLowerCase(), candidate.toLowerCase()) }))
    .sort((x, y) => x.distance - y.distance || x.candidate.localeCompare(y.candidate))[0];
  return best !== undefined && best.distance <= 3 ? `; did you mean "${best.candidate}"?` : "";
}

function keyOf(project: string, path: readonly PropertyKey[]): string {
  const [head, ...rest] = path;
  if (head === undefined) return "";
  const tail = rest.map((part) => (typeof part === "number" ? `[${part}]` : `.${String(part)}`)).join("");
  return `${project}:${String(head)}${tail}`;
}

function knownKeysAt(path: readonly PropertyKey[]): string[] {
  let schema: z.ZodType = stackConfigSchema;
  for (const part of path) {
    const def = unwrap(schema);
    if ("shape" in def && isObject(def.shape)) schema = def.shape[String(part)] as z.ZodType;
    else if ("element" in def) schema = def.element as z.ZodType;
    else return [];
  }
  const def = unwrap(schema);
  return "shape" in def && isObject(def.shape) ? Object.keys(def.shape) : [];
}

function unwrap(schema: z.ZodType): Json {
  let current: Json = schema as unknown as Json;
  // Optional/default/pipe wrappers keep the inner type under def.innerType or def.in.
  for (let i = 0; i < 5; i++) {
    const def = (current._zod as Json | undefined)?.def as Json | undefined;
    const inner = def?.innerType ?? def?.in;
    if (inner === undefined) break;
    current = inner as Json;
  }
  return current;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>((node, key) => (node !== null && typeof node === "object" ? (node as Record<PropertyKey, unknown>)[key] : undefined), root);
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (value === null) return "null";
  if (typeof value === "object") return "a mapping";
  return `${typeof value} ${JSON.stringify(value)}`;
}

function schemaProblems(issues: readonly z.core.$ZodIssue[], merged: unknown, options: ResolveOptions): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      const known = knownKeysAt(issue.path);
      for (const key of issue.keys) {
        problems.push({
          file: options.file,
          key: keyOf(options.project, [...issue.path, key]),
          message: `is not a known key${suggestion(key, known)}`,
        });
      }
      continue;
    }
    const value = valueAt(merged, issue.path);
    let message = issue.message;
    if (issue.code === "invalid_type") {
      message = value === undefined ? `is required: ${issue.message.replace(/^is required: /, "")}` : `${issue.message} (got ${describe(value)})`;
    }
    problems.push({ file: options.file, key: keyOf(options.project, issue.path), message });
  }
  return problems;
}

/**
 * Validates one stack's config block (the keys and values of `config:` in `Pulumi.<stack>.yaml`, or
 * the engine's config map) and resolves environment defaults. Throws a `StackConfigError` that names
 * every offending key; nothing downstream runs on an invalid config.
 */
export function resolveStackConfig(block: ConfigBlock, options: ResolveOptions): ResolvedStack {
  const problems: ConfigProblem[] = [];
  const user: Json = {};
  const secretKeys: SecretConfigKey[] = [];
  const prefix = `${options.project}:`;

  for (const [fullKey, value] of Object.entries(block)) {
    if (!fullKey.includes(":")) {
      problems.push({ file: options.file, key: fullKey, message: `needs a namespace: write it as ${prefix}${fullKey}` });
      continue;
    }
    if (!fullKey.startsWith(prefix)) continue; // Other namespaces (aws:, kubernetes:) belong to their providers.
    const key = fullKey.slice(prefix.length);
    const secure = isObject(value) && "secure" in value;
    const head = key.split(/[.[]/)[0] ?? key;
    if (head !== key && knownKeysAt([]).includes(head)) {
      // `pulumi config set go-service:a.b v` without --path writes the literal key "go-service:a.b".
      problems.push({
        file: options.file,
        key: fullKey,
        message: `is not a known key; it looks like a nested key set without --path: run pulumi config rm '${fullKey}', then pulumi config set --path${secure ? " --secret" : ""} '${fullKey}' <value>`,
      });
      continue;
    }
    if ((SECRET_CONFIG_KEYS as readonly string[]).includes(key)) {
      if (!secure && !(isObject(value) && value.secret === true)) {
        problems.push({
          file: options.file,
          key: fullKey,
          message: `is a secret and must not be stored in plain text; run: pulumi config set --secret ${key} <value>`,
        });
      } else {
        secretKeys.push(key as SecretConfigKey);
      }
      continue;
    }
    if (secure) {
      problems.push({ file: options.file, key: fullKey, message: "is not a secret setting; set it without --secret" });
      continue;
    }
    user[key] = value;
  }

  const environment = user.environment;
  if (environment === undefined) {
    problems.push({ file: options.file, key: `${prefix}environment`, message: `is required: one of ${ENVIRONMENTS.join(", ")}` });
  }
  const knownEnvironment = (ENVIRONMENTS as readonly unknown[]).includes(environment) ? (environment as Environment) : undefined;
  // An unknown environment still gets production's defaults, so the remaining keys are checked too.
  const merged = mergeDefaults(derivedDefaults(knownEnvironment ?? "production", user, block), user) as Json;

  const parsed = stackConfigSchema.safeParse(merged);
  if (!parsed.success) {
    problems.push(...schemaProblems(parsed.error.issues, merged, options).filter((p) => !(environment === undefined && p.key === `${prefix}environment`)));
  }
  for (const violation of crossFieldViolations(merged)) {
    problems.push({ file: options.file, key: keyOf(options.project, violation.path), message: violation.message });
  }
  if (problems.length > 0 || !parsed.success) throw new StackConfigError(dedupe(problems));
  return { stack: options.stack, project: options.project, config: parsed.data, secretKeys: secretKeys.sort() };
}

function dedupe(problems: ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const id = `${p.key}\u0000${p.message}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** Parses the text of a `Pulumi.<stack>.yaml` file and resolves its config block. */
export function resolveStackFile(text: string, options: ResolveOptions): ResolvedStack {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new StackConfigError(
      document.errors.map((error) => ({
        file: options.file,
        key: "",
        message: `YAML syntax error at line ${error.linePos?.[0]?.line ?? "?"}, column ${error.linePos?.[0]?.col ?? "?"}: ${(error.message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "")}`,
      })),
    );
  }
  const root: unknown = document.toJS();
  if (root === null || root === undefined) {
    throw new StackConfigError([{ file: options.file, key: "", message: "is empty; it needs a config: block" }]);
  }
  if (!isObject(root)) throw new StackConfigError([{ file: options.file, key: "", message: "must be a YAML mapping with a config: block" }]);
  const unknownTop = Object.keys(root).filter((key) => !["config", "secretsprovider", "encryptedkey", "encryptionsalt", "environment"].includes(key));
  if (unknownTop.length > 0) {
    throw new StackConfigError(unknownTop.map((key) => ({ file: options.file, key, message: "is not a stack file setting; put stack settings under config:" })));
  }
  const block = root.config ?? {};
  if (!isObject(block)) throw new StackConfigError([{ file: options.file, key: "config", message: "must be a mapping of <namespace>:<key> to values" }]);
  return resolveStackConfig(block, options);
}
