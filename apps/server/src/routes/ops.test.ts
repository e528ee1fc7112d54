import { afterEach, describe, expect, test } from "bun:test";
import { OperationMetrics } from "@reflex/stats";
import { call, entryJson, errorOf, removeTestDirs, testApp, testTokens } from "../../test/helpers.ts";

afterEach(removeTestDirs);

describe("GET /healthz", () => {
  test("200 ok", async () => {
    const { app } = testApp();
    const res = await call(app, "GET", "/healthz");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });
});

describe("GET /metrics", () => {
  test("without a metrics source: store gauges in the Prometheus text format", async () => {
    const { app } = testApp();
    await call(app, "PUT", "/v1/tenants/1/entries/1", { json: entryJson("1") });
    const res = await call(app, "GET", "/metrics");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const text = await res.text();
    for (const name of ["reflex_store_tenants", "reflex_store_entries", "reflex_store_bytes"]) {
      expect(text).toContain(`# HELP ${name} `);
      expect(text).toContain(`# TYPE ${name} gauge\n`);
      expect(text).toMatch(new RegExp(`^${name} \\d+$`, "m"));
    }
    expect(text).toContain("reflex_store_entries 1\n");
    expect(text.endsWith("\n")).toBe(true);
  });

  test("with the store's operation metrics: counters and latency histograms per operation", async () => {
    const operations = new OperationMetrics();
    const { app } = testApp({ operations, recorder: operations });
    await call(app, "PUT", "/v1/tenants/1/entries/1", { json: entryJson("1") });
    await call(app, "GET", "/v1/tenants/1/entries/2");
    const text = await (await call(app, "GET", "/metrics")).text();
    expect(text).toContain('reflex_store_operations_total{op="store",code="ok"} 1\n');
    expect(text).toContain('reflex_store_operations_total{op="load",code="not_found"} 1\n');
    expect(text).toContain("# TYPE reflex_store_operation_duration_seconds histogram\n");
    expect(text).toContain('reflex_store_operation_duration_seconds_bucket{op="store",le="+Inf"} 1\n');
    expect(text).toContain('reflex_store_operation_duration_seconds_count{op="load"} 1\n');
    expect(text).toMatch(/^reflex_build_info\{version="[^"]+",bun_version="[^"]+",store="nvme"\} 1$/m);
    expect(text).toMatch(/^reflex_file_cache_entries \d+$/m);
    expect(text).toContain('reflex_store_tenant_entries{tenant="1"} 1\n');
  });

  test("with a metrics source: serves what it renders (sync or async)", async () => {
    for (const render of [() => "custom_metric 1\n", async () => "custom_metric 2\n"]) {
      const { app } = testApp({ metrics: { renderPrometheus: render } });
      const res = await call(app, "GET", "/metrics");
      expect(res.status).toBe(200);
      expect(await res.text()).toMatch(/^custom_metric \d\n$/);
    }
  });

  test("a failing metrics source is a 500 without details", async () => {
    const { app } = testApp({
      metrics: {
        renderPrometheus() {
          throw new Error("secret detail /var/lib/x");
        },
      },
    });
    const res = await call(app, "GET", "/metrics");
    expect(res.status).toBe(500);
    const error = await errorOf(res);
    expect(error).toEqual({ code: "internal_error", message: "internal server error" });
  });
});

describe("GET /openapi.json", () => {
  test("an OpenAPI 3.1 document of every route, from the route definitions", async () => {
    const { app } = testApp({ tokens: testTokens() });
    const res = await call(app, "GET", "/openapi.json");
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      openapi: string;
      paths: Record<string, Record<string, { parameters?: { name: string; schema: { pattern?: string } }[] }>>;
      components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
    };
    expect(doc.openapi).toBe("3.1.0");
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations.sort()).toEqual(
      [
        "GET /healthz",
        "GET /openapi.json",
        "GET /metrics",
        "GET /v1/stats",
        "GET /v1/tenants",
        "GET /v1/tenants/{tenant}/entries",
        "PUT /v1/tenants/{tenant}/entries/{id}",
        "GET /v1/tenants/{tenant}/entries/{id}",
        "HEAD /v1/tenants/{tenant}/entries/{id}",
        "DELETE /v1/tenants/{tenant}/entries/{id}",
        "GET /v1/tenants/{tenant}/entries/{id}/payload",
        "POST /v1/tenants/{tenant}/entries/{id}/touch",
        "DELETE /v1/tenants/{tenant}",
        "POST /v1/maintenance/cleanup",
        "POST /v1/tenants/{tenant}/entries/batch-get",
        "POST /v1/tenants/{tenant}/search",
      ].sort(),
    );
    const get = doc.paths["/v1/tenants/{tenant}/entries/{id}"]?.get;
    expect(get?.parameters?.map((p) => p.name).sort()).toEqual(["id", "tenant"]);
    expect(get?.parameters?.[0]?.schema.pattern).toBe("^(0|[1-9][0-9]{0,19})$");
    expect(doc.components.securitySchemes.bearerAuth).toBeDefined();
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining(["CacheEntry", "CacheEntryInput", "Error", "EntryList", "Stats"]),
    );
  });
});

describe("unknown routes", () => {
  test("404 in the error shape", async () => {
    const { app } = testApp();
    for (const path of ["/nope", "/v1/nope", "/v1/tenants/1/entries/1/other"]) {
      const res = await call(app, "GET", path);
      expect(res.status).toBe(404);
      expect((await errorOf(res)).code).toBe("not_found");
    }
  });
});
