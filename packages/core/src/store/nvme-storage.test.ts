import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import type { EntryFields } from "@reflex/codec";
import { makeEntry, patternBytes, plain, SeededRandom, tempDir } from "@reflex/testkit";
import { cleanupTestState, expectStoreError, expectStoreErrorAsync, MAX_ID, openStore } from "../../test/helpers.ts";
import type { ListPage, StorageStats, StoreOptions } from "../contract/entry-store.ts";
import { tempFileName } from "../disk/layout.ts";
import type { EntryHandle, StoredEntryHandle } from "../handle/entry-handle.ts";
import type { NvmeStorage } from "./nvme-storage.ts";
import { DEFAULT_STORAGE_OPTIONS } from "./store-options.ts";

afterEach(cleanupTestState);

/** The store's API as promises, so one suite runs over the async methods and over the sync ones. */
interface Api {
  store(id: bigint, entry: EntryFields, options?: StoreOptions): Promise<StoredEntryHandle>;
  load(id: bigint, tenantId: bigint): Promise<EntryHandle>;
  delete(id: bigint, tenantId: bigint): Promise<void>;
  exists(id: bigint, tenantId: bigint): Promise<boolean>;
  listEntries(tenantId: bigint, page?: ListPage): Promise<bigint[]>;
  listTenants(): Promise<bigint[]>;
  cleanupEmptyTenantDirs(): Promise<number>;
  stats(): Promise<StorageStats>;
}

const asyncApi = (s: NvmeStorage): Api => ({
  store: (id, entry, options) => s.store(id, entry, options),
  load: (id, tenantId) => s.load(id, tenantId),
  delete: (id, tenantId) => s.delete(id, tenantId),
  exists: (id, tenantId) => s.exists(id, tenantId),
  listEntries: (tenantId, page) => s.listEntries(tenantId, page),
  listTenants: () => s.listTenants(),
  cleanupEmptyTenantDirs: () => s.cleanupEmptyTenantDirs(),
  stats: () => s.stats(),
});

// Each wrapper is `async`, so a synchronous throw becomes a rejection the shared assertions can see.
const syncApi = (s: NvmeStorage): Api => ({
  store: async (id, entry, options) => s.storeSync(id, entry, options),
  load: async (id, tenantId) => s.loadSync(id, tenantId),
  delete: async (id, tenantId) => s.deleteSync(id, tenantId),
  exists: async (id, tenantId) => s.existsSync(id, tenantId),
  listEntries: async (tenantId, page) => s.listEntriesSync(tenantId, page),
  listTenants: async () => s.listTenantsSync(),
  cleanupEmptyTenantDirs: async () => s.cleanupEmptyTenantDirsSync(),
  stats: async () => s.statsSync(),
});

const FLAVORS = [
  ["async", asyncApi],
  ["sync", syncApi],
] as const;

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

/** Loads, copies the entry out and releases the handle. */
async function loadPlain(api: Api, id: bigint, tenantId: bigint): Promise<ReturnType<typeof plain>> {
  const handle = await api.load(id, tenantId);
  try {
    return plain(handle);
  } finally {
    handle.release();
  }
}

const BAD_U64: readonly [string, unknown][] = [
  ["a number", 42],
  ["a negative bigint", -1n],
  ["2^64", MAX_ID + 1n],
  ["a string", "42"],
  ["null", null],
];

