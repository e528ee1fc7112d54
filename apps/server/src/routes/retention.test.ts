import { afterEach, describe, expect, test } from "bun:test";
import { decodeEntryBody, encodeEntryBody } from "@reflex/codec";
import type { RetentionOptions } from "@reflex/core";
import { OperationMetrics } from "@reflex/stats";
import { call, entryJson, removeTestDirs, tempStore } from "../../test/helpers.ts";
import { createApp } from "../app.ts";

afterEach(removeTestDirs);

function clockedApp(retention: RetentionOptions = {}) {
  const clock = { now: Math.floor(Date.now() / 1000) * 1000 };
  const operations = new OperationMetrics();
  const store = tempStore({
    clock: () => clock.now,
    recorder: operations,
    retention: { reclaimIntervalMs: 0, persistAccessIntervalMs: 0, ...retention },
  });
  return { app: createApp(store, { operations }), store, clock };
}

describe("TTL over HTTP", () => {
  test("PUT ?ttl= sets an expiry; from that second the entry is a miss on every route", async () => {
    const { app, clock } = clockedApp();
    expect((await call(app, "PUT", "/v1/tenants/1/entries/5?ttl=10", { json: entryJson("1") })).status).toBe(201);
    expect((await call(app, "PUT", "/v1/tenants/1/entries/6", { json: entryJson("1") })).status).toBe(201);
    clock.now += 9_999;
    expect((await call(app, "GET", "/v1/tenants/1/entries/5")).status).toBe(200);
    clock.now += 1;
    expect((await call(app, "GET", "/v1/tenants/1/entries/5")).status).toBe(404);
    expect((await call(app, "GET", "/v1/tenants/1/entries/5/payload")).status).toBe(404);
    expect((await call(app, "HEAD", "/v1/tenants/1/entries/5")).status).toBe(404);
    expect(await (await call(app, "GET", "/v1/tenants/1/entries")).json()).toMatchObject({ ids: ["6"] });
    expect((await call(app, "GET", "/v1/tenants/1/entries/6")).status).toBe(200);
  });

  test("a bad ttl is a 400", async () => {
    const { app } = clockedApp();
    for (const ttl of ["-1", "1.5", "abc", "01", "99999999999"]) {
      const res = await call(app, "PUT", `/v1/tenants/1/entries/5?ttl=${ttl}`, { json: entryJson("1") });
      expect(res.status).toBe(400);
    }
  });
});

describe("bounds over HTTP", () => {
  test("/v1/stats and /metrics show bounds, evictions and expirations", async () => {
    const { app, store, clock } = clockedApp({ tenantMaxEntries: 2 });
    await store.retentionReady();
    for (const id of ["1", "2", "3"]) {
      await call(app, "PUT", `/v1/tenants/1/entries/${id}`, { json: entryJson("1") });
      clock.now += 1_000;
    }
    await call(app, "PUT", "/v1/tenants/1/entries/9?ttl=1", { json: entryJson("1") });
    clock.now += 1_000;
    expect((await call(app, "GET", "/v1/tenants/1/entries/9")).status).toBe(404);
    await new Promise((resolve) => setImmediate(resolve));
    const stats = (await (await call(app, "GET", "/v1/stats")).json()) as {
      entries: number;
      retention: { bounds: { tenantMaxEntries: number }; evictions: Record<string, number>; expirations: number };
    };
    expect(stats.retention.bounds.tenantMaxEntries).toBe(2);
    expect(stats.retention.evictions.tenant_entries).toBe(2);
    expect(stats.retention.expirations).toBe(1);
    expect(stats.entries).toBe(1);
    const metrics = await (await call(app, "GET", "/metrics")).text();
    expect(metrics).toContain('reflex_store_evictions_total{reason="tenant_entries"} 2\n');
    expect(metrics).toContain("reflex_store_expirations_total 1\n");
  });
});

