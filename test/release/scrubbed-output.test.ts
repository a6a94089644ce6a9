import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { scrubFileInPlace, scrubProcessOutput } from "../../release/scrubbed-output.js";
import { SecretScrubber } from "../../release/secret-mask.js";

const SECRET = "sentinel-SECRET-0123456789";

function collector(): { stream: Writable; written: string[] } {
  const written: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      written.push(chunk.toString("utf8"));
      done();
    },
  });
  return { stream, written };
}

describe("scrubProcessOutput", () => {
  it("scrubs strings and buffers written to the streams, with values added after it was installed", () => {
    const scrubber = new SecretScrubber(["current-secret-value"]);
    const out = collector();
    const restore = scrubProcessOutput(scrubber, [out.stream]);
    out.stream.write(`deploy: failed with current-secret-value\n`);
    scrubber.add([SECRET]);
    out.stream.write(Buffer.from(`env ${Buffer.from(SECRET).toString("base64")}\n`));
    out.stream.write(`json "${JSON.stringify(`a"${SECRET}`).slice(1, -1)}"\n`, "utf8");
    restore();
    out.stream.write(`after restore: ${SECRET}\n`);
    expect(out.written).toEqual(["deploy: failed with [secret]\n", "env [secret]\n", 'json "a\\"[secret]"\n', `after restore: ${SECRET}\n`]);
  });
});

describe("scrubFileInPlace", () => {
  it("rewrites a file that held a secret value, and leaves a clean one untouched", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "scrub-file-"));
    try {
      const leaky = path.join(dir, "plan.json");
      const clean = path.join(dir, "clean.json");
      writeFileSync(leaky, JSON.stringify({ inputs: { data: { TOKEN: Buffer.from(SECRET).toString("base64") } } }));
      writeFileSync(clean, '{"inputs":{}}');
      const scrubber = new SecretScrubber([SECRET]);
      expect([scrubFileInPlace(leaky, scrubber), scrubFileInPlace(clean, scrubber)]).toEqual([true, false]);
      expect(readFileSync(leaky, "utf8")).toBe('{"inputs":{"data":{"TOKEN":"[secret]"}}}');
      expect(readFileSync(clean, "utf8")).toBe('{"inputs":{}}');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
