import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { PROJECT_DIR } from "./stacks.js";

/** What the mocked engine saw of one resource registration. */
export interface Registration {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
  readonly dependsOn: readonly string[];
  readonly parent: string | undefined;
  readonly protect: boolean;
  readonly retainOnDelete: boolean;
  readonly customTimeouts: pulumi.CustomTimeouts | undefined;
}

/**
 * Runs Pulumi's real Node.js runtime against mocked providers, recording every registration with the
 * options the program gave it (dependsOn, parent, protect), which the mock API alone does not show.
 */
export async function installMocks(stack: string, config: Record<string, string>, secretKeys: readonly string[]): Promise<Registration[]> {
  const registrations: Registration[] = [];
  const options = new Map<
    string,
    { dependsOn: string[]; parent: string | undefined; protect: boolean; retainOnDelete: boolean; customTimeouts: pulumi.CustomTimeouts | undefined }
  >();
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        const recorded = options.get(`${args.type}::${args.name}`);
        registrations.push({
          type: args.type,
          name: args.name,
          inputs: args.inputs as Record<string, unknown>,
          dependsOn: recorded?.dependsOn ?? [],
          parent: recorded?.parent,
          protect: recorded?.protect ?? false,
          retainOnDelete: recorded?.retainOnDelete ?? false,
          customTimeouts: recorded?.customTimeouts,
        });
        const id = `${args.name}-id`;
        const state: Record<string, unknown> = { ...args.inputs };
        if (args.type === "aws:s3/bucket:Bucket") {
          state.bucket = args.inputs.bucket ?? `${args.name}-a1b2c3`;
          state.arn = `arn:aws:s3:::${String(state.bucket)}`;
        }
        if (args.type.startsWith("aws:") && state.arn === undefined) state.arn = `arn:aws:mock:::${args.name}`;
        return { id, state };
      },
      call: (args) => (args.token === "aws:index/getCallerIdentity:getCallerIdentity" ? { accountId: "123456789012" } : args.inputs),
    },
    "go-service",
    stack,
    false,
  );
  pulumi.runtime.setAllConfig(config, [...secretKeys]);
  recordOptions = (args) => {
    const dependsOn = ([] as unknown[]).concat(args.opts.dependsOn ?? []) as pulumi.Resource[];
    const parent = args.opts.parent as unknown as { __name?: string } | undefined;
    options.set(`${args.type}::${args.name}`, {
      dependsOn: dependsOn.map((r) => (r as unknown as { __name?: string }).__name ?? "?"),
      parent: parent?.__name,
      protect: args.opts.protect === true,
      retainOnDelete: (args.opts as { retainOnDelete?: boolean }).retainOnDelete === true,
      customTimeouts: (args.opts as pulumi.CustomResourceOptions).customTimeouts,
    });
    return undefined;
  };
  return registrations;
}

/** The engine's config map for a committed stack file: `project:key` → string (JSON for structured values). */
export function engineConfigOf(stack: string, extra: Record<string, string> = {}): Record<string, string> {
  const file = parse(readFileSync(`${PROJECT_DIR}/Pulumi.${stack}.yaml`, "utf8")) as { config: Record<string, unknown> };
  const config: Record<string, string> = {};
  for (const [key, value] of Object.entries(file.config)) config[key] = typeof value === "string" ? value : JSON.stringify(value);
  return { ...config, ...extra };
}

let recordOptions: pulumi.ResourceTransformation | undefined;

/**
 * Runs `program` inside a root Stack resource, as the engine does, so stack transformations (which
 * record each registration's options) apply. Returns what the program returned, or its error.
 */
export async function runInStack<T>(program: () => T): Promise<{ result?: T; error?: unknown }> {
  let result: T | undefined;
  let error: unknown;
  await pulumi.runtime.runInPulumiStack(async () => {
    if (recordOptions !== undefined) pulumi.runtime.registerStackTransformation(recordOptions);
    try {
      result = program();
    } catch (caught) {
      error = caught;
    }
    return {};
  });
  return error === undefined ? { result: result as T } : { error };
}

/** Resolves an Output's value under mocks. */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((value) => resolve(value)));
}

/** Gives the mocked engine time to finish every pending registration. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}
