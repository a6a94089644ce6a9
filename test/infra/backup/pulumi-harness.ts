/**
 * Test harness around `pulumi.runtime.setMocks`: the real Pulumi runtime with mocked providers,
 * plus a record of every registration with the options the mocks API does not show (parent,
 * protect, retainOnDelete, dependsOn).
 */
import * as pulumi from "@pulumi/pulumi";

export const ACCOUNT_ID = "123456789012";
export const REGION = "eu-west-3";

/** One resource registration, as the engine would receive it. */
export interface Registration {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly parentUrn: string;
  readonly custom: boolean;
  readonly protect: boolean;
  readonly retainOnDelete: boolean;
  readonly dependencies: readonly string[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- resource inputs are untyped JSON from the engine protocol
  readonly inputs: Record<string, any>;
}

/** The state a mocked provider returns: inputs plus the computed outputs the code reads. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the mocks API hands inputs over as untyped JSON
function mockState(type: string, name: string, inputs: Record<string, any>): Record<string, unknown> {
  switch (type) {
    case "aws:s3/bucket:Bucket": {
      const bucket = inputs["bucket"] ?? `${name}-1a2b3c4`;
      return { ...inputs, bucket, arn: `arn:aws:s3:::${bucket}` };
    }
    case "aws:kms/key:Key":
      return { ...inputs, arn: `arn:aws:kms:${REGION}:${ACCOUNT_ID}:key/${name}-key-id`, keyId: `${name}-key-id` };
    case "aws:iam/role:Role":
      return { ...inputs, name: `${name}-1a2b3c4`, arn: `arn:aws:iam::${ACCOUNT_ID}:role/${name}-1a2b3c4` };
    default:
      return { ...inputs };
  }
}

/** Minimal view of the protobuf RegisterResourceRequest the mock monitor receives. */
interface RegisterResourceRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getProtect(): boolean | undefined;
  getRetainondelete(): boolean | undefined;
  getDependenciesList(): string[];
}

interface RegisterResourceOutputsRequest {
  getUrn(): string;
  getOutputs(): { toJavaScript(): Record<string, unknown> } | undefined;
}

interface MockMonitorLike {
  registerResource(req: RegisterResourceRequest, callback: (err: unknown, response: unknown) => void): Promise<void>;
  registerResourceOutputs(req: RegisterResourceOutputsRequest, callback: (err: unknown, response: unknown) => void): void;
}

/** What the mocks saw: registrations in order, and the outputs each component registered, by URN. */
export interface MockRecord {
  readonly registrations: Registration[];
  readonly outputs: Map<string, Record<string, unknown>>;
}

/**
 * Installs fresh mocks and returns the record they fill.
 * Call before constructing resources, then `await settle()` before reading the record.
 */
export function installMocks(): MockRecord {
  const registrations: Registration[] = [];
  const outputs = new Map<string, Record<string, unknown>>();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- see mockState
  const inputsByKey = new Map<string, Record<string, any>>();
  void pulumi.runtime.setMocks(
    {
      newResource(args) {
        inputsByKey.set(`${args.type}::${args.name}`, args.inputs);
        const state = mockState(args.type, args.name, args.inputs);
        // A bucket's ID is its name, which is what the bucket-level resources receive as `bucket`.
        const id = args.type === "aws:s3/bucket:Bucket" ? String(state["bucket"]) : `${args.name}-id`;
        return { id: args.custom === false ? undefined : id, state };
      },
      call(args) {
        return args.inputs;
      },
    },
    "seed",
    "test",
    false,
  );
  const monitor = pulumi.runtime.getMonitor() as unknown as MockMonitorLike;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = async (req, callback) => {
    await register(req, (err, response) => {
      if (err === null) {
        const urn = (response as { getUrn(): string }).getUrn();
        registrations.push({
          type: req.getType(),
          name: req.getName(),
          urn,
          parentUrn: req.getParent(),
          custom: req.getCustom(),
          protect: req.getProtect() === true,
          retainOnDelete: req.getRetainondelete() === true,
          dependencies: req.getDependenciesList(),
          inputs: inputsByKey.get(`${req.getType()}::${req.getName()}`) ?? {},
        });
      }
      callback(err, response);
    });
  };
  const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
  monitor.registerResourceOutputs = (req, callback) => {
    outputs.set(req.getUrn(), req.getOutputs()?.toJavaScript() ?? {});
    registerOutputs(req, callback);
  };
  return { registrations, outputs };
}

/** Waits until every pending registration and apply has reached the mock monitor. */
export async function settle(): Promise<void> {
  await pulumi.runtime.disconnect();
}

/** The value of an Output, awaited (the mocks never leave values unknown outside preview). */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}

/** The registration named `name`; throws when there is none. */
export function named(registrations: readonly Registration[], name: string): Registration {
  const found = registrations.find((r) => r.name === name);
  if (found === undefined) throw new Error(`no resource named ${name}; registered: ${registrations.map((r) => r.name).join(", ")}`);
  return found;
}

/** The one registration of `type`; throws when there are none or several. */
export function only(registrations: readonly Registration[], type: string): Registration {
  const found = registrations.filter((r) => r.type === type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0] as Registration;
}
