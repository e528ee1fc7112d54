import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestServer, type TestServer } from "../test/real-server.ts";
import { ReflexClient } from "./reflex-client.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.stop();
});

describe("findByContext pages through the server's cut lists", () => {
  test("every id (past the server's page of 1000), the first limit, and one page with next", async () => {
    const client = new ReflexClient({ baseUrl: server.url });
    const count = 1005;
    for (let start = 0; start < count; start += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, count - start) }, (_, i) =>
          client.put(4n, BigInt(start + i), {
            contextHash: 3n,
            timestamp: BigInt(start + i + 1), // 0 would be "now"
            payloadBlob: new Uint8Array(1),
          }),
        ),
      );
    }
    const all = await client.findByContext(4n, 3n);
    expect(all).toHaveLength(count);
    expect(all[0]).toBe(1004n); // newest first
    expect(all.at(-1)).toBe(0n);
    expect(await client.findByContext(4n, 3n, { limit: 3 })).toEqual([1004n, 1003n, 1002n]);
    const first = await client.findByContextPage(4n, 3n, { limit: 2 });
    expect(first).toEqual({ ids: [1004n, 1003n], next: 1003n });
    expect(await client.findByContextPage(4n, 3n, { limit: 2, after: 1n })).toEqual({ ids: [0n], next: null });
  });
});
