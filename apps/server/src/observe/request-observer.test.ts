import { afterEach, describe, expect, test } from "bun:test";
import { HttpMetrics } from "@reflex/stats";
import { entryJson, removeTestDirs, testApp } from "../../test/helpers.ts";
import type { RequestRecord } from "./logger.ts";
import { RequestObserver } from "./request-observer.ts";

afterEach(removeTestDirs);

function observed(logRequests = true) {
  const http = new HttpMetrics();
  const records: RequestRecord[] = [];
  const logger = { info() {}, error() {}, request: (r: RequestRecord) => records.push(r) };
  return { http, records, observer: new RequestObserver({ http, logger, logRequests }) };
}

describe("RequestObserver", () => {
  test("Hono answers: the route template, principal and tenant come from the context", async () => {
    const { http, records, observer } = observed();
    const { app } = testApp();
    const call = async (method: string, path: string, body?: unknown) => {
      const request = new Request(`http://127.0.0.1${path}?x=1`, {
        method,
        ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "Content-Type": "application/json" } }),
      });
      const note = observer.begin(request);
      return observer.settle(note, request, app.fetch(request, { note }));
    };
    expect((await call("PUT", "/v1/tenants/7/entries/1", entryJson("7"))).status).toBe(201);
    expect((await call("GET", "/v1/tenants/7/entries/1/payload")).status).toBe(200);
    expect((await call("GET", "/nowhere/3")).status).toBe(404);
    expect(records.map((r) => [r.method, r.route, r.path, r.status, r.tenant, r.principal])).toEqual([
      ["PUT", "/v1/tenants/:tenant/entries/:id", "/v1/tenants/7/entries/1", 201, 7n, "anonymous"],
      ["GET", "/v1/tenants/:tenant/entries/:id/payload", "/v1/tenants/7/entries/1/payload", 200, 7n, "anonymous"],
      ["GET", "unmatched", "/nowhere/3", 404, undefined, undefined],
    ]);
    expect(http.count("PUT", "/v1/tenants/:tenant/entries/:id", "2xx")).toBe(1);
    expect(http.count("GET", "unmatched", "4xx")).toBe(1);
  });

  test("a known route and a plain Response: the id header set, metrics recorded, no log when off", () => {
    const { http, records, observer } = observed(false);
    const request = new Request("http://127.0.0.1/v1/tenants/1/entries/2", { headers: { "X-Request-Id": "given-1" } });
    const note = observer.begin(request, "/v1/tenants/:tenant/entries/:id");
    const response = observer.settle(note, request, new Response("hi", { status: 503 })) as Response;
    expect(response.headers.get("x-request-id")).toBe("given-1");
    expect(http.count("GET", "/v1/tenants/:tenant/entries/:id", "5xx")).toBe(1);
    expect(records).toEqual([]);
  });

  test("a response with immutable headers is copied to carry the id", async () => {
    const { observer } = observed();
    const upstream = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("up") });
    try {
      const fetched = await fetch(upstream.url);
      const request = new Request("http://127.0.0.1/x");
      const answer = observer.end(observer.begin(request), request, fetched);
      expect(answer.headers.get("x-request-id")).toMatch(/-/);
      expect(await answer.text()).toBe("up");
    } finally {
      await upstream.stop(true);
    }
  });
});
