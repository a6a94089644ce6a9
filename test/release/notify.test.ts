import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSlackMessage, type DeployNotice, sendSlackMessage } from "../../release/notify.js";

const SECRET = "jwt-secret-value-that-must-not-leak-0123";

const base: DeployNotice = {
  stack: "staging",
  outcome: "succeeded",
  sha: "0123456789abcdef0123456789abcdef01234567",
  image: "registry.example.com/myapp:v1.4.3",
  durationSeconds: 42,
};

describe("buildSlackMessage", () => {
  it("says what was deployed where: stack, outcome, short revision, image, duration", () => {
    expect(buildSlackMessage(base).text).toBe(
      "*go-service* `staging` :white_check_mark: deployed in 42s\nrelease: `0123456789ab` image `registry.example.com/myapp:v1.4.3`",
    );
  });

  it("on a rollback, names what failed and the release it went back to", () => {
    const text = buildSlackMessage({
      ...base,
      outcome: "rolled-back",
      failure: "verification failed: rollout of Deployment myapp/myapp: timed out",
      rolledBackTo: { id: "20261127T220000Z-abcdefabcdef", sha: "abcdefabcdefabcdefabcdefabcdefabcdefabcd", image: "registry.example.com/myapp:v1.4.2" },
    }).text;
    expect(text).toContain("FAILED and rolled back");
    expect(text).toContain("what failed: verification failed: rollout of Deployment myapp/myapp: timed out");
    expect(text).toContain("rolled back to: release 20261127T220000Z-abcdefabcdef (`abcdefabcdef`, image `registry.example.com/myapp:v1.4.2`), verified");
  });

  it("on a failure without rollback, says the stack needs a person now", () => {
    expect(buildSlackMessage({ ...base, outcome: "failed", failure: "preview failed" }).text).toContain("NOT back to a verified release");
  });

  it("never carries a secret value, even when the failure text contains one (plain or base64)", () => {
    const base64 = Buffer.from(SECRET).toString("base64");
    const text = buildSlackMessage({ ...base, outcome: "failed", failure: `env JWT_SECRET=${SECRET} data=${base64}` }, [SECRET]).text;
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(base64);
    expect(text).toContain("JWT_SECRET=[secret] data=[secret]");
  });

  it("scrubs a failure before cutting it: a secret across the cut leaves not even its start", () => {
    const failure = `${"x".repeat(590)}${SECRET} and more`;
    const text = buildSlackMessage({ ...base, outcome: "failed", failure }, [SECRET]).text;
    expect(text).not.toContain(SECRET.slice(0, 10));
    expect(text).toContain(`what failed: ${"x".repeat(590)}[secret]`);
  });

  it("cuts a long failure short", () => {
    const text = buildSlackMessage({ ...base, outcome: "failed", failure: "x".repeat(5000) }).text;
    expect(text.length).toBeLessThan(1000);
    expect(text).toContain("…");
  });
});

describe("sendSlackMessage against a local webhook (127.0.0.1)", () => {
  let server: Server;
  let url: string;
  const received: { method: string | undefined; contentType: string | undefined; body: string }[] = [];
  let status = 200;

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
      req.on("end", () => {
        received.push({ method: req.method, contentType: req.headers["content-type"], body });
        res.writeHead(status, { "content-type": "text/plain" }).end(status === 200 ? "ok" : "no");
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T000/B000/XXXX`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("POSTs the message as JSON", async () => {
    const message = buildSlackMessage(base);
    expect(await sendSlackMessage(url, message)).toBeUndefined();
    expect(received.at(-1)).toEqual({ method: "POST", contentType: "application/json", body: JSON.stringify(message) });
  });

  it("reports a refused message without throwing", async () => {
    status = 500;
    expect(await sendSlackMessage(url, buildSlackMessage(base))).toBe("Slack answered HTTP 500");
    status = 200;
  });

  it("reports an unreachable webhook without throwing and without echoing its URL", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const result = await sendSlackMessage(`http://127.0.0.1:${port}/services/SECRET-PATH`, buildSlackMessage(base), 2_000);
    expect(result).toMatch(/^Slack notification not sent/);
    expect(result).not.toContain("SECRET-PATH");
  });
});