describe("storagePath and ensureStoragePath", () => {
  test("storagePath is absolute and resolved, and the constructor does not create it", () => {
    const base = tempDir();
    const store = openStore(join(base, "a", "..", "b", "."));
    expect(isAbsolute(store.storagePath)).toBe(true);
    expect(store.storagePath).toBe(join(base, "b"));
    expect(existsSync(store.storagePath)).toBe(false);
  });

  test("a relative root resolves against the working directory", () => {
    const store = openStore("reflex-relative-root-that-is-never-created");
    expect(store.storagePath).toBe(resolve(process.cwd(), "reflex-relative-root-that-is-never-created"));
    expect(existsSync(store.storagePath)).toBe(false);
  });

  test("ensureStoragePath creates nested directories and is idempotent", async () => {
    const root = join(tempDir(), "x", "y", "z");
    const store = openStore(root);
    store.ensureStoragePath();
    expect(statSync(root).isDirectory()).toBe(true);
    await store.store(1n, makeEntry());
    store.ensureStoragePath();
    store.ensureStoragePath();
    expect(statSync(root).isDirectory()).toBe(true);
    expect(readdirSync(join(root, "1"))).toEqual(["1.rfx"]);
  });

  test("storage_unavailable when the root is a regular file", async () => {
    const root = join(tempDir(), "root-file");
    writeFileSync(root, "not a directory");
    const store = openStore(root);
    expectStoreError(() => store.ensureStoragePath(), "storage_unavailable");
    await expectStoreErrorAsync(() => store.store(1n, makeEntry()), "storage_unavailable");
    expectStoreError(() => store.storeSync(1n, makeEntry()), "storage_unavailable");
    expect(readFileSync(root, "utf8")).toBe("not a directory");
  });

  test("storage_unavailable when a parent of the root is a regular file", () => {
    const parent = join(tempDir(), "parent-file");
    writeFileSync(parent, "x");
    const store = openStore(join(parent, "root"));
    const error = expectStoreError(() => store.ensureStoragePath(), "storage_unavailable");
    expect(error.errno).toBe("ENOTDIR");
  });
});

