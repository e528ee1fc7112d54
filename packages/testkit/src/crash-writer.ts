// The body of a crash-test child process: workers that store, overwrite and delete
// entries until the parent SIGKILLs the process, reporting every step on stdout with a
// synchronous write (it is in the pipe before the next step starts, and survives the kill):
//   ready                       the store is open
//   begin <tenant>/<id> <v>     a store of version v starts
//   done <tenant>/<id> <v>      ... and resolved
//   begin-delete <tenant>/<id>  a delete starts
//   deleted <tenant>/<id>       ... and resolved (or found nothing to delete)
// Each worker owns a fixed share of the keys, so the operations on one key are
// sequential. The store is a parameter: the testkit knows no store of its own.
import { writeSync } from "node:fs";
import type { TestEntry } from "./entry.ts";
import { SeededRandom } from "./random.ts";

/** The part of a store the crash writer drives (an `NvmeStorage` is one). */
export interface CrashWriterStore {
  store(entryId: bigint, entry: TestEntry): Promise<{ release(): void }>;
  storeSync(entryId: bigint, entry: TestEntry): { release(): void };
  delete(entryId: bigint, tenantId: bigint): Promise<unknown>;
  deleteSync(entryId: bigint, tenantId: bigint): unknown;
}

/** One (tenant, id) a crash writer works on. */
export interface CrashKey {
  readonly tenantId: bigint;
  readonly entryId: bigint;
}

/** A roll is uniform in [0, 100): below `store` a store (async below `asyncStore`), else a delete (async below `asyncDelete`). */
export interface CrashMix {
  readonly store: number;
  readonly asyncStore: number;
  readonly asyncDelete: number;
}

/** What a crash writer runs on and how. */
export interface CrashWriterOptions {
  readonly store: CrashWriterStore;
  readonly keys: readonly CrashKey[];
  /** The entry version `version` of a key stores. */
  readonly entryOf: (tenantId: bigint, entryId: bigint, version: bigint) => TestEntry;
  /** True for the store's "not found" error (a delete of an absent key is not a failure). */
  readonly isNotFound: (error: unknown) => boolean;
  readonly firstVersion: bigint;
  readonly seed: number;
  readonly mix: CrashMix;
  /** Concurrent workers (default 3). */
  readonly workers?: number;
  /** Where report lines go (default: a synchronous write to stdout). */
  readonly say?: (line: string) => void;
  /** Operations per worker before it stops (default: never; the parent kills the process). */
  readonly operationsPerWorker?: number;
}

function sayOnStdout(line: string): void {
  writeSync(1, `${line}\n`);
}

/**
 * Says "ready", then runs the workers until the process is killed (or each has done
 * `operationsPerWorker`); rejects on the first error that is not "not found".
 *
 * @example
 * const store = new NvmeStorage(root, { durability: "fsync" });
 * await runCrashWriter({ store, keys, entryOf, isNotFound, firstVersion: 1n, seed: 1, mix });
 */
export async function runCrashWriter(options: CrashWriterOptions): Promise<void> {
  const { store, keys, entryOf, isNotFound, mix } = options;
  const workers = options.workers ?? 3;
  const say = options.say ?? sayOnStdout;
  const random = new SeededRandom(options.seed);
  let nextVersion = options.firstVersion;

  async function worker(index: number): Promise<void> {
    const mine = keys.filter((_, i) => i % workers === index);
    for (let done = 0; done < (options.operationsPerWorker ?? Number.POSITIVE_INFINITY); done++) {
      const key = mine[random.below(mine.length)];
      if (key === undefined) throw new Error("no key");
      const { tenantId, entryId } = key;
      const name = `${tenantId}/${entryId}`;
      const roll = random.below(100);
      if (roll < mix.store) {
        const version = nextVersion++;
        const entry = entryOf(tenantId, entryId, version);
        say(`begin ${name} ${version}`);
        if (roll < mix.asyncStore) (await store.store(entryId, entry)).release();
        else store.storeSync(entryId, entry).release();
        say(`done ${name} ${version}`);
      } else {
        say(`begin-delete ${name}`);
        try {
          if (roll < mix.asyncDelete) await store.delete(entryId, tenantId);
          else store.deleteSync(entryId, tenantId);
        } catch (error) {
          if (!isNotFound(error)) throw error;
        }
        say(`deleted ${name}`);
      }
    }
  }

  say("ready");
  await Promise.all(Array.from({ length: workers }, (_, index) => worker(index)));
}
