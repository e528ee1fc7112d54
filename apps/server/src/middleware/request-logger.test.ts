import { describe, expect, test } from "bun:test";
import { call, entryJson, TOKENS, tempStore, testTokens } from "../../test/helpers.ts";
import { createApp } from "../app.ts";

describe("request logging", () => {
  test("one readable line per request, with status, duration and token name", async () => {
    const lines: string[] = [];
    const app = createApp(tempStore(), { tokens: testTokens(), logger: { info: (l) => lines.push(l), error() {} } });
    await call(app, "PUT", "/v1/tenants/1/entries/42", { token: TOKENS.tenant1, json: entryJson("1") });
    await call(app, "GET", "/v1/tenants/1/entries/42", { token: TOKENS.wrong });
    await call(app, "GET", "/v1/tenants/1/entries/%0a1", { token: TOKENS.admin });
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z PUT \/v1\/tenants\/1\/entries\/42 201 \d+\.\dms t1$/);
    expect(lines[1]).toMatch(/ GET \/v1\/tenants\/1\/entries\/42 401 [\d.]+ms -$/);
    expect(lines[2]).toContain("/v1/tenants/1/entries/%0a1 400"); // no raw control characters
  });

  test("off unless a logger is given", async () => {
    const app = createApp(tempStore());
    const res = await call(app, "GET", "/healthz");
    expect(res.status).toBe(200);
  });
});
