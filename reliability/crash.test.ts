// Crash safety at scale, by doing it: a durable writer process (fixtures/crash-child.ts)
// stores, overwrites and deletes entries of 1 KiB to 1 MiB and is SIGKILLed at a random
// instant, hundreds of times (thousands in soak mode) on the same root. After every kill
// a fresh store opens the root and must find: no temp file left, verify() clean, every
// entry whole, exactly what the child reported (or the result of the one operation per
// key it was in the middle of), and live stats equal to a scan, before and after it
// writes itself.
// packages/core/test/crash.test.ts covers 36 kills of small entries; this one covers the
// mapped-load and async-write sizes, many more kills and the live figures.
import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { isStoreError, NvmeStorage } from "@reflex/core";
import { removeTempDirs, SeededRandom, tempDir, unlessMissing } from "@reflex/testkit";
import { CRASH_IDS, CRASH_KEYS, CRASH_TENANTS } from "./fixtures/crash-keys.ts";
import {
  figure,
  mixedEntry,
  mixedEntryProblem,
  mixedPayloadLength,
  scale,
  spawnFixture,
  tempFilesUnder,
} from "./fixtures/harness.ts";

const KILLS = scale(200, 2000);
/** A child lives this long after its first report of a finished operation: 5-60 ms. */
const MIN_LIFE_MS = 5;
const MAX_LIFE_MS = 60;
const MAPPED_BYTES = 256 * 1024;

afterAll(removeTempDirs);

/** The version stored under a key (undefined when absent), after checking every byte of it. */
function loadVersion(
  store: NvmeStorage,
  tenantId: bigint,
  entryId: bigint,
  tally: { mapped: number; heap: number; bytes: number },
): bigint | undefined {
  const handle = unlessMissing(
    () => store.loadSync(entryId, tenantId),
    (error) => isStoreError(error, "not_found"),
  );
  if (handle === undefined) return undefined;
  try {
    const problem = mixedEntryProblem(handle, tenantId, entryId);
    if (problem !== undefined) throw new Error(`${tenantId}/${entryId} is torn or wrong: ${problem}`);
    if (handle.mapped) tally.mapped++;
    else tally.heap++;
    tally.bytes += handle.fileBytes;
    return handle.contextHash;
  } finally {
    handle.release();
  }
}

