import { afterEach, describe, expect, test } from "bun:test";
import { call, entryJson, removeTestDirs, TOKENS, testApp, testTokens } from "../../test/helpers.ts";

afterEach(removeTestDirs);

describe("POST /v1/tenants/{tenant}/entries/{id}/touch", () => {
  test("sets a new expiry that GET then shows; ttl=0 makes it never expire; the payload is unchanged", async () => {
    const { app } = testApp();
    await call(app, "PUT", "/v1/tenants/1/entries/5?ttl=60", { json: entryJson("1", "kept") });
    const before = Math.floor(Date.now() / 1000);
    const res = await call(app, "POST", "/v1/tenants/1/entries/5/touch?ttl=3600");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { tenant: string; id: string; expiresAt: string };
    expect(body).toMatchObject({ tenant: "1", id: "5" });
    expect(Number(body.expiresAt)).toBeGreaterThanOrEqual(before + 3600);
    const got = (await (await call(app, "GET", "/v1/tenants/1/entries/5")).json()) as Record<string, string>;
    expect(got.expiresAt).toBe(body.expiresAt);
    expect(got.payloadBlob).toBe(Buffer.from("kept").toString("base64"));
    const never = (await (await call(app, "POST", "/v1/tenants/1/entries/5/touch?ttl=0")).json()) as {
      expiresAt: string;
    };
    expect(never.expiresAt).toBe("0");
  });

  test("404 for a missing entry, 400 without or with a bad ttl", async () => {
    const { app } = testApp();
    expect((await call(app, "POST", "/v1/tenants/1/entries/5/touch?ttl=10")).status).toBe(404);
    await call(app, "PUT", "/v1/tenants/1/entries/5", { json: entryJson("1") });
    for (const query of ["", "?ttl=", "?ttl=-1", "?ttl=1.5", "?ttl=abc"]) {
      expect((await call(app, "POST", `/v1/tenants/1/entries/5/touch${query}`)).status).toBe(400);
    }
  });

  test("a token of another tenant is 403", async () => {
    const { app } = testApp({ tokens: testTokens() });
    await call(app, "PUT", "/v1/tenants/1/entries/5", { json: entryJson("1"), token: TOKENS.tenant1 });
    expect((await call(app, "POST", "/v1/tenants/1/entries/5/touch?ttl=9", { token: TOKENS.tenant2 })).status).toBe(
      403,
    );
    expect((await call(app, "POST", "/v1/tenants/1/entries/5/touch?ttl=9", { token: TOKENS.tenant1 })).status).toBe(
      200,
    );
  });
});
