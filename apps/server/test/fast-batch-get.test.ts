// The fast batch-get (Bun.serve's route table) must answer exactly what the Hono route
// answers, and must answer the well-formed requests itself: every other request goes to
// Hono. Same method as fast-routes.test.ts: one request to a real quiet server and to its
// own app through app.request(); status, headers and body must agree.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HttpMetrics } from "@reflex/stats";
import type { ReflexApp } from "../src/app.ts";
import { fastBatchGet, plainBatchIds } from "../src/fast-routes/fast-batch-get.ts";
import { RequestObserver } from "../src/observe/request-observer.ts";
import type { RunningServer } from "../src/server.ts";
import { TOKENS, testTokens } from "./helpers.ts";
import { startTokenServer, storeSampleEntries } from "./token-server.ts";

const quiet = { info() {}, error() {} };
let server: RunningServer;
const dir = mkdtempSync(join(tmpdir(), "reflex-fast-batch-get-"));
const PATH = "/v1/tenants/1/entries/batch-get";

beforeAll(async () => {
  server = await startTokenServer(dir);
  await storeSampleEntries(server.store, [
    [1n, 42n, 0],
    [1n, 43n, 3600],
    [2n, 42n, 0],
    [2n, 50n, 0],
  ]);
  writeFileSync(join(dir, "root", "1", "44.rfx"), "not an entry"); // corrupt: the batch names it in damaged
});

afterAll(async () => {
  await server.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const json = (token: string) => ({ ...bearer(token), "Content-Type": "application/json" });
const ids = (...list: string[]) => JSON.stringify({ ids: list });

async function answer(response: Response) {
  const headers: Record<string, string | null> = {};
  for (const name of ["content-type", "vary", "www-authenticate"]) headers[name] = response.headers.get(name);
  return { status: response.status, headers, body: Buffer.from(await response.arrayBuffer()).toString("base64") };
}

const CASES: [string, string, string, Record<string, string>, string | undefined][] = [
  ["found and missing, JSON", "POST", PATH, json(TOKENS.tenant1), ids("42", "9", "43")],
  ["found, protobuf", "POST", PATH, { ...json(TOKENS.tenant1), Accept: "application/x-protobuf" }, ids("43", "42")],
  ["another tenant's ids stay missing", "POST", PATH, json(TOKENS.tenant1), ids("50")],
  ["empty list", "POST", PATH, json(TOKENS.tenant1), ids()],
  ["admin", "POST", "/v1/tenants/2/entries/batch-get", json(TOKENS.admin), ids("42", "50")],
  ["a corrupt entry", "POST", PATH, json(TOKENS.tenant1), ids("42", "44")],
  ["a bad id", "POST", PATH, json(TOKENS.tenant1), ids("42", "007", "x")],
  ["an id past u64", "POST", PATH, json(TOKENS.tenant1), ids("18446744073709551616")],
  ["a number id", "POST", PATH, json(TOKENS.tenant1), '{"ids":[42]}'],
  ["1,001 ids", "POST", PATH, json(TOKENS.tenant1), ids(...Array.from({ length: 1001 }, (_, i) => String(i)))],
  ["an extra field", "POST", PATH, json(TOKENS.tenant1), '{"ids":["42"],"more":1}'],
  ["a __proto__ field", "POST", PATH, json(TOKENS.tenant1), '{"ids":["42"],"__proto__":{"x":1}}'],
  ["ids not a list", "POST", PATH, json(TOKENS.tenant1), '{"ids":"42"}'],
  ["not JSON", "POST", PATH, json(TOKENS.tenant1), '{"ids":['],
  ["a JSON list", "POST", PATH, json(TOKENS.tenant1), '["42"]'],
  ["no body", "POST", PATH, json(TOKENS.tenant1), undefined],
  ["text/plain", "POST", PATH, { ...bearer(TOKENS.tenant1), "Content-Type": "text/plain" }, ids("42")],
  [
    "JSON with a charset",
    "POST",
    PATH,
    { ...json(TOKENS.tenant1), "Content-Type": "application/json; charset=utf-8" },
    ids("42"),
  ],
  [
    "JSON with a space before its parameter",
    "POST",
    PATH,
    { ...json(TOKENS.tenant1), "Content-Type": "application/json ;x=1" },
    ids("42"),
  ],
  ["JSON in capitals", "POST", PATH, { ...json(TOKENS.tenant1), "Content-Type": "Application/JSON" }, ids("42")],
  ["a +json type", "POST", PATH, { ...json(TOKENS.tenant1), "Content-Type": "application/vnd.reflex+json" }, ids("42")],
  ["no token", "POST", PATH, { "Content-Type": "application/json" }, ids("42")],
  ["a bad token", "POST", PATH, json(TOKENS.wrong), ids("42")],
  ["another tenant's token", "POST", PATH, json(TOKENS.tenant2), ids("42")],
  ["a bad tenant", "POST", "/v1/tenants/01/entries/batch-get", json(TOKENS.tenant1), ids("42")],
  ["a percent-encoded tenant", "POST", "/v1/tenants/%31/entries/batch-get", json(TOKENS.tenant1), ids("42")],
  ["GET on the batch path", "GET", PATH, bearer(TOKENS.tenant1), undefined],
];

describe("the fast batch-get answers as the Hono route does", () => {
  test.each(CASES)("%s", async (_name, method, path, headers, body) => {
    const init = { method, headers, ...(body === undefined ? {} : { body }) };
    const overHttp = await answer(await fetch(`${server.url}${path}`, init));
    const throughHono = await answer(await server.app.request(path, init));
    expect(overHttp).toEqual(throughHono);
  });

  test("a body over the limit and a streamed body get Hono's answers", async () => {
    const big = JSON.stringify({ ids: ["1"], pad: "x".repeat(70 * 1024) });
    const overHttp = await answer(
      await fetch(`${server.url}${PATH}`, { method: "POST", headers: json(TOKENS.tenant1), body: big }),
    );
    expect(overHttp.status).toBe(413);
    expect(overHttp).toEqual(
      await answer(await server.app.request(PATH, { method: "POST", headers: json(TOKENS.tenant1), body: big })),
    );
    const streamed = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(ids("42")));
        controller.close();
      },
    });
    const chunked = await fetch(`${server.url}${PATH}`, {
      method: "POST",
      headers: json(TOKENS.tenant1),
      body: streamed,
    });
    expect(await answer(chunked)).toEqual(
      await answer(await server.app.request(PATH, { method: "POST", headers: json(TOKENS.tenant1), body: ids("42") })),
    );
  });
});

