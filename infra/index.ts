/**
 * Pulumi entry point (Pulumi.yaml `main`). Every export is a stack output; none is secret.
 * The program itself lives in program.ts so tests can run it under mocks.
 */
import { runProgram } from "./program.js";

const outputs = runProgram();

export const namespace = outputs.namespace;
export const serviceUrl = outputs.serviceUrl;
export const image = outputs.image;
export const backupBucketName = outputs.backupBucketName;
export const backupBucketArn = outputs.backupBucketArn;
export const dashboardUid = outputs.dashboardUid;
