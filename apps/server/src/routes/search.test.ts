import { afterEach, describe, expect, test } from "bun:test";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { SearchRequestSchema, SearchResponseSchema } from "@reflex/codec";
import { NvmeStorage } from "@reflex/core";
import { call, entryJson, errorOf, removeTestDirs, TOKENS, tempDir, testApp, testTokens } from "../../test/helpers.ts";
import { createApp } from "../app.ts";

afterEach(removeTestDirs);

/** Base64 of little-endian f16 values. */
function f16Base64(values: readonly number[]): string {
  const bytes = new Uint8Array(values.length * 2);
  const view = new DataView(bytes.buffer);
  for (const [i, value] of values.entries()) view.setFloat16(i * 2, value, true);
  return Buffer.from(bytes).toString("base64");
}

async function put(app: ReturnType<typeof testApp>["app"], tenant: string, id: string, values: number[], extra = {}) {
  const res = await call(app, "PUT", `/v1/tenants/${tenant}/entries/${id}`, {
    json: entryJson(tenant, `answer ${id}`, { embedding: f16Base64(values), ...extra }),
  });
  expect(res.status).toBe(201);
}

describe("POST /v1/tenants/{tenant}/search", () => {
  test("JSON in and out: hits best first with id, similarity, timestamp and context hash as strings", async () => {
    const { app } = testApp();
    await put(app, "1", "42", [1, 0, 0, 0], { timestamp: "1700000001", contextHash: "9" });
    await put(app, "1", "43", [1, 0.3, 0, 0]);
    await put(app, "1", "44", [0, 1, 0, 0]);
    await put(app, "2", "45", [1, 0, 0, 0]);
    const res = await call(app, "POST", "/v1/tenants/1/search", { json: { embedding: f16Base64([1, 0, 0, 0]), k: 5 } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { hits: Record<string, unknown>[] };
    expect(body.hits.map((hit) => hit.id)).toEqual(["42", "43"]);
    expect(body.hits[0]).toEqual({ id: "42", similarity: 1, timestamp: "1700000001", contextHash: "9" });
    expect(body.hits[1]?.similarity as number).toBeCloseTo(1 / Math.sqrt(1.09), 3);
    const loose = await call(app, "POST", "/v1/tenants/1/search", {
      json: { embedding: f16Base64([1, 0, 0, 0]), k: 5, minSimilarity: -1, exact: true },
    });
    expect(((await loose.json()) as { hits: unknown[] }).hits.length).toBe(3);
  });

  test("include entry: each hit carries its entry in the JSON mapping", async () => {
    const { app } = testApp();
    await put(app, "1", "7", [0, 1]);
    const res = await call(app, "POST", "/v1/tenants/1/search", {
      json: { embedding: f16Base64([0, 1]), include: "entry" },
    });
    const body = (await res.json()) as { hits: { entry: { payloadBlob: string; tenantId: string } }[] };
    expect(body.hits.length).toBe(1);
    expect(body.hits[0]?.entry.tenantId).toBe("1");
    expect(Buffer.from(body.hits[0]?.entry.payloadBlob ?? "", "base64").toString()).toBe("answer 7");
  });

  test("include entry: a hit's entry carries its expiresAt, as GET's does", async () => {
    const { app } = testApp();
    const putRes = await call(app, "PUT", "/v1/tenants/1/entries/8?ttl=3600", {
      json: entryJson("1", "answer 8", { embedding: f16Base64([0, 1]) }),
    });
    expect(putRes.status).toBe(201);
    await put(app, "1", "9", [0, 1]);
    const got = (await (await call(app, "GET", "/v1/tenants/1/entries/8")).json()) as { expiresAt: string };
    expect(Number(got.expiresAt)).toBeGreaterThan(0);
    const res = await call(app, "POST", "/v1/tenants/1/search", {
      json: { embedding: f16Base64([0, 1]), include: "entry", k: 2 },
    });
    const body = (await res.json()) as { hits: { id: string; entry: { expiresAt: string } }[] };
    const expiries = Object.fromEntries(body.hits.map((hit) => [hit.id, hit.entry.expiresAt]));
    expect(expiries).toEqual({ "8": got.expiresAt, "9": "0" });
  });

  test("protobuf in and out (reflex.v1.SearchRequest / SearchResponse)", async () => {
    const { app } = testApp();
    await put(app, "1", "7", [0, 1]);
    const request = create(SearchRequestSchema, {
      embedding: new Uint8Array(Buffer.from(f16Base64([0, 1]), "base64")),
      k: 3,
      include: "entry",
    });
    const res = await call(app, "POST", "/v1/tenants/1/search", {
      headers: { "Content-Type": "application/x-protobuf", Accept: "application/x-protobuf" },
      body: toBinary(SearchRequestSchema, request),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/x-protobuf");
    const response = fromBinary(SearchResponseSchema, new Uint8Array(await res.arrayBuffer()));
    expect(
      response.hits.map((hit) => [hit.id, hit.similarity, new TextDecoder().decode(hit.entry?.payloadBlob)]),
    ).toEqual([[7n, 1, "answer 7"]]);
  });

  test("400 invalid_embedding for empty, odd, zero or NaN query embeddings, and on PUT of an odd one", async () => {
    const { app } = testApp();
    for (const embedding of [
      Buffer.from([1, 2, 3]).toString("base64"),
      f16Base64([0, 0]),
      f16Base64([Number.NaN, 1]),
    ]) {
      const res = await call(app, "POST", "/v1/tenants/1/search", { json: { embedding } });
      expect(res.status).toBe(400);
      expect((await errorOf(res)).code).toBe("invalid_embedding");
    }
    const put = await call(app, "PUT", "/v1/tenants/1/entries/1", {
      json: entryJson("1", "x", { embedding: Buffer.from([1, 2, 3]).toString("base64") }),
    });
    expect(put.status).toBe(400);
    expect((await errorOf(put)).code).toBe("invalid_embedding");
  });

  test("400 for bad bodies and options; 415 for another content type", async () => {
    const { app } = testApp();
    const embedding = f16Base64([1, 0]);
    for (const json of [
      {},
      { embedding: "" },
      { embedding: "!!!" },
      { embedding, k: 0 },
      { embedding, k: 101 },
      { embedding, k: 1.5 },
      { embedding, minSimilarity: 2 },
      { embedding, include: "payload" },
      { embedding, extra: true },
    ]) {
      const res = await call(app, "POST", "/v1/tenants/1/search", { json });
      expect({ json, status: res.status }).toEqual({ json, status: 400 });
      await errorOf(res);
    }
    const text = await call(app, "POST", "/v1/tenants/1/search", {
      headers: { "Content-Type": "text/plain" },
      body: "x",
    });
    expect(text.status).toBe(415);
    const badProtobuf = await call(app, "POST", "/v1/tenants/1/search", {
      headers: { "Content-Type": "application/x-protobuf" },
      body: new Uint8Array([0xff, 0xff]),
    });
    expect(badProtobuf.status).toBe(400);
  });

  test("auth: 401 without a token, 403 for another tenant's token", async () => {
    const { app } = testApp({ tokens: testTokens() });
    const json = { embedding: f16Base64([1, 0]) };
    expect((await call(app, "POST", "/v1/tenants/1/search", { json })).status).toBe(401);
    expect((await call(app, "POST", "/v1/tenants/1/search", { json, token: TOKENS.tenant2 })).status).toBe(403);
    expect((await call(app, "POST", "/v1/tenants/1/search", { json, token: TOKENS.tenant1 })).status).toBe(200);
  });

  test("501 unsupported when the store has no lookup", async () => {
    const store = new NvmeStorage(tempDir(), { lookup: false });
    const app = createApp(store);
    const res = await call(app, "POST", "/v1/tenants/1/search", { json: { embedding: f16Base64([1, 0]) } });
    expect(res.status).toBe(501);
    expect((await errorOf(res)).code).toBe("unsupported");
    const byHash = await call(app, "GET", "/v1/tenants/1/entries?contextHash=7");
    expect(byHash.status).toBe(501);
  });

  test("the route is in the OpenAPI document", async () => {
    const { app } = testApp();
    const doc = (await (await call(app, "GET", "/openapi.json")).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    expect(Object.keys(doc.paths["/v1/tenants/{tenant}/search"] ?? {})).toEqual(["post"]);
    const params = JSON.stringify(doc.paths["/v1/tenants/{tenant}/entries"]?.get);
    expect(params).toContain("contextHash");
  });
});

describe("GET /v1/tenants/{tenant}/entries?contextHash=N", () => {
  test("the ids with that context hash, newest first; limit and after page it", async () => {
    const { app } = testApp();
    for (const [id, hash, timestamp] of [
      ["1", "7", "100"],
      ["2", "7", "300"],
      ["3", "8", "200"],
      ["4", "7", "200"],
    ] as const) {
      await put(app, "1", id, [1, 0], { contextHash: hash, timestamp });
    }
    const res = await call(app, "GET", "/v1/tenants/1/entries?contextHash=7");
    expect(await res.json()).toEqual({ ids: ["2", "4", "1"], next: null });
    const limited = await call(app, "GET", "/v1/tenants/1/entries?contextHash=7&limit=2");
    expect(await limited.json()).toEqual({ ids: ["2", "4"], next: "4" });
    const none = await call(app, "GET", "/v1/tenants/1/entries?contextHash=18446744073709551615");
    expect(await none.json()).toEqual({ ids: [], next: null });
    for (const query of ["contextHash=-1", "contextHash=abc", "contextHash=7&after=3"]) {
      const bad = await call(app, "GET", `/v1/tenants/1/entries?${query}`);
      expect(bad.status).toBe(400);
      expect((await errorOf(bad)).code).toBe("invalid_query");
    }
  });
});