describe("which requests the fast batch-get answers itself", () => {
  const counters: HttpMetrics[] = [];
  /** The fast handler over the server's own app, counting the requests it hands to Hono. */
  function counted() {
    const handed: string[] = [];
    const app = {
      fetch: (request: Request, env: unknown) => {
        handed.push(request.url);
        return server.app.fetch(request, env as never);
      },
    } as unknown as ReflexApp;
    const http = new HttpMetrics();
    const observer = new RequestObserver({ http, logger: quiet, logRequests: false });
    const handler = fastBatchGet({ app, store: server.store, tokens: testTokens(), report: () => {}, observer });
    counters.push(http);
    const call = (init: RequestInit, tenant = "1") =>
      handler(
        Object.assign(new Request(`http://127.0.0.1${PATH.replace("/1/", `/${tenant}/`)}`, init), {
          params: { tenant },
        }),
        server.server,
      );
    return { handed, call };
  }

  test("a well-formed request of a covering token is answered without Hono", async () => {
    const { handed, call } = counted();
    const body = ids("42", "9");
    const response = await call({
      method: "POST",
      headers: { ...json(TOKENS.tenant1), "Content-Length": String(body.length) },
      body,
    });
    expect(response.status).toBe(200);
    expect((await response.json()) as unknown).toMatchObject({ entries: [{ entryId: "42" }], missing: ["9"] });
    expect(handed).toEqual([]);
    expect(response.headers.get("x-request-id")).toMatch(/\S/);
    expect(counters.at(-1)?.count("POST", "/v1/tenants/:tenant/entries/batch-get", "2xx")).toBe(1);
  });

  test("a bad body, a bad token and an undeclared length go to Hono", async () => {
    const { handed, call } = counted();
    const bad = ids("x");
    const declared = (body: string) => ({ "Content-Length": String(body.length) });
    expect(
      (await call({ method: "POST", headers: { ...json(TOKENS.tenant1), ...declared(bad) }, body: bad })).status,
    ).toBe(400);
    const good = ids("42");
    expect(
      (await call({ method: "POST", headers: { ...json(TOKENS.tenant2), ...declared(good) }, body: good })).status,
    ).toBe(403);
    expect((await call({ method: "POST", headers: json(TOKENS.tenant1), body: good })).status).toBe(200);
    expect(handed).toHaveLength(3);
  });
});

test("plainBatchIds takes only what the route's schema takes", () => {
  expect(plainBatchIds(ids("0", "18446744073709551615"))).toEqual([0n, 18446744073709551615n]);
  expect(plainBatchIds(ids())).toEqual([]);
  for (const refused of [
    ids("01"),
    ids("-1"),
    ids(" 1"),
    '{"ids":[1]}',
    '{"ids":null}',
    "null",
    "[]",
    '{"ids":[],"x":0}',
    "{",
  ]) {
    expect(plainBatchIds(refused)).toBeUndefined();
  }
  expect(plainBatchIds(ids(...Array.from({ length: 1000 }, (_, i) => String(i))))).toHaveLength(1000);
  expect(plainBatchIds(ids(...Array.from({ length: 1001 }, (_, i) => String(i))))).toBeUndefined();
});
