// POST /v1/tenants/{tenant}/search with `contextHash`, and `nearest` in both encodings.
import { afterEach, describe, expect, test } from "bun:test";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { SearchRequestSchema, SearchResponseSchema } from "@reflex/codec";
import { call, entryJson, errorOf, removeTestDirs, testApp } from "../../test/helpers.ts";

afterEach(removeTestDirs);

function f16Base64(values: readonly number[]): string {
  const bytes = new Uint8Array(values.length * 2);
  const view = new DataView(bytes.buffer);
  for (const [i, value] of values.entries()) view.setFloat16(i * 2, value, true);
  return Buffer.from(bytes).toString("base64");
}

async function seeded() {
  const { app } = testApp();
  for (const [id, values, contextHash] of [
    ["1", [1, 0, 0, 0], "5"],
    ["2", [1, 0.1, 0, 0], "6"],
    ["3", [1, 1, 0, 0], "18446744073709551615"],
  ] as const) {
    const res = await call(app, "PUT", `/v1/tenants/1/entries/${id}`, {
      json: entryJson("1", `answer ${id}`, { embedding: f16Base64(values), contextHash }),
    });
    expect(res.status).toBe(201);
  }
  return app;
}

type Body = { hits: { id: string; contextHash: string }[]; nearest: number | null };

describe("POST /v1/tenants/{tenant}/search: contextHash and nearest", () => {
  test("JSON: contextHash (a decimal string) scopes the hits; nearest is there on a hit, a miss and with no candidate", async () => {
    const app = await seeded();
    const search = async (json: Record<string, unknown>) => {
      const res = await call(app, "POST", "/v1/tenants/1/search", {
        json: { embedding: f16Base64([1, 0, 0, 0]), k: 5, ...json },
      });
      expect(res.status).toBe(200);
      return (await res.json()) as Body;
    };
    const all = await search({});
    expect(all.hits.map((hit) => hit.id)).toEqual(["1", "2"]);
    expect(all.nearest).toBe(1);
    const six = await search({ contextHash: "6" });
    expect(six.hits.map((hit) => [hit.id, hit.contextHash])).toEqual([["2", "6"]]);
    const miss = await search({ contextHash: "18446744073709551615" });
    expect(miss.hits).toEqual([]);
    expect(miss.nearest as number).toBeCloseTo(Math.SQRT1_2, 3);
    expect(await search({ contextHash: "0" })).toEqual({ hits: [], nearest: null });
  });

  test("protobuf: context_hash in, nearest out (unset with no candidate)", async () => {
    const app = await seeded();
    const search = async (contextHash: bigint) => {
      const request = create(SearchRequestSchema, {
        embedding: new Uint8Array(Buffer.from(f16Base64([1, 0, 0, 0]), "base64")),
        k: 5,
        contextHash,
      });
      const res = await call(app, "POST", "/v1/tenants/1/search", {
        headers: { "Content-Type": "application/x-protobuf", Accept: "application/x-protobuf" },
        body: toBinary(SearchRequestSchema, request),
      });
      expect(res.status).toBe(200);
      return fromBinary(SearchResponseSchema, new Uint8Array(await res.arrayBuffer()));
    };
    const five = await search(5n);
    expect(five.hits.map((hit) => hit.id)).toEqual([1n]);
    expect(five.nearest).toBe(1);
    const miss = await search(2n ** 64n - 1n);
    expect(miss.hits).toEqual([]);
    expect(miss.nearest as number).toBeCloseTo(Math.SQRT1_2, 3);
    expect((await search(0n)).nearest).toBeUndefined();
  });

  test("400 for a contextHash that is not a decimal u64", async () => {
    const app = await seeded();
    for (const contextHash of ["-1", "18446744073709551616", "x", 7]) {
      const res = await call(app, "POST", "/v1/tenants/1/search", {
        json: { embedding: f16Base64([1, 0]), contextHash },
      });
      expect({ contextHash, status: res.status }).toEqual({ contextHash, status: 400 });
      await errorOf(res);
    }
  });

  test("the OpenAPI document has contextHash in the request and nearest in the response", async () => {
    const { app } = testApp();
    const doc = (await (await call(app, "GET", "/openapi.json")).json()) as {
      components: { schemas: Record<string, { properties: Record<string, unknown>; required?: string[] }> };
    };
    expect(Object.keys(doc.components.schemas.SearchRequest?.properties ?? {})).toContain("contextHash");
    expect(doc.components.schemas.SearchResponse?.properties.nearest).toBeDefined();
    expect(doc.components.schemas.SearchResponse?.required).toContain("nearest");
  });
});
