/**
 * Scenario 2: durable and atomic-only stores, one at a time and with 16 and 64 in
 * flight, side by side with the raw syscall loops and the peers, at each payload size.
 * Every write creates a new id; each subject writes into its own fresh directory,
 * removed right after its figure.
 */
import { closeSync, constants, fsync, fsyncSync, mkdirSync, openSync, renameSync, write, writeSync } from "node:fs";
import { join } from "node:path";
import { type EntryFields, NvmeStorage } from "@reflex/core";
import { envelopeOf, freshDir, makeEntry, PAYLOAD_SIZES, type PayloadSize, removeDir } from "../fixtures.ts";
import { currentMode, type Figure, measureSideBySide } from "../harness.ts";
import { openCacache } from "../peers/cacache.ts";
import { openLmdb } from "../peers/lmdb.ts";
import type { Peer } from "../peers/peer.ts";
import { openSqlite } from "../peers/sqlite.ts";
import type { Results } from "../results.ts";

export const WINDOWS = [16, 64] as const;

/** Group names, shared with the targets. */
export const storeGroup = (durable: boolean, size: PayloadSize, inFlight: number) =>
  `${durable ? "durable" : "atomic"} store ${size.label}, ${inFlight === 1 ? "one at a time" : `${inFlight} in flight`}`;

const TEMP_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL;
const DIR_FLAGS = constants.O_RDONLY | (constants.O_DIRECTORY ?? 0);
const ASYNC_WRITE_BYTES = 256 * 1024;

const fsyncAsync = (fd: number) =>
  new Promise<void>((resolve, reject) => fsync(fd, (error) => (error ? reject(error) : resolve())));
const writeAsync = (fd: number, bytes: Uint8Array) =>
  new Promise<number>((resolve, reject) =>
    write(fd, bytes, 0, bytes.byteLength, 0, (error, written) => (error ? reject(error) : resolve(written))),
  );

/** The raw sync loop: open(O_EXCL) + write + fsync + close + rename + directory fsync (durable). */
function rawStoreSync(dir: string, dirFd: number, id: number, bytes: Uint8Array, durable: boolean): void {
  const temp = join(dir, `${id}.tmp`);
  const fd = openSync(temp, TEMP_FLAGS, 0o644);
  writeSync(fd, bytes, 0, bytes.byteLength, 0);
  if (durable) fsyncSync(fd);
  closeSync(fd);
  renameSync(temp, join(dir, `${id}.rfx`));
  if (durable) fsyncSync(dirFd);
}

/** One file of a raw window: the same calls, the data write (large files) and fsync off the event loop. */
async function rawStoreAsync(dir: string, id: number, bytes: Uint8Array, durable: boolean): Promise<void> {
  const temp = join(dir, `${id}.tmp`);
  const fd = openSync(temp, TEMP_FLAGS, 0o644);
  if (bytes.byteLength >= ASYNC_WRITE_BYTES) await writeAsync(fd, bytes);
  else writeSync(fd, bytes, 0, bytes.byteLength, 0);
  if (durable) await fsyncAsync(fd);
  closeSync(fd);
  renameSync(temp, join(dir, `${id}.rfx`));
}

interface Subject {
  readonly name: string;
  readonly note?: string;
  readonly reference?: boolean;
  /** Opens the subject in a fresh `dir`; returns one call (one op or one window) and a closer. */
  open(dir: string): { call: () => unknown; close: () => unknown };
}

function range(start: number, length: number): number[] {
  return Array.from({ length }, (_, i) => start + i);
}

function peerSubject(
  name: string,
  openPeer: (dir: string) => Peer,
  inFlight: number,
  value: Uint8Array,
  note?: string,
): Subject {
  return {
    name,
    ...(note === undefined ? {} : { note }),
    open(dir) {
      const peer = openPeer(dir);
      let key = 0;
      const call =
        inFlight === 1
          ? () => peer.put(key++, value)
          : () => {
              const keys = range(key, inFlight);
              key += inFlight;
              return peer.putMany(keys, value);
            };
      return { call, close: () => peer.close() };
    },
  };
}

/** `inFlight` async stores together (Promise.all), with or without the write-ahead log. */
function reflexWindow(
  name: string,
  durability: "fsync" | "atomic",
  inFlight: number,
  entry: EntryFields,
  wal: boolean,
): Subject {
  return {
    name,
    note: `Promise.all of ${inFlight} async stores${wal ? ", wal: true (one log fdatasync per group; files placed after the ack)" : ""}`,
    open(dir) {
      const store = new NvmeStorage(dir, { durability, handleCache: { maxEntries: 0 }, wal });
      let id = 0n;
      return {
        call: async () => {
          const writes: Promise<{ release(): void }>[] = [];
          for (let i = 0; i < inFlight; i++) writes.push(store.store(id++, entry));
          for (const handle of await Promise.all(writes)) handle.release();
        },
        close: () => store.close(),
      };
    },
  };
}

