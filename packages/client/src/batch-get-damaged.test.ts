import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestServer, type TestServer } from "../test/real-server.ts";
import { ReflexClient } from "./reflex-client.ts";

let server: TestServer;
const root = join(mkdtempSync(join(tmpdir(), "reflex-client-damaged-")), "root");
beforeAll(async () => {
  server = await startTestServer({ config: { root } });
});
afterAll(async () => {
  await server.stop();
  rmSync(join(root, ".."), { recursive: true, force: true });
});

describe("batchGet with a damaged entry", () => {
  for (const encoding of ["protobuf", "json"] as const) {
    test(`answers the good ones and names the damaged one (${encoding})`, async () => {
      const client = new ReflexClient({ baseUrl: server.url, encoding });
      const tenant = encoding === "protobuf" ? 21n : 22n;
      await client.put(tenant, 1n, { payloadBlob: new Uint8Array([1]) });
      await client.put(tenant, 2n, { payloadBlob: new Uint8Array([2]) });
      writeFileSync(join(root, String(tenant), "3.rfx"), "not an entry");
      const result = await client.batchGet(tenant, [1n, 3n, 2n, 4n]);
      expect(result.entries.map((e) => e.id)).toEqual([1n, 2n]);
      expect(result.missing).toEqual([4n]);
      expect(result.damaged).toEqual([{ id: 3n, reason: "bad_magic" }]);
      expect((await client.batchGet(tenant, [1n])).damaged).toEqual([]);
    });
  }
});
