import { afterEach, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { decodeEntryBody, encodeEntryBody } from "@reflex/codec";
import { ConfigError, DEFAULT_CONFIG, type ServerConfig } from "../src/config/config.ts";
import { type RunningServer, startServer } from "../src/server.ts";
import { removeTestDirs, TOKEN_FILE, TOKENS, tempDir } from "./helpers.ts";

afterEach(removeTestDirs);

const quiet = { info() {}, error() {} };
const running: RunningServer[] = [];
afterEach(async () => {
  for (const server of running.splice(0)) await server.shutdown();
});

async function start(overrides: Partial<ServerConfig> = {}): Promise<RunningServer> {
  const dir = tempDir();
  const tokensFile = join(dir, "tokens.json");
  writeFileSync(tokensFile, JSON.stringify(TOKEN_FILE));
  const server = await startServer(
    { ...DEFAULT_CONFIG, root: join(dir, "root"), port: 0, tokensFile, requestLog: false, ...overrides },
    { logger: quiet },
  );
  running.push(server);
  return server;
}

function auth(token: string, headers: Record<string, string> = {}): Record<string, string> {
  return { Authorization: `Bearer ${token}`, ...headers };
}

/** Sends raw bytes over a socket and returns the response's status line. */
function rawStatusLine(url: string, request: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(request));
    let text = "";
    socket.on("data", (chunk) => {
      text += chunk.toString("latin1");
      if (text.includes("\r\n")) {
        socket.destroy();
        resolve(text.slice(0, text.indexOf("\r\n")));
      }
    });
    socket.on("error", reject);
  });
}

