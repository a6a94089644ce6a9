/**
 * A tiny client of the Prometheus HTTP API: instant queries (`POST <url>/api/v1/query`), one number out.
 * Enough for the canary analysis, whose every query aggregates to one series; nothing here throws.
 */

/** What one instant query gave: a number (NaN included: Prometheus' answer when there is nothing to divide), no series at all, or an error. */
export type QueryResult =
  | { readonly kind: "value"; readonly value: number }
  | { readonly kind: "empty" }
  | { readonly kind: "error"; readonly message: string };

/** Runs instant queries against one Prometheus. */
export interface PrometheusClient {
  /** The base URL queries go to (`<url>/api/v1/query`). */
  readonly url: string;
  /** Evaluates `promql` at `time` (default: now). Never throws: a failure is a result of kind `error`. */
  query(promql: string, time?: Date): Promise<QueryResult>;
}

/** Options of {@link prometheusClient}. */
export interface PrometheusClientOptions {
  /** Longest a query may take, round trip, before it counts as an error. @default 10_000 */
  readonly timeoutMs?: number;
  /** The fetch to use (tests). @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

interface ApiResponse {
  readonly status?: string;
  readonly errorType?: string;
  readonly error?: string;
  readonly data?: { readonly resultType?: string; readonly result?: unknown };
}

/** The number of a sample value as the API writes it (`"1.5"`, `"NaN"`, `"+Inf"`). */
function sampleValue(value: unknown): number {
  if (!Array.isArray(value) || typeof value[1] !== "string") return Number.NaN;
  const text = value[1];
  return text === "+Inf" ? Infinity : text === "-Inf" ? -Infinity : Number(text);
}

/** The one number of a query's `data`; several series are an error (the analysis' queries aggregate to one). */
export function readQueryData(data: ApiResponse["data"]): QueryResult {
  if (data === undefined) return { kind: "error", message: "the answer has no data" };
  if (data.resultType === "scalar") return { kind: "value", value: sampleValue(data.result) };
  if (data.resultType !== "vector" || !Array.isArray(data.result)) return { kind: "error", message: `unexpected result type ${String(data.resultType)}` };
  const series = data.result as { value?: unknown }[];
  if (series.length === 0) return { kind: "empty" };
  if (series.length > 1) return { kind: "error", message: `the query gave ${series.length} series where one was expected` };
  return { kind: "value", value: sampleValue(series[0]?.value) };
}

/** A client of the Prometheus whose HTTP API is at `url` (a trailing slash is ignored). */
export function prometheusClient(url: string, options: PrometheusClientOptions = {}): PrometheusClient {
  const base = url.replace(/\/+$/, "");
  const doFetch = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;
  return {
    url: base,
    async query(promql: string, time?: Date): Promise<QueryResult> {
      const form = new URLSearchParams({ query: promql });
      if (time !== undefined) form.set("time", (time.getTime() / 1000).toFixed(3));
      let response: Response;
      try {
        response = await doFetch(`${base}/api/v1/query`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
          body: form.toString(),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        const e = error as Error & { cause?: { code?: string; message?: string } };
        const why = e.name === "TimeoutError" ? `no answer within ${timeoutMs} ms` : (e.cause?.code ?? e.cause?.message ?? e.message);
        return { kind: "error", message: `Prometheus at ${base} could not be queried: ${why}` };
      }
      let body: ApiResponse;
      try {
        body = (await response.json()) as ApiResponse;
      } catch {
        return { kind: "error", message: `Prometheus at ${base} answered HTTP ${response.status} without a JSON body` };
      }
      if (body.status !== "success") {
        return { kind: "error", message: `Prometheus answered HTTP ${response.status}${body.errorType === undefined ? "" : ` (${body.errorType})`}: ${body.error ?? "no reason given"}` };
      }
      return readQueryData(body.data);
    },
  };
}
