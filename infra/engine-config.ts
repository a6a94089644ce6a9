import * as pulumi from "@pulumi/pulumi";
import { type ConfigProblem, StackConfigError } from "../config/config-error.js";
import type { Environment } from "../config/environment-defaults.js";
import { resolveStackConfig, type ResolvedStack } from "../config/resolve-stack-config.js";
import { SECRET_CONFIG_KEYS, type SecretConfigKey } from "../config/schema.js";

/** The runtime helper exists in @pulumi/pulumi's JS but is missing from its type declarations. */
const runtimeWithSecrets = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };

function parseValue(text: string): unknown {
  // The engine hands every value over as a string; structured values arrive as JSON.
  if (/^[[{]/.test(text) || /^(true|false|-?\d+(\.\d+)?)$/.test(text)) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

/**
 * Resolves the running stack's config from the engine (the same values `Pulumi.<stack>.yaml` holds,
 * decrypted) with the same schema and messages as `npm run synth`. Secret values stay out of the block:
 * they are only marked as present, then checked by `secretValueProblems`.
 */
export function resolveEngineConfig(project = pulumi.getProject(), stack = pulumi.getStack()): ResolvedStack {
  const block: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(pulumi.runtime.allConfig())) {
    const secret = runtimeWithSecrets.isConfigSecret?.(key) === true;
    block[key] = secret ? { secret: true } : parseValue(value);
  }
  const file = `Pulumi.${stack}.yaml`;
  const resolved = resolveStackConfig(block, { project, stack, file });
  const problems = secretValueProblems(resolved.config.environment, readSecretValues(project), { project, file }, resolved.config.backup.enabled);
  if (problems.length > 0) throw new StackConfigError(problems);
  return resolved;
}

function readSecretValues(project: string): Partial<Record<SecretConfigKey, string>> {
  const values: Partial<Record<SecretConfigKey, string>> = {};
  for (const key of SECRET_CONFIG_KEYS) {
    const value = pulumi.runtime.getConfig(`${project}:${key}`);
    if (value !== undefined) values[key] = value;
  }
  return values;
}

/** Secrets the service cannot start without (the seed's getEnvOrPanic). */
export const REQUIRED_SECRETS: readonly SecretConfigKey[] = ["jwtSecret", "encryptionKey", "csrfSecret", "dbPassword"];

/**
 * The minimum length of every secret config value. A shorter value is refused: it is guessable, and
 * the release tool could not keep it out of reports, logs and notifications without garbling them
 * (it scrubs every secret value from what it prints, release/secret-mask.ts).
 */
export const MIN_SECRET_LENGTH = 8;

/**
 * The seed's validateConfig rules on secret values, and a minimum length for every secret key.
 * Messages never include a value, only its length.
 */
export function secretValueProblems(
  environment: Environment,
  values: Partial<Record<SecretConfigKey, string>>,
  where: { readonly project: string; readonly file: string },
  backupEnabled: boolean,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const problem = (key: SecretConfigKey, message: string) => problems.push({ file: where.file, key: `${where.project}:${key}`, message });
  for (const key of REQUIRED_SECRETS) {
    if (values[key] === undefined || values[key] === "") problem(key, `is required; run: pulumi config set --secret ${key} <value>`);
  }
  if (environment === "production") {
    const jwt = values.jwtSecret;
    if (jwt !== undefined && jwt !== "" && jwt.length < 32) problem("jwtSecret", `must be at least 32 characters in production (it has ${jwt.length})`);
    const key = values.encryptionKey;
    if (key !== undefined && key !== "" && key.length !== 32) problem("encryptionKey", `must be exactly 32 characters for AES-256 (it has ${key.length})`);
  }
  const backupKey = values.backupEncryptionKey;
  if (backupEnabled && backupKey !== undefined && backupKey.length < 32) {
    problem("backupEncryptionKey", `must be at least 32 characters when set (it has ${backupKey.length})`);
  }
  // Every secret, where no stricter rule above already refused it.
  for (const key of SECRET_CONFIG_KEYS) {
    const value = values[key];
    const named = problems.some((p) => p.key === `${where.project}:${key}`);
    if (!named && value !== undefined && value !== "" && value.length < MIN_SECRET_LENGTH) {
      problem(key, `must be at least ${MIN_SECRET_LENGTH} characters, like every secret (it has ${value.length}): a shorter one is guessable and cannot be kept out of logs`);
    }
  }
  return problems;
}

/** A secret config value as a Pulumi secret Output; undefined when not set. */
export function secretOutput(project: string, key: SecretConfigKey): pulumi.Output<string> | undefined {
  const value = pulumi.runtime.getConfig(`${project}:${key}`);
  return value === undefined ? undefined : pulumi.secret(value);
}