describe("the real server on an ephemeral loopback port", () => {
  test("put / get / payload / list / stats / metrics / cleanup / delete over fetch", async () => {
    const server = await start();
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const base = server.url;
    const entry = `${base}/v1/tenants/1/entries/42`;

    expect((await fetch(`${base}/healthz`)).status).toBe(200);

    const put = await fetch(entry, {
      method: "PUT",
      headers: auth(TOKENS.tenant1, { "Content-Type": "application/json" }),
      body: JSON.stringify({ contextHash: "7", timestamp: "1700000000", payloadBlob: btoa("hello") }),
    });
    expect(put.status).toBe(201);

    // A large protobuf payload: stored, then served from the file mapping.
    const payload = new Uint8Array(6 * 1024 * 1024);
    for (let i = 0; i < payload.length; i += 4096) payload[i] = i & 0xff;
    const big = encodeEntryBody({
      tenantId: 1n,
      contextHash: 1n,
      timestamp: 2n,
      embedding: new Uint8Array(8),
      payloadBlob: payload,
    });
    const putBig = await fetch(`${base}/v1/tenants/1/entries/43`, {
      method: "PUT",
      headers: auth(TOKENS.tenant1, { "Content-Type": "application/x-protobuf" }),
      body: big as Uint8Array<ArrayBuffer>,
    });
    expect(putBig.status).toBe(201);

    const json = await fetch(entry, { headers: auth(TOKENS.tenant1) });
    expect(await json.json()).toMatchObject({ tenantId: "1", contextHash: "7", payloadBlob: btoa("hello") });

    const proto = await fetch(`${base}/v1/tenants/1/entries/43`, {
      headers: auth(TOKENS.tenant1, { Accept: "application/x-protobuf" }),
    });
    expect(proto.headers.get("content-type")).toBe("application/x-protobuf");
    expect(Bun.hash(decodeEntryBody(new Uint8Array(await proto.arrayBuffer())).payloadBlob)).toBe(Bun.hash(payload));

    const raw = await fetch(`${base}/v1/tenants/1/entries/43/payload`, { headers: auth(TOKENS.tenant1) });
    expect(raw.status).toBe(200);
    expect(raw.headers.get("content-type")).toBe("application/octet-stream");
    // Over 1 MiB the payload is streamed from the entry's view: Bun.serve sends it chunked.
    expect(raw.headers.get("transfer-encoding")).toBe("chunked");
    const etag = raw.headers.get("etag") as string;
    const received = new Uint8Array(await raw.arrayBuffer());
    expect(received.byteLength).toBe(payload.length);
    expect(Bun.hash(received)).toBe(Bun.hash(payload));
    const notModified = await fetch(`${base}/v1/tenants/1/entries/43/payload`, {
      headers: auth(TOKENS.tenant1, { "If-None-Match": etag }),
    });
    expect(notModified.status).toBe(304);

    const head = await fetch(entry, { method: "HEAD", headers: auth(TOKENS.tenant1) });
    expect(head.status).toBe(200);

    const list = await fetch(`${base}/v1/tenants/1/entries?limit=1`, { headers: auth(TOKENS.tenant1) });
    expect(await list.json()).toEqual({ ids: ["42"], next: "42" });
    const rest = await fetch(`${base}/v1/tenants/1/entries?limit=1&after=42`, { headers: auth(TOKENS.tenant1) });
    expect(await rest.json()).toEqual({ ids: ["43"], next: null });

    const stats = await fetch(`${base}/v1/stats`, { headers: auth(TOKENS.admin) });
    expect(await stats.json()).toMatchObject({ tenants: 1, entries: 2 });
    const metrics = await fetch(`${base}/metrics`, { headers: auth(TOKENS.admin) });
    expect(await metrics.text()).toContain("reflex_store_entries 2\n");

    for (const id of ["42", "43"]) {
      expect(
        (await fetch(`${base}/v1/tenants/1/entries/${id}`, { method: "DELETE", headers: auth(TOKENS.tenant1) })).status,
      ).toBe(204);
    }
    const cleanup = await fetch(`${base}/v1/maintenance/cleanup`, { method: "POST", headers: auth(TOKENS.admin) });
    expect(await cleanup.json()).toEqual({ removed: 1 });
    const openapi = await fetch(`${base}/openapi.json`);
    expect(((await openapi.json()) as { openapi: string }).openapi).toBe("3.1.0");
  });

  test("auth over the wire: 401 without or with a wrong token, 403 for another tenant", async () => {
    const server = await start();
    const url = `${server.url}/v1/tenants/2/entries/1`;
    const none = await fetch(url);
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toBe('Bearer realm="reflex"');
    expect((await fetch(url, { headers: auth(TOKENS.wrong) })).status).toBe(401);
    expect((await fetch(url, { headers: auth(TOKENS.tenant1) })).status).toBe(403);
    expect((await fetch(url, { headers: auth(TOKENS.tenant2) })).status).toBe(404);
    expect((await fetch(`${server.url}/v1/stats`, { headers: auth(TOKENS.both) })).status).toBe(403);
  });

  test("bodies over the limit: 413 in the API's shape, by Content-Length and while streaming", async () => {
    const server = await start({ maxBodyBytes: 64 * 1024 });
    const url = `${server.url}/v1/tenants/1/entries/1`;
    const sized = await fetch(url, {
      method: "PUT",
      headers: auth(TOKENS.tenant1, { "Content-Type": "application/x-protobuf" }),
      body: new Uint8Array(200 * 1024),
    });
    expect(sized.status).toBe(413);
    expect(((await sized.json()) as { error: { code: string } }).error.code).toBe("payload_too_large");
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 100) return controller.close();
        sent++;
        controller.enqueue(new Uint8Array(16 * 1024));
      },
    });
    const chunked = await fetch(url, {
      method: "PUT",
      headers: auth(TOKENS.tenant1, { "Content-Type": "application/x-protobuf" }),
      body: stream,
      duplex: "half",
    } as RequestInit);
    expect(chunked.status).toBe(413);
  });

  test("a declared length far over the limit: the API's JSON 413, not Bun's bare one", async () => {
    const server = await start({ maxBodyBytes: 64 * 1024 });
    const { port } = new URL(server.url);
    // No body follows: the answer must come from the Content-Length alone.
    const response = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), "127.0.0.1", () =>
        socket.write(
          "PUT /v1/tenants/1/entries/1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" +
            `Authorization: Bearer ${TOKENS.tenant1}\r\nContent-Type: application/json\r\nContent-Length: 2147483648\r\n\r\n`,
        ),
      );
      let text = "";
      const timer = setTimeout(() => reject(new Error(`no complete answer: ${JSON.stringify(text)}`)), 5_000);
      socket.on("data", (chunk) => {
        text += chunk.toString("latin1");
        if (text.endsWith("}}")) {
          clearTimeout(timer);
          socket.destroy();
          resolve(text);
        }
      });
      socket.on("error", reject);
    });
    expect(response.startsWith("HTTP/1.1 413")).toBe(true);
    expect(response).toContain('{"error":{"code":"payload_too_large"');
  });

  test("raw request targets with dot segments and encoded tricks never reach storage", async () => {
    const server = await start();
    for (const target of [
      "/v1/tenants/1/entries/%2e%2e/payload",
      "/v1/tenants/%2e%2e/entries/1",
      "/v1/tenants/1/entries/..%2f..%2fetc",
      "/v1/tenants/1/../2/entries/1",
      "/v1/tenants/1/entries/%2B1",
      "/v1/tenants/1/entries/1%20",
    ]) {
      const status = await rawStatusLine(
        server.url,
        `GET ${target} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${TOKENS.admin}\r\nConnection: close\r\n\r\n`,
      );
      expect(status).toMatch(/^HTTP\/1\.1 (400|404) /);
    }
  });

  test("without tokens: loopback serves with auth off, anything else is refused with a reason", async () => {
    const open = await start({ tokensFile: undefined });
    expect((await fetch(`${open.url}/v1/stats`)).status).toBe(200);
    const promise = start({ tokensFile: undefined, host: "0.0.0.0" });
    await expect(promise).rejects.toThrow(ConfigError);
    await expect(promise).rejects.toThrow("refusing to listen on 0.0.0.0 without tokens");
  });

  test("with tokens and --allow-plain-http, a non-loopback host binds over http (the TLS rules: tls-e2e.test.ts)", async () => {
    const server = await start({ host: "0.0.0.0", allowPlainHttp: true });
    const port = new URL(server.url).port;
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/v1/stats`)).status).toBe(401);
  });

  test("shutdown finishes an in-flight write", async () => {
    const server = await start();
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const body = new TextEncoder().encode(JSON.stringify({ payloadBlob: btoa("x".repeat(1000)) }));
    const stream = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(body.subarray(0, 10));
        await gate;
        controller.enqueue(body.subarray(10));
        controller.close();
      },
    });
    const response = fetch(`${server.url}/v1/tenants/1/entries/5`, {
      method: "PUT",
      headers: auth(TOKENS.tenant1, { "Content-Type": "application/json" }),
      body: stream,
      duplex: "half",
    } as RequestInit);
    while (server.inFlight === 0) await Bun.sleep(5);
    const stopped = server.shutdown();
    await Bun.sleep(50);
    release();
    expect((await response).status).toBe(201);
    expect(await stopped).toBe(true);
    expect(await server.store.exists(5n, 1n)).toBe(true);
  });
});
