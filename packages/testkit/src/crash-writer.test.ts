import { describe, expect, test } from "bun:test";
import { type CrashWriterOptions, type CrashWriterStore, runCrashWriter } from "./crash-writer.ts";
import { makeEntry, type TestEntry } from "./entry.ts";

const NOT_FOUND = new Error("not found");

/** A store in a Map, keyed "tenant/id", holding each entry's contextHash (its version). */
function mapStore(): CrashWriterStore & { readonly held: Map<string, bigint> } {
  const held = new Map<string, bigint>();
  const put = (entryId: bigint, entry: TestEntry) => {
    held.set(`${entry.tenantId}/${entryId}`, entry.contextHash);
    return { release() {} };
  };
  const remove = (entryId: bigint, tenantId: bigint) => {
    if (!held.delete(`${tenantId}/${entryId}`)) throw NOT_FOUND;
  };
  return {
    held,
    store: async (entryId, entry) => put(entryId, entry),
    storeSync: put,
    delete: async (entryId, tenantId) => remove(entryId, tenantId),
    deleteSync: remove,
  };
}

function options(store: CrashWriterStore, lines: string[], seed = 1): CrashWriterOptions {
  return {
    store,
    keys: [1n, 2n].flatMap((tenantId) => [0n, 1n, 2n].map((entryId) => ({ tenantId, entryId }))),
    entryOf: (tenantId, _entryId, version) => makeEntry({ tenantId, contextHash: version }),
    isNotFound: (error) => error === NOT_FOUND,
    firstVersion: 100n,
    seed,
    mix: { store: 70, asyncStore: 55, asyncDelete: 85 },
    say: (line) => lines.push(line),
    operationsPerWorker: 50,
  };
}

describe("runCrashWriter", () => {
  test("says ready, then reports every operation; a replay of the reports is what the store holds", async () => {
    const store = mapStore();
    const lines: string[] = [];
    await runCrashWriter(options(store, lines));
    expect(lines[0]).toBe("ready");
    expect(lines.length).toBe(1 + 3 * 50 * 2);
    const replayed = new Map<string, bigint>();
    const open = new Map<string, string>();
    for (const line of lines.slice(1)) {
      const [kind, key = "", version] = line.split(" ");
      if (kind === "begin" || kind === "begin-delete") {
        expect(open.has(key)).toBe(false); // one operation at a time per key
        open.set(key, line);
      } else {
        expect(open.get(key)).toBe(kind === "done" ? `begin ${key} ${version}` : `begin-delete ${key}`);
        open.delete(key);
        if (kind === "done") replayed.set(key, BigInt(version ?? ""));
        else replayed.delete(key);
      }
    }
    expect(open.size).toBe(0);
    expect(replayed).toEqual(store.held);
    const versions = lines.filter((line) => line.startsWith("begin ")).map((line) => BigInt(line.split(" ")[2] ?? ""));
    expect(versions).toEqual(versions.map((_, i) => 100n + BigInt(i)));
  });

  test("runs the same operations for the same seed, others for another", async () => {
    const run = async (seed: number) => {
      const lines: string[] = [];
      await runCrashWriter(options(mapStore(), lines, seed));
      return lines;
    };
    expect(await run(7)).toEqual(await run(7));
    expect(await run(7)).not.toEqual(await run(8));
  });

  test("a store error other than not found rejects", async () => {
    const store = {
      ...mapStore(),
      storeSync: () => {
        throw new Error("disk on fire");
      },
      store: async () => {
        throw new Error("disk on fire");
      },
    };
    await expect(runCrashWriter(options(store, []))).rejects.toThrow("disk on fire");
  });
});