describe.each(FLAVORS)("seed API (%s)", (_name, flavor) => {
  const setup = (options = {}) => {
    const store = openStore(tempDir(), options);
    return { store, api: flavor(store), root: store.storagePath };
  };

  test("store returns a handle equal to the input; created is true first, false on overwrite", async () => {
    const { api, root } = setup();
    const entry = makeEntry({ tenantId: 7n, contextHash: 99n, timestamp: -5n, payload: "first" });
    const first = await api.store(42n, entry);
    expect(first.created).toBe(true);
    expect(plain(first)).toEqual(plain(entry));
    expect(first.entryId).toBe(42n);
    expect(first.fileBytes).toBe(statSync(join(root, "7", "42.rfx")).size);
    expect(first.mapped).toBe(false);
    first.release();

    const second = await api.store(42n, makeEntry({ tenantId: 7n, payload: "second" }));
    expect(second.created).toBe(false);
    expect(text(second.payloadBlob)).toBe("second");
    second.release();
  });

  test("load returns the stored bytes", async () => {
    const { api } = setup();
    const entry = makeEntry({ tenantId: 3n, embedding: patternBytes(3072, 1), payload: patternBytes(5000, 2) });
    (await api.store(9n, entry)).release();
    const handle = await api.load(9n, 3n);
    expect(plain(handle)).toEqual(plain(entry));
    expect(handle.entryId).toBe(9n);
    handle.release();
  });

  test("an entry with every field at its zero value round-trips", async () => {
    const { api } = setup();
    const zero = makeEntry({ tenantId: 0n, contextHash: 0n, timestamp: 0n, embedding: new Uint8Array(0), payload: "" });
    (await api.store(0n, zero)).release();
    expect(await loadPlain(api, 0n, 0n)).toEqual(plain(zero));
  });

  test("load of a missing entry is not_found, also when the tenant or the root is missing", async () => {
    const { api } = setup();
    (await api.store(1n, makeEntry({ tenantId: 1n }))).release();
    await expectStoreErrorAsync(() => api.load(2n, 1n), "not_found");
    await expectStoreErrorAsync(() => api.load(1n, 2n), "not_found");

    const missingRoot = flavor(openStore(join(tempDir(), "does-not-exist")));
    await expectStoreErrorAsync(() => missingRoot.load(1n, 1n), "not_found");
  });

  test("delete removes the entry; deleting a missing one is not_found", async () => {
    const { api, root } = setup();
    (await api.store(5n, makeEntry())).release();
    await api.delete(5n, 1n);
    expect(existsSync(join(root, "1", "5.rfx"))).toBe(false);
    await expectStoreErrorAsync(() => api.load(5n, 1n), "not_found");
    expect(await api.exists(5n, 1n)).toBe(false);
    await expectStoreErrorAsync(() => api.delete(5n, 1n), "not_found");
    await expectStoreErrorAsync(() => api.delete(6n, 99n), "not_found");

    const missingRoot = flavor(openStore(join(tempDir(), "does-not-exist")));
    await expectStoreErrorAsync(() => missingRoot.delete(1n, 1n), "not_found");
  });

  test("exists is true for a stored entry and false otherwise", async () => {
    const { api } = setup();
    expect(await api.exists(1n, 1n)).toBe(false);
    (await api.store(1n, makeEntry())).release();
    expect(await api.exists(1n, 1n)).toBe(true);
    expect(await api.exists(2n, 1n)).toBe(false);
    expect(await api.exists(1n, 2n)).toBe(false);
  });

  test("an overwrite wins", async () => {
    const { api } = setup();
    for (const payload of ["one", "two", "three"]) (await api.store(8n, makeEntry({ payload }))).release();
    const handle = await api.load(8n, 1n);
    expect(text(handle.payloadBlob)).toBe("three");
    handle.release();
    expect(await api.listEntries(1n)).toEqual([8n]);
  });

  test("ids and tenants 0 and 2^64-1 work and name their files in decimal", async () => {
    const { api, root } = setup();
    for (const tenantId of [0n, MAX_ID]) {
      for (const id of [0n, MAX_ID]) {
        (await api.store(id, makeEntry({ tenantId, payload: `${tenantId}/${id}` }))).release();
      }
    }
    expect(readdirSync(root).sort()).toEqual([".reflex-lock", "0", "18446744073709551615"]);
    expect(readdirSync(join(root, "18446744073709551615")).sort()).toEqual(["0.rfx", "18446744073709551615.rfx"]);
    expect(readdirSync(join(root, "0")).sort()).toEqual(["0.rfx", "18446744073709551615.rfx"]);
    for (const tenantId of [0n, MAX_ID]) {
      expect(await api.listEntries(tenantId)).toEqual([0n, MAX_ID]);
      for (const id of [0n, MAX_ID]) {
        const handle = await api.load(id, tenantId);
        expect(text(handle.payloadBlob)).toBe(`${tenantId}/${id}`);
        expect(handle.tenantId).toBe(tenantId);
        handle.release();
        expect(await api.exists(id, tenantId)).toBe(true);
      }
    }
    expect(await api.listTenants()).toEqual([0n, MAX_ID]);
    await api.delete(MAX_ID, MAX_ID);
    expect(await api.exists(MAX_ID, MAX_ID)).toBe(false);
    expect(await api.exists(0n, MAX_ID)).toBe(true);
  });

  test("the same id under different tenants is independent", async () => {
    const { api } = setup();
    (await api.store(10n, makeEntry({ tenantId: 1n, payload: "tenant one" }))).release();
    (await api.store(10n, makeEntry({ tenantId: 2n, payload: "tenant two" }))).release();
    expect(await loadPlain(api, 10n, 1n)).toEqual(plain(makeEntry({ tenantId: 1n, payload: "tenant one" })));
    const two = await api.load(10n, 2n);
    expect(text(two.payloadBlob)).toBe("tenant two");
    two.release();
    await api.delete(10n, 1n);
    expect(await api.exists(10n, 1n)).toBe(false);
    expect(await api.exists(10n, 2n)).toBe(true);
    expect(await loadPlain(api, 10n, 2n)).toEqual(plain(makeEntry({ tenantId: 2n, payload: "tenant two" })));
  });

  test("many handles of one entry agree, and releasing one leaves the others valid", async () => {
    const { api } = setup();
    const entry = makeEntry({ payload: patternBytes(2000, 3) });
    const stored = await api.store(4n, entry);
    const handles = [stored, await api.load(4n, 1n), await api.load(4n, 1n), await api.load(4n, 1n)];
    for (const handle of handles) expect(plain(handle)).toEqual(plain(entry));
    handles[1]?.release();
    for (const handle of [handles[0], handles[2], handles[3]]) {
      expect(handle?.released).toBe(false);
      expect(plain(handle as EntryHandle)).toEqual(plain(entry));
    }
    for (const handle of handles) handle.release();
  });

  test("listEntries ignores junk and returns ascending ids in numeric order", async () => {
    const { api, root } = setup();
    for (const id of [100n, 2n, 10n, 0n, 1_000_000n]) (await api.store(id, makeEntry())).release();
    const dir = join(root, "1");
    writeFileSync(join(dir, "x.txt"), "junk");
    writeFileSync(join(dir, "abc.rfx"), "junk");
    writeFileSync(join(dir, "007.rfx"), "junk");
    writeFileSync(join(dir, "-1.rfx"), "junk");
    writeFileSync(join(dir, "18446744073709551616.rfx"), "junk");
    writeFileSync(join(dir, "5.rfx.tmp"), "junk");
    writeFileSync(join(dir, tempFileName(6n)), "in-flight");
    writeFileSync(join(dir, "7.RFX"), "junk");
    mkdirSync(join(dir, "9.rfx"));
    mkdirSync(join(dir, "sub"));
    expect(await api.listEntries(1n)).toEqual([0n, 2n, 10n, 100n, 1_000_000n]);
    expect(await api.listEntries(2n)).toEqual([]);
    // A directory under an entry's name is junk for exists too (a regression: it used to say true).
    expect(await api.exists(9n, 1n)).toBe(false);
    expect(await api.exists(5n, 1n)).toBe(false);
  });

  test("listTenants ignores non-numeric dirs and numeric files", async () => {
    const { api, root } = setup();
    for (const tenantId of [100n, 2n, 10n]) (await api.store(1n, makeEntry({ tenantId }))).release();
    mkdirSync(join(root, "tmp"));
    mkdirSync(join(root, "007"));
    mkdirSync(join(root, "18446744073709551616"));
    writeFileSync(join(root, "5"), "a numeric file, not a tenant");
    expect(await api.listTenants()).toEqual([2n, 10n, 100n]);
  });

  test("cleanupEmptyTenantDirs removes only empty tenant dirs, and a later store recreates one", async () => {
    const { api, root } = setup();
    for (const tenantId of [1n, 2n, 3n]) (await api.store(1n, makeEntry({ tenantId }))).release();
    await api.delete(1n, 1n);
    await api.delete(1n, 3n);
    mkdirSync(join(root, "junk-dir"));
    expect(await api.cleanupEmptyTenantDirs()).toBe(2);
    expect(await api.listTenants()).toEqual([2n]);
    expect(existsSync(join(root, "junk-dir"))).toBe(true);
    expect(await api.cleanupEmptyTenantDirs()).toBe(0);

    const again = await api.store(4n, makeEntry({ tenantId: 1n, payload: "after cleanup" }));
    expect(again.created).toBe(true);
    again.release();
    expect(await api.listTenants()).toEqual([1n, 2n]);
    const handle = await api.load(4n, 1n);
    expect(text(handle.payloadBlob)).toBe("after cleanup");
    handle.release();
  });

  test("cleanupEmptyTenantDirs on a missing root removes nothing", async () => {
    const api = flavor(openStore(join(tempDir(), "missing")));
    expect(await api.cleanupEmptyTenantDirs()).toBe(0);
  });

  test("stats counts tenants, entries and the bytes of the entry files", async () => {
    const { api, root } = setup();
    expect(await api.stats()).toEqual({ tenantCount: 0, entryCount: 0, totalBytes: 0 });
    const stored: [bigint, bigint][] = [
      [1n, 1n],
      [2n, 1n],
      [3n, 1n],
      [1n, 2n],
      [MAX_ID, MAX_ID],
    ];
    for (const [id, tenantId] of stored) {
      (await api.store(id, makeEntry({ tenantId, payload: patternBytes(Number(id % 1000n) * 10, 1) }))).release();
    }
    writeFileSync(join(root, "1", "junk.txt"), "not counted");
    mkdirSync(join(root, "empty-junk"));
    let totalBytes = 0;
    for (const [id, tenantId] of stored) totalBytes += statSync(join(root, `${tenantId}`, `${id}.rfx`)).size;
    expect(await api.stats()).toEqual({ tenantCount: 3, entryCount: 5, totalBytes });
  });

  test("stats is all zeros when the root does not exist", async () => {
    const api = flavor(openStore(join(tempDir(), "missing")));
    expect(await api.stats()).toEqual({ tenantCount: 0, entryCount: 0, totalBytes: 0 });
    expect(await api.listTenants()).toEqual([]);
    expect(await api.listEntries(1n)).toEqual([]);
  });

  test("tenant_dir_creation_failed when a regular file sits where the tenant dir should be", async () => {
    const { api, store, root } = setup();
    store.ensureStoragePath();
    writeFileSync(join(root, "5"), "squatter");
    await expectStoreErrorAsync(() => api.store(1n, makeEntry({ tenantId: 5n })), "tenant_dir_creation_failed");
    expect(readFileSync(join(root, "5"), "utf8")).toBe("squatter");
    // Other tenants are unaffected.
    (await api.store(1n, makeEntry({ tenantId: 6n }))).release();
    expect(await api.exists(1n, 6n)).toBe(true);
  });

  test.each(BAD_U64)("invalid_argument for an id that is %s", async (_what, bad) => {
    const { api } = setup();
    const id = bad as bigint;
    await expectStoreErrorAsync(() => api.store(id, makeEntry()), "invalid_argument");
    await expectStoreErrorAsync(() => api.load(id, 1n), "invalid_argument");
    await expectStoreErrorAsync(() => api.load(1n, id), "invalid_argument");
    await expectStoreErrorAsync(() => api.delete(id, 1n), "invalid_argument");
    await expectStoreErrorAsync(() => api.delete(1n, id), "invalid_argument");
    await expectStoreErrorAsync(() => api.exists(id, 1n), "invalid_argument");
    await expectStoreErrorAsync(() => api.exists(1n, id), "invalid_argument");
    await expectStoreErrorAsync(() => api.listEntries(id), "invalid_argument");
    await expectStoreErrorAsync(() => api.listEntries(1n, { after: id }), "invalid_argument");
    await expectStoreErrorAsync(() => api.store(1n, { ...makeEntry(), tenantId: id }), "invalid_argument");
    expect(await api.listTenants()).toEqual([]);
  });

  test("bad entry fields are rejected before anything is written", async () => {
    const { api, root } = setup();
    const bad: [string, EntryFields][] = [
      ["contextHash a number", { ...makeEntry(), contextHash: 7 as unknown as bigint }],
      ["contextHash 2^64", { ...makeEntry(), contextHash: MAX_ID + 1n }],
      ["timestamp past i64", { ...makeEntry(), timestamp: 1n << 63n }],
      ["payloadBlob a string", { ...makeEntry(), payloadBlob: "hi" as unknown as Uint8Array }],
      ["payloadBlob an array", { ...makeEntry(), payloadBlob: [1, 2] as unknown as Uint8Array }],
      ["embedding null", { ...makeEntry(), embedding: null as unknown as Uint8Array }],
      ["no entry at all", undefined as unknown as EntryFields],
    ];
    for (const [what, entry] of bad) {
      const error = await expectStoreErrorAsync(() => api.store(1n, entry), ["serialization", "invalid_argument"]);
      expect(`${what}: ${error.code}`).toBe(`${what}: invalid_argument`);
    }
    expect(existsSync(join(root, "1", "1.rfx"))).toBe(false);
    expect(await api.stats()).toEqual({ tenantCount: 0, entryCount: 0, totalBytes: 0 });
  });

  test("listEntries page arguments are checked: a limit is a non-negative integer", async () => {
    const { api } = setup();
    for (const id of [1n, 2n, 3n]) (await api.store(id, makeEntry())).release();
    await expectStoreErrorAsync(() => api.listEntries(1n, { limit: -1 }), "invalid_argument");
    await expectStoreErrorAsync(() => api.listEntries(1n, { limit: Number.NaN }), "invalid_argument");
    await expectStoreErrorAsync(() => api.listEntries(1n, { limit: 1.5 }), "invalid_argument");
    await expectStoreErrorAsync(() => api.listEntries(1n, { limit: Number.NEGATIVE_INFINITY }), "invalid_argument");
    expect(await api.listEntries(1n, { limit: Number.POSITIVE_INFINITY })).toEqual([1n, 2n, 3n]);
    expect(await api.listEntries(1n, { limit: 2 })).toEqual([1n, 2n]);
  });
});

