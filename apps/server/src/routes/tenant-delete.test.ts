import { afterEach, describe, expect, test } from "bun:test";
import { call, entryJson, removeTestDirs, TOKENS, testApp, testTokens } from "../../test/helpers.ts";

afterEach(removeTestDirs);

describe("DELETE /v1/tenants/{tenant}", () => {
  test("removes every entry of the tenant and no other; 404 once it is gone", async () => {
    const { app } = testApp();
    for (const id of [1, 2, 3]) await call(app, "PUT", `/v1/tenants/1/entries/${id}`, { json: entryJson("1") });
    await call(app, "PUT", "/v1/tenants/2/entries/1", { json: entryJson("2") });
    const res = await call(app, "DELETE", "/v1/tenants/1");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ tenant: "1", removed: 3 });
    expect(await (await call(app, "GET", "/v1/tenants")).json()).toMatchObject({ tenants: ["2"] });
    expect((await call(app, "GET", "/v1/tenants/1/entries/2")).status).toBe(404);
    expect((await call(app, "GET", "/v1/tenants/2/entries/1")).status).toBe(200);
    const stats = (await (await call(app, "GET", "/v1/stats")).json()) as { entries: number };
    expect(stats.entries).toBe(1);
    expect((await call(app, "DELETE", "/v1/tenants/1")).status).toBe(404);
    expect((await call(app, "DELETE", "/v1/tenants/01")).status).toBe(400);
  });

  test("admin or that tenant's token: another tenant's token is 403 and deletes nothing", async () => {
    const { app } = testApp({ tokens: testTokens() });
    for (const tenant of ["1", "2"]) {
      await call(app, "PUT", `/v1/tenants/${tenant}/entries/1`, { json: entryJson(tenant), token: TOKENS.admin });
    }
    expect((await call(app, "DELETE", "/v1/tenants/1", { token: TOKENS.tenant2 })).status).toBe(403);
    expect((await call(app, "DELETE", "/v1/tenants/1")).status).toBe(401);
    expect((await call(app, "GET", "/v1/tenants/1/entries/1", { token: TOKENS.admin })).status).toBe(200);
    expect((await call(app, "DELETE", "/v1/tenants/1", { token: TOKENS.tenant1 })).status).toBe(200);
    expect((await call(app, "DELETE", "/v1/tenants/2", { token: TOKENS.admin })).status).toBe(200);
  });
});