describe("bounded writes over HTTP", () => {
  test("tenantMaxEntries 3, maxBytes 1K: a 2 KB PUT to tenant 2 is 413 too_large and evicts nothing", async () => {
    const { app } = clockedApp({ tenantMaxEntries: 3, maxBytes: 1024 });
    for (const id of [1, 2, 3]) {
      expect((await call(app, "PUT", `/v1/tenants/1/entries/${id}`, { json: entryJson("1") })).status).toBe(201);
    }
    const big = { ...entryJson("2"), payloadBlob: Buffer.alloc(2048).toString("base64") };
    const res = await call(app, "PUT", "/v1/tenants/2/entries/9", { json: big });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: { code: "payload_too_large" } });
    expect(await (await call(app, "GET", "/v1/tenants/1/entries")).json()).toMatchObject({ ids: ["1", "2", "3"] });
    expect((await call(app, "GET", "/v1/tenants/2/entries/9")).status).toBe(404);
    const stats = (await (await call(app, "GET", "/v1/stats")).json()) as {
      entries: number;
      retention: { evictions: Record<string, number> };
    };
    expect(stats.entries).toBe(3);
    expect(Object.values(stats.retention.evictions).reduce((a, b) => a + b, 0)).toBe(0);
  });
});

/** `expires_at` (field 6) of a protobuf GET response: the varint after the entry's own fields, 0n when absent. */
function expiresAtOf(bytes: Uint8Array): bigint {
  const bodyLength = encodeEntryBody(decodeEntryBody(bytes)).byteLength;
  if (bodyLength === bytes.byteLength) return 0n;
  expect(bytes[bodyLength]).toBe((6 << 3) | 0);
  let value = 0n;
  for (let i = bytes.byteLength - 1; i > bodyLength; i--) value = (value << 7n) | BigInt((bytes[i] as number) & 0x7f);
  return value;
}

describe("expiry is visible", () => {
  test("PUT ?ttl=3600: GET JSON and protobuf carry expiresAt, the payload route an Expires header", async () => {
    const { app, clock } = clockedApp();
    expect((await call(app, "PUT", "/v1/tenants/1/entries/5?ttl=3600", { json: entryJson("1") })).status).toBe(201);
    const expiresAt = clock.now / 1000 + 3600;
    const json = (await (await call(app, "GET", "/v1/tenants/1/entries/5")).json()) as { expiresAt: string };
    expect(json.expiresAt).toBe(String(expiresAt));
    const protobuf = await call(app, "GET", "/v1/tenants/1/entries/5", {
      headers: { Accept: "application/x-protobuf" },
    });
    expect(expiresAtOf(new Uint8Array(await protobuf.arrayBuffer()))).toBe(BigInt(expiresAt));
    const payload = await call(app, "GET", "/v1/tenants/1/entries/5/payload");
    expect(payload.headers.get("expires")).toBe(new Date(expiresAt * 1000).toUTCString());
  });

  test('an entry without a TTL: expiresAt "0" in JSON, no field in protobuf, no Expires header', async () => {
    const { app } = clockedApp();
    await call(app, "PUT", "/v1/tenants/1/entries/6", { json: entryJson("1") });
    expect(
      ((await (await call(app, "GET", "/v1/tenants/1/entries/6")).json()) as { expiresAt: string }).expiresAt,
    ).toBe("0");
    const protobuf = await call(app, "GET", "/v1/tenants/1/entries/6", {
      headers: { Accept: "application/x-protobuf" },
    });
    expect(expiresAtOf(new Uint8Array(await protobuf.arrayBuffer()))).toBe(0n);
    expect((await call(app, "GET", "/v1/tenants/1/entries/6/payload")).headers.get("expires")).toBeNull();
  });

  test("a PUT body's expiresAt is ignored: the expiry comes from ?ttl=", async () => {
    const { app } = clockedApp();
    await call(app, "PUT", "/v1/tenants/1/entries/7", { json: { ...entryJson("1"), expiresAt: "5" } });
    expect(
      ((await (await call(app, "GET", "/v1/tenants/1/entries/7")).json()) as { expiresAt: string }).expiresAt,
    ).toBe("0");
  });
});
