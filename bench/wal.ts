/**
 * The write-ahead log, measured (RELIABILITY.md "Durability", BENCHMARKS.md):
 *
 *   bun bench/wal.ts [--count 100000] [--rounds 5]
 *
 * 1. Recovery: a child writes `count` durable 4 KiB entries with a log that holds them
 *    all and is SIGKILLed; the open that replays the log is timed (a) with the entry
 *    files in place (a process crash: every file matches its record, the replay reads and
 *    compares them, then makes them durable with one syncfs) and (b) with every entry
 *    file removed first (the worst case after a power cut: each one written again).
 * 2. Loads A/B: 4 KiB loadSync of entry files in a store with and without the log,
 *    interleaved rounds in one process (every file in place: with the log, a load first
 *    looks for a write not yet in place; this checks what that costs).
 * 3. Sustained: `count / 5` durable 4 KiB writes, 64 in flight, with the log: the rate of
 *    acknowledgements, and the rate once every file is in place and durable (close), which
 *    is bounded by how fast the file system creates files.
 * Every loop is bounded in count. Prints medians.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NvmeStorage } from "@reflex/core";
import { makeEntry } from "./fixtures.ts";
import { storeInFlight } from "./wal-loop.ts";

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const COUNT = arg("--count", 100_000);
const ROUNDS = arg("--rounds", 5);
const WRITER = join(import.meta.dir, "fixtures", "wal-writer.ts");

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function timedOpen(root: string): { ms: number; recovered: NvmeStorage["recovered"] } {
  const start = performance.now();
  const store = new NvmeStorage(root, { lookup: false, wal: true });
  const ms = performance.now() - start;
  const recovered = store.recovered;
  store.close();
  return { ms, recovered };
}

function recovery(): void {
  const base = mkdtempSync(join(tmpdir(), "reflex-wal-bench-"));
  try {
    const root = join(base, "root");
    const started = performance.now();
    const child = spawnSync("bun", [WRITER, root, String(COUNT)], { encoding: "utf8" });
    const writeSeconds = (performance.now() - started) / 1000;
    if (!child.stdout.includes("written")) throw new Error(`writer failed: ${child.stderr}`);
    const logBytes = readdirSync(join(root, ".reflex-wal")).length;
    cpSync(join(root, ".reflex-wal"), join(base, "log-copy"), { recursive: true });
    const inPlace = timedOpen(root);
    console.log(
      `recovery, files in place: ${COUNT} records (${logBytes} segment) replayed in ${inPlace.ms.toFixed(0)} ms ` +
        `(${inPlace.recovered.repaired} rewritten); the writer took ${writeSeconds.toFixed(1)} s`,
    );
    rmSync(join(root, "1"), { recursive: true, force: true });
    cpSync(join(base, "log-copy"), join(root, ".reflex-wal"), { recursive: true });
    const rewritten = timedOpen(root);
    console.log(
      `recovery, files lost: ${COUNT} records replayed in ${rewritten.ms.toFixed(0)} ms ` +
        `(${rewritten.recovered.repaired} rewritten)`,
    );
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

function loadsAB(): void {
  const base = mkdtempSync(join(tmpdir(), "reflex-wal-load-"));
  const N = 2000;
  try {
    const entry = makeEntry(1n, 4096);
    const stores = [true, false].map((wal) => {
      const root = join(base, wal ? "log" : "nolog");
      const writer = new NvmeStorage(root, { handleCache: { maxEntries: 0 }, lookup: false, wal });
      for (let id = 0; id < N; id++) writer.storeSync(BigInt(id), entry).release();
      writer.close(); // every file in place: the loads below read files
      return new NvmeStorage(root, { handleCache: { maxEntries: 0 }, lookup: false, wal });
    });
    const samples: number[][] = [[], []];
    for (let round = 0; round < ROUNDS * 4; round++) {
      for (const [i, store] of stores.entries()) {
        const start = performance.now();
        for (let id = 0; id < N; id++) store.loadSync(BigInt(id), 1n).release();
        (samples[i] as number[]).push(((performance.now() - start) * 1000) / N);
      }
    }
    const [withLog, without] = samples.map(median) as [number, number];
    console.log(
      `loadSync 4 KiB, no cache, ${ROUNDS * 4} interleaved rounds of ${N}: written with the log ${withLog.toFixed(2)} µs, ` +
        `without ${without.toFixed(2)} µs (ratio ${(withLog / without).toFixed(2)})`,
    );
    for (const store of stores) store.close();
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

async function sustained(): Promise<void> {
  const base = mkdtempSync(join(tmpdir(), "reflex-wal-sustained-"));
  const count = Math.max(64, Math.floor(COUNT / 5));
  try {
    const store = new NvmeStorage(join(base, "root"), { handleCache: { maxEntries: 0 }, lookup: false, wal: true });
    const entry = makeEntry(1n, 4096);
    const started = performance.now();
    await storeInFlight(store, 0, count - 1, 64, entry);
    const acked = performance.now() - started;
    store.close(); // the files not yet in place, then a checkpoint
    const done = performance.now() - started;
    console.log(
      `sustained, ${count} durable 4 KiB writes 64 in flight with the log: acknowledged in ${acked.toFixed(0)} ms ` +
        `(${((count / acked) * 1000).toFixed(0)}/s), every file in place and durable after ${done.toFixed(0)} ms ` +
        `(${((count / done) * 1000).toFixed(0)}/s)`,
    );
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

loadsAB();
await sustained();
recovery();
