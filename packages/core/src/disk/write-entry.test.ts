// Fault injection on the write path through the FileOps seam: every step of the
// protocol fails with every errno a disk can throw, and nothing is lost or left behind.
import { afterEach, describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import { join } from "node:path";
import type { EntryFields } from "@reflex/codec";
import { removeTempDirs, tempDir } from "@reflex/testkit";
import { isStoreError, type StoreError } from "../contract/store-error.ts";
import { NvmeStorage } from "../store/nvme-storage.ts";
import type { NvmeStorageOptions } from "../store/store-options.ts";
import { DIR_OPEN_FLAGS, type FileOps, type FileStat, nodeFileOps } from "./file-ops.ts";

afterEach(removeTempDirs);

const TENANT = 4n;
const ID = 77n;

/** An entry whose every payload byte derives from `version`. */
function entryOf(version: number, payloadBytes: number): EntryFields {
  const payloadBlob = new Uint8Array(payloadBytes);
  for (let i = 0; i < payloadBytes; i++) payloadBlob[i] = (i * 31 + version * 17) & 0xff;
  return {
    tenantId: TENANT,
    contextHash: BigInt(version),
    timestamp: 1_700_000_000n + BigInt(version),
    embedding: new Uint8Array(32).fill(version & 0xff),
    payloadBlob,
  };
}

/** The version an entry of {@link entryOf} was written with; fails unless every byte matches it. */
function versionOf(store: NvmeStorage, entryId = ID): number {
  const handle = store.loadSync(entryId, TENANT);
  try {
    const version = Number(handle.contextHash);
    const expected = entryOf(version, handle.payloadBlob.byteLength);
    expect(handle.timestamp).toBe(expected.timestamp);
    expect(Buffer.from(handle.embedding).equals(expected.embedding)).toBe(true);
    expect(Buffer.from(handle.payloadBlob).equals(expected.payloadBlob)).toBe(true);
    return version;
  } finally {
    handle.release();
  }
}

function tempFiles(root: string, tenantId = TENANT): string[] {
  const directory = join(root, String(tenantId));
  return fs.existsSync(directory) ? fs.readdirSync(directory).filter((name) => name.endsWith(".tmp")) : [];
}

/** A step of the write protocol where a fault can be injected. */
type Step = "open temp" | "write" | "fsync file" | "close" | "rename" | "open dir" | "fsync dir";
const STEPS: readonly Step[] = ["open temp", "write", "fsync file", "close", "rename", "open dir", "fsync dir"];
const ERRNOS = ["ENOSPC", "EIO", "EACCES", "EMFILE", "EROFS"] as const;
/** Steps after the rename: the new entry is in place when they fail. */
const AFTER_RENAME: ReadonlySet<Step> = new Set<Step>(["open dir", "fsync dir"]);

function osError(code: string, syscall: string): Error {
  return Object.assign(new Error(`${code}: injected fault, ${syscall}`), { code, syscall });
}

/**
 * Real file ops with one armed fault: the next call of `step` throws `code` (once).
 * A failing data write first writes half of what it was asked to, as a full disk does.
 */
class FaultyOps implements FileOps {
  armed: { step: Step; code: string } | null = null;
  fired = 0;
  readonly #directoryFds = new Set<number>();

  arm(step: Step, code: string): void {
    this.armed = { step, code };
    this.fired = 0;
  }

  #fault(step: Step): Error | null {
    if (this.armed?.step !== step) return null;
    const { code } = this.armed;
    this.armed = null;
    this.fired++;
    return osError(code, step);
  }

  openSync(path: string, flags: number, mode?: number): number {
    const directory = flags === DIR_OPEN_FLAGS;
    const fault = this.#fault(directory ? "open dir" : "open temp");
    if (fault !== null) throw fault;
    const fd = nodeFileOps.openSync(path, flags, mode);
    if (directory) this.#directoryFds.add(fd);
    return fd;
  }

  async open(path: string, flags: number, mode?: number): Promise<number> {
    return this.openSync(path, flags, mode);
  }

  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number {
    const fault = this.#fault("write");
    if (fault === null) return nodeFileOps.writeSync(fd, buffer, offset, length, position);
    nodeFileOps.writeSync(fd, buffer, offset, Math.ceil(length / 2), position);
    throw fault;
  }

  async write(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): Promise<number> {
    const fault = this.#fault("write");
    if (fault === null) return nodeFileOps.write(fd, buffer, offset, length, position);
    await nodeFileOps.write(fd, buffer, offset, Math.ceil(length / 2), position);
    throw fault;
  }

  fsyncSync(fd: number): void {
    const fault = this.#fault(this.#directoryFds.has(fd) ? "fsync dir" : "fsync file");
    if (fault !== null) throw fault;
    nodeFileOps.fsyncSync(fd);
  }

  async fsync(fd: number): Promise<void> {
    const fault = this.#fault(this.#directoryFds.has(fd) ? "fsync dir" : "fsync file");
    if (fault !== null) throw fault;
    await nodeFileOps.fsync(fd);
  }

  syncfsSync(fd: number): boolean {
    return nodeFileOps.syncfsSync(fd);
  }

  closeSync(fd: number): void {
    const directory = this.#directoryFds.delete(fd);
    // close(2) releases the descriptor even when it reports an error.
    nodeFileOps.closeSync(fd);
    if (!directory) {
      const fault = this.#fault("close");
      if (fault !== null) throw fault;
    }
  }

  renameSync(from: string, to: string): void {
    const fault = this.#fault("rename");
    if (fault !== null) throw fault;
    nodeFileOps.renameSync(from, to);
  }

  unlinkSync(path: string): void {
    nodeFileOps.unlinkSync(path);
  }

  mkdirSync(path: string, recursive?: boolean): void {
    nodeFileOps.mkdirSync(path, recursive);
  }

  rmdirSync(path: string): void {
    nodeFileOps.rmdirSync(path);
  }

  rmSync(path: string, recursive: boolean): void {
    nodeFileOps.rmSync(path, recursive);
  }

  statSync(path: string): FileStat | undefined {
    return nodeFileOps.statSync(path);
  }

  utimesSync(path: string, atimeSeconds: number, mtimeSeconds: number): void {
    nodeFileOps.utimesSync(path, atimeSeconds, mtimeSeconds);
  }
}

