// GET and HEAD requests that declare content are refused (400) on every route, fast or Hono:
// Bun.serve cut a longer answer to such a request at 128,000 bytes with a connection reset.
import { afterEach, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_CONFIG } from "../src/config/config.ts";
import { type RunningServer, startServer } from "../src/server.ts";
import {
  call,
  entryJson,
  errorOf,
  removeTestDirs,
  TOKEN_FILE,
  TOKENS,
  tempDir,
  testApp,
  testTokens,
} from "./helpers.ts";

afterEach(removeTestDirs);

const running: RunningServer[] = [];
afterEach(async () => {
  for (const server of running.splice(0)) await server.shutdown();
});

async function start(): Promise<RunningServer> {
  const dir = tempDir();
  const tokensFile = join(dir, "tokens.json");
  writeFileSync(tokensFile, JSON.stringify(TOKEN_FILE));
  const server = await startServer(
    { ...DEFAULT_CONFIG, root: join(dir, "root"), port: 0, tokensFile, requestLog: false },
    { logger: { info() {}, error() {} } },
  );
  running.push(server);
  return server;
}

/** What came back on a raw connection: every byte up to the server's close, and how it ended. */
interface RawExchange {
  readonly bytes: Buffer;
  readonly reset: boolean;
}

/** Writes `head` (with `Connection: close`) and `body` to the server, and reads until it closes the connection. */
async function exchange(server: RunningServer, head: string, body: Uint8Array): Promise<RawExchange> {
  const chunks: Buffer[] = [];
  const { promise, resolve, reject } = Promise.withResolvers<RawExchange>();
  const timer = setTimeout(() => reject(new Error(`no close within 10 s: ${head.split("\r\n")[0]}`)), 10_000);
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port: server.server.port as number,
    socket: {
      data(_socket, data) {
        chunks.push(Buffer.from(data));
      },
      close(_socket, error) {
        clearTimeout(timer);
        resolve({ bytes: Buffer.concat(chunks), reset: error !== undefined });
      },
      error() {},
    },
  });
  socket.write(Buffer.concat([Buffer.from(`${head}\r\nConnection: close\r\n\r\n`, "latin1"), body]));
  return promise;
}

/** The status and the body of a complete Content-Length response; throws if it is cut short. */
function parsed(answer: RawExchange): { status: number; body: Buffer } {
  const split = answer.bytes.indexOf("\r\n\r\n");
  expect(split).toBeGreaterThan(0);
  const head = answer.bytes.subarray(0, split).toString("latin1");
  const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1]);
  const body = answer.bytes.subarray(split + 4);
  if (body.length !== length)
    throw new Error(`answer cut short: ${body.length} of ${length} bytes (reset: ${answer.reset})`);
  return { status: Number(head.split(" ")[1]), body };
}

function chunked(body: Uint8Array): Uint8Array {
  return Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from("\r\n0\r\n\r\n")]);
}

const LARGE = 300 * 1024;
const BODY = new Uint8Array(256 * 1024).fill(0x41);

describe("a GET or HEAD with content on the real server", () => {
  test("GET payload (a fast route) of 300 KiB with a 256 KiB body: the whole 400, no reset", async () => {
    const server = await start();
    const put = await fetch(`${server.url}/v1/tenants/1/entries/5`, {
      method: "PUT",
      headers: { Authorization: `Bearer ${TOKENS.tenant1}`, "Content-Type": "application/json" },
      body: JSON.stringify(entryJson("1", "x".repeat(LARGE))),
    });
    expect(put.status).toBeLessThan(300);
    const head = `GET /v1/tenants/1/entries/5/payload HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKENS.tenant1}`;
    const answer = parsed(await exchange(server, `${head}\r\nContent-Length: ${BODY.length}`, BODY));
    expect(answer.status).toBe(400);
    const error = JSON.parse(answer.body.toString()).error;
    expect(error.code).toBe("bad_request");
    expect(error.message).toContain("Content-Length 262144");
    // Without a body the same request is answered in full.
    const plain = parsed(await exchange(server, `${head}\r\nContent-Length: 0`, new Uint8Array(0)));
    expect(plain.status).toBe(200);
    expect(plain.body.length).toBe(LARGE);
  });

  test("GET /metrics (a Hono route) with a chunked body, and HEAD entry with a length: the whole 400", async () => {
    const server = await start();
    const metrics = `GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKENS.admin}`;
    const refused = parsed(await exchange(server, `${metrics}\r\nTransfer-Encoding: chunked`, chunked(BODY)));
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.body.toString()).error.message).toContain("Transfer-Encoding chunked");
    const head = `HEAD /v1/tenants/1/entries/5 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKENS.tenant1}`;
    const answer = await exchange(server, `${head}\r\nContent-Length: ${BODY.length}`, BODY);
    expect(answer.bytes.toString("latin1")).toStartWith("HTTP/1.1 400 ");
  });
});

describe("a GET or HEAD with content through app.request", () => {
  test("400 bad_request before auth; a Content-Length of 0 is no content", async () => {
    const { app } = testApp({ tokens: testTokens() });
    const refused = await call(app, "GET", "/v1/tenants/1/entries/1", { headers: { "Content-Length": "12" } });
    expect(refused.status).toBe(400);
    expect((await errorOf(refused)).code).toBe("bad_request");
    const head = await call(app, "HEAD", "/healthz", { headers: { "Transfer-Encoding": "chunked" } });
    expect(head.status).toBe(400);
    expect((await call(app, "GET", "/healthz", { headers: { "Content-Length": "0" } })).status).toBe(200);
    const missing = await call(app, "GET", "/v1/tenants/1/entries/1", {
      token: TOKENS.tenant1,
      headers: { "Content-Length": "0" },
    });
    expect(missing.status).toBe(404);
  });
});
