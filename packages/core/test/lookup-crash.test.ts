// Lookup after a crash, by doing it: a writer SIGKILLed mid-stream, then a fresh store
// on the same root must answer search and findByContext exactly as a brute-force pass
// over what loads from the files.
import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cosine, f16Bytes, f16Values, spawnScript, VectorSource } from "@reflex/testkit";
import { NvmeStorage } from "../src/index.ts";

const ROUNDS = 6;
const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

interface Loaded {
  readonly entryId: bigint;
  readonly values: number[];
  readonly timestamp: bigint;
  readonly contextHash: bigint;
}

function loadAll(store: NvmeStorage, tenantId: bigint): Loaded[] {
  return store.listEntriesSync(tenantId).map((entryId) => {
    const handle = store.loadSync(entryId, tenantId);
    try {
      return {
        entryId,
        values: f16Values(handle.embedding),
        timestamp: handle.timestamp,
        contextHash: handle.contextHash,
      };
    } finally {
      handle.release();
    }
  });
}

test(`after a writer is SIGKILLed (${ROUNDS} rounds), a reopened store's lookups match a brute-force pass over the files`, async () => {
  const root = mkdtempSync(join(tmpdir(), "reflex-lookup-crash-"));
  roots.push(root);
  const queries = new VectorSource(99);
  for (let round = 0; round < ROUNDS; round++) {
    const child = spawnScript(join(import.meta.dir, "fixtures", "lookup-writer.ts"), [
      root,
      String(round + 1),
      round % 2 === 0 ? "fsync" : "atomic",
    ]);
    child.process.stdin.end();
    await child.waitFor("ready");
    await Bun.sleep(150 + round * 40);
    child.process.kill("SIGKILL");
    await child.process.exited;
    expect({ round, signal: child.process.signalCode, stderr: await child.stderr() }).toEqual({
      round,
      signal: "SIGKILL",
      stderr: "",
    });

    const store = new NvmeStorage(root);
    try {
      for (const tenantId of [1n, 2n]) {
        const loaded = loadAll(store, tenantId);
        for (let q = 0; q < 5; q++) {
          const query = f16Bytes(queries.direction(32));
          const queryValues = f16Values(query);
          const expected = loaded
            .map((entry) => ({ entry, similarity: cosine(entry.values, queryValues) }))
            .sort((a, b) => b.similarity - a.similarity || Number(b.entry.timestamp - a.entry.timestamp))
            .slice(0, 10)
            .map(({ entry }) => entry.entryId);
          const hits = await store.search(tenantId, query, { k: 10, minSimilarity: -1 });
          expect({ round, tenantId, q, ids: hits.map((hit) => hit.entryId) }).toEqual({
            round,
            tenantId,
            q,
            ids: expected,
          });
        }
        for (let hash = 0n; hash < 5n; hash++) {
          const expected = loaded
            .filter((entry) => entry.contextHash === hash)
            .sort((a, b) => Number(b.timestamp - a.timestamp) || Number(a.entryId - b.entryId))
            .map((entry) => entry.entryId);
          expect(await store.findByContext(tenantId, hash)).toEqual(expected);
        }
        expect(store.lookupStats()?.entries).toBeGreaterThan(0);
      }
    } finally {
      store.close();
    }
  }
});