async function expectIoError(action: () => unknown, errno: string): Promise<StoreError> {
  let caught: unknown;
  try {
    await action();
  } catch (error) {
    caught = error;
  }
  expect(isStoreError(caught, "io")).toBe(true);
  expect((caught as StoreError).errno).toBe(errno);
  return caught as StoreError;
}

type Mode = "storeSync" | "store";

function storeWith(store: NvmeStorage, mode: Mode, entry: EntryFields): unknown {
  if (mode === "storeSync") return store.storeSync(ID, entry).release();
  return store.store(ID, entry).then((handle) => handle.release());
}

const SIZES = [
  { name: "4 KiB", bytes: 4096 },
  // At least 256 KiB: the async store writes it off the event loop (FileOps.write), loads map it.
  { name: "384 KiB", bytes: 384 * 1024 },
];

describe("a fault at any step of a write loses nothing and leaves nothing behind", () => {
  for (const mode of ["storeSync", "store"] as const) {
    for (const size of SIZES) {
      for (const step of STEPS) {
        test.each(ERRNOS)(`${mode}, ${size.name}: ${step} fails with %s`, async (errno) => {
          const root = tempDir();
          const ops = new FaultyOps();
          // The default handle cache is on: a failed write must not leave it stale either.
          const store = new NvmeStorage(root, { fileOps: ops });
          store.storeSync(ID, entryOf(1, size.bytes)).release();
          expect(versionOf(store)).toBe(1); // now cached

          ops.arm(step, errno);
          await expectIoError(() => storeWith(store, mode, entryOf(2, size.bytes)), errno);
          expect(ops.fired).toBe(1);

          // Before the rename the old entry is untouched; after it (the directory fsync)
          // the new entry is in place, whole, and the error says it may not be durable.
          const visible = AFTER_RENAME.has(step) ? 2 : 1;
          expect(versionOf(store)).toBe(visible);
          expect(versionOf(new NvmeStorage(root, { handleCache: { maxEntries: 0 } }))).toBe(visible);
          expect(tempFiles(root)).toEqual([]);

          // The store is still usable.
          await storeWith(store, mode, entryOf(3, size.bytes));
          expect(versionOf(store)).toBe(3);
          expect(versionOf(new NvmeStorage(root, { handleCache: { maxEntries: 0 } }))).toBe(3);
          expect(tempFiles(root)).toEqual([]);
          expect((await store.verify()).problems).toEqual([]);
        });
      }
    }
  }

  test("atomic durability makes no fsync at all", async () => {
    const root = tempDir();
    const ops = new FaultyOps();
    const store = new NvmeStorage(root, { fileOps: ops, durability: "atomic" });
    store.storeSync(ID, entryOf(1, 4096)).release();
    for (const step of ["fsync file", "open dir", "fsync dir"] as const) {
      ops.arm(step, "EIO");
      store.storeSync(ID, entryOf(2, 4096)).release();
      (await store.store(ID, entryOf(3, 512 * 1024))).release();
      expect(ops.fired).toBe(0);
    }
    expect(versionOf(store)).toBe(3);
  });

  test("short writes are completed, sync and async", async () => {
    const root = tempDir();
    let calls = 0;
    const ops: FileOps = {
      ...nodeFileOps,
      writeSync: (fd, buffer, offset, length, position) => {
        calls++;
        return nodeFileOps.writeSync(fd, buffer, offset, Math.min(length, 1000), position);
      },
      write: (fd, buffer, offset, length, position) => {
        calls++;
        return nodeFileOps.write(fd, buffer, offset, Math.min(length, 40_000), position);
      },
    };
    const store = new NvmeStorage(root, { fileOps: ops, handleCache: { maxEntries: 0 } });
    store.storeSync(ID, entryOf(1, 10_000)).release();
    expect(versionOf(store)).toBe(1);
    (await store.store(ID, entryOf(2, 300 * 1024))).release();
    expect(versionOf(store)).toBe(2);
    expect(calls).toBeGreaterThan(10 + 7);
  });
});