test(
  `a durable writer of 1 KiB-1 MiB entries SIGKILLed ${KILLS} times loses nothing it reported`,
  async () => {
    const root = join(tempDir("reflex-rel-"), "store");
    const random = new SeededRandom(0x7e1ab1e);
    // What the disk held after the previous round, per key ("1/3"); absent keys are missing.
    const known = new Map<string, bigint>();
    const figures = {
      reportedStores: 0,
      reportedLargeStores: 0,
      reportedDeletes: 0,
      inFlightLanded: 0,
      inFlightLost: 0,
      tempsSwept: 0,
      mappedLoads: 0,
      heapLoads: 0,
      parentWrites: 0,
    };
    const started = performance.now();

    for (let round = 0; round < KILLS; round++) {
      const firstVersion = round * 1_000_000 + 1;
      const child = spawnFixture("crash-child.ts", [root, String(firstVersion), String(round + 1)]);
      child.process.stdin.end();
      try {
        await child.waitFor((line) => line.startsWith("done ") || line.startsWith("deleted "));
      } catch (error) {
        throw new Error(`round ${round}: the child did not start: ${await child.stderr()}`, { cause: error });
      }
      await Bun.sleep(MIN_LIFE_MS + random.below(MAX_LIFE_MS - MIN_LIFE_MS + 1));
      child.process.kill("SIGKILL");
      await child.process.exited;
      const unterminated = await child.stdoutClosed;
      // It died of our SIGKILL, not of an error of its own, and every report is a whole line.
      expect({ round, signal: child.process.signalCode, stderr: await child.stderr(), unterminated }).toEqual({
        round,
        signal: "SIGKILL",
        stderr: "",
        unterminated: "",
      });

      // Replay the reports. Each key has at most one operation begun and not reported.
      const reported = new Map(known);
      const inFlight = new Map<string, bigint | undefined>();
      for (const line of child.lines) {
        const [kind, key = "", versionText = ""] = line.split(" ");
        if (kind === "ready") continue;
        if (kind === "begin") {
          expect(inFlight.has(key)).toBe(false);
          inFlight.set(key, BigInt(versionText));
        } else if (kind === "begin-delete") {
          expect(inFlight.has(key)).toBe(false);
          inFlight.set(key, undefined);
        } else if (kind === "done") {
          const version = BigInt(versionText);
          expect(inFlight.get(key)).toBe(version);
          inFlight.delete(key);
          reported.set(key, version);
          figures.reportedStores++;
          if (mixedPayloadLength(version) >= MAPPED_BYTES) figures.reportedLargeStores++;
        } else if (kind === "deleted") {
          expect(inFlight.has(key)).toBe(true);
          inFlight.delete(key);
          reported.delete(key);
          figures.reportedDeletes++;
        } else {
          throw new Error(`round ${round}: unexpected line from the child: ${line}`);
        }
      }

      // A fresh store: its open sweeps the dead child's temp files, all of them.
      const store = new NvmeStorage(root, { handleCache: { maxEntries: 0 } });
      figures.tempsSwept += store.sweep.removed;
      expect(store.sweep.kept).toBe(0);
      expect(tempFilesUnder(root)).toEqual([]);
      const report = await store.verify();
      expect(report.problems).toEqual([]);

      const tally = { mapped: 0, heap: 0, bytes: 0 };
      let present = 0;
      for (const { tenantId, entryId } of CRASH_KEYS) {
        const key = `${tenantId}/${entryId}`;
        const observed = loadVersion(store, tenantId, entryId, tally);
        // The last reported state of the key, or the result of the operation the kill cut short.
        const allowed = [reported.get(key)];
        if (inFlight.has(key)) allowed.push(inFlight.get(key));
        if (!allowed.includes(observed)) {
          throw new Error(
            `round ${round}: ${key} holds ${observed ?? "nothing"}, expected one of ${allowed.join(", ")}`,
          );
        }
        if (inFlight.has(key) && reported.get(key) !== inFlight.get(key)) {
          if (observed === inFlight.get(key)) figures.inFlightLanded++;
          else figures.inFlightLost++;
        }
        if (observed === undefined) known.delete(key);
        else {
          known.set(key, observed);
          present++;
        }
      }
      figures.mappedLoads += tally.mapped;
      figures.heapLoads += tally.heap;
      expect(report.checked).toBe(present);
      for (const tenantId of CRASH_TENANTS) {
        expect(store.listEntriesSync(tenantId)).toEqual(CRASH_IDS.filter((id) => known.has(`${tenantId}/${id}`)));
      }

      // Live stats of the fresh store equal a scan and what was just loaded...
      const scan = store.statsSync();
      const live = store.liveStats();
      expect([live.tenantCount, live.entryCount, live.totalBytes]).toEqual([
        scan.tenantCount,
        scan.entryCount,
        scan.totalBytes,
      ]);
      expect([live.entryCount, live.totalBytes]).toEqual([present, tally.bytes]);
      // ...and stay equal to a scan once this store writes over the crashed child's files.
      const target = CRASH_KEYS[random.below(CRASH_KEYS.length)];
      const victim = CRASH_KEYS[random.below(CRASH_KEYS.length)];
      if (target === undefined || victim === undefined) throw new Error("no key");
      const parentVersion = BigInt(firstVersion + 999_999);
      (await store.store(target.entryId, mixedEntry(target.tenantId, target.entryId, parentVersion))).release();
      known.set(`${target.tenantId}/${target.entryId}`, parentVersion);
      if (known.has(`${victim.tenantId}/${victim.entryId}`)) {
        await store.delete(victim.entryId, victim.tenantId);
        known.delete(`${victim.tenantId}/${victim.entryId}`);
      }
      figures.parentWrites++;
      const rescanned = new NvmeStorage(root, { sweepTempFiles: false, handleCache: { maxEntries: 0 } }).liveStats();
      expect(store.liveStats()).toEqual(rescanned);
      const afterScan = store.statsSync();
      expect(store.liveTotals()).toEqual(afterScan);
      expect(afterScan.entryCount).toBe(known.size);
      store.close();
    }

    const seconds = (performance.now() - started) / 1000;
    expect(figures.reportedStores + figures.reportedDeletes).toBeGreaterThan(KILLS);
    // The sizes reach both load paths and the async write path.
    expect(figures.reportedLargeStores).toBeGreaterThan(0);
    expect(figures.mappedLoads).toBeGreaterThan(0);
    expect(figures.heapLoads).toBeGreaterThan(0);
    // The child spends most of its life inside writes, so kills leave temp files behind.
    expect(figures.tempsSwept).toBeGreaterThan(0);
    figure(
      "crash",
      `${KILLS} SIGKILLs in ${seconds.toFixed(1)} s, 0 torn or lost; ` +
        `${figures.reportedStores} reported stores (${figures.reportedLargeStores} >= 256 KiB) and ` +
        `${figures.reportedDeletes} deletes checked, cut-short ops landed ${figures.inFlightLanded} / lost ` +
        `${figures.inFlightLost}, ${figures.tempsSwept} temp files swept, loads checked ${figures.mappedLoads} mapped + ` +
        `${figures.heapLoads} heap, live stats = scan after ${KILLS} reopen+${figures.parentWrites} write rounds`,
    );
  },
  scale(110_000, 1_800_000),
);
