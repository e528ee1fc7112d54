import { afterEach, describe, expect, test } from "bun:test";
import { NvmeStorage } from "@reflex/core";
import { removeTempDirs, tempDir } from "@reflex/testkit";
import { canonicalRequest } from "../canonical/canonical-request.ts";
import { parseRequestBody } from "../canonical/request-body.ts";
import { encodeCachedAnswer } from "./cached-answer.ts";
import { ExactCache } from "./exact-cache.ts";

afterEach(removeTempDirs);

const encoder = new TextEncoder();
const request = (content: string) =>
  canonicalRequest(
    parseRequestBody("chat.completions", JSON.stringify({ model: "m", messages: [{ role: "user", content }] })),
  );
const body = encoder.encode('{"id":"c1","choices":[{"finish_reason":"stop"}]}');

function setup(now = 1_700_000_000) {
  const store = new NvmeStorage(tempDir());
  const errors: string[] = [];
  let clock = now;
  const cache = new ExactCache(store, {
    onStoreError: (_error, operation) => errors.push(operation),
    nowSeconds: () => clock,
  });
  return { store, cache, errors, tick: (seconds: number) => (clock += seconds) };
}

describe("ExactCache", () => {
  test("a stored answer is found in its tenant only, with its age", async () => {
    const { store, cache, errors, tick } = setup();
    const canonical = request("hi");
    const stored = await cache.store({
      tenant: 7n,
      canonical,
      contextHash: 99n,
      answer: { origin: "json", usage: { prompt: 3, completion: 1 }, body },
      ttlSeconds: undefined,
    });
    expect(stored).toBe(true);
    tick(5);
    const hit = await cache.lookup(7n, canonical);
    expect(hit?.entryId).toBe(canonical.key);
    expect(hit?.ageSeconds).toBe(5);
    expect(hit?.answer.body).toEqual(body);
    expect(await cache.lookup(8n, canonical)).toBeUndefined();
    expect(await cache.lookup(7n, request("other"))).toBeUndefined();
    const handle = await store.load(canonical.key, 7n);
    expect(handle.contextHash).toBe(99n);
    expect(handle.embedding.byteLength).toBe(0);
    handle.release();
    expect(errors).toEqual([]);
    store.close();
  });

  test("an entry under the same id holding another canonical request is a miss (a collision)", async () => {
    const { store, cache } = setup();
    const canonical = request("hi");
    const other = request("something else");
    await store.store(canonical.key, {
      tenantId: 7n,
      contextHash: 0n,
      timestamp: 1n,
      embedding: new Uint8Array(0),
      payloadBlob: encodeCachedAnswer(other.bytes, { origin: "json", usage: undefined, body }),
    });
    expect(await cache.lookup(7n, canonical)).toBeUndefined();
    store.close();
  });

  test("a store failure on write is reported, not thrown", async () => {
    const { store, cache, errors } = setup();
    store.close();
    const readOnly = new NvmeStorage(store.storagePath, { readOnly: true });
    const failing = new ExactCache(readOnly, { onStoreError: (_e, operation) => errors.push(operation) });
    const stored = await failing.store({
      tenant: 1n,
      canonical: request("x"),
      contextHash: 0n,
      answer: { origin: "json", usage: undefined, body },
      ttlSeconds: 60,
    });
    expect(stored).toBe(false);
    expect(errors).toEqual(["store"]);
    await failing.settled();
    expect(await cache.lookup(1n, request("x"))).toBeUndefined();
  });
});
