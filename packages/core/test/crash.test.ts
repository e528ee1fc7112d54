// Crash safety, by doing it: a writer process is SIGKILLed at random moments, again
// and again on the same root, and after every kill the store must open clean, verify
// clean and hold exactly what the writer reported (or the write it was in the middle of).
import { afterEach, expect, test } from "bun:test";
import * as fs from "node:fs";
import { join } from "node:path";
import { entryProblem, removeTempDirs, SeededRandom, spawnScript, tempDir, unlessMissing } from "@reflex/testkit";
import { isStoreError, NvmeStorage } from "../src/index.ts";
import { CRASH_IDS, CRASH_TENANTS, crashPayloadLength } from "./fixtures/entry-patterns.ts";

const KILLS = 36;

afterEach(removeTempDirs);

/** Every `.tmp` file anywhere under the root (tenant dirs and the root itself). */
function tempFilesUnder(root: string): string[] {
  return fs.readdirSync(root, { recursive: true, encoding: "utf8" }).filter((name) => name.endsWith(".tmp"));
}

/** The version stored under a key (undefined when absent); fails on anything torn. */
function loadVersion(store: NvmeStorage, tenantId: bigint, entryId: bigint): bigint | undefined {
  const handle = unlessMissing(
    () => store.loadSync(entryId, tenantId),
    (error) => isStoreError(error, "not_found"),
  );
  if (handle === undefined) return undefined;
  try {
    expect(entryProblem(handle, tenantId, entryId, crashPayloadLength)).toBeUndefined();
    return handle.contextHash;
  } finally {
    handle.release();
  }
}

test(`a durable writer SIGKILLed ${KILLS} times at random moments never leaves a torn entry or a stale temp file`, async () => {
  const root = tempDir();
  const random = new SeededRandom(0x5eed);
  const keys = CRASH_TENANTS.flatMap((tenantId) => CRASH_IDS.map((entryId) => ({ tenantId, entryId })));
  // What the disk held after the previous kill, per key ("1/3"); absent keys are missing.
  const known = new Map<string, bigint>();
  let sweptTemps = 0;
  let reportedOps = 0;
  let inFlightLanded = 0;

  for (let round = 0; round < KILLS; round++) {
    const child = spawnScript(join(import.meta.dir, "fixtures", "crash-writer.ts"), [
      root,
      String(round * 1_000_000 + 1),
      String(round + 1),
    ]);
    child.process.stdin.end();
    try {
      await child.waitFor("ready");
    } catch (error) {
      throw new Error(`round ${round}: the writer did not start: ${await child.stderr()}`, { cause: error });
    }
    await Bun.sleep(10 + random.below(141));
    child.process.kill("SIGKILL");
    await child.process.exited;
    const unterminated = await child.stdoutClosed;
    // It died of our SIGKILL, not of an error of its own.
    expect({ round, signal: child.process.signalCode, stderr: await child.stderr() }).toEqual({
      round,
      signal: "SIGKILL",
      stderr: "",
    });
    expect(unterminated).toBe("");

    // Replay what the writer reported. Operations on one key are sequential in the
    // writer, so each key has at most one operation begun but not reported.
    const reported = new Map(known);
    const inFlight = new Map<string, bigint | undefined>();
    for (const line of child.lines) {
      const [kind, key = "", version] = line.split(" ");
      if (kind === "ready") continue;
      if (kind === "begin") {
        inFlight.set(key, BigInt(version ?? ""));
      } else if (kind === "begin-delete") {
        inFlight.set(key, undefined);
      } else if (kind === "done") {
        expect(inFlight.get(key)).toBe(BigInt(version ?? ""));
        inFlight.delete(key);
        reported.set(key, BigInt(version ?? ""));
        reportedOps++;
      } else if (kind === "deleted") {
        expect(inFlight.has(key)).toBe(true);
        inFlight.delete(key);
        reported.delete(key);
        reportedOps++;
      } else {
        throw new Error(`round ${round}: unexpected line from the writer: ${line}`);
      }
    }

    // Opening a store sweeps the dead writer's temp files.
    const store = new NvmeStorage(root, { handleCache: { maxEntries: 0 } });
    sweptTemps += store.sweep.removed;
    expect(store.sweep.kept).toBe(0);
    expect(tempFilesUnder(root)).toEqual([]);
    const report = await store.verify();
    expect(report.problems).toEqual([]);

    let present = 0;
    for (const { tenantId, entryId } of keys) {
      const key = `${tenantId}/${entryId}`;
      const observed = loadVersion(store, tenantId, entryId);
      const allowed = [reported.get(key)];
      if (inFlight.has(key)) allowed.push(inFlight.get(key));
      // The last reported state, or the result of the operation the kill interrupted.
      if (!allowed.includes(observed)) {
        throw new Error(`round ${round}: ${key} holds ${observed ?? "nothing"}, expected one of ${allowed.join(", ")}`);
      }
      if (inFlight.has(key) && observed !== reported.get(key)) inFlightLanded++;
      if (observed === undefined) known.delete(key);
      else known.set(key, observed);
      if (observed !== undefined) present++;
    }
    expect(report.checked).toBe(present);
    for (const tenantId of CRASH_TENANTS) {
      const listed = store.listEntriesSync(tenantId);
      expect(listed).toEqual(CRASH_IDS.filter((entryId) => known.has(`${tenantId}/${entryId}`)));
    }
    store.close();
  }

  expect(reportedOps).toBeGreaterThan(KILLS);
  // The writer spends nearly all its time inside writes, so kills leave temp files behind.
  expect(sweptTemps).toBeGreaterThan(0);
  if (process.env.REFLEX_TEST_FIGURES) {
    console.log(
      `kills ${KILLS}, reported ops ${reportedOps}, temps swept ${sweptTemps}, in-flight landed ${inFlightLanded}`,
    );
  }
}, 60_000);
