import { describe, expect, test } from "bun:test";
import { LogAge } from "./log-age.ts";

/** A fake clock that counts its reads: the timer reads it at each tick while a record waits. */
function fakeClock(start: number) {
  const clock = {
    now: start,
    reads: 0,
    read: (): number => {
      clock.reads++;
      return clock.now;
    },
  };
  return clock;
}

/** Waits (bounded, 2 s) until `done()` holds. */
async function until(done: () => boolean): Promise<void> {
  const end = Date.now() + 2_000;
  while (!done() && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(done()).toBe(true);
}

describe("LogAge", () => {
  test("checkpoints once the oldest record is maxAgeMs old, not before, and not once a checkpoint took it", async () => {
    const clock = fakeClock(1_000);
    let checkpoints = 0;
    const age = new LogAge(20, clock.read, () => checkpoints++);
    age.start();
    age.noteRecord(); // the oldest, at 1,000
    clock.now += 5;
    age.noteRecord(); // a later record does not make the log younger
    let reads = clock.reads;
    await until(() => clock.reads >= reads + 2); // ticks ran
    expect(checkpoints).toBe(0); // 5 ms old by the clock
    clock.now += 15;
    await until(() => checkpoints > 0); // 20 ms old
    age.reset();
    const after = checkpoints;
    clock.now += 100;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(checkpoints).toBe(after); // nothing waits
    age.noteRecord();
    age.stop();
    reads = clock.reads;
    clock.now += 100;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect([checkpoints, clock.reads]).toEqual([after, reads]); // stopped: no tick
  });

  test("no timer with maxAgeMs 0", async () => {
    const clock = fakeClock(1_000);
    let checkpoints = 0;
    const age = new LogAge(0, clock.read, () => checkpoints++);
    age.start();
    age.noteRecord(1);
    const reads = clock.reads;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect([checkpoints, clock.reads]).toEqual([0, reads]);
    age.stop();
  });
});
