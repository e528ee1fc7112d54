import { afterEach, describe, expect, test } from "bun:test";
import { call, entryJson, errorOf, removeTestDirs, TOKENS, testApp, testTokens } from "../../test/helpers.ts";

afterEach(removeTestDirs);

interface RouteCase {
  readonly method: string;
  readonly path: string;
  /** Status with a token that may use the route (entry 42 of tenant 1 exists). */
  readonly ok: number;
  readonly json?: unknown;
  /** Tenant route (403 for a token of another tenant) or admin route (403 for any tenant token). */
  readonly scope: "tenant" | "admin";
}

const ROUTES: readonly RouteCase[] = [
  { method: "PUT", path: "/v1/tenants/1/entries/42", ok: 200, json: entryJson("1"), scope: "tenant" },
  { method: "GET", path: "/v1/tenants/1/entries/42", ok: 200, scope: "tenant" },
  { method: "HEAD", path: "/v1/tenants/1/entries/42", ok: 200, scope: "tenant" },
  { method: "DELETE", path: "/v1/tenants/1/entries/42", ok: 204, scope: "tenant" },
  { method: "GET", path: "/v1/tenants/1/entries/42/payload", ok: 200, scope: "tenant" },
  { method: "GET", path: "/v1/tenants/1/entries", ok: 200, scope: "tenant" },
  { method: "GET", path: "/v1/tenants", ok: 200, scope: "admin" },
  { method: "GET", path: "/v1/stats", ok: 200, scope: "admin" },
  { method: "POST", path: "/v1/maintenance/cleanup", ok: 200, scope: "admin" },
  { method: "GET", path: "/metrics", ok: 200, scope: "admin" },
];

describe("the auth matrix, on every route", () => {
  for (const route of ROUTES) {
    test(`${route.method} ${route.path}`, async () => {
      const { app, store } = testApp({ tokens: testTokens() });
      const seed = async () => {
        if (!(await store.exists(42n, 1n))) {
          (
            await store.store(42n, {
              tenantId: 1n,
              contextHash: 1n,
              timestamp: 1n,
              embedding: new Uint8Array(0),
              payloadBlob: new Uint8Array([1]),
            })
          ).release();
        }
      };
      const request = async (headers: Record<string, string>) => {
        await seed();
        return call(app, route.method, route.path, {
          headers,
          ...(route.json === undefined ? {} : { json: route.json }),
        });
      };
      const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
      const expectError = async (res: Response, status: number, code: string) => {
        expect(res.status).toBe(status);
        if (route.method !== "HEAD") expect((await errorOf(res)).code).toBe(code);
      };

      // No token, a wrong token, malformed headers: 401 with a challenge.
      for (const headers of [
        {},
        bearer(TOKENS.wrong),
        { Authorization: TOKENS.admin },
        { Authorization: `Basic ${btoa(`user:${TOKENS.admin}`)}` },
        { Authorization: "Bearer" },
      ]) {
        const res = await request(headers);
        await expectError(res, 401, "unauthorized");
        expect(res.headers.get("www-authenticate")).toBe('Bearer realm="reflex"');
      }
      // Another tenant's token: 403. On admin routes every tenant token is 403.
      await expectError(await request(bearer(TOKENS.tenant2)), 403, "forbidden");
      if (route.scope === "admin") {
        await expectError(await request(bearer(TOKENS.tenant1)), 403, "forbidden");
        await expectError(await request(bearer(TOKENS.both)), 403, "forbidden");
      } else {
        expect((await request(bearer(TOKENS.tenant1))).status).toBe(route.ok);
        expect((await request(bearer(TOKENS.both))).status).toBe(route.ok);
        expect((await request({ Authorization: `bearer  ${TOKENS.tenant1}` })).status).toBe(route.ok);
      }
      // Admin: everywhere.
      expect((await request(bearer(TOKENS.admin))).status).toBe(route.ok);
    });
  }

  test("a tenant token on another tenant's PUT writes nothing", async () => {
    const { app, store } = testApp({ tokens: testTokens() });
    const res = await call(app, "PUT", "/v1/tenants/2/entries/1", { token: TOKENS.tenant1, json: entryJson("2") });
    expect(res.status).toBe(403);
    expect((await errorOf(res)).message).toContain("t1 does not cover tenant 2");
    expect(await store.exists(1n, 2n)).toBe(false);
  });

  test("a bad tenant id with a valid token is 400, not 403", async () => {
    const { app } = testApp({ tokens: testTokens() });
    const res = await call(app, "GET", "/v1/tenants/01/entries", { token: TOKENS.tenant1 });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe("invalid_id");
  });
});
