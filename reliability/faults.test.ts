// Resource faults, for real rather than injected (packages/core/src/write-entry.test.ts
// injects 140 faults through the FileOps seam; here the kernel produces them):
//  (a) ENOSPC: a 4 MiB tmpfs filled until stores fail;
//  (b) a read-only file system: the same tmpfs remounted read-only;
//  (c) EMFILE: a child process under `ulimit -n 64` that takes every descriptor.
// Each time: the failure is a typed StoreError with the OS errno, nothing stored before
// is lost or changed, nothing partial is left, and the store works again once the
// resource is back. (a) and (b) need to mount a tmpfs (root); without that they skip
// and say so.
import { afterAll, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { type EntryFields, isStoreError, NvmeStorage, type StoreError, type StoreErrorCode } from "@reflex/core";
import { createApp } from "@reflex/server";
import { removeTempDirs, sameBytes, spawnLines, tempDir } from "@reflex/testkit";
import { EMFILE_TENANT, type PhaseReport, sizedTag } from "./fixtures/emfile-plan.ts";
import { figure, fixturePath, mixedEntry, mixedEntryProblem, tempFilesUnder } from "./fixtures/harness.ts";

const KIB = 1024;

/** Tries to mount a 4 MiB tmpfs; the mount point, or why it could not. */
function mountTmpfs(): { dir: string } | { skipped: string } {
  const dir = join(tempDir("reflex-rel-"), "tmpfs");
  mkdirSync(dir);
  const result = Bun.spawnSync(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", dir], { stderr: "pipe" });
  if (result.exitCode !== 0) {
    return { skipped: `cannot mount a tmpfs here (${result.stderr.toString().trim() || `exit ${result.exitCode}`})` };
  }
  return { dir };
}

function run(command: string[]): { ok: boolean; text: string } {
  const result = Bun.spawnSync(command, { stderr: "pipe", stdout: "pipe" });
  return { ok: result.exitCode === 0, text: `${result.stdout}${result.stderr}`.trim() };
}

const tmpfs = mountTmpfs();
const MOUNTED = "dir" in tmpfs;
if (!MOUNTED) console.log(`faults: ENOSPC and read-only tests SKIPPED: ${tmpfs.skipped}`);
const MOUNT_DIR = "dir" in tmpfs ? tmpfs.dir : "";

afterAll(() => {
  if (MOUNTED && !run(["umount", MOUNT_DIR]).ok) run(["umount", "-l", MOUNT_DIR]);
  removeTempDirs();
});

/** Remounts the tmpfs read-only or read-write; live mappings of files opened read-write block `ro`, so it collects first. */
function remount(mode: "ro" | "rw"): void {
  let result = run(["mount", "-o", `remount,${mode}`, MOUNT_DIR]);
  if (!result.ok) {
    Bun.gc(true);
    result = run(["mount", "-o", `remount,${mode}`, MOUNT_DIR]);
  }
  if (!result.ok) throw new Error(`remount,${mode} failed: ${result.text}`);
}

/** The error `action` throws or rejects with, or null when it succeeds. */
async function errorOf(action: () => unknown): Promise<unknown> {
  try {
    await action();
    return null;
  } catch (error) {
    return error ?? new Error("rejected with nothing");
  }
}

/** The error `action` throws or rejects with; fails when it succeeds. */
async function failureOf(action: () => unknown): Promise<unknown> {
  const error = await errorOf(action);
  if (error === null) throw new Error("expected a failure, but it succeeded");
  return error;
}

/** Checks that `error` is a StoreError with one of `codes` and errno `errno`. */
function expectTyped(error: unknown, codes: readonly StoreErrorCode[], errno: string, what: string): StoreError {
  if (!isStoreError(error) || !codes.includes(error.code) || error.errno !== errno) {
    const got = isStoreError(error) ? `StoreError ${error.code} ${error.errno}` : `untyped ${String(error)}`;
    throw new Error(`${what}: expected ${codes.join("/")} ${errno}, got ${got}`);
  }
  return error;
}

/** The tag of the entry under (tenant, id) after checking every byte of it; undefined when absent. */
function tagOf(store: NvmeStorage, tenantId: bigint, entryId: bigint): bigint | undefined {
  try {
    const handle = store.loadSync(entryId, tenantId);
    try {
      const problem = mixedEntryProblem(handle, tenantId, entryId);
      if (problem !== undefined) throw new Error(`${tenantId}/${entryId}: ${problem}`);
      return handle.contextHash;
    } finally {
      handle.release();
    }
  } catch (error) {
    if (isStoreError(error, "not_found")) return undefined;
    throw error;
  }
}

/** Tenant/id -> the entry stored, for the fill entries of (a), which are not self-describing. */
const plainEntries = new Map<string, EntryFields>();

/**
 * Checks that the store holds exactly `expected` (tenant/id -> tag), byte for byte (the
 * fill entries of (a) against {@link plainEntries}), with no temp file and a clean verify.
 */
async function expectExactly(root: string, expected: Map<string, bigint>): Promise<void> {
  const fresh = new NvmeStorage(root, { handleCache: { maxEntries: 0 }, sweepTempFiles: false });
  expect(tempFilesUnder(root)).toEqual([]);
  const report = await fresh.verify();
  expect(report.problems).toEqual([]);
  expect(report.checked).toBe(expected.size);
  for (const [key, tag] of expected) {
    const [tenant = "", id = ""] = key.split("/");
    const plain = plainEntries.get(key);
    if (plain === undefined) {
      expect(tagOf(fresh, BigInt(tenant), BigInt(id))).toBe(tag);
      continue;
    }
    const handle = fresh.loadSync(BigInt(id), BigInt(tenant));
    expect(handle.contextHash).toBe(tag);
    expect(sameBytes(handle.payloadBlob, plain.payloadBlob)).toBe(true);
    handle.release();
  }
  fresh.close();
}

const state = {
  /** What the ENOSPC test left on the tmpfs, for the read-only test: tenant/id -> tag. */
  expected: new Map<string, bigint>(),
  root: "",
  enospcFigure: "",
};

test.skipIf(!MOUNTED)(
  "(a) ENOSPC on a full tmpfs: typed io ENOSPC, old versions intact, nothing partial, recovers",
  async () => {
    const root = join(MOUNT_DIR, "store");
    state.root = root;
    const store = new NvmeStorage(root); // durable, with the default handle cache
    const expected = state.expected;
    const TENANT = 1n;
    let tag = 1n;
    const put = async (tenantId: bigint, id: bigint, entry: EntryFields, sync: boolean) => {
      if (sync) store.storeSync(id, entry).release();
      else (await store.store(id, entry)).release();
      expected.set(`${tenantId}/${id}`, entry.contextHash);
    };

    // The entry to overwrite once the disk is full, large (mapped on load), and cached.
    const victimTag = sizedTag(true, tag);
    tag = victimTag + 1n;
    await put(TENANT, 0n, mixedEntry(TENANT, 0n, victimTag), false);
    expect(tagOf(store, TENANT, 0n)).toBe(victimTag);

    // Fill: large async stores until one fails, then ever smaller sync stores until even 1 KiB does.
    const failures: string[] = [];
    let id = 1n;
    for (const size of [600 * KIB, 128 * KIB, 16 * KIB, 4 * KIB, KIB]) {
      for (;;) {
        const payloadBlob = new Uint8Array(size).fill(Number(id % 251n));
        const entry: EntryFields = {
          tenantId: TENANT,
          contextHash: tag,
          timestamp: 1n,
          embedding: new Uint8Array(0),
          payloadBlob,
        };
        const sync = size < 256 * KIB;
        const error = await errorOf(() => put(TENANT, id, entry, sync));
        if (error === null) {
          // Stored: remember its bytes by tag (plain entries are checked by payload below).
          plainEntries.set(`${TENANT}/${id}`, entry);
          id++;
          tag++;
          continue;
        }
        expectTyped(error, ["io"], "ENOSPC", `store of ${size} bytes on a full disk`);
        failures.push(`${sync ? "storeSync" : "store"} ${size / KIB} KiB`);
        break;
      }
    }
    const filled = id - 1n;
    expect(filled).toBeGreaterThan(3n);

    // Now every write fails, typed, whatever its path: async large, sync small, a new tenant.
    const victimV2 = mixedEntry(TENANT, 0n, sizedTag(true, tag + 1n));
    expectTyped(await failureOf(() => store.store(0n, victimV2)), ["io"], "ENOSPC", "async overwrite");
    expectTyped(
      await failureOf(() => store.storeSync(0n, mixedEntry(TENANT, 0n, sizedTag(false, tag + 1n)))),
      ["io"],
      "ENOSPC",
      "sync overwrite",
    );
    const other = await failureOf(() => store.store(1n, mixedEntry(2n, 1n, sizedTag(false, tag + 1n))));
    expectTyped(other, ["io", "tenant_dir_creation_failed"], "ENOSPC", "store to a new tenant");
    // The overwritten entry is the old version, through the writing store (its cache) and a fresh one.
    expect(tagOf(store, TENANT, 0n)).toBe(victimTag);
    // No temp file is left by any failed write, and live stats still equal a scan.
    expect(tempFilesUnder(root)).toEqual([]);
    expect(store.liveTotals()).toEqual(store.statsSync());
    await expectExactly(root, expected);

    // Through the HTTP API a full disk is a 503 storage_unavailable, no stack trace.
    const app = createApp(store);
    const response = await app.request(`/v1/tenants/${TENANT}/entries/999`, {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ tenantId: String(TENANT), payloadBlob: Buffer.alloc(64 * KIB).toString("base64") }),
    });
    const text = await response.text();
    expect(response.status).toBe(503);
    expect(JSON.parse(text).error.code).toBe("storage_unavailable");
    expect(text).not.toContain("    at ");

    // Delete a few entries: writes work again, including the overwrite that failed.
    for (let victim = 1n; victim <= 3n; victim++) {
      await store.delete(victim, TENANT);
      expected.delete(`${TENANT}/${victim}`);
      plainEntries.delete(`${TENANT}/${victim}`);
    }
    await put(TENANT, 0n, victimV2, false);
    expect(tagOf(store, TENANT, 0n)).toBe(victimV2.contextHash);
    const recovered = mixedEntry(TENANT, 1n, sizedTag(false, tag + 10n));
    await put(TENANT, 1n, recovered, true);
    expect(store.liveTotals()).toEqual(store.statsSync());
    await expectExactly(root, expected);
    store.close();
    state.enospcFigure =
      `ENOSPC: filled 4 MiB tmpfs with ${filled} entries; ${failures.length + 3} stores failed as io ENOSPC ` +
      `(${failures.join(", ")}, async+sync overwrite, new tenant), 0 temp files, old version intact, PUT -> 503; ` +
      "recovered after 3 deletes";
  },
);

