import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestServer, type TestServer, TOKENS } from "../test/real-server.ts";
import { isReflexClientError, ReflexClientError } from "./client-error.ts";
import { ReflexClient } from "./reflex-client.ts";

const text = (s: string) => new TextEncoder().encode(s);
const utf8 = (b: Uint8Array) => new TextDecoder().decode(b);
// [1.0, 0.0] and [0.0, 1.0] as little-endian f16
const X = new Uint8Array([0x00, 0x3c, 0x00, 0x00]);
const Y = new Uint8Array([0x00, 0x00, 0x00, 0x3c]);

async function rejection(promise: Promise<unknown>): Promise<ReflexClientError> {
  try {
    await promise;
  } catch (error) {
    if (isReflexClientError(error)) return error;
    throw error;
  }
  throw new Error("expected a ReflexClientError");
}

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ config: { maxBodyBytes: 64 * 1024 } });
});
afterAll(async () => {
  await server.stop();
});

for (const encoding of ["protobuf", "json"] as const) {
  describe(`entries over ${encoding}`, () => {
    const tenant = encoding === "protobuf" ? 1n : 2n;
    const client = () => new ReflexClient({ baseUrl: server.url, encoding });

    test("put, get, exists, delete", async () => {
      const c = client();
      const big = 18_446_744_073_709_551_615n; // u64 max survives as a bigint
      expect(
        await c.put(tenant, big, { contextHash: 7n, timestamp: 1_700_000_000n, payloadBlob: text("hello") }),
      ).toEqual({
        tenant,
        id: big,
        created: true,
      });
      expect((await c.put(tenant, big, { contextHash: 7n, payloadBlob: text("hello again") })).created).toBe(false);
      const entry = await c.get(tenant, big);
      expect(entry?.tenantId).toBe(tenant);
      expect(entry?.contextHash).toBe(7n);
      expect(utf8(entry?.payloadBlob ?? new Uint8Array())).toBe("hello again");
      expect(entry?.expiresAt).toBe(0n);
      expect(await c.exists(tenant, big)).toBe(true);
      expect(await c.delete(tenant, big)).toBe(true);
      expect(await c.delete(tenant, big)).toBe(false);
      expect(await c.exists(tenant, big)).toBe(false);
      expect(await c.get(tenant, big)).toBeNull();
    });

    test("a TTL shows as expiresAt; touch changes it", async () => {
      const c = client();
      const before = BigInt(Math.floor(Date.now() / 1000));
      await c.put(tenant, 10n, { payloadBlob: text("t") }, { ttlSeconds: 3600 });
      const entry = await c.get(tenant, 10n);
      expect(entry?.expiresAt).toBeGreaterThanOrEqual(before + 3600n);
      expect(entry?.expiresAt).toBeLessThanOrEqual(before + 3602n);
      const touched = await c.touch(tenant, 10n, 0);
      expect(touched).toEqual({ tenant, id: 10n, expiresAt: 0n });
      expect((await c.get(tenant, 10n))?.expiresAt).toBe(0n);
      expect(await c.touch(tenant, 999n, 10)).toBeNull();
    });

    test("batch-get lists found and missing ids", async () => {
      const c = client();
      await c.put(tenant, 20n, { payloadBlob: text("a") });
      await c.put(tenant, 21n, { payloadBlob: text("b") }, { ttlSeconds: 3600 });
      const result = await c.batchGet(tenant, [20n, 22n, 21n]);
      expect(result.entries.map((e) => [e.id, utf8(e.entry.payloadBlob)])).toEqual([
        [20n, "a"],
        [21n, "b"],
      ]);
      expect(result.missing).toEqual([22n]);
      const expiresAt = (await c.get(tenant, 21n))?.expiresAt ?? 0n;
      expect(expiresAt).toBeGreaterThan(0n);
      expect(result.entries.map((e) => e.entry.expiresAt)).toEqual([0n, expiresAt]);
    });

    test("search by embedding, with and without entries", async () => {
      const c = client();
      await c.put(tenant, 30n, { contextHash: 5n, timestamp: 1n, embedding: X, payloadBlob: text("x") });
      await c.put(tenant, 31n, { contextHash: 5n, timestamp: 2n, embedding: Y, payloadBlob: text("y") });
      const ids = await c.search(tenant, { embedding: X, k: 5, minSimilarity: 0.9 });
      expect(ids).toEqual([{ id: 30n, similarity: 1, timestamp: 1n, contextHash: 5n }]);
      const withEntry = await c.search(tenant, { embedding: Y, k: 5, minSimilarity: 0.5, include: "entry" });
      expect(withEntry.map((h) => h.id)).toEqual([31n]);
      expect(utf8(withEntry[0]?.entry?.payloadBlob ?? new Uint8Array())).toBe("y");
      expect(withEntry[0]?.entry?.expiresAt).toBe(0n);
      expect(await c.search(tenant, { embedding: X, minSimilarity: 0.5, exact: true, k: 5 })).toHaveLength(1);
      expect(await c.findByContext(tenant, 5n)).toEqual([31n, 30n]);
      expect(await c.findByContext(tenant, 5n, { limit: 1 })).toEqual([31n]);
      expect((await rejection(c.search(tenant, { embedding: new Uint8Array(3) }))).code).toBe("invalid_embedding");
    });
  });
}