function subjects(durable: boolean, inFlight: number, entry: EntryFields, envelope: Uint8Array): Subject[] {
  const durability = durable ? "fsync" : "atomic";
  const list: Subject[] = [];
  if (inFlight === 1) {
    list.push({
      name: "raw loop",
      reference: true,
      note: durable ? "open O_EXCL, write, fsync, close, rename, fsync dir" : "open O_EXCL, write, close, rename",
      open(dir) {
        const dirFd = openSync(dir, DIR_FLAGS);
        let id = 0;
        return { call: () => rawStoreSync(dir, dirFd, id++, envelope, durable), close: () => closeSync(dirFd) };
      },
    });
    list.push({
      name: "reflex storeSync",
      ...(durable ? { note: "fsync file + rename + fsync dir (default)" } : {}),
      open(dir) {
        const store = new NvmeStorage(dir, { durability, handleCache: { maxEntries: 0 } });
        let id = 0n;
        return { call: () => store.storeSync(id++, entry).release(), close: () => store.close() };
      },
    });
    if (durable) {
      list.push({
        name: "reflex storeSync, log",
        note: "wal: true: append + fdatasync of the log; the file placed after the ack",
        open(dir) {
          const store = new NvmeStorage(dir, { durability, handleCache: { maxEntries: 0 }, wal: true });
          let id = 0n;
          return { call: () => store.storeSync(id++, entry).release(), close: () => store.close() };
        },
      });
    }
  } else {
    list.push({
      name: "raw window",
      reference: true,
      note: `${inFlight} x (open, write, ${durable ? "async fsync, " : ""}close, rename) together${durable ? ", then one dir fsync" : ""}`,
      open(dir) {
        const tenantDir = join(dir, "t");
        mkdirSync(tenantDir);
        let id = 0;
        return {
          call: async () => {
            const ids = range(id, inFlight);
            id += inFlight;
            await Promise.all(ids.map((each) => rawStoreAsync(tenantDir, each, envelope, durable)));
            if (durable) {
              const dirFd = openSync(tenantDir, DIR_FLAGS);
              await fsyncAsync(dirFd);
              closeSync(dirFd);
            }
          },
          close: () => undefined,
        };
      },
    });
    for (const wal of durable ? [false, true] : [false]) {
      list.push(reflexWindow(wal ? "reflex store, log" : "reflex store", durability, inFlight, entry, wal));
    }
  }
  if (durable) {
    list.push(
      peerSubject(
        inFlight === 1 ? "lmdb put" : "lmdb put batched",
        openLmdb,
        inFlight,
        envelope,
        inFlight === 1 ? "await put + flushed" : `${inFlight} puts in one event turn (one txn) + flushed`,
      ),
    );
    list.push(
      peerSubject(
        inFlight === 1 ? "sqlite insert" : "sqlite insert batched",
        openSqlite,
        inFlight,
        envelope,
        inFlight === 1 ? "autocommit" : `one transaction of ${inFlight}`,
      ),
    );
  } else {
    list.push(
      peerSubject(
        "cacache put",
        openCacache,
        inFlight,
        envelope,
        inFlight === 1 ? "awaited one by one" : `Promise.all of ${inFlight}`,
      ),
    );
  }
  return list;
}

async function measureGroup(list: readonly Subject[], inFlight: number, size: PayloadSize): Promise<Figure[]> {
  const opened = list.map((subject) => {
    const dir = freshDir("store");
    return { dir, ...subject.open(dir) };
  });
  // Slow figures (1 MiB windows) keep to fewer samples so the run stays short.
  const heavy = size.bytes * inFlight >= 4 * 1024 * 1024;
  const options = {
    opsPerCall: inFlight,
    maxWarmupCalls: heavy ? 1 : 20,
    ...(heavy ? { minSamples: currentMode().quick ? 4 : 9 } : {}),
  };
  try {
    return await measureSideBySide(opened.map(({ call }) => ({ fn: call, options })));
  } finally {
    for (const { dir, close } of opened) {
      await close();
      removeDir(dir);
    }
  }
}

async function storeOneSize(results: Results, size: PayloadSize): Promise<void> {
  const entry = makeEntry(1n, size.bytes);
  const envelope = envelopeOf(0n, entry);
  for (const durable of [true, false]) {
    for (const inFlight of [1, ...WINDOWS]) {
      const group = storeGroup(durable, size, inFlight);
      const list = subjects(durable, inFlight, entry, envelope);
      const figures = await measureGroup(list, inFlight, size);
      for (const [i, subject] of list.entries()) {
        results.add({
          scenario: "store",
          group,
          subject: subject.name,
          figure: figures[i] as Figure,
          ...(subject.reference === true ? { reference: true } : {}),
          ...(subject.note === undefined ? {} : { note: subject.note }),
        });
      }
    }
  }
}

/** Runs scenario 2 at every payload size. */
export async function runStore(results: Results): Promise<void> {
  for (const size of PAYLOAD_SIZES) await storeOneSize(results, size);
}
