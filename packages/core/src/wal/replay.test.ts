import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { encodeEnvelope } from "@reflex/codec";
import { makeEntry, removeTempDirs, tempDir } from "@reflex/testkit";
import { nodeFileOps } from "../disk/file-ops.ts";
import { NvmeStorage } from "../store/nvme-storage.ts";
import { encodeSegmentHeader, recordBytes, SEGMENT_HEADER_BYTES, type WalRecord, walRecord } from "./wal-format.ts";
import { WriteAheadLog } from "./write-ahead-log.ts";

afterEach(removeTempDirs);

const LIMITS = { maxBytes: 1 << 30, maxAgeMs: 0, maxUnplacedBytes: 1 << 30, preallocateBytes: 4096 };
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const put = (tenant: bigint, id: bigint, payload: string) =>
  walRecord("put", tenant, id, encodeEnvelope(id, makeEntry({ tenantId: tenant, payload })));

/** A log a writer left behind: its records fsynced, none of them applied (the writer died first). */
function leaveLog(root: string, records: WalRecord[]): string {
  mkdirSync(root, { recursive: true });
  const log = new WriteAheadLog(root, nodeFileOps, LIMITS);
  for (const record of records) log.appendSync(record, "k", null, root, true, () => undefined);
  return `${root}/.reflex-wal/1.log`;
}

function payloadOf(store: NvmeStorage, tenant: bigint, id: bigint): string | null {
  if (!store.existsSync(id, tenant)) return null;
  const handle = store.loadSync(id, tenant);
  const payload = text(handle.payloadBlob);
  handle.release();
  return payload;
}

describe("replay of the write-ahead log at open", () => {
  test("puts, deletes and tenant deletions replay in order; the log is gone after", () => {
    const root = tempDir();
    leaveLog(root, [
      put(1n, 1n, "a1"),
      put(1n, 2n, "b1"),
      put(2n, 1n, "c1"),
      put(1n, 1n, "a2"),
      walRecord("delete", 1n, 2n),
      walRecord("tenant", 2n, 0n),
      put(2n, 3n, "d1"),
    ]);
    const store = new NvmeStorage(root);
    expect(store.recovered).toEqual({ segments: 1, records: 7, repaired: 2 });
    expect(payloadOf(store, 1n, 1n)).toBe("a2");
    expect(payloadOf(store, 1n, 2n)).toBeNull();
    expect(payloadOf(store, 2n, 1n)).toBeNull();
    expect(payloadOf(store, 2n, 3n)).toBe("d1");
    expect(existsSync(`${root}/.reflex-wal`)).toBe(false);
    store.close();
  });

  test("a store that keeps a log takes the segments over: the files are in place at once, the log goes at its checkpoint", () => {
    const root = tempDir();
    leaveLog(root, [put(1n, 1n, "a1"), put(1n, 2n, "b1"), walRecord("delete", 1n, 2n), put(1n, 3n, "c1")]);
    const store = new NvmeStorage(root, { wal: true, lookup: false });
    expect(store.recovered).toEqual({ segments: 1, records: 4, repaired: 2 });
    expect(readFileSync(`${root}/1/1.rfx`).byteLength).toBeGreaterThan(0); // in place, not only in memory
    expect(payloadOf(store, 1n, 2n)).toBeNull();
    expect(existsSync(`${root}/.reflex-wal/1.log`)).toBe(true); // still there: nothing is durable yet
    // A new write goes to a later segment, replayed after the adopted one.
    store.storeSync(3n, makeEntry({ tenantId: 1n, payload: "c2" })).release();
    expect(readdirSync(`${root}/.reflex-wal`).sort()).toEqual(["1.log", "2.log"]);
    store.close();
    expect(existsSync(`${root}/.reflex-wal`)).toBe(false);
    const reopened = new NvmeStorage(root, { wal: true, lookup: false });
    expect(payloadOf(reopened, 1n, 1n)).toBe("a1");
    expect(payloadOf(reopened, 1n, 3n)).toBe("c2");
    reopened.close();
  });

  test("a torn last record is dropped; the records before it replay", () => {
    const root = tempDir();
    const records = [put(1n, 1n, "kept"), put(1n, 2n, "x".repeat(9000))];
    const path = leaveLog(root, records);
    // The segment is preallocated (zeros past its records): cut inside the last record.
    const end = SEGMENT_HEADER_BYTES + records.reduce((sum, record) => sum + recordBytes(record), 0);
    truncateSync(path, end - 100);
    const store = new NvmeStorage(root);
    expect(payloadOf(store, 1n, 1n)).toBe("kept");
    expect(payloadOf(store, 1n, 2n)).toBeNull();
    store.close();
  });

  test("an entry file that already holds its record is not written again", () => {
    const root = tempDir();
    const writer = new NvmeStorage(root, { wal: false });
    writer.storeSync(1n, makeEntry({ tenantId: 1n, payload: "same" })).release();
    writer.close();
    leaveLog(root, [walRecord("put", 1n, 1n, readFileSync(`${root}/1/1.rfx`))]);
    const store = new NvmeStorage(root);
    expect(store.recovered).toEqual({ segments: 1, records: 1, repaired: 0 });
    expect(payloadOf(store, 1n, 1n)).toBe("same");
    store.close();
  });

  test("a segment of another format version is refused with unsupported; a read-only store opens anyway", () => {
    const root = tempDir();
    mkdirSync(`${root}/.reflex-wal`, { recursive: true });
    const header = encodeSegmentHeader(1);
    header[4] = 2;
    writeFileSync(`${root}/.reflex-wal/1.log`, header);
    expect(() => new NvmeStorage(root)).toThrow(expect.objectContaining({ code: "unsupported" }));
    new NvmeStorage(root, { readOnly: true }).close();
  });

  test("a store of the same process does not replay the live log of another", async () => {
    const root = tempDir();
    const first = new NvmeStorage(root, { wal: true });
    await first.store(1n, makeEntry({ tenantId: 1n, payload: "live" }));
    const second = new NvmeStorage(root, { wal: true });
    expect(second.recovered.segments).toBe(0);
    expect(existsSync(`${root}/.reflex-wal/1.log`)).toBe(true);
    second.close();
    first.close();
    expect(existsSync(`${root}/.reflex-wal`)).toBe(false);
  });
});