test.skipIf(!MOUNTED)(
  "(b) read-only file system: typed EROFS for writes, every load still works (> 256 KiB too)",
  async () => {
    expect(state.root).not.toBe(""); // runs on what (a) left
    const root = state.root;
    const expected = state.expected;
    remount("ro");
    try {
      const store = new NvmeStorage(root); // opening (and its temp sweep) works on a read-only root
      const TENANT = 1n;
      // Writes: typed EROFS. An existing tenant: io; a new tenant: its directory cannot be made.
      expectTyped(
        await failureOf(() => store.store(5n, mixedEntry(TENANT, 5n, sizedTag(true, 50_000n)))),
        ["io"],
        "EROFS",
        "async store",
      );
      expectTyped(
        await failureOf(() => store.storeSync(0n, mixedEntry(TENANT, 0n, sizedTag(false, 50_000n)))),
        ["io"],
        "EROFS",
        "sync overwrite",
      );
      expectTyped(
        await failureOf(() => store.store(1n, mixedEntry(77n, 1n, sizedTag(false, 50_000n)))),
        ["tenant_dir_creation_failed"],
        "EROFS",
        "store to a new tenant",
      );
      expectTyped(await failureOf(() => store.delete(0n, TENANT)), ["io"], "EROFS", "delete");
      // Loads: everything, byte for byte; the large entries through the read path, since
      // Bun.mmap opens files read-write and a read-only file system refuses that.
      let largeLoads = 0;
      for (const [key, tag] of expected) {
        const [tenant = "", id = ""] = key.split("/");
        const handle = store.loadSync(BigInt(id), BigInt(tenant));
        expect(handle.contextHash).toBe(tag);
        const plain = plainEntries.get(key);
        if (plain === undefined) expect(mixedEntryProblem(handle, BigInt(tenant), BigInt(id))).toBeUndefined();
        else expect(sameBytes(handle.payloadBlob, plain.payloadBlob)).toBe(true);
        if (handle.fileBytes >= 256 * KIB) {
          largeLoads++;
          expect(handle.mapped).toBe(false);
        }
        handle.release();
      }
      expect(largeLoads).toBeGreaterThan(0);
      const report = await store.verify();
      expect({ problems: report.problems, checked: report.checked }).toEqual({ problems: [], checked: expected.size });
      expect(store.liveTotals()).toEqual(store.statsSync());
      // Maintenance that must write fails typed too (rmdir is refused before emptiness is checked).
      const cleanup = await errorOf(() => store.cleanupEmptyTenantDirs());
      if (cleanup !== null) expectTyped(cleanup, ["io"], "EROFS", "cleanup");

      // Through HTTP: the large entry's payload is served whole; a PUT and a DELETE are 503.
      const app = createApp(store);
      const payload = await app.request(`/v1/tenants/${TENANT}/entries/0/payload`);
      expect(payload.status).toBe(200);
      const victim = mixedEntry(TENANT, 0n, expected.get(`${TENANT}/0`) ?? 0n);
      expect(sameBytes(new Uint8Array(await payload.arrayBuffer()), victim.payloadBlob)).toBe(true);
      const put = await app.request(`/v1/tenants/${TENANT}/entries/5`, {
        method: "PUT",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ tenantId: String(TENANT), payloadBlob: "aGk=" }),
      });
      expect(put.status).toBe(503);
      const remove = await app.request(`/v1/tenants/${TENANT}/entries/0`, { method: "DELETE" });
      expect(remove.status).toBe(503);
      expect(((await remove.json()) as { error: { code: string } }).error.code).toBe("storage_unavailable");
      store.close();
      await expectExactly(root, expected);
      state.enospcFigure +=
        `; read-only: 3 writes + 1 delete refused as EROFS, ${expected.size} loads exact (${largeLoads} > 256 KiB, ` +
        "read not mapped), verify clean, PUT/DELETE -> 503";
    } finally {
      remount("rw");
    }
    // Writable again: a store lands.
    const store = new NvmeStorage(root);
    const back = mixedEntry(1n, 5n, sizedTag(true, 60_000n));
    (await store.store(5n, back)).release();
    expected.set("1/5", back.contextHash);
    plainEntries.delete("1/5");
    store.close();
    await expectExactly(root, expected);
    figure("faults", state.enospcFigure);
  },
);

