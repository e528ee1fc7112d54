import { afterEach, describe, expect, test } from "bun:test";
import { OperationMetrics } from "@reflex/stats";
import { call, entryJson, removeTestDirs, testApp } from "../../test/helpers.ts";

afterEach(removeTestDirs);

describe("GET /v1/stats", () => {
  test("tenants, entries and bytes from the store", async () => {
    const { app, store } = testApp();
    expect(await (await call(app, "GET", "/v1/stats")).json()).toEqual({
      tenants: 0,
      entries: 0,
      bytes: 0,
      perTenant: [],
      operations: {},
      retention: {
        bounds: {
          defaultTtlSeconds: 0,
          maxBytes: null,
          maxEntries: null,
          tenantMaxBytes: null,
          tenantMaxEntries: null,
        },
        indexReady: true,
        evictions: { tenant_entries: 0, tenant_bytes: 0, root_entries: 0, root_bytes: 0 },
        expirations: 0,
      },
    });
    await call(app, "PUT", "/v1/tenants/1/entries/1", { json: entryJson("1") });
    await call(app, "PUT", "/v1/tenants/1/entries/2", { json: entryJson("1") });
    await call(app, "PUT", "/v1/tenants/2/entries/1", { json: entryJson("2") });
    const res = await call(app, "GET", "/v1/stats");
    expect(res.status).toBe(200);
    const stats = await store.stats();
    const body = (await res.json()) as { perTenant: { tenant: string; entries: number; bytes: number }[] };
    expect(body).toMatchObject({ tenants: 2, entries: 3, bytes: stats.totalBytes });
    expect(stats.totalBytes).toBeGreaterThan(0);
    expect(body.perTenant.map((t) => [t.tenant, t.entries])).toEqual([
      ["1", 2],
      ["2", 1],
    ]);
    expect(body.perTenant.reduce((sum, t) => sum + t.bytes, 0)).toBe(stats.totalBytes);
  });

  test("reports the operation metrics the store records", async () => {
    const operations = new OperationMetrics();
    const { app } = testApp({ operations, recorder: operations });
    await call(app, "PUT", "/v1/tenants/1/entries/1", { json: entryJson("1") });
    await call(app, "GET", "/v1/tenants/1/entries/1");
    await call(app, "GET", "/v1/tenants/1/entries/9");
    const body = (await (await call(app, "GET", "/v1/stats")).json()) as {
      operations: Record<string, { count: number; errors: Record<string, number>; latencySeconds: { p99: number } }>;
    };
    expect(body.operations.store?.count).toBe(1);
    expect(body.operations.load?.errors).toEqual({ not_found: 1 });
    expect(body.operations.load?.latencySeconds.p99).toBeGreaterThan(0);
  });
});

describe("POST /v1/maintenance/cleanup", () => {
  test("removes empty tenant directories and returns how many", async () => {
    const { app } = testApp();
    await call(app, "PUT", "/v1/tenants/1/entries/1", { json: entryJson("1") });
    await call(app, "PUT", "/v1/tenants/2/entries/1", { json: entryJson("2") });
    await call(app, "DELETE", "/v1/tenants/2/entries/1");
    const res = await call(app, "POST", "/v1/maintenance/cleanup");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ removed: 1 });
    expect(await (await call(app, "GET", "/v1/tenants")).json()).toEqual({ tenants: ["1"] });
    expect(await (await call(app, "POST", "/v1/maintenance/cleanup")).json()).toEqual({ removed: 0 });
  });

  test("GET is not a route (404)", async () => {
    const { app } = testApp();
    expect((await call(app, "GET", "/v1/maintenance/cleanup")).status).toBe(404);
  });
});
