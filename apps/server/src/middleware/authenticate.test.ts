import { afterEach, describe, expect, test } from "bun:test";
import { call, removeTestDirs, TOKENS, testApp, testTokens } from "../../test/helpers.ts";

afterEach(removeTestDirs);

describe("the auth matrix, on every route", () => {
  test("/healthz and /openapi.json need no token; unknown /v1 paths need one", async () => {
    const { app } = testApp({ tokens: testTokens() });
    expect((await call(app, "GET", "/healthz")).status).toBe(200);
    expect((await call(app, "GET", "/openapi.json")).status).toBe(200);
    expect((await call(app, "GET", "/v1/unknown")).status).toBe(401);
    expect((await call(app, "GET", "/v1/unknown", { token: TOKENS.admin })).status).toBe(404);
  });
});
