import { scrubFunction, type SecretSource } from "./secret-mask.js";

/** What a notification says about one deploy. */
export interface DeployNotice {
  readonly stack: string;
  readonly outcome: "succeeded" | "rolled-back" | "aborted" | "failed" | "not-applied" | "cancelled";
  /** Program revision deployed (full SHA) and the service image. */
  readonly sha: string;
  readonly image: string;
  /** What failed, in one or a few lines (no diagnostics dump). */
  readonly failure?: string;
  /** The release re-applied after the failure. */
  readonly rolledBackTo?: { readonly id: string; readonly sha: string; readonly image: string };
  readonly durationSeconds: number;
  /** A link to the CI run, when there is one. */
  readonly runUrl?: string;
}

/** A Slack incoming-webhook payload. */
export interface SlackMessage {
  readonly text: string;
}

const HEADLINE: Readonly<Record<DeployNotice["outcome"], string>> = {
  succeeded: ":white_check_mark: deployed",
  "rolled-back": ":leftwards_arrow_with_hook: FAILED and rolled back",
  aborted: ":hatching_chick: ABORTED by the canary analysis (canary removed, stable track unchanged)",
  failed: ":x: FAILED, not rolled back",
  "not-applied": ":no_entry: rejected before any change (preview failed)",
  cancelled: ":octagonal_sign: cancelled",
};

const MAX_FAILURE_CHARS = 600;

/**
 * The Slack message for a deploy. It names the stack, the revision, the image and what failed; the
 * failure text is scrubbed of the secret values (then cut short), the whole message scrubbed again,
 * and nothing else of the config is included.
 */
export function buildSlackMessage(notice: DeployNotice, secrets: SecretSource = []): SlackMessage {
  const scrub = scrubFunction(secrets);
  const lines = [
    `*go-service* \`${notice.stack}\` ${HEADLINE[notice.outcome]} in ${notice.durationSeconds}s`,
    `release: \`${notice.sha.slice(0, 12)}\` image \`${notice.image}\``,
  ];
  if (notice.failure !== undefined) {
    // Scrubbed before it is cut: a cut through a secret would leave its start, which no scrub finds.
    const scrubbed = scrub(notice.failure);
    const failure = scrubbed.length > MAX_FAILURE_CHARS ? `${scrubbed.slice(0, MAX_FAILURE_CHARS)}…` : scrubbed;
    lines.push(`what failed: ${failure.replace(/```/g, "'''")}`);
  }
  if (notice.rolledBackTo !== undefined) {
    const r = notice.rolledBackTo;
    lines.push(`rolled back to: release ${r.id} (\`${r.sha.slice(0, 12)}\`, image \`${r.image}\`), verified`);
  } else if (notice.outcome === "failed") {
    lines.push("the stack is NOT back to a verified release: look at it now");
  }
  if (notice.runUrl !== undefined) lines.push(`<${notice.runUrl}|CI run>`);
  return { text: scrub(lines.join("\n")) };
}

/**
 * Posts the message to a Slack incoming webhook. Never throws: a notification that cannot be sent is
 * reported in the returned string, and the deploy's own result stands.
 */
export async function sendSlackMessage(webhookUrl: string, message: SlackMessage, timeoutMs = 10_000): Promise<string | undefined> {
  try {
    const response = await fetch(webhookUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(message),
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.body?.cancel();
    return response.ok ? undefined : `Slack answered HTTP ${response.status}`;
  } catch (error) {
    // The webhook URL is itself a secret: never echo it.
    return `Slack notification not sent: ${(error as Error).name}`;
  }
}
