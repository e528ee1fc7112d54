import { afterEach, describe, expect, test } from "bun:test";
import { NvmeStorage } from "@reflex/core";
import { removeTempDirs, tempDir } from "@reflex/testkit";
import { EMBEDDING_CACHE_CONTEXT, EmbeddingCache, embeddingEntryId } from "./embedding-cache.ts";
import { f16Vector } from "./f16-vector.ts";

afterEach(removeTempDirs);

describe("EmbeddingCache", () => {
  test("a stored vector is found under its tenant, model and text only; never a search candidate", async () => {
    const store = new NvmeStorage(tempDir());
    const cache = new EmbeddingCache(store);
    const vector = f16Vector([0.25, -0.5, 1]);
    expect(await cache.put(7n, "m", "hello", vector, undefined)).toBe(true);
    expect(await cache.get(7n, "m", "hello")).toEqual(vector);
    expect(await cache.get(8n, "m", "hello")).toBeUndefined();
    expect(await cache.get(7n, "other-model", "hello")).toBeUndefined();
    expect(await cache.get(7n, "m", "hello!")).toBeUndefined();
    const handle = await store.load(embeddingEntryId("m", "hello"), 7n);
    expect(handle.contextHash).toBe(EMBEDDING_CACHE_CONTEXT);
    expect(handle.embedding.byteLength).toBe(0);
    handle.release();
    const found = await store.searchWithNearest(7n, vector, { minSimilarity: -1, exact: true });
    expect(found).toEqual({ hits: [], nearest: null });
    store.close();
  });

  test("another record under the same id (a collision) is a miss", async () => {
    const store = new NvmeStorage(tempDir());
    await store.store(embeddingEntryId("m", "x"), {
      tenantId: 1n,
      contextHash: 0n,
      timestamp: 0n,
      embedding: new Uint8Array(0),
      payloadBlob: new TextEncoder().encode("not an embedding record"),
    });
    expect(await new EmbeddingCache(store).get(1n, "m", "x")).toBeUndefined();
    store.close();
  });
});