describe("sync variants throw synchronously", () => {
  test("loadSync, deleteSync, storeSync, existsSync and listEntriesSync throw typed errors on this thread", () => {
    const store = openStore();
    expectStoreError(() => store.loadSync(1n, 1n), "not_found");
    expectStoreError(() => store.deleteSync(1n, 1n), "not_found");
    expectStoreError(() => store.storeSync(42 as unknown as bigint, makeEntry()), "invalid_argument");
    expectStoreError(() => store.existsSync(-1n, 1n), "invalid_argument");
    expectStoreError(() => store.listEntriesSync(MAX_ID + 1n), "invalid_argument");
    const handle = store.storeSync(1n, makeEntry());
    expect(handle.created).toBe(true);
    handle.release();
    expect(store.existsSync(1n, 1n)).toBe(true);
  });

  test("the async methods reject rather than throw", async () => {
    const store = openStore();
    await expectStoreErrorAsync(() => store.load(1n, 1n), "not_found");
    await expectStoreErrorAsync(() => store.store(-1n, makeEntry()), "invalid_argument");
    await expectStoreErrorAsync(() => store.delete(1n, 1n), "not_found");
    await expectStoreErrorAsync(() => store.exists(1 as unknown as bigint, 1n), "invalid_argument");
    await expectStoreErrorAsync(() => store.listEntries(1n, { limit: -5 }), "invalid_argument");
  });
});

