/** infra/aws-provider.ts: the explicit provider's inputs (pure) and its registration under mocks. */
import { describe, expect, it } from "vitest";
import { awsProviderInputs } from "../../../infra/aws-provider.js";
import { installMocks, only, settle } from "./pulumi-harness.js";

describe("awsProviderInputs", () => {
  it("skips only the start-up checks, keeps the account lookup and tags every resource", () => {
    expect(awsProviderInputs({ region: "eu-west-3", defaultTags: { project: "myapp", environment: "production" } })).toEqual({
      region: "eu-west-3",
      defaultTags: { tags: { environment: "production", "managed-by": "pulumi", project: "myapp" } },
      skipCredentialsValidation: true,
      skipMetadataApiCheck: true,
      skipRegionValidation: true,
      skipRequestingAccountId: false,
    });
  });

  it("keeps the metadata API for instance-profile credentials, and passes allowed accounts", () => {
    expect(
      awsProviderInputs({ region: "us-east-1", credentialsFromInstanceMetadata: true, allowedAccountIds: ["123456789012"] }),
    ).toMatchObject({ skipMetadataApiCheck: false, allowedAccountIds: ["123456789012"] });
  });

  it.each([
    [{ region: "europe-west3" }, `region "europe-west3" is not an AWS region name; use a name such as eu-west-3 or us-east-1`],
    [{ region: "eu-west-3", allowedAccountIds: ["1234"] }, `allowedAccountIds: "1234" is not a 12-digit AWS account ID`],
    [
      { region: "eu-west-3", allowedAccountIds: ["123456789012"], skipRequestingAccountId: true },
      "skipRequestingAccountId cannot be combined with allowedAccountIds: the account check needs the account ID; remove one of them",
    ],
  ])("refuses %j", (args, message) => {
    expect(() => awsProviderInputs(args)).toThrow(`createAwsProvider: ${message}`);
  });

  it.each(["us-gov-west-1", "cn-north-1", "us-iso-east-1", "ap-southeast-5", "eusc-de-east-1"])("accepts the region %s", (region) => {
    expect(awsProviderInputs({ region }).region).toBe(region);
  });
});

describe("createAwsProvider", () => {
  it("registers a pulumi:providers:aws resource with those inputs", async () => {
    const record = installMocks();
    const { createAwsProvider } = await import("../../../infra/aws-provider.js");
    createAwsProvider("aws-eu-west-3", { region: "eu-west-3" });
    await settle();
    const provider = only(record.registrations, "pulumi:providers:aws");
    expect(provider.name).toBe("aws-eu-west-3");
    // Provider inputs travel as strings in the engine protocol.
    expect(provider.inputs).toMatchObject({ region: "eu-west-3", skipCredentialsValidation: "true", skipRequestingAccountId: "false" });
  });
});
