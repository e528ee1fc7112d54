import { afterEach, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { decodeBatchGetResponse } from "@reflex/codec";
import { call, errorOf, removeTestDirs, TOKENS, testApp, testTokens } from "../../test/helpers.ts";

afterEach(removeTestDirs);

const PATH = "/v1/tenants/1/entries/batch-get";
const utf8 = new TextEncoder();

async function seed(store: ReturnType<typeof testApp>["store"], tenantId: bigint, ids: readonly bigint[]) {
  for (const id of ids) {
    const entry = {
      tenantId,
      contextHash: id,
      timestamp: 1_700_000_000n,
      embedding: new Uint8Array([0, 60]),
      payloadBlob: utf8.encode(`t${tenantId}/${id}`),
    };
    (await store.store(id, entry)).release();
  }
}

describe("POST /v1/tenants/{tenant}/entries/batch-get", () => {
  test("JSON: the entries found in the order asked for, and the missing ids", async () => {
    const { app, store } = testApp();
    await seed(store, 1n, [1n, 2n, 3n]);
    const res = await call(app, "POST", PATH, { json: { ids: ["3", "9", "1", "3"] } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      entries: { entryId: string; entry: { payloadBlob: string } }[];
      missing: string[];
    };
    expect(body.entries.map((e) => e.entryId)).toEqual(["3", "1", "3"]);
    expect(body.entries.map((e) => Buffer.from(e.entry.payloadBlob, "base64").toString())).toEqual([
      "t1/3",
      "t1/1",
      "t1/3",
    ]);
    expect(body.missing).toEqual(["9"]);
  });

  test("protobuf by Accept: a reflex.v1.BatchGetResponse", async () => {
    const { app, store } = testApp();
    await seed(store, 1n, [5n, 18446744073709551615n]);
    const res = await call(app, "POST", PATH, {
      json: { ids: ["18446744073709551615", "5", "6"] },
      headers: { Accept: "application/x-protobuf" },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/x-protobuf");
    const message = decodeBatchGetResponse(new Uint8Array(await res.arrayBuffer()));
    expect(message.entries.map((r) => [r.entryId, new TextDecoder().decode(r.entry.payloadBlob)])).toEqual([
      [18446744073709551615n, "t1/18446744073709551615"],
      [5n, "t1/5"],
    ]);
    expect(message.missing).toEqual([6n]);
  });

  test("each entry carries its expiresAt, as GET entry does: JSON and protobuf", async () => {
    const { app, store } = testApp();
    await seed(store, 1n, [1n]);
    const entry = {
      tenantId: 1n,
      contextHash: 2n,
      timestamp: 3n,
      embedding: new Uint8Array(0),
      payloadBlob: utf8.encode("x"),
    };
    (await store.store(2n, entry, { ttlSeconds: 3600 })).release();
    const single = (await (await call(app, "GET", "/v1/tenants/1/entries/2")).json()) as { expiresAt: string };
    expect(Number(single.expiresAt)).toBeGreaterThan(Date.now() / 1000);
    const json = (await (await call(app, "POST", PATH, { json: { ids: ["2", "1"] } })).json()) as {
      entries: { entry: { expiresAt: string } }[];
    };
    expect(json.entries.map((e) => e.entry.expiresAt)).toEqual([single.expiresAt, "0"]);
    const res = await call(app, "POST", PATH, {
      json: { ids: ["2", "1"] },
      headers: { Accept: "application/x-protobuf" },
    });
    const decoded = decodeBatchGetResponse(new Uint8Array(await res.arrayBuffer()));
    expect(decoded.entries.map((e) => e.expiresAt)).toEqual([BigInt(single.expiresAt), 0n]);
  });

  test("an empty list answers an empty batch", async () => {
    const { app } = testApp();
    const res = await call(app, "POST", PATH, { json: { ids: [] } });
    expect(await res.json()).toEqual({ entries: [], missing: [], damaged: [] });
  });

  test("400 for a bad id (named), a bad tenant, more than 1,000 ids, or a body that is not {ids}", async () => {
    const { app } = testApp();
    const badId = await call(app, "POST", PATH, { json: { ids: ["1", "2", "007", "-1"] } });
    expect(badId.status).toBe(400);
    const error = await errorOf(badId);
    expect(error.message).toContain("ids.2");
    expect(error.message.indexOf("ids.2")).toBeLessThan(error.message.indexOf("ids.3"));
    const tooMany = await call(app, "POST", PATH, { json: { ids: Array.from({ length: 1001 }, (_, i) => `${i}`) } });
    expect(tooMany.status).toBe(400);
    expect((await errorOf(tooMany)).message).toContain("1000");
    expect((await call(app, "POST", "/v1/tenants/x/entries/batch-get", { json: { ids: [] } })).status).toBe(400);
    for (const body of [{}, { ids: "1" }, { ids: [1] }, { ids: [], extra: true }, []]) {
      expect((await call(app, "POST", PATH, { json: body })).status).toBe(400);
    }
    const notJson = await call(app, "POST", PATH, { body: "ids=1", headers: { "Content-Type": "text/plain" } });
    expect([400, 415]).toContain(notJson.status);
    await errorOf(notJson);
  });

  test("exactly 1,000 ids are accepted", async () => {
    const { app, store } = testApp();
    await seed(store, 1n, [999n]);
    const res = await call(app, "POST", PATH, { json: { ids: Array.from({ length: 1000 }, (_, i) => `${i}`) } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { entries: unknown[]; missing: string[] };
    expect([body.entries.length, body.missing.length]).toEqual([1, 999]);
  });

  test("isolation: another tenant's entries are missing, and its token is refused (403)", async () => {
    const { app, store } = testApp({ tokens: testTokens() });
    await seed(store, 2n, [1n]);
    const own = await call(app, "POST", PATH, { token: TOKENS.tenant1, json: { ids: ["1"] } });
    expect(await own.json()).toEqual({ entries: [], missing: ["1"], damaged: [] });
    const other = await call(app, "POST", "/v1/tenants/2/entries/batch-get", {
      token: TOKENS.tenant1,
      json: { ids: ["1"] },
    });
    expect(other.status).toBe(403);
    expect((await call(app, "POST", PATH, { json: { ids: ["1"] } })).status).toBe(401);
  });

  test("a corrupt entry does not fail the batch: the others are answered, it is named in damaged (JSON and protobuf)", async () => {
    const { app, store } = testApp();
    await seed(store, 1n, [1n, 2n, 3n]);
    writeFileSync(join(store.storagePath, "1", "2.rfx"), "not an entry");
    const res = await call(app, "POST", PATH, { json: { ids: ["1", "2", "9", "3"] } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { entries: { entryId: string }[]; missing: string[]; damaged: unknown[] };
    expect(body.entries.map((e) => e.entryId)).toEqual(["1", "3"]);
    expect(body.missing).toEqual(["9"]);
    expect(body.damaged).toEqual([{ entryId: "2", reason: "bad_magic" }]);
    const proto = await call(app, "POST", PATH, {
      json: { ids: ["1", "2", "9", "3"] },
      headers: { Accept: "application/x-protobuf" },
    });
    expect(proto.status).toBe(200);
    const decoded = decodeBatchGetResponse(new Uint8Array(await proto.arrayBuffer()));
    expect(decoded.entries.map((e) => e.entryId)).toEqual([1n, 3n]);
    expect(decoded.missing).toEqual([9n]);
    expect(decoded.damaged).toEqual([{ entryId: 2n, reason: "bad_magic" }]);
    // A single GET of it still answers 500, as before.
    expect((await call(app, "GET", "/v1/tenants/1/entries/2")).status).toBe(500);
  });
});