describe("pagination", () => {
  const idsOf = (count: number, seed: number): bigint[] => {
    const prng = new SeededRandom(seed);
    const ids = new Set<bigint>([0n, MAX_ID]);
    while (ids.size < count) ids.add(prng.u64AnySize());
    return [...ids];
  };

  test("pages of 7 walk 1,000 random ids: all of them, ascending, no duplicates", async () => {
    const store = openStore();
    const ids = idsOf(1000, 20240601);
    for (const id of ids) store.storeSync(id, makeEntry(), { durability: "atomic" }).release();
    const expected = [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

    const seen: bigint[] = [];
    let after: bigint | undefined;
    let pages = 0;
    for (;;) {
      const page = await store.listEntries(1n, after === undefined ? { limit: 7 } : { limit: 7, after });
      pages++;
      expect(page.length).toBeLessThanOrEqual(7);
      if (page.length === 0) break;
      seen.push(...page);
      after = page[page.length - 1];
      expect(pages).toBeLessThan(1000);
    }
    expect(pages).toBe(Math.ceil(1000 / 7) + 1);
    expect(seen).toEqual(expected);
    expect(new Set(seen).size).toBe(1000);
    expect(seen[0]).toBe(0n);
    expect(seen[seen.length - 1]).toBe(MAX_ID);
    expect(store.listEntriesSync(1n)).toEqual(expected);
  });

  test("limit 0 gives [], after the largest id gives [], after 2^64-1 gives []", () => {
    const store = openStore();
    for (const id of [3n, 30n, 300n]) store.storeSync(id, makeEntry(), { durability: "atomic" }).release();
    expect(store.listEntriesSync(1n, { limit: 0 })).toEqual([]);
    expect(store.listEntriesSync(1n, { after: 300n })).toEqual([]);
    expect(store.listEntriesSync(1n, { after: 1000n })).toEqual([]);
    expect(store.listEntriesSync(1n, { after: MAX_ID })).toEqual([]);
    expect(store.listEntriesSync(1n, { after: 29n })).toEqual([30n, 300n]);
    expect(store.listEntriesSync(1n, { after: 30n, limit: 1 })).toEqual([300n]);
    expect(store.listEntriesSync(1n, { limit: 100 })).toEqual([3n, 30n, 300n]);
  });
});

describe("durability option", () => {
  test.each([
    ["store-wide atomic", { durability: "atomic" }, undefined],
    ["per-call atomic", {}, { durability: "atomic" }],
    ["per-call fsync on an atomic store", { durability: "atomic" }, { durability: "fsync" }],
  ] as const)("%s writes loadable entries and leaves no temp files", async (_name, storeOptions, callOptions) => {
    const store = openStore(tempDir(), storeOptions);
    const entry = makeEntry({ payload: patternBytes(300 * 1024, 5) }); // crosses the async-write size
    (await store.store(1n, entry, callOptions)).release();
    store.storeSync(2n, makeEntry({ payload: "small" }), callOptions).release();
    expect(plain(await store.load(1n, 1n))).toEqual(plain(entry));
    expect(text(store.loadSync(2n, 1n).payloadBlob)).toBe("small");
    expect(readdirSync(join(store.storagePath, "1")).sort()).toEqual(["1.rfx", "2.rfx"]);
    await store.delete(1n, 1n);
    expect(store.existsSync(1n, 1n)).toBe(false);
  });

  test("the default durability is fsync", () => {
    expect(DEFAULT_STORAGE_OPTIONS.durability).toBe("fsync");
  });
});

describe("concurrent async writes", () => {
  test("many stores in flight to different ids all land", async () => {
    const store = openStore();
    const ids = Array.from({ length: 64 }, (_, i) => BigInt(i * 3));
    const handles = await Promise.all(ids.map((id) => store.store(id, makeEntry({ payload: `entry ${id}` }))));
    for (const handle of handles) {
      expect(handle.created).toBe(true);
      handle.release();
    }
    expect(store.listEntriesSync(1n)).toEqual(ids);
    for (const id of ids) expect(text(store.loadSync(id, 1n).payloadBlob)).toBe(`entry ${id}`);
    expect(readdirSync(join(store.storagePath, "1")).every((name) => name.endsWith(".rfx"))).toBe(true);
  });

  test("concurrent stores of one id leave exactly one whole entry", async () => {
    const store = openStore();
    const payloads = Array.from({ length: 16 }, (_, i) => patternBytes(8192 + i, i + 1));
    const handles = await Promise.all(payloads.map((payload) => store.store(7n, makeEntry({ payload }))));
    for (const handle of handles) handle.release();
    expect(readdirSync(join(store.storagePath, "1"))).toEqual(["7.rfx"]);
    const loaded = store.loadSync(7n, 1n);
    const match = payloads.filter((payload) => Buffer.from(payload).equals(loaded.payloadBlob));
    expect(match.length).toBe(1);
    loaded.release();
  });
});

describe("the handle cache and this store's own writes", () => {
  test("a store or delete through the store invalidates the cached entry", async () => {
    const store = openStore();
    (await store.store(1n, makeEntry({ payload: "v1" }))).release();
    const v1 = await store.load(1n, 1n);
    expect(text(v1.payloadBlob)).toBe("v1");
    expect(store.cacheUsage.entries).toBe(1);

    (await store.store(1n, makeEntry({ payload: "v2" }))).release();
    expect(store.cacheUsage.entries).toBe(0);
    const v2 = await store.load(1n, 1n);
    expect(text(v2.payloadBlob)).toBe("v2");
    expect(text(v1.payloadBlob)).toBe("v1"); // a heap-backed handle keeps its own bytes

    await store.delete(1n, 1n);
    await expectStoreErrorAsync(() => store.load(1n, 1n), "not_found");
    store.storeSync(1n, makeEntry({ payload: "v3" })).release();
    expect(text(store.loadSync(1n, 1n).payloadBlob)).toBe("v3");
    store.deleteSync(1n, 1n);
    expectStoreError(() => store.loadSync(1n, 1n), "not_found");
    v1.release();
    v2.release();
  });

  test("a repeated load is served from the cache; close() empties it and the store stays usable", () => {
    const store = openStore();
    store.storeSync(1n, makeEntry({ payload: "cached" })).release();
    store.loadSync(1n, 1n).release();
    expect(store.cacheUsage.entries).toBe(1);
    // Remove the file behind the store's back: the cached copy still answers (documented trade-off).
    const path = join(store.storagePath, "1", "1.rfx");
    const bytes = readFileSync(path);
    const size = bytes.byteLength;
    expect(store.cacheUsage.bytes).toBe(size);
    writeFileSync(path, bytes.subarray(0, 10));
    expect(text(store.loadSync(1n, 1n).payloadBlob)).toBe("cached");
    store.close();
    expect(store.cacheUsage).toEqual({ entries: 0, bytes: 0 });
    expectStoreError(() => store.loadSync(1n, 1n), "corrupt");
  });
});

describe("temp-file sweep", () => {
  test("opening a store removes stale temp files of this store's naming and keeps fresh ones and junk", () => {
    const root = tempDir();
    const dir = join(root, "1");
    mkdirSync(dir);
    const stale = tempFileName(5n);
    const fresh = tempFileName(6n);
    writeFileSync(join(dir, stale), "crashed writer");
    writeFileSync(join(dir, fresh), "live writer");
    writeFileSync(join(dir, "5.rfx.tmp"), "not ours");
    const hourAgo = new Date(Date.now() - 60 * 60 * 1000);
    utimesSync(join(dir, stale), hourAgo, hourAgo);

    const store = openStore(root);
    expect(store.sweep).toEqual({ removed: 1, kept: 1 });
    expect(readdirSync(dir).sort()).toEqual([fresh, "5.rfx.tmp"].sort());
    expect(store.listEntriesSync(1n)).toEqual([]);

    const unswept = openStore(root, { sweepTempFiles: false });
    expect(unswept.sweep).toEqual({ removed: 0, kept: 0 });
  });
});
