/**
 * A same-process, interleaved A/B of the logged durable write (`wal: true`) between two
 * checkouts of this repository: durable 4 KiB stores 64 in flight and one at a time, each
 * round a fresh root, both sides per round in alternating order; per write the wall time of
 * the loop (the store closed after it, untimed) and the process's CPU in it (user and
 * system, every thread). Medians of the rounds.
 *
 *   bun bench/wal-ab.ts <base checkout> <other checkout> [--rounds=8] [--count=2000] [--dir=/tmp] [--lookup=off]
 *
 * `--lookup=on`: the stores keep the lookup index (the default options) rather than none.
 *
 * @example
 * git worktree add /tmp/wal-base 1c5cb2f && ln -s "$PWD/node_modules" /tmp/wal-base/node_modules
 * bun bench/wal-ab.ts /tmp/wal-base .
 */
import { mkdtempSync, rmSync } from "node:fs";
import { abArguments, checkoutStore } from "./ab-checkouts.ts";
import { makeEntry } from "./fixtures.ts";
import { type AsyncWriter, storeInFlight } from "./wal-loop.ts";

interface Store extends AsyncWriter {
  close(): void;
}
type Open = (root: string) => Store;

/** One side's figures of one round, per write. */
interface Figures {
  wallUs: number;
  userUs: number;
  systemUs: number;
}

const { baseTree, otherTree, flag } = abArguments(
  "bun bench/wal-ab.ts <base checkout> <other checkout> [--rounds=N] [--count=N] [--dir=PATH] [--lookup=on|off]",
);
const rounds = Number(flag("rounds", "8"));
const count = Number(flag("count", "2000"));
const dir = flag("dir", "/tmp");
const lookup = flag("lookup", "off") === "on";

async function opener(tree: string): Promise<Open> {
  const NvmeStorage = await checkoutStore<Store>(tree);
  return (root) =>
    new NvmeStorage(root, { handleCache: { maxEntries: 0 }, wal: true, ...(lookup ? {} : { lookup: false }) });
}

const entry = makeEntry(1n, 4096);

async function round(open: Open, inFlight: number, writes: number): Promise<Figures> {
  const root = mkdtempSync(`${dir}/reflex-wal-ab-`);
  const store = open(root);
  try {
    (await store.store(0n, entry)).release(); // the tenant directory and the log's first segment
    const cpu = process.cpuUsage();
    const started = performance.now();
    await storeInFlight(store, 1, writes, inFlight, entry);
    const wallUs = ((performance.now() - started) * 1000) / writes;
    const used = process.cpuUsage(cpu);
    return { wallUs, userUs: used.user / writes, systemUs: used.system / writes };
  } finally {
    store.close();
    rmSync(root, { recursive: true, force: true });
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

const sides = { base: await opener(baseTree), other: await opener(otherTree) };
for (const [inFlight, writes] of [
  [64, count],
  [1, Math.max(1, Math.floor(count / 5))],
] as const) {
  const results: Record<keyof typeof sides, Figures[]> = { base: [], other: [] };
  for (let r = 0; r < rounds; r++) {
    const order: (keyof typeof sides)[] = r % 2 === 0 ? ["base", "other"] : ["other", "base"];
    for (const side of order) results[side].push(await round(sides[side], inFlight, writes));
  }
  const label = inFlight === 1 ? "one at a time" : `${inFlight} in flight`;
  console.log(
    `durable 4 KiB, wal: true, lookup ${lookup ? "on" : "off"}, ${label}: medians of ${rounds} rounds of ${writes}, per write`,
  );
  for (const side of ["base", "other"] as const) {
    const of = (pick: (f: Figures) => number) => median(results[side].map(pick)).toFixed(1);
    console.log(
      `  ${side.padEnd(5)} ${of((f) => f.wallUs).padStart(7)} µs wall, CPU ${of((f) => f.userUs)} user + ${of((f) => f.systemUs)} system µs`,
    );
  }
  const ratio = median(results.other.map((f) => f.wallUs)) / median(results.base.map((f) => f.wallUs));
  console.log(`  other/base wall: ${ratio.toFixed(2)}`);
}