test("(c) EMFILE for real (ulimit -n 64): typed io EMFILE, nothing lost, recovers with one descriptor free", async () => {
  const root = join(tempDir("reflex-rel-"), "store");
  const child = spawnLines([
    "bash",
    "-c",
    `ulimit -n 64 && exec "$0" "$1" "$2"`,
    process.execPath,
    fixturePath("emfile-child.ts"),
    root,
  ]);
  child.process.stdin.end();
  const exitCode = await child.process.exited;
  await child.stdoutClosed;
  expect({ exitCode, stderr: await child.stderr() }).toEqual({ exitCode: 0, stderr: "" });
  const reports = child.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  const initial = reports[0] as { small: string; large: string; held: number };
  const phases = reports.slice(1, 4) as unknown as PhaseReport[];
  const live = reports[4] as { whileStarved: string; afterwards: unknown; scan: unknown };
  const [starved, oneFree, released] = phases;
  if (starved === undefined || oneFree === undefined || released === undefined) throw new Error("missing phases");

  // Starved: every operation that needs a descriptor fails typed. exists() reads the entry's
  // header (its expiry), so it may fail too, but it must never answer "false" for an entry that is there.
  const emfile = "io EMFILE";
  expect(["true", emfile]).toContain(starved.outcomes.exists ?? "");
  expect(starved.outcomes).toEqual({
    storeSmall: emfile,
    storeLarge: emfile,
    storeSyncSmall: emfile,
    storeNewTenant: starved.outcomes.storeNewTenant === emfile ? emfile : "tenant_dir_creation_failed EMFILE",
    overwriteSmall: emfile,
    overwriteLarge: emfile,
    loadSmall: emfile,
    loadLarge: emfile,
    exists: starved.outcomes.exists ?? "missing",
    list: emfile,
    verify: emfile,
    stats: emfile,
    deleteMissing: "not_found ENOENT",
    // The unlink needs no descriptor, the directory fsync after it does: reported, and the entry is gone.
    deleteExisting: emfile,
  });
  // One descriptor free: everything works; a large entry is read rather than mapped
  // (Bun.mmap needs a second descriptor), and the bytes are right.
  for (const phase of [oneFree, released]) {
    for (const [operation, outcome] of Object.entries(phase.outcomes)) {
      const allowed = operation === "deleteMissing" ? ["not_found ENOENT"] : operation === "exists" ? ["true"] : null;
      if (allowed !== null) expect(allowed).toContain(outcome);
      else expect(`${phase.phase} ${operation}: ${outcome}`).toMatch(/: ok( mapped| \d+)?$/);
    }
  }
  expect(oneFree.outcomes.loadLarge).toBe("ok");
  expect(released.outcomes.loadLarge).toBe("ok mapped");
  // Live figures first asked for while starved did not silently start from a wrong scan.
  expect(live.whileStarved).toBe(emfile);
  expect(live.afterwards).toEqual(live.scan);

  // On disk: exactly what succeeded, byte for byte.
  const T = EMFILE_TENANT;
  const expected = new Map<string, bigint>([
    [`${T}/1`, BigInt(released.small)],
    [`${T}/2`, BigInt(released.large)],
  ]);
  // 31, 32 and 33 were deleted, one per phase (31 while starved: the unlink landed, its fsync failed);
  // the starved phase's writes left nothing. expectExactly counts every file, so neither can hide.
  for (const phase of [oneFree, released]) {
    const base = BigInt(10 * (phase.index + 1));
    expected.set(`${T}/${base + 4n}`, BigInt(phase.small));
    expected.set(`${T}/${base + 5n}`, BigInt(phase.large));
    expected.set(`${T}/${base + 6n}`, BigInt(phase.small));
    expected.set(`${phase.newTenant}/1`, BigInt(phase.small));
  }
  await expectExactly(root, expected);
  const figureText =
    `EMFILE: child held ${initial.held} of 64 fds; starved: ${Object.values(starved.outcomes).filter((o) => o === emfile).length} ` +
    `operations failed as io EMFILE (0 untyped, exists ${starved.outcomes.exists}); one fd free: all 14 operations work (large entry read, ` +
    `not mapped); released: all work; ${expected.size} entries on disk exact, verify clean`;
  figure("faults", figureText);
});
