import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { encodeEntryBody } from "@reflex/codec";
import { NvmeStorage } from "@reflex/core";
import { removeTestDirs, tempDir } from "./helpers.ts";

afterEach(removeTestDirs);

const MAIN = join(import.meta.dir, "..", "src", "main.ts");

function spawnMain(env: Record<string, string>, args: string[] = []) {
  return Bun.spawn(["bun", MAIN, ...args], {
    env: { ...process.env, REFLEX_PORT: "0", ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
}

/** Reads stdout up to its first newline. */
async function firstLine(stream: ReadableStream<Uint8Array>): Promise<{ line: string; rest: Promise<string> }> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let text = "";
  while (!text.includes("\n")) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  const rest = (async () => {
    let more = text.slice(text.indexOf("\n") + 1);
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return more;
      more += decoder.decode(value, { stream: true });
    }
  })();
  return { line: text.slice(0, text.indexOf("\n")), rest };
}

describe("bun src/main.ts", () => {
  test("prints its URL first, and on SIGTERM finishes an in-flight large PUT, then exits 0", async () => {
    const root = join(tempDir(), "root");
    const proc = spawnMain({ REFLEX_ROOT: root });
    const { line, rest } = await firstLine(proc.stdout);
    expect(line).toMatch(/^reflex listening on http:\/\/127\.0\.0\.1:\d+$/);
    const url = line.slice("reflex listening on ".length);

    const payload = new Uint8Array(8 * 1024 * 1024).fill(7);
    const body = encodeEntryBody({
      tenantId: 3n,
      contextHash: 1n,
      timestamp: 1n,
      embedding: new Uint8Array(0),
      payloadBlob: payload,
    });
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const half = body.length >> 1;
    const stream = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(body.slice(0, half));
        await gate; // the second half goes after SIGTERM
        controller.enqueue(body.slice(half));
        controller.close();
      },
    });
    const response = fetch(`${url}/v1/tenants/3/entries/9`, {
      method: "PUT",
      headers: { "Content-Type": "application/x-protobuf" },
      body: stream,
      duplex: "half",
    } as RequestInit);
    await Bun.sleep(300); // the request is in the server's hands
    proc.kill("SIGTERM");
    await Bun.sleep(200);
    // Stopped accepting: a new connection is refused while the write is still open.
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    release();
    const res = await response;
    expect(res.status).toBe(201);
    expect(await proc.exited).toBe(0);
    const stderr = await new Response(proc.stderr).text();
    expect(stderr).toContain("SIGTERM, finishing 1 in-flight request(s)");
    expect(stderr).toContain("reflex: stopped");
    // The request log line (JSON: stdout is a pipe), written before the exit.
    const logged = (await rest)
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logged).toContainEqual(
      expect.objectContaining({ msg: "request", method: "PUT", path: "/v1/tenants/3/entries/9", status: 201 }),
    );

    const store = new NvmeStorage(root);
    const handle = await store.load(9n, 3n);
    expect(handle.payloadBlob.byteLength).toBe(payload.byteLength);
    expect(Bun.hash(handle.payloadBlob)).toBe(Bun.hash(payload));
    handle.release();
  });

  test("SIGINT with nothing in flight exits 0 at once", async () => {
    const proc = spawnMain({ REFLEX_ROOT: join(tempDir(), "root") }, ["--quiet"]);
    await firstLine(proc.stdout);
    proc.kill("SIGINT");
    expect(await proc.exited).toBe(0);
  });

  test("refuses a non-loopback host without tokens, and says so (exit 2)", async () => {
    const proc = spawnMain({ REFLEX_ROOT: join(tempDir(), "root"), REFLEX_HOST: "0.0.0.0" });
    expect(await proc.exited).toBe(2);
    expect(await new Response(proc.stderr).text()).toContain("refusing to listen on 0.0.0.0 without tokens");
    expect(await new Response(proc.stdout).text()).toBe("");
  });

  test("a bad flag or token file is a usage error (exit 2); --help prints usage (exit 0)", async () => {
    const badPort = spawnMain({}, ["--port", "x"]);
    expect(await badPort.exited).toBe(2);
    expect(await new Response(badPort.stderr).text()).toContain("--port must be a port number");
    const badTokens = spawnMain({ REFLEX_TOKENS: join(tempDir(), "missing.json") });
    expect(await badTokens.exited).toBe(2);
    expect(await new Response(badTokens.stderr).text()).toContain("cannot read token file");
    const help = spawnMain({}, ["--help"]);
    expect(await help.exited).toBe(0);
    const usage = await new Response(help.stdout).text();
    expect(usage).toContain("REFLEX_MAX_BODY");
    expect(usage).toContain("--log-format text|json      REFLEX_LOG_FORMAT");
  });
});

describe("SIGHUP reloads the token file", () => {
  test("new tokens take effect; a bad file keeps the old ones, and the server says so", async () => {
    const dir = tempDir();
    const tokensFile = join(dir, "tokens.json");
    const write = (text: string) => Bun.write(tokensFile, text);
    await write(JSON.stringify({ tokens: [{ token: "old-token-0123456789abcdef", admin: true }] }));
    const child = spawnMain({ REFLEX_ROOT: join(dir, "root"), REFLEX_TOKENS: tokensFile }, ["--quiet"]);
    try {
      const { line } = await firstLine(child.stdout);
      const url = line.replace("reflex listening on ", "");
      const stderr: string[] = [];
      const reader = child.stderr.getReader();
      (async () => {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          stderr.push(new TextDecoder().decode(value));
        }
      })();
      const status = async (token: string) =>
        (await fetch(`${url}/v1/tenants`, { headers: { Authorization: `Bearer ${token}` } })).status;
      const hangup = async (expected: RegExp) => {
        const before = stderr.join("");
        child.kill("SIGHUP");
        for (let i = 0; i < 500 && !expected.test(stderr.join("").slice(before.length)); i++) await Bun.sleep(10);
        expect(stderr.join("").slice(before.length)).toMatch(expected);
      };
      expect(await status("old-token-0123456789abcdef")).toBe(200);
      await write(JSON.stringify({ tokens: [{ token: "new-token-0123456789abcdef", admin: true }] }));
      await hangup(/reloaded 1 token\(s\)/);
      expect(await status("new-token-0123456789abcdef")).toBe(200);
      expect(await status("old-token-0123456789abcdef")).toBe(401);
      for (const bad of ["{oops", JSON.stringify({ tokens: [] })]) {
        await write(bad);
        await hangup(/not reloaded, keeping the 1 token\(s\) in force/);
        expect(await status("new-token-0123456789abcdef")).toBe(200);
      }
    } finally {
      child.kill("SIGTERM");
      await child.exited;
    }
  });

  test('a token file with {"tokens":[]} does not start: exit 2, saying why', async () => {
    const dir = tempDir();
    const tokensFile = join(dir, "tokens.json");
    await Bun.write(tokensFile, JSON.stringify({ tokens: [] }));
    const child = spawnMain({ REFLEX_ROOT: join(dir, "root"), REFLEX_TOKENS: tokensFile });
    expect(await child.exited).toBe(2);
    expect(await new Response(child.stderr).text()).toContain("every request would be refused");
  });
});
