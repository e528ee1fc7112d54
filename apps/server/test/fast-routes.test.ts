// The fast routes (Bun.serve's own route table for GET payload, GET entry and HEAD entry)
// must answer exactly what the Hono routes answer: the same request goes to a real server
// (request log on: the fast path stays on with it) and to its own app through
// app.request(), and status, headers and body must agree.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RequestRecord } from "../src/observe/logger.ts";
import type { RunningServer } from "../src/server.ts";
import { removeTestDirs, TOKENS } from "./helpers.ts";
import { startTokenServer, storeSampleEntries } from "./token-server.ts";

afterEach(removeTestDirs);

const records: RequestRecord[] = [];
const logger = { info() {}, error() {}, request: (record: RequestRecord) => records.push(record) };
let server: RunningServer;
// One server for the whole file (helpers' tempDir() is removed after each test).
const dir = mkdtempSync(join(tmpdir(), "reflex-fast-routes-"));

beforeAll(async () => {
  server = await startTokenServer(dir, { requestLog: true }, { logger });
  await storeSampleEntries(server.store, [
    [1n, 42n, 0],
    [1n, 43n, 3600],
    [2n, 42n, 0],
  ]);
  writeFileSync(join(dir, "root", "1", "44.rfx"), "not an entry"); // corrupt: 500 on GET and HEAD
});