describe("the other routes", () => {
  const c = () => new ReflexClient({ baseUrl: server.url });

  test("payload with ETag and 304", async () => {
    await c().put(3n, 1n, { payloadBlob: text("raw bytes") }, { ttlSeconds: 600 });
    const first = await c().getPayload(3n, 1n);
    if (first?.status !== 200) throw new Error("expected 200");
    expect(utf8(first.bytes)).toBe("raw bytes");
    expect(first.etag).toStartWith('"');
    expect(first.expires).not.toBeNull();
    expect(await c().getPayload(3n, 1n, { ifNoneMatch: first.etag })).toEqual({ status: 304, etag: first.etag });
    expect(await c().getPayload(3n, 2n)).toBeNull();
  });

  test("listing pages, listAll, tenants", async () => {
    for (const id of [1n, 2n, 3n, 4n, 5n]) await c().put(4n, id, { payloadBlob: text(String(id)) });
    expect(await c().list(4n, { limit: 2 })).toEqual({ ids: [1n, 2n], next: 2n });
    expect(await c().list(4n, { limit: 2, after: 4n })).toEqual({ ids: [5n], next: null });
    const all: bigint[] = [];
    for await (const id of c().listAll(4n, { pageSize: 2 })) all.push(id);
    expect(all).toEqual([1n, 2n, 3n, 4n, 5n]);
    expect(await c().tenants()).toContain(4n);
  });

  test("stats, metrics, healthz, tenant delete, cleanup", async () => {
    await c().put(5n, 1n, { payloadBlob: text("s") });
    const stats = await c().stats();
    expect(stats.perTenant.find((t) => t.tenant === 5n)?.entries).toBe(1);
    expect(stats.entries).toBeGreaterThan(0);
    expect(await c().metrics()).toContain("reflex_store_entries");
    expect(await c().healthz()).toEqual({ status: "ok" });
    expect(await c().deleteTenant(5n)).toEqual({ tenant: 5n, removed: 1 });
    expect(await c().deleteTenant(5n)).toBeNull();
    await c().put(6n, 1n, { payloadBlob: text("e") });
    await c().delete(6n, 1n);
    expect((await c().cleanup()).removed).toBeGreaterThanOrEqual(1);
  });

  test("errors carry the server's code and status", async () => {
    const bad = await rejection(c().get(1n, -1n));
    expect(bad).toBeInstanceOf(ReflexClientError);
    expect([bad.status, bad.code]).toEqual([400, "invalid_id"]);
    const huge = await rejection(c().put(1n, 1n, { payloadBlob: new Uint8Array(100_000) }));
    expect([huge.status, huge.code]).toEqual([413, "payload_too_large"]);
    const list = await rejection(c().list(1n, { limit: 0 }));
    expect([list.status, list.code]).toEqual([400, "invalid_query"]);
    const headBad = await rejection(c().exists(1n, -1n));
    expect([headBad.status, headBad.code]).toEqual([400, "bad_request"]);
  });
});

describe("with tokens", () => {
  let secured: TestServer;
  beforeAll(async () => {
    secured = await startTestServer({ tokens: true });
  });
  afterAll(async () => {
    await secured.stop();
  });

  test("no token is 401, a token of another tenant or not admin 403, the right one works", async () => {
    const none = new ReflexClient({ baseUrl: secured.url });
    const tenant = new ReflexClient({ baseUrl: secured.url, token: TOKENS.tenant1 });
    const admin = new ReflexClient({ baseUrl: secured.url, token: TOKENS.admin });
    const unauthorized = await rejection(none.put(1n, 1n, { payloadBlob: text("x") }));
    expect([unauthorized.status, unauthorized.code]).toEqual([401, "unauthorized"]);
    expect(await none.healthz()).toEqual({ status: "ok" });
    expect((await tenant.put(1n, 1n, { payloadBlob: text("x") })).created).toBe(true);
    const other = await rejection(tenant.get(2n, 1n));
    expect([other.status, other.code]).toEqual([403, "forbidden"]);
    const notAdmin = await rejection(tenant.stats());
    expect([notAdmin.status, notAdmin.code]).toEqual([403, "forbidden"]);
    expect((await admin.stats()).entries).toBe(1);
    expect(await admin.tenants()).toEqual([1n]);
  });
});
