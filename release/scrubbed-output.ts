import { readFileSync, writeFileSync } from "node:fs";
import type { Writable } from "node:stream";
import type { SecretScrubber } from "./secret-mask.js";

/**
 * Scrubs everything the process writes to these streams (stdout and stderr by default) with the
 * scrubber, from now on: progress lines, reports, and the message of an unexpected error alike. The
 * scrubber's values may grow while the process runs (a rollback adds the re-applied release's); each
 * write is scrubbed with the values known at the time. Writes are scrubbed one by one, so text must be
 * written whole (a line at a time, as `console.*` does). Returns the function that restores the streams.
 */
export function scrubProcessOutput(scrubber: Pick<SecretScrubber, "scrub">, streams: readonly Writable[] = [process.stdout, process.stderr]): () => void {
  const restores = streams.map((stream) => {
    const original = stream.write;
    const write = function (this: Writable, chunk: unknown, ...rest: unknown[]): boolean {
      const text = typeof chunk === "string" ? chunk : chunk instanceof Uint8Array ? Buffer.from(chunk).toString("utf8") : String(chunk);
      // A string chunk may come with its encoding; the scrubbed text is a string either way.
      const tail = typeof rest[0] === "string" ? rest.slice(1) : rest;
      return (original as (this: Writable, chunk: string, ...args: unknown[]) => boolean).call(this, scrubber.scrub(text), ...tail);
    };
    stream.write = write as Writable["write"];
    return () => {
      stream.write = original;
    };
  });
  return () => {
    for (const restore of restores) restore();
  };
}

/**
 * Scrubs a file the process wrote through a tool it does not control (a plan saved by the engine).
 * Returns true when the file held a secret value; it is then rewritten scrubbed.
 */
export function scrubFileInPlace(file: string, scrubber: Pick<SecretScrubber, "scrub">): boolean {
  const text = readFileSync(file, "utf8");
  const scrubbed = scrubber.scrub(text);
  if (scrubbed === text) return false;
  writeFileSync(file, scrubbed);
  return true;
}
