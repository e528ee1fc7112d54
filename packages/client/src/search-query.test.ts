import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestServer, type TestServer } from "../test/real-server.ts";
import { isReflexClientError } from "./client-error.ts";
import { ReflexClient } from "./reflex-client.ts";
import { checkSearchK } from "./search-query.ts";

const X = new Uint8Array([0x00, 0x3c, 0x00, 0x00]); // f16 [1, 0]

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.stop();
});

describe("search k, the same in both encodings", () => {
  test("checkSearchK takes absent and 1..100 only", () => {
    for (const k of [undefined, 1, 50, 100]) expect(() => checkSearchK(k)).not.toThrow();
    for (const k of [0, -1, 1.5, 101, Number.NaN]) expect(() => checkSearchK(k)).toThrow(/k must be a whole number/);
  });

  for (const encoding of ["protobuf", "json"] as const) {
    test(`k: 0 is refused before sending over ${encoding}; k: 2 and no k work`, async () => {
      const client = new ReflexClient({ baseUrl: server.url, encoding });
      await client.put(9n, 1n, { embedding: X, payloadBlob: new Uint8Array(1) });
      await client.put(9n, 2n, { embedding: X, payloadBlob: new Uint8Array(1) });
      let error: unknown;
      try {
        await client.search(9n, { embedding: X, k: 0 });
      } catch (caught) {
        error = caught;
      }
      expect(isReflexClientError(error, "invalid_body")).toBe(true);
      expect((error as { status: number }).status).toBe(0);
      expect(await client.search(9n, { embedding: X, k: 2 })).toHaveLength(2);
      expect(await client.search(9n, { embedding: X })).toHaveLength(1);
    });
  }
});
