/**
 * A same-process, interleaved A/B of the core's hot paths between two checkouts of this
 * repository (say a worktree of the base commit and this one): atomic 4 KiB+768-dim stores,
 * cold loads (handle cache off), deletes, on a RAM-backed directory so the disk's noise is
 * left out. Each round runs both sides, in alternating order; medians of the rounds.
 *
 *   bun bench/ab-core.ts <base checkout> <other checkout> [--rounds=10] [--count=3000] [--dir=/dev/shm]
 *
 * @example
 * git worktree add /tmp/base d0f5860 && (cd /tmp/base && bun install --frozen-lockfile)
 * bun bench/ab-core.ts /tmp/base .
 */
import { mkdtempSync, rmSync } from "node:fs";
import { abArguments, checkoutStore } from "./ab-checkouts.ts";

interface Store {
  storeSync(id: bigint, entry: object): { release(): void };
  loadSync(id: bigint, tenantId: bigint): { release(): void };
  deleteSync(id: bigint, tenantId: bigint): void;
  close(): void;
}
type Open = (root: string, options: object) => Store;

const { baseTree, otherTree, flag } = abArguments(
  "bun bench/ab-core.ts <base checkout> <other checkout> [--rounds=N] [--count=N] [--dir=PATH]",
);
const rounds = Number(flag("rounds", "10"));
const count = Number(flag("count", "3000"));
const dir = flag("dir", "/dev/shm");

async function opener(tree: string): Promise<Open> {
  const NvmeStorage = await checkoutStore<Store>(tree);
  return (root, options) => new NvmeStorage(root, options);
}

const payloadBlob = new Uint8Array(4096).fill(7);
const embedding = new Uint8Array(768 * 2);
for (let i = 0; i < embedding.length; i += 2) embedding[i + 1] = 0x3c ^ (i & 3); // f16 around 1.0
const entry = (id: number) => ({ tenantId: 1n, contextHash: BigInt(id % 10), timestamp: 1n, embedding, payloadBlob });

/** ns per operation of each step, for one side and one round. */
function round(open: Open): Record<"store" | "load" | "delete", number> {
  const root = mkdtempSync(`${dir}/reflex-ab-`);
  const store = open(`${root}/root`, { durability: "atomic", handleCache: { maxEntries: 0 } });
  const timeEach = (step: (i: number) => void) => {
    const start = Bun.nanoseconds();
    for (let i = 0; i < count; i++) step(i);
    return (Bun.nanoseconds() - start) / count;
  };
  const figures = {
    store: timeEach((i) => store.storeSync(BigInt(i), entry(i)).release()),
    load: timeEach((i) => store.loadSync(BigInt(i), 1n).release()),
    delete: timeEach((i) => store.deleteSync(BigInt(i), 1n)),
  };
  store.close();
  rmSync(root, { recursive: true, force: true });
  return figures;
}

const sides = [
  { name: "base", open: await opener(baseTree), runs: [] as Record<string, number>[] },
  { name: "other", open: await opener(otherTree), runs: [] as Record<string, number>[] },
];
for (let r = 0; r < rounds; r++) {
  for (const side of r % 2 === 0 ? sides : [...sides].reverse()) side.runs.push(round(side.open));
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1] as number;
for (const step of ["store", "load", "delete"]) {
  const [base, other] = sides.map((side) => median(side.runs.map((run) => run[step] as number)) / 1000) as [
    number,
    number,
  ];
  console.log(
    `${step}: base ${base.toFixed(2)} µs, other ${other.toFixed(2)} µs, other/base ${(other / base).toFixed(3)}`,
  );
}