describe("the tenant directory removed behind the store's back", () => {
  const cases: { name: string; remove: (root: string) => void }[] = [
    {
      name: "emptied and removed by another store's cleanup",
      remove: (root) => {
        const other = new NvmeStorage(root);
        other.deleteSync(ID, TENANT);
        expect(other.cleanupEmptyTenantDirsSync()).toBe(1);
      },
    },
    { name: "rm -r of the tenant dir", remove: (root) => fs.rmSync(join(root, String(TENANT)), { recursive: true }) },
    { name: "rm -r of the whole root", remove: (root) => fs.rmSync(root, { recursive: true }) },
  ];
  for (const { name, remove } of cases) {
    for (const mode of ["storeSync", "store"] as const) {
      test(`${name}: ${mode} recreates it and succeeds`, async () => {
        const root = tempDir();
        const store = new NvmeStorage(root);
        store.storeSync(ID, entryOf(1, 4096)).release();
        remove(root);
        expect(store.existsSync(ID, TENANT)).toBe(false);
        await storeWith(store, mode, entryOf(2, 4096));
        expect(versionOf(store)).toBe(2);
        expect(versionOf(new NvmeStorage(root))).toBe(2);
        expect(store.listTenantsSync()).toEqual([TENANT]);
        expect(tempFiles(root)).toEqual([]);
      });
    }
  }
});

describe("a read-only file system", () => {
  // We may run as root, which chmod does not stop: then only the seam can say EROFS
  // (the matrix above covers every write step with it; this covers the tenant dir).
  test("EROFS creating a tenant dir is tenant_dir_creation_failed and creates nothing", async () => {
    const root = tempDir();
    const options: NvmeStorageOptions = {
      fileOps: {
        ...nodeFileOps,
        mkdirSync: () => {
          throw osError("EROFS", "mkdir");
        },
      },
    };
    const store = new NvmeStorage(root, options);
    for (const write of [() => store.storeSync(ID, entryOf(1, 64)), () => store.store(ID, entryOf(1, 64))]) {
      let caught: unknown;
      try {
        await write();
      } catch (error) {
        caught = error;
      }
      expect(isStoreError(caught, "tenant_dir_creation_failed")).toBe(true);
      expect((caught as StoreError).errno).toBe("EROFS");
    }
    expect(fs.readdirSync(root)).toEqual([".reflex-lock"]); // the writer's lock file, no entry or tenant
  });

  test("a read-only tenant dir fails with EACCES and keeps the old entry", async () => {
    if (process.getuid?.() === 0) {
      // Root passes a mode of 0555: the same steps run in a child under an unprivileged uid.
      expect(await readOnlyDirAsNobody()).toEqual({
        uid: 65534,
        asyncWrite: { code: "io", errno: "EACCES" },
        syncWrite: { code: "io", errno: "EACCES" },
        version: 1,
        intact: true,
      });
      return;
    }
    const root = tempDir();
    const store = new NvmeStorage(root);
    store.storeSync(ID, entryOf(1, 4096)).release();
    fs.chmodSync(join(root, String(TENANT)), 0o555);
    try {
      await expectIoError(() => store.store(ID, entryOf(2, 4096)), "EACCES");
      await expectIoError(() => store.storeSync(ID, entryOf(2, 4096)), "EACCES");
      expect(versionOf(store)).toBe(1);
    } finally {
      fs.chmodSync(join(root, String(TENANT)), 0o755);
    }
  });
});

/** Runs test/fixtures/read-only-dir-writer.ts as uid/gid 65534 (setpriv) on a root it owns; its JSON line. */
async function readOnlyDirAsNobody(): Promise<unknown> {
  const parent = tempDir();
  fs.chmodSync(parent, 0o755);
  const root = join(parent, "root");
  fs.mkdirSync(root);
  fs.chownSync(root, 65534, 65534);
  const fixture = join(import.meta.dir, "..", "..", "test", "fixtures", "read-only-dir-writer.ts");
  const child = Bun.spawn(
    ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, fixture, root],
    { env: { ...process.env, BUN_RUNTIME_TRANSPILER_CACHE_PATH: "0" }, stdout: "pipe", stderr: "pipe" },
  );
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  if (code !== 0) throw new Error(`read-only-dir-writer exited ${code}: ${stderr}`);
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "null");
}
