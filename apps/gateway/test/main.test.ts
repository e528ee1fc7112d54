import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FakeUpstream, startFakeUpstream } from "./fake-upstream-process.ts";

const MAIN = join(import.meta.dir, "..", "src", "main.ts");
let upstream: FakeUpstream;
const root = mkdtempSync(join(tmpdir(), "reflex-gateway-main-"));
beforeAll(async () => {
  upstream = await startFakeUpstream();
});
afterAll(async () => {
  await upstream.stop();
  rmSync(root, { recursive: true, force: true });
});

describe("the gateway command", () => {
  test("--help prints the usage and exits 0", async () => {
    const child = Bun.spawn([process.execPath, MAIN, "--help"], { stdout: "pipe", stderr: "pipe" });
    const text = await new Response(child.stdout).text();
    expect(await child.exited).toBe(0);
    expect(text).toContain("--upstream URL");
    expect(text).toContain("OPENAI_BASE_URL");
  });

  test("a bad flag exits 2 with a message", async () => {
    const child = Bun.spawn([process.execPath, MAIN, "--port", "nope"], { stdout: "pipe", stderr: "pipe" });
    expect(await child.exited).toBe(2);
    expect(await new Response(child.stderr).text()).toContain("--port");
  });

  test("serves a real client, a 20 MB body gets 413 and it stays up; SIGTERM exits 0", async () => {
    const child = Bun.spawn(
      [process.execPath, MAIN, "--port", "0", "--root", root, "--upstream", upstream.baseUrl, "--quiet"],
      {
        stdin: "ignore",
        stdout: "pipe",
        stderr: "pipe",
        env: { ...process.env, REFLEX_GATEWAY_SECRET: "a secret for the main test" },
      },
    );
    try {
      const reader = child.stdout.getReader();
      let text = "";
      for (let i = 0; i < 100 && !text.includes("\n"); i++) {
        const { done, value } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
      reader.releaseLock();
      const url = /listening on (\S+)/.exec(text)?.[1];
      expect(url).toBeString();
      const big = await fetch(`${url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: "Bearer sk-main", "content-type": "application/json" },
        body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "x".repeat(20_000_000) }] }),
      });
      expect(big.status).toBe(413);
      expect(((await big.json()) as { error: { code: string } }).error.code).toBe("body_too_large");
      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(200);
      child.kill("SIGTERM");
      expect(await child.exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});
