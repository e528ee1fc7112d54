import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestServer, type TestServer, TOKENS } from "../test/real-server.ts";
import { isReflexClientError } from "./client-error.ts";
import { ReflexClient } from "./reflex-client.ts";

// [1, 0], [1, 1] and [1, 0.1] as little-endian f16
const X = new Uint8Array([0x00, 0x3c, 0x00, 0x00]);
const XY = new Uint8Array([0x00, 0x3c, 0x00, 0x3c]);
const NEAR_X = new Uint8Array([0x00, 0x3c, 0x66, 0x2e]);
const payloadBlob = new Uint8Array([1]);

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.stop();
});

for (const encoding of ["protobuf", "json"] as const) {
  describe(`searchWithNearest (${encoding})`, () => {
    const client = () => new ReflexClient({ baseUrl: server.url, token: TOKENS.admin, encoding });
    const tenant = encoding === "json" ? 71n : 72n;

    test("contextHash scopes the hits; nearest on a hit, on a miss, and null with no candidate", async () => {
      const c = client();
      await c.put(tenant, 1n, { contextHash: 5n, timestamp: 1n, embedding: X, payloadBlob });
      await c.put(tenant, 2n, { contextHash: 6n, timestamp: 1n, embedding: NEAR_X, payloadBlob });
      await c.put(tenant, 3n, { contextHash: 2n ** 64n - 1n, timestamp: 1n, embedding: XY, payloadBlob });
      expect((await c.search(tenant, { embedding: X, k: 5 })).map((hit) => hit.id)).toEqual([1n, 2n]);
      const six = await c.searchWithNearest(tenant, { embedding: X, k: 5, contextHash: 6 });
      expect(six.hits.map((hit) => [hit.id, hit.contextHash])).toEqual([[2n, 6n]]);
      expect(six.nearest).toBe(six.hits[0]?.similarity as number);
      const miss = await c.searchWithNearest(tenant, { embedding: X, contextHash: 2n ** 64n - 1n });
      expect(miss.hits).toEqual([]);
      expect(miss.nearest as number).toBeCloseTo(Math.SQRT1_2, 3);
      expect(await c.searchWithNearest(tenant, { embedding: X, contextHash: 0n })).toEqual({ hits: [], nearest: null });
    });

    test("a bad contextHash fails before any request", async () => {
      let caught: unknown;
      try {
        await client().search(tenant, { embedding: X, contextHash: -1 });
      } catch (error) {
        caught = error;
      }
      expect(isReflexClientError(caught) && caught.code === "invalid_id").toBe(true);
    });
  });
}
