import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { NvmeStorage } from "@reflex/core";
import { call, entryJson, errorOf, removeTestDirs, tempDir, testApp } from "../../test/helpers.ts";
import { createApp } from "../app.ts";

afterEach(removeTestDirs);

const PATH = "/v1/tenants/1/entries/42/payload";

function plainEntry(tenantId: bigint) {
  return { tenantId, contextHash: 0n, timestamp: 0n, embedding: new Uint8Array(0), payloadBlob: new Uint8Array(0) };
}

describe("GET /v1/tenants/{tenant}/entries/{id}/payload", () => {
  test("raw bytes, application/octet-stream, strong ETag", async () => {
    const { app } = testApp();
    const bytes = new Uint8Array([0, 1, 2, 255, 10, 13]);
    await call(app, "PUT", "/v1/tenants/1/entries/42", {
      json: { ...entryJson("1"), payloadBlob: Buffer.from(bytes).toString("base64") },
    });
    const res = await call(app, "GET", PATH);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/octet-stream");
    const etag = res.headers.get("etag");
    expect(etag).toMatch(/^"[0-9a-f]+-[0-9a-f]{16}"$/);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes);
    // Same bytes, same tag; other bytes, other tag.
    expect((await call(app, "GET", PATH)).headers.get("etag")).toBe(etag);
    await call(app, "PUT", "/v1/tenants/1/entries/42", { json: entryJson("1", "other") });
    expect((await call(app, "GET", PATH)).headers.get("etag")).not.toBe(etag);
  });

  test("If-None-Match: 304 without a body when it matches (strong, weak, list, *), 200 otherwise", async () => {
    const { app } = testApp();
    await call(app, "PUT", "/v1/tenants/1/entries/42", { json: entryJson("1", "cached") });
    const etag = (await call(app, "GET", PATH)).headers.get("etag") as string;
    for (const header of [etag, `W/${etag}`, `"nope", ${etag}`, "*"]) {
      const res = await call(app, "GET", PATH, { headers: { "If-None-Match": header } });
      expect(res.status).toBe(304);
      expect(res.headers.get("etag")).toBe(etag);
      expect(await res.text()).toBe("");
    }
    const miss = await call(app, "GET", PATH, { headers: { "If-None-Match": '"0-0000000000000000"' } });
    expect(miss.status).toBe(200);
    expect(await miss.text()).toBe("cached");
  });

  test("an empty payload is 200 with no bytes", async () => {
    const { app } = testApp();
    await call(app, "PUT", "/v1/tenants/1/entries/42", { json: { payloadBlob: "" } });
    const res = await call(app, "GET", PATH);
    expect(res.status).toBe(200);
    expect((await res.arrayBuffer()).byteLength).toBe(0);
  });

  test("a large payload served from a file mapping stays whole after the handle is released", async () => {
    const store = new NvmeStorage(join(tempDir(), "root"), { durability: "atomic", mmapThresholdBytes: 4096 });
    const app = createApp(store);
    const payload = new Uint8Array(3 * 1024 * 1024);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 31) & 0xff;
    await store.store(42n, {
      tenantId: 1n,
      contextHash: 1n,
      timestamp: 1n,
      embedding: new Uint8Array(0),
      payloadBlob: payload,
    });
    const probe = await store.load(42n, 1n);
    expect(probe.mapped).toBe(true);
    probe.release();
    for (let round = 0; round < 3; round++) {
      const res = await call(app, "GET", PATH);
      expect(res.status).toBe(200);
      const body = new Uint8Array(await res.arrayBuffer());
      expect(body.byteLength).toBe(payload.byteLength);
      expect(Bun.hash(body)).toBe(Bun.hash(payload));
    }
    store.close();
  });

  test("a payload over 1 MiB is streamed whole, with its length, and its mapping is given back", async () => {
    const store = new NvmeStorage(join(tempDir(), "root"), { durability: "atomic", handleCache: { maxEntries: 0 } });
    const app = createApp(store);
    const bytes = new Uint8Array(3 * 1024 * 1024 + 17).map((_, i) => (i * 31) & 0xff);
    await store.store(42n, { ...plainEntry(1n), payloadBlob: bytes });
    const res = await call(app, "GET", PATH);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBe(String(bytes.byteLength));
    expect(store.liveMappings).toBe(1); // held while the body streams
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes);
    expect(store.liveMappings).toBe(0);
    // A client that goes away mid-body: the handle is given back too.
    const partial = await call(app, "GET", PATH);
    const reader = (partial.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    await reader.cancel();
    for (let i = 0; i < 50 && store.liveMappings > 0; i++) await Bun.sleep(10);
    expect(store.liveMappings).toBe(0);
  });

  test("HEAD gives the ETag without the bytes", async () => {
    const { app } = testApp();
    await call(app, "PUT", "/v1/tenants/1/entries/42", { json: entryJson("1", "abc") });
    const res = await call(app, "HEAD", PATH);
    expect(res.status).toBe(200);
    expect(res.headers.get("etag")).toMatch(/^"3-/);
    expect(await res.text()).toBe("");
  });

  test("404 for a missing entry, 400 for a bad id", async () => {
    const { app } = testApp();
    const missing = await call(app, "GET", PATH);
    expect(missing.status).toBe(404);
    expect((await errorOf(missing)).code).toBe("not_found");
    const bad = await call(app, "GET", "/v1/tenants/1/entries/0042/payload");
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).code).toBe("invalid_id");
  });
});
