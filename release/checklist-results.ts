/**
 * The last results the checklist shows: from report files (`npm run loadtest` writes
 * `reports/loadtest-<stack>.json`), and with `--live` from the cluster (the backup CronJobs' status) and the
 * stack (its last good release and last load test, as stack tags).
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { promisify } from "node:util";
import type { LastRun } from "./checklist.js";
import { LOAD_TEST_TAG, parseLoadTestRecord, type LoadTestRecord } from "./loadtest.js";
import { parseReleaseRecord } from "./release-record.js";
import type { ClusterAccess } from "./verify.js";

const execFileAsync = promisify(execFile);

/** The load test summary a `npm run loadtest` report file holds, if the file exists and holds one. */
export function loadTestReport(file: string): LoadTestRecord | undefined {
  return existsSync(file) ? parseLoadTestRecord(readFileSync(file, "utf8")) : undefined;
}

/** What the stack's tags say: its last good release and its last recorded load test. */
export function recordsFromTags(tags: Readonly<Record<string, string>>): { lastGoodRelease?: { id: string; verifiedAt: string }; lastLoadTest?: LoadTestRecord } {
  const release = parseReleaseRecord(tags);
  const loadTest = parseLoadTestRecord(tags[LOAD_TEST_TAG]);
  return {
    ...(release.kind === "record" ? { lastGoodRelease: { id: release.record.id, verifiedAt: release.record.verifiedAt } } : {}),
    ...(loadTest === undefined ? {} : { lastLoadTest: loadTest }),
  };
}

interface CronJobStatus {
  readonly status?: { readonly lastScheduleTime?: string; readonly lastSuccessfulTime?: string; readonly active?: readonly unknown[] };
}

/**
 * A CronJob's last run from its status: succeeded when its last successful run is its last scheduled one
 * (or later), failed when a later scheduled run has not succeeded and is no longer active.
 */
export function cronJobLastRun(name: string, cronJob: CronJobStatus): LastRun | undefined {
  const { lastScheduleTime: scheduled, lastSuccessfulTime: succeeded, active } = cronJob.status ?? {};
  if (scheduled === undefined && succeeded === undefined) return { ok: false, detail: `CronJob ${name} has never run` };
  if (succeeded !== undefined && (scheduled === undefined || Date.parse(succeeded) >= Date.parse(scheduled))) {
    return { at: succeeded, ok: true, detail: `succeeded at ${succeeded} (CronJob ${name})` };
  }
  if ((active ?? []).length > 0) {
    return { ...(succeeded === undefined ? {} : { at: succeeded }), ok: true, detail: `running since ${scheduled ?? "?"}; last success ${succeeded ?? "never"} (CronJob ${name})` };
  }
  return { ...(scheduled === undefined ? {} : { at: scheduled }), ok: false, detail: `the run scheduled at ${scheduled ?? "?"} did not succeed; last success ${succeeded ?? "never"} (CronJob ${name})` };
}

/** Reads a CronJob's status through the API server; undefined when it cannot be read (no such CronJob, no access). */
export async function readCronJobLastRun(access: ClusterAccess, namespace: string, name: string): Promise<LastRun | undefined> {
  try {
    const { stdout } = await execFileAsync(
      "kubectl",
      [...(access.kubeconfig === undefined ? [] : ["--kubeconfig", access.kubeconfig]), ...(access.context === undefined ? [] : ["--context", access.context]), "-n", namespace, "get", "cronjob", name, "-o", "json"],
      { env: { ...process.env, ...access.env }, timeout: 20_000 },
    );
    return cronJobLastRun(name, JSON.parse(stdout) as CronJobStatus);
  } catch {
    return undefined;
  }
}
