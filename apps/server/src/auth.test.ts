import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { call, entryJson, errorOf, TOKEN_FILE, TOKENS, tempDir, testApp, testTokens } from "../test/helpers.ts";
import { TokenFileError, TokenSet } from "./auth.ts";

describe("TokenSet", () => {
  test("authenticates each configured token to its grant, and nothing else", () => {
    const tokens = testTokens();
    expect(tokens.size).toBe(4);
    const t1 = tokens.authenticate(TOKENS.tenant1);
    expect(t1?.name).toBe("t1");
    expect(t1?.admin).toBe(false);
    expect([...(t1?.tenants ?? [])]).toEqual([1n]);
    expect(tokens.authenticate(TOKENS.admin)?.admin).toBe(true);
    expect(tokens.authenticate(TOKENS.wrong)).toBeUndefined();
    expect(tokens.authenticate(`${TOKENS.tenant1}x`)).toBeUndefined();
    expect(tokens.authenticate(TOKENS.tenant1.slice(0, -1))).toBeUndefined();
    expect(tokens.authenticate("")).toBeUndefined();
  });

  test("a token without a name is named by its position", () => {
    const tokens = TokenSet.fromJson({ tokens: [{ token: "x".repeat(16), admin: true }] });
    expect(tokens.authenticate("x".repeat(16))?.name).toBe("token#0");
  });

  test("refuses bad token files with a message that says what is wrong", () => {
    const cases: [unknown, string][] = [
      [[], "expected an object"],
      [{}, '"tokens" must be an array'],
      [{ tokens: [1] }, "tokens[0]: expected an object"],
      [{ tokens: [{ token: "short", admin: true }] }, "at least 16"],
      [{ tokens: [{ token: "has spaces in the token", admin: true }] }, "may only hold"],
      [{ tokens: [{ token: "x".repeat(16) }] }, 'needs "admin": true or a non-empty "tenants"'],
      [{ tokens: [{ token: "x".repeat(16), tenants: [] }] }, "needs"],
      [{ tokens: [{ token: "x".repeat(16), tenants: [1] }] }, "must be a decimal string"],
      [{ tokens: [{ token: "x".repeat(16), tenants: ["01"] }] }, "leading zeros"],
      [{ tokens: [{ token: "x".repeat(16), tenants: ["18446744073709551616"] }] }, "2^64-1"],
      [{ tokens: [{ token: "x".repeat(16), admin: "yes" }] }, '"admin" must be true or false'],
      [{ tokens: [{ token: "x".repeat(16), admin: true, scope: "all" }] }, 'unknown field "scope"'],
      [
        {
          tokens: [
            { token: "x".repeat(16), admin: true },
            { token: "x".repeat(16), tenants: ["1"] },
          ],
        },
        "tokens[1]: duplicate token",
      ],
    ];
    for (const [json, message] of cases) {
      expect(() => TokenSet.fromJson(json)).toThrow(message);
    }
  });

  test("fromFile reads the documented format and names the file in errors", () => {
    const dir = tempDir();
    const good = join(dir, "tokens.json");
    writeFileSync(good, JSON.stringify(TOKEN_FILE));
    expect(TokenSet.fromFile(good).authenticate(TOKENS.tenant2)?.name).toBe("t2");
    const bad = join(dir, "bad.json");
    writeFileSync(bad, "{ not json");
    expect(() => TokenSet.fromFile(bad)).toThrow(TokenFileError);
    expect(() => TokenSet.fromFile(bad)).toThrow(`token file ${bad} is not valid JSON`);
    expect(() => TokenSet.fromFile(join(dir, "missing.json"))).toThrow("ENOENT");
  });
});

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

  test("/healthz and /openapi.json need no token; unknown /v1 paths need one", async () => {
    const { app } = testApp({ tokens: testTokens() });
    expect((await call(app, "GET", "/healthz")).status).toBe(200);
    expect((await call(app, "GET", "/openapi.json")).status).toBe(200);
    expect((await call(app, "GET", "/v1/unknown")).status).toBe(401);
    expect((await call(app, "GET", "/v1/unknown", { token: TOKENS.admin })).status).toBe(404);
  });
});
