/**
 * The timeline of one batch of durable 4 KiB writes, 64 in flight, with the write-ahead log
 * (issue 26): where a batch's wall time goes between its first `store()` and its last
 * acknowledgement.
 *
 *   bun bench/wal-timeline.ts [--batches 200]
 *
 * Wraps the store's FileOps with timers and prints, per batch of 64 (medians): the appends
 * (the 64 calls, on the event loop), from the last call to the commit's fdatasync, that
 * fdatasync, and from its end to the last acknowledgement (the applies); and the `stat`s and
 * `writeSync`s of the batch wherever they ran. Nothing is placed meanwhile (the log's bounds
 * are raised), so the figures are the acknowledgement path's own. Bounded loop; a fresh temp root.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NvmeStorage } from "@reflex/core";
import type { FileOps } from "@reflex/core/testing";
import { makeEntry } from "./fixtures.ts";
import { timedFileOps } from "./wal-loop.ts";

const at = process.argv.indexOf("--batches");
const BATCHES = at > 0 ? Number(process.argv[at + 1]) : 200;
const IN_FLIGHT = 64;

/** One timed call: its name (async ones end in " (async)"), start and end in ms. */
type Call = [name: string, start: number, end: number];

function timedOps(calls: Call[]): FileOps {
  return timedFileOps(({ name, args, async, start, end }) => {
    // An fdatasync (dataOnly) is a commit's; a full fsync the preallocation's.
    const label = name === "fsync" && args[1] === true ? "commit fdatasync" : `${name}${async ? " (async)" : ""}`;
    calls.push([label, start, end]);
  });
}

const calls: Call[] = [];
const dir = mkdtempSync(join(tmpdir(), "reflex-wal-timeline-"));
const store = new NvmeStorage(dir, {
  handleCache: { maxEntries: 0 },
  lookup: false,
  wal: { maxUnplacedBytes: 2 ** 40, maxBytes: 2 ** 40 },
  fileOps: timedOps(calls),
});
const entry = makeEntry(1n, 4096);
const phases = new Map<string, number[]>();
const add = (name: string, ms: number) => {
  const list = phases.get(name) ?? [];
  list.push(ms * 1000);
  phases.set(name, list);
};
let id = 0n;
for (let batch = 0; batch < BATCHES; batch++) {
  calls.length = 0;
  const started = performance.now();
  const writes: Promise<{ release(): void }>[] = [];
  for (let i = 0; i < IN_FLIGHT; i++) writes.push(store.store(id++, entry));
  const appended = performance.now();
  for (const handle of await Promise.all(writes)) handle.release();
  const done = performance.now();
  add("batch of 64, in all", done - started);
  add("the 64 appends", appended - started);
  const commit = calls.find(([name]) => name === "commit fdatasync");
  if (commit !== undefined) {
    add("last append to fdatasync", commit[1] - appended);
    add("the commit's fdatasync", commit[2] - commit[1]);
    add("fdatasync to last ack", done - commit[2]);
  }
  for (const name of ["statSync", "writeSync"])
    add(
      `${name} (sum)`,
      calls.filter(([call]) => call === name).reduce((sum, [, start, end]) => sum + end - start, 0),
    );
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
console.log(`durable 4 KiB, wal: true, ${IN_FLIGHT} in flight: medians of ${BATCHES} batches, µs per batch`);
for (const [name, values] of phases) console.log(`  ${name.padEnd(28)} ${median(values).toFixed(0).padStart(6)}`);
store.close();
rmSync(dir, { recursive: true, force: true });