afterAll(async () => {
  await server.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** What must agree between the two answers. */
async function answer(response: Response) {
  const headers: Record<string, string | null> = {};
  for (const name of ["content-type", "etag", "expires", "vary", "www-authenticate"]) {
    headers[name] = response.headers.get(name);
  }
  return { status: response.status, headers, body: Buffer.from(await response.arrayBuffer()).toString("base64") };
}

const CASES: [string, string, string, Record<string, string>][] = [
  ["payload", "GET", "/v1/tenants/1/entries/42/payload", bearer(TOKENS.tenant1)],
  ["payload with an expiry", "GET", "/v1/tenants/1/entries/43/payload", bearer(TOKENS.tenant1)],
  ["payload, no token", "GET", "/v1/tenants/1/entries/42/payload", {}],
  ["payload, a bad token", "GET", "/v1/tenants/1/entries/42/payload", bearer(TOKENS.wrong)],
  ["payload, malformed auth", "GET", "/v1/tenants/1/entries/42/payload", { Authorization: "Basic x" }],
  ["payload, another tenant's token", "GET", "/v1/tenants/2/entries/42/payload", bearer(TOKENS.tenant1)],
  ["payload, admin", "GET", "/v1/tenants/2/entries/42/payload", bearer(TOKENS.admin)],
  ["payload, missing", "GET", "/v1/tenants/1/entries/9/payload", bearer(TOKENS.tenant1)],
  ["payload, corrupt", "GET", "/v1/tenants/1/entries/44/payload", bearer(TOKENS.tenant1)],
  ["payload, bad id", "GET", "/v1/tenants/1/entries/007/payload", bearer(TOKENS.tenant1)],
  ["payload, bad tenant", "GET", "/v1/tenants/x/entries/1/payload", bearer(TOKENS.tenant1)],
  ["payload, id past u64", "GET", "/v1/tenants/1/entries/18446744073709551616/payload", bearer(TOKENS.tenant1)],
  ["entry as JSON", "GET", "/v1/tenants/1/entries/43", bearer(TOKENS.both)],
  ["entry, missing", "GET", "/v1/tenants/2/entries/1", bearer(TOKENS.both)],
  ["entry, corrupt", "GET", "/v1/tenants/1/entries/44", bearer(TOKENS.both)],
  ["HEAD entry", "HEAD", "/v1/tenants/1/entries/42", bearer(TOKENS.tenant1)],
  ["HEAD missing", "HEAD", "/v1/tenants/1/entries/9", bearer(TOKENS.tenant1)],
  ["HEAD corrupt", "HEAD", "/v1/tenants/1/entries/44", bearer(TOKENS.tenant1)],
  ["HEAD, no token", "HEAD", "/v1/tenants/1/entries/42", {}],
  ["a percent-encoded tenant (goes to Hono)", "GET", "/v1/tenants/%31/entries/42/payload", bearer(TOKENS.tenant1)],
];

describe("the fast routes answer as the Hono routes do", () => {
  test.each(CASES)("%s", async (_name, method, path, headers) => {
    const response = await fetch(`${server.url}${path}`, { method, headers });
    const overHttp = await answer(response);
    const throughHono = await answer(await server.app.request(path, { method, headers }));
    expect(overHttp).toEqual(throughHono);
    // Observed like any request: an id, one log record with the route template.
    const id = response.headers.get("x-request-id") ?? "";
    expect(id).toMatch(/^[0-9a-f]{12}-[0-9a-z]+$/);
    const record = records.find((r) => r.requestId === id);
    expect(record).toMatchObject({ method, path, status: overHttp.status });
    expect(record?.route).toMatch(/^\/v1\/tenants\/:tenant\/entries\/:id(\/payload)?$/);
  });

  test("X-Request-Id: echoed on the fast routes and Hono's; an unsafe one replaced", async () => {
    for (const path of ["/v1/tenants/1/entries/42/payload", "/v1/tenants/%31/entries/42/payload", "/v1/tenants"]) {
      const echoed = await fetch(`${server.url}${path}`, {
        headers: { ...bearer(TOKENS.admin), "X-Request-Id": "trace-0af7651916cd43dd" },
      });
      expect([path, echoed.headers.get("x-request-id")]).toEqual([path, "trace-0af7651916cd43dd"]);
      for (const unsafe of ["two words", "a".repeat(129), "line\u00e9"]) {
        const replaced = await fetch(`${server.url}${path}`, {
          headers: { ...bearer(TOKENS.admin), "X-Request-Id": unsafe },
        });
        expect(replaced.headers.get("x-request-id")).toMatch(/^[0-9a-f]{12}-[0-9a-z]+$/);
      }
    }
    expect(server.http.count("GET", "/v1/tenants/:tenant/entries/:id/payload", "2xx")).toBeGreaterThan(0);
  });

  test("protobuf by Accept, and If-None-Match gives 304 with the ETag", async () => {
    for (const headers of [
      { ...bearer(TOKENS.tenant1), Accept: "application/x-protobuf" },
      { ...bearer(TOKENS.tenant1), Accept: "application/json;q=0.1, application/x-protobuf" },
    ]) {
      const overHttp = await answer(await fetch(`${server.url}/v1/tenants/1/entries/43`, { headers }));
      expect(overHttp).toEqual(await answer(await server.app.request("/v1/tenants/1/entries/43", { headers })));
    }
    const first = await fetch(`${server.url}/v1/tenants/1/entries/42/payload`, { headers: bearer(TOKENS.tenant1) });
    const etag = first.headers.get("etag") ?? "";
    const again = { ...bearer(TOKENS.tenant1), "If-None-Match": etag };
    const overHttp = await answer(await fetch(`${server.url}/v1/tenants/1/entries/42/payload`, { headers: again }));
    expect(overHttp.status).toBe(304);
    expect(overHttp).toEqual(
      await answer(await server.app.request("/v1/tenants/1/entries/42/payload", { headers: again })),
    );
  });

  test("other methods on the same paths still reach Hono (PUT, DELETE)", async () => {
    const del = await fetch(`${server.url}/v1/tenants/2/entries/42`, {
      method: "DELETE",
      headers: bearer(TOKENS.tenant2),
    });
    expect([del.status, await del.text()]).toEqual([204, ""]);
    const put = await fetch(`${server.url}/v1/tenants/1/entries/42/payload`, {
      method: "PUT",
      headers: bearer(TOKENS.tenant1),
    });
    expect(put.status).toBe(404);
    expect((await put.json()) as unknown).toEqual({ error: { code: "not_found", message: expect.any(String) } });
  });
});
