/**
 * The root writer lock, measured (RELIABILITY.md "One writer per root"):
 *
 *   bun bench/lock.ts [--rounds N]
 *
 * 1. flock(2) through bun:ffi against the alternative without an OS lock (an O_EXCL pid
 *    file): the cost of taking and giving back the lock, in one process.
 * 2. What a second writer pays to be refused while a holder process lives (`locked`).
 * 3. Contention: 8 processes started at once on one root, N rounds: how many win.
 * 4. A SIGKILLed holder: how long until the next writer has the lock, and, for the pid
 *    file, whether the lock is left behind (stale).
 * Every loop is bounded in count. Prints medians and ratios.
 */
import { closeSync, constants, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isStoreError, NvmeStorage } from "@reflex/core";
import { tryLockExclusive, unlock } from "../packages/core/src/disk/libc-flock.ts";

const HOLDER = join(import.meta.dir, "..", "packages", "core", "test", "fixtures", "lock-holder.ts");
const roundsArg = process.argv.indexOf("--rounds");
const ROUNDS = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 20;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function perOp(iterations: number, action: () => void): number {
  const samples: number[] = [];
  for (let s = 0; s < 5; s++) {
    const start = Bun.nanoseconds();
    for (let i = 0; i < iterations; i++) action();
    samples.push((Bun.nanoseconds() - start) / iterations / 1000);
  }
  return median(samples);
}

async function firstLine(child: Bun.Subprocess<"pipe", "pipe", "pipe">): Promise<string> {
  const reader = child.stdout.getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { done, value } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  return text.split("\n")[0] ?? "";
}

function spawnHolder(root: string): Bun.Subprocess<"pipe", "pipe", "pipe"> {
  return Bun.spawn([process.execPath, HOLDER, root, "bench"], { stdin: "pipe", stdout: "pipe", stderr: "pipe" });
}

const base = mkdtempSync(join(tmpdir(), "reflex-lock-bench-"));
try {
  // 1. Take and give back, in one process.
  const lockPath = join(base, "flock");
  const flockUs = perOp(20_000, () => {
    const fd = openSync(lockPath, constants.O_RDWR | constants.O_CREAT, 0o644);
    if (!tryLockExclusive(fd).ok) throw new Error("not locked");
    unlock(fd);
    closeSync(fd);
  });
  const pidPath = join(base, "pidfile");
  const pidFileUs = perOp(20_000, () => {
    const fd = openSync(pidPath, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
    writeSync(fd, `${process.pid}\n`);
    closeSync(fd);
    unlinkSync(pidPath);
  });
  const openRoot = join(base, "open-root");
  const openUs = perOp(2_000, () => {
    const store = new NvmeStorage(openRoot, { sweepTempFiles: false });
    store.ensureStoragePath();
    store.close();
  });
  const readOnlyUs = perOp(2_000, () => new NvmeStorage(openRoot, { readOnly: true }).close());
  console.log("| step | median |");
  console.log("| --- | --- |");
  console.log(`| flock (ffi): open, LOCK_EX+LOCK_NB, LOCK_UN, close | ${flockUs.toFixed(2)} µs |`);
  console.log(
    `| pid file: O_EXCL create + write pid + close + unlink | ${pidFileUs.toFixed(2)} µs (${(pidFileUs / flockUs).toFixed(2)}x flock) |`,
  );
  console.log(`| new NvmeStorage(root) writer, lock taken, close | ${openUs.toFixed(2)} µs |`);
  console.log(`| new NvmeStorage(root, { readOnly: true }) | ${readOnlyUs.toFixed(2)} µs |`);

  // 2. Refused while a holder lives.
  const heldRoot = join(base, "held");
  const holder = spawnHolder(heldRoot);
  if ((await firstLine(holder)) !== "ready") throw new Error("holder did not start");
  let refused = 0;
  const refusedUs = perOp(500, () => {
    try {
      new NvmeStorage(heldRoot, { sweepTempFiles: false });
    } catch (error) {
      if (isStoreError(error, "locked") && error.holder?.pid === holder.pid) refused++;
    }
  });
  holder.kill("SIGKILL");
  await holder.exited;
  console.log(
    `| second writer refused with locked, holder pid named (${refused} of ${5 * 500}) | ${refusedUs.toFixed(2)} µs |`,
  );

  // 3. Contention: 8 processes at once.
  let exactlyOne = 0;
  const loserMs: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const root = join(base, `race-${round}`);
    const started = performance.now();
    const racers = Array.from({ length: 8 }, () => spawnHolder(root));
    const lines = await Promise.all(
      racers.map(async (child) => {
        const line = await firstLine(child);
        if (line.startsWith("locked")) {
          await child.exited;
          loserMs.push(performance.now() - started);
        }
        return line;
      }),
    );
    if (lines.filter((line) => line === "ready").length === 1) exactlyOne++;
    for (const child of racers) child.kill("SIGKILL");
    await Promise.all(racers.map((child) => child.exited));
  }
  console.log(`| 8 processes racing for one root: rounds with exactly one writer | ${exactlyOne} of ${ROUNDS} |`);
  console.log(
    `| a losing process: spawn to exit, refused | ${median(loserMs).toFixed(1)} ms (includes Bun start-up) |`,
  );

  // 4. SIGKILLed holder: flock is free at once; a pid file stays behind.
  const relockUs: number[] = [];
  let stalePidFiles = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const root = join(base, `kill-${round}`);
    const child = spawnHolder(root);
    if ((await firstLine(child)) !== "ready") throw new Error("holder did not start");
    // The pid-file scheme, by hand: the holder's pid in an O_EXCL file.
    const pidFile = join(root, "LOCK.pid");
    const fd = openSync(pidFile, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
    writeSync(fd, `${child.pid}\n`);
    closeSync(fd);
    child.kill("SIGKILL");
    await child.exited;
    const start = Bun.nanoseconds();
    new NvmeStorage(root, { sweepTempFiles: false }).close();
    relockUs.push((Bun.nanoseconds() - start) / 1000);
    try {
      closeSync(openSync(pidFile, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644));
    } catch {
      stalePidFiles++; // EEXIST: the dead holder's lock is still there
    }
  }
  console.log(
    `| after SIGKILL of the holder: next writer opens (flock) | ${median(relockUs).toFixed(1)} µs, ${ROUNDS} of ${ROUNDS} at once |`,
  );
  console.log(`| after SIGKILL of the holder: pid file left behind (stale) | ${stalePidFiles} of ${ROUNDS} |`);
} finally {
  rmSync(base, { recursive: true, force: true });
}
