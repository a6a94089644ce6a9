/**
 * One explicit AWS provider for the whole program, instead of the ambient default provider.
 *
 * An explicit provider makes the region and the account part of the code review (not of
 * whoever runs `pulumi up` with whatever `AWS_REGION` is in their shell) and carries the
 * tags every resource must have. Pass it to components with `{ providers: { aws: provider } }`
 * or `{ provider }`.
 */
import type * as pulumi from "@pulumi/pulumi";
import { Provider } from "@pulumi/aws/provider.js";
import { awsRegionProblem } from "../config/validators.js";

/** Props of {@link createAwsProvider}. */
export interface AwsProviderArgs {
  /** The region every resource is created in, such as `eu-west-3`. */
  readonly region: string;

  /**
   * Tags added to every taggable resource created through this provider. Resource-level
   * tags with the same key win. `managed-by: pulumi` is always added.
   * @default - only `managed-by: pulumi`
   */
  readonly defaultTags?: Readonly<Record<string, string>>;

  /**
   * The only AWS accounts this provider may deploy to. A deployment with credentials for
   * another account fails before changing anything, which is what you want when one
   * laptop holds credentials for staging and production. Requires the account ID to be
   * looked up, so it cannot be combined with `skipRequestingAccountId`.
   * @default - no restriction
   */
  readonly allowedAccountIds?: readonly string[];

  /**
   * Credentials come from the EC2 instance metadata service (an instance profile on a
   * self-hosted runner). When false the provider does not probe the metadata endpoint,
   * which saves a timeout of several seconds on every run outside EC2.
   * @default false - credentials come from the environment, a profile or web identity (CI OIDC)
   */
  readonly credentialsFromInstanceMetadata?: boolean;

  /**
   * Do not look up the account ID (one STS call per run). Only safe when no resource
   * managed through this provider has an ARN the provider builds from the account ID
   * (EC2, RDS, CloudWatch Logs and others do; S3 buckets, KMS keys and IAM roles do not,
   * their ARNs come from the API or contain no account). Leave it off for a provider
   * shared by the whole program.
   * @default false
   */
  readonly skipRequestingAccountId?: boolean;
}

const ACCOUNT_ID = /^\d{12}$/;

/** Validation of {@link AwsProviderArgs}; each message names the prop and what to change. */
export function awsProviderArgsProblems(args: AwsProviderArgs): string[] {
  const problems: string[] = [];
  // skipRegionValidation turns off the provider's own region list, so the syntax check lives here.
  if (awsRegionProblem(args.region) !== undefined) {
    problems.push(`region "${args.region}" is not an AWS region name; use a name such as eu-west-3 or us-east-1`);
  }
  for (const id of args.allowedAccountIds ?? []) {
    if (!ACCOUNT_ID.test(id)) problems.push(`allowedAccountIds: "${id}" is not a 12-digit AWS account ID`);
  }
  if (args.skipRequestingAccountId === true && (args.allowedAccountIds?.length ?? 0) > 0) {
    problems.push(
      "skipRequestingAccountId cannot be combined with allowedAccountIds: the account check needs the account ID; remove one of them",
    );
  }
  return problems;
}

/** The provider inputs for {@link AwsProviderArgs}, exported so that tests need no runtime. */
export function awsProviderInputs(args: AwsProviderArgs) {
  const problems = awsProviderArgsProblems(args);
  if (problems.length > 0) throw new Error(`createAwsProvider: ${problems.join("; ")}`);
  const tags = { ...args.defaultTags, "managed-by": "pulumi" };
  const sortedTags = Object.fromEntries(Object.entries(tags).sort(([a], [b]) => a.localeCompare(b)));
  return {
    region: args.region,
    defaultTags: { tags: sortedTags },
    ...(args.allowedAccountIds === undefined ? {} : { allowedAccountIds: [...args.allowedAccountIds] }),
    // Safe: wrong credentials still fail on the first real API call, with AWS's own message.
    skipCredentialsValidation: true,
    // Safe unless credentials come from an instance profile (see credentialsFromInstanceMetadata).
    skipMetadataApiCheck: args.credentialsFromInstanceMetadata !== true,
    // Safe: the region syntax is checked above, and a region the provider's list does not know
    // yet (a new one) keeps working.
    skipRegionValidation: true,
    skipRequestingAccountId: args.skipRequestingAccountId ?? false,
  };
}

/**
 * Creates the explicit AWS provider. The settings skip only the start-up checks that
 * repeat what the first API call checks anyway; see {@link awsProviderInputs}.
 */
export function createAwsProvider(name: string, args: AwsProviderArgs, opts?: pulumi.CustomResourceOptions): Provider {
  return new Provider(name, awsProviderInputs(args), opts);
}
