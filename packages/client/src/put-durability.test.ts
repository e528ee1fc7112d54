// A PUT answered with the weaker promise (a Redis Cluster shard with no online replica, the
// server's --redis-when-replica-lost accept): the client says so on the result.
import { afterAll, expect, test } from "bun:test";
import { ReflexClient } from "./reflex-client.ts";

let masterOnly = true;
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch: () =>
    Response.json(
      { tenant: "1", id: "2", created: true, ...(masterOnly ? { durability: "master-only" } : {}) },
      { status: 201, headers: masterOnly ? { "X-Reflex-Durability": "master-only" } : {} },
    ),
});
afterAll(() => server.stop(true));

test("put: durability master-only when the server says so, absent otherwise", async () => {
  const client = new ReflexClient({ baseUrl: `http://127.0.0.1:${server.port}` });
  const entry = { payloadBlob: new TextEncoder().encode("x") };
  expect(await client.put(1n, 2n, entry)).toEqual({ tenant: 1n, id: 2n, created: true, durability: "master-only" });
  masterOnly = false;
  expect(await client.put(1n, 2n, entry, { encoding: "json" })).toEqual({ tenant: 1n, id: 2n, created: true });
});
