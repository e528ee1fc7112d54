/**
 * Where a durable write's time goes with the write-ahead log (issue 26's profile):
 *
 *   bun bench/wal-profile.ts [--count 2000]
 *
 * Wraps the store's FileOps so every call is timed, then writes `count` durable 4 KiB
 * entries one at a time and `count` more 64 in flight, and prints per-write microseconds
 * spent in each call (open, write, fsync, close, stat, rename, unlink, ...) and the rest
 * (encoding, the ledger, the handle: the store's own code). Bounded loops; prints medians
 * of 5 rounds.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NvmeStorage } from "@reflex/core";
import type { FileOps } from "@reflex/core/testing";
import { makeEntry } from "./fixtures.ts";
import { storeInFlight, timedFileOps } from "./wal-loop.ts";

const at = process.argv.indexOf("--count");
const COUNT = at > 0 ? Number(process.argv[at + 1]) : 2000;
const ROUNDS = 5;

type Totals = Map<string, number>;

/** FileOps that add the wall time of each sync call (and each async call's time to settle) to `totals`. */
function timedOps(totals: Totals): FileOps {
  return timedFileOps(({ name, async, start, end }) => {
    const key = async ? `${name} (async)` : name;
    totals.set(key, (totals.get(key) ?? 0) + (end - start));
  });
}

async function round(inFlight: number): Promise<{ totalUs: number; parts: Totals }> {
  const dir = mkdtempSync(join(tmpdir(), "reflex-wal-profile-"));
  const parts: Totals = new Map();
  const store = new NvmeStorage(dir, {
    handleCache: { maxEntries: 0 },
    lookup: false,
    wal: true,
    fileOps: timedOps(parts),
  });
  const entry = makeEntry(1n, 4096);
  store.storeSync(0n, entry).release(); // the tenant directory and the log's first segment
  parts.clear();
  const started = performance.now();
  await storeInFlight(store, 1, COUNT, inFlight, entry);
  const totalUs = ((performance.now() - started) * 1000) / COUNT;
  const snapshot: Totals = new Map(parts);
  parts.clear();
  const closing = performance.now();
  store.close(); // puts what is still unplaced in place, checkpoints
  snapshot.set("close (after the loop)", performance.now() - closing);
  parts.clear();
  for (const [name, ms] of snapshot) parts.set(name, ms);
  rmSync(dir, { recursive: true, force: true });
  for (const [name, ms] of parts) parts.set(name, (ms * 1000) / COUNT);
  return { totalUs, parts };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

for (const inFlight of [1, 64]) {
  const rounds = [];
  for (let i = 0; i < ROUNDS; i++) rounds.push(await round(inFlight));
  const names = [...new Set(rounds.flatMap((r) => [...r.parts.keys()]))].sort();
  const total = median(rounds.map((r) => r.totalUs));
  console.log(
    `durable 4 KiB, wal: true, ${inFlight === 1 ? "one at a time" : `${inFlight} in flight`}: ${total.toFixed(1)} µs per write (median of ${ROUNDS} rounds of ${COUNT})`,
  );
  let sync = 0;
  for (const name of names) {
    const us = median(rounds.map((r) => r.parts.get(name) ?? 0));
    if (!name.endsWith("(async)") && !name.startsWith("close")) sync += us;
    console.log(`  ${name.padEnd(22)} ${us.toFixed(1).padStart(8)} µs`);
  }
  console.log(`  ${"sync calls in the loop".padEnd(22)} ${sync.toFixed(1).padStart(8)} µs`);
}
