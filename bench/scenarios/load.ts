/**
 * Scenario 1: load, cold (handle cache off, page cache warm) and hot (handle cache),
 * side by side with the raw syscall limit and the peers, at each payload size.
 */
import { closeSync, constants, openSync, readSync } from "node:fs";
import { join } from "node:path";
import { ENTRY_EXTENSION, NvmeStorage } from "@reflex/core";
import {
  envelopeOf,
  freshDir,
  makeEntry,
  PAYLOAD_SIZES,
  type PayloadSize,
  removeDir,
  shuffledIds,
  warmPageCache,
} from "../fixtures.ts";
import { currentMode, type Figure, measureOp, measureSideBySide } from "../harness.ts";
import { openCacache } from "../peers/cacache.ts";
import { openLmdb } from "../peers/lmdb.ts";
import type { Peer } from "../peers/peer.ts";
import { openSqlite } from "../peers/sqlite.ts";
import type { Results } from "../results.ts";

/** Distinct entries loaded in rotation, per payload size (quick, full). */
const ENTRY_COUNTS: Record<number, [number, number]> = {
  [4 * 1024]: [1000, 5000],
  [64 * 1024]: [300, 2000],
  [1024 * 1024]: [48, 256],
};

const PAGE = 4096;

/** Group names, shared with the targets. */
export const coldGroup = (size: PayloadSize) => `cold load ${size.label}`;
export const hotGroup = (size: PayloadSize) => `hot load ${size.label}`;

async function fillPeer(peer: Peer, count: number, value: Uint8Array): Promise<void> {
  const keys = Array.from({ length: count }, (_, i) => i);
  for (let start = 0; start < count; start += 64) await peer.putMany(keys.slice(start, start + 64), value);
}

async function loadOneSize(results: Results, size: PayloadSize): Promise<void> {
  const [quickCount, fullCount] = ENTRY_COUNTS[size.bytes] ?? [100, 100];
  const count = currentMode().quick ? quickCount : fullCount;
  const dir = freshDir(`load-${size.bytes}`);
  const root = join(dir, "reflex");
  const tenantId = 1n;
  const entry = makeEntry(tenantId, size.bytes);
  const writer = new NvmeStorage(root, { durability: "atomic", handleCache: { maxEntries: 0 } });
  for (let id = 0; id < count; id++) writer.storeSync(BigInt(id), entry).release();
  writer.close();
  const envelope = envelopeOf(0n, entry);
  const peers = [openLmdb(join(dir, "lmdb")), openSqlite(join(dir, "sqlite")), openCacache(join(dir, "cacache"))];
  for (const peer of peers) await fillPeer(peer, count, envelope);
  warmPageCache(dir);

  const order = shuffledIds(count);
  const paths = order.map((id) => join(root, String(tenantId), `${id}${ENTRY_EXTENSION}`));
  const ids = order.map((id) => BigInt(id));
  let next = 0;
  const step = () => {
    next = next + 1 === count ? 0 : next + 1;
    return next;
  };
  const group = coldGroup(size);
  const buffer = new Uint8Array(envelope.byteLength + PAGE);
  let sink = 0;
  const kept: Uint8Array[] = new Array(Math.max(1, count >> 2));

  const cold = new NvmeStorage(root, { handleCache: { maxEntries: 0 }, sweepTempFiles: false });
  // A cache a quarter of the entries: loads in rotation always miss, insert and evict.
  const churning = new NvmeStorage(root, { handleCache: { maxEntries: count >> 2 }, sweepTempFiles: false });
  const contenders: { subject: string; note?: string; reference?: boolean; fn: () => unknown }[] = [
    {
      subject: "raw readSync",
      reference: true,
      note: "open + one readSync into a preallocated buffer + close",
      fn: () => {
        const fd = openSync(paths[step()] as string, constants.O_RDONLY);
        sink += readSync(fd, buffer, 0, buffer.length, 0);
        closeSync(fd);
      },
    },
    {
      subject: "raw readSync, kept",
      note: "open + readSync into a fresh buffer kept in a ring of count/4 (what any cache of that size holds) + close",
      fn: () => {
        const fd = openSync(paths[step()] as string, constants.O_RDONLY);
        const fresh = new Uint8Array(Buffer.allocUnsafeSlow(buffer.length).buffer);
        sink += readSync(fd, fresh, 0, fresh.length, 0);
        closeSync(fd);
        kept[next % kept.length] = fresh;
      },
    },
    {
      subject: "raw Bun.mmap",
      note: "private map + touch every page + unmap",
      fn: () => {
        const view = Bun.mmap(paths[step()] as string, { shared: false });
        for (let offset = 0; offset < view.byteLength; offset += PAGE) sink += view[offset] as number;
        (view.buffer as ArrayBuffer).transfer(0);
      },
    },
    {
      subject: "reflex loadSync",
      note: "handle cache off; verify + decode; release",
      fn: () => {
        const handle = cold.loadSync(ids[step()] as bigint, tenantId);
        sink += handle.payloadBlob.byteLength;
        handle.release();
      },
    },
    {
      subject: "reflex loadSync, full cache",
      note: "handle cache of count/4 entries: every load misses, inserts and evicts",
      fn: () => {
        const handle = churning.loadSync(ids[step()] as bigint, tenantId);
        sink += handle.payloadBlob.byteLength;
        handle.release();
      },
    },
  ];
  for (const peer of peers) {
    contenders.push({
      subject: { lmdb: "lmdb getBinary", sqlite: "sqlite get", cacache: "cacache get" }[peer.name] ?? peer.name,
      note: "same envelope bytes, returned undecoded",
      fn: () => {
        const value = peer.get(order[step()] as number);
        if (value instanceof Promise) {
          return value.then((bytes) => {
            sink += bytes.byteLength;
          });
        }
        sink += value.byteLength;
        return undefined;
      },
    });
  }
  const figures = await measureSideBySide(contenders);
  for (const [i, contender] of contenders.entries()) {
    results.add({
      scenario: "load",
      group,
      subject: contender.subject,
      figure: figures[i] as Figure,
      ...(contender.reference === true ? { reference: true } : {}),
      ...(contender.note === undefined ? {} : { note: contender.note }),
    });
  }
  cold.close();
  churning.close();

  const hot = new NvmeStorage(root, { sweepTempFiles: false });
  const hotId = ids[0] as bigint;
  results.add({
    scenario: "load",
    group: hotGroup(size),
    subject: "reflex loadSync",
    note: "same entry, handle cache on; release",
    figure: await measureOp(() => {
      const handle = hot.loadSync(hotId, tenantId);
      sink += handle.payloadBlob.byteLength;
      handle.release();
    }),
  });
  hot.close();
  const lmdb = peers[0] as Peer;
  results.add({
    scenario: "load",
    group: hotGroup(size),
    subject: "lmdb getBinary",
    note: "same key",
    figure: await measureOp(() => {
      sink += (lmdb.get(0) as Uint8Array).byteLength;
    }),
  });

  for (const peer of peers) await peer.close();
  removeDir(dir);
  if (sink === 42) console.log("");
}

/** Runs scenario 1 at every payload size. */
export async function runLoad(results: Results): Promise<void> {
  for (const size of PAYLOAD_SIZES) await loadOneSize(results, size);
}
