import { spawn } from "node:child_process";
import path from "node:path";
import type { ConfigMap, Stack, StackSettings, StackSettingsConfigValue } from "@pulumi/pulumi/automation/index.js";

/**
 * Config written without a secret value ever being a command-line argument. The Automation API's
 * `setConfig`, `setAllConfig` and `setAllConfigJson` pass the values as arguments of `pulumi config
 * set`/`set-all`, where any user of the machine reads them in the process list (`/proc/<pid>/cmdline`)
 * while the command runs, and where a failed command's error repeats them. Instead:
 * - plain values are written into the stack settings file directly (`Pulumi.<stack>.yaml`, through the
 *   workspace, no process started);
 * - each secret is encrypted by `pulumi config set --secret`, which reads the value from its standard
 *   input; only the key is an argument. A failure is reported in fixed words.
 */

/** A history or `pulumi config --json` entry: the automation types leave out `objectValue`. */
type ConfigEntry = ConfigMap[string] & { readonly objectValue?: unknown };

/**
 * Replaces the stack's config with `config`, keeping the settings given in `base` (the secrets
 * provider and its salt or key, so that the values are encrypted as the stack's other config is).
 */
export async function writeStackConfig(stack: Stack, config: ConfigMap, base: StackSettings): Promise<void> {
  const plain: Record<string, StackSettingsConfigValue> = {};
  const secrets: [string, string][] = [];
  for (const [key, entry] of Object.entries(config) as [string, ConfigEntry][]) {
    if (entry.secret === true) {
      if (entry.objectValue !== undefined && typeof entry.objectValue === "object") {
        throw new Error(`the config key ${key} is a secret object, which cannot be written back without its values on a command line; set it by hand`);
      }
      secrets.push([key, entry.value]);
    } else {
      plain[key] = entry.objectValue !== undefined && entry.objectValue !== null && typeof entry.objectValue === "object" ? entry.objectValue : entry.value;
    }
  }
  const { config: _ignored, ...settings } = base;
  await stack.workspace.saveStackSettings(stack.name, { ...settings, config: plain });
  for (const [key, value] of secrets) await setSecretConfig(stack, key, value);
}

/** The fixed message of a failed `pulumi config set --secret`: nothing from the command's output. */
export function secretConfigFailure(key: string, exit: string): string {
  return `could not store the secret config value of ${key}: pulumi config set --secret failed (${exit}); its output is withheld, as it could hold the value`;
}

/**
 * Sets one secret config value of the stack: `pulumi config set --secret --raw <key>`, the value on
 * standard input (the key is the only argument that names it).
 */
export function setSecretConfig(stack: Stack, key: string, value: string): Promise<void> {
  const workspace = stack.workspace;
  const command = workspace.pulumiCommand.command;
  const env: Record<string, string | undefined> = { ...process.env, ...workspace.envVars, PULUMI_AUTOMATION_API: "true" };
  // As the Automation API does: the CLI's folder first on PATH, for its bundled plugins.
  if (path.isAbsolute(command)) env.PATH = `${path.dirname(command)}${path.delimiter}${workspace.envVars.PATH ?? process.env.PATH ?? ""}`;
  const args = ["config", "set", "--secret", "--raw", "--stack", stack.name, "--non-interactive", "--", key];
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: workspace.workDir, env, stdio: ["pipe", "ignore", "ignore"] });
    let settled = false;
    const fail = (exit: string): void => {
      if (settled) return;
      settled = true;
      reject(new Error(secretConfigFailure(key, exit)));
    };
    child.on("error", (error: NodeJS.ErrnoException) => fail(`could not start: ${error.code ?? "error"}`));
    child.on("close", (code, signal) => {
      if (code === 0) {
        if (!settled) resolve();
        settled = true;
      } else {
        fail(signal === null ? `exit code ${code ?? "?"}` : `killed by ${signal}`);
      }
    });
    // The CLI may fail before it reads its input (a broken pipe): the exit code says so.
    child.stdin.on("error", () => undefined);
    child.stdin.end(value);
  });
}
