import { describe, expect, test } from "bun:test";
import { createProgress, NO_PROGRESS, ProgressBar, progressEnabled, renderProgressLine } from "./progress-bar.ts";

/** A fake terminal: records what is written. */
function fakeTty(columns = 100) {
  const writes: string[] = [];
  return { isTTY: true, columns, writes, write: (text: string) => writes.push(text) };
}

/** The line of one redraw, checked to be `\r<line>ESC[K` (return, then erase to the end of the line). */
function drawn(write: string | undefined): string {
  expect(write?.startsWith("\r")).toBe(true);
  expect(write?.endsWith("\x1b[K")).toBe(true);
  return write?.slice(1, -3) ?? "";
}

/** A clock the test moves. */
function fakeClock() {
  let now = 1000;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe("renderProgressLine", () => {
  test("with a total: bar, percentage, counts, rate and ETA", () => {
    const line = renderProgressLine({
      label: "verifying",
      unit: "items",
      done: 2500,
      total: 10_000,
      elapsedMs: 2000,
      columns: 100,
    });
    expect(line).toMatch(/^verifying \[█+░+\] {2}25% {2}2,500\/10,000 {2}1\.3k\/s {2}ETA 0:06$/);
    const bar = /\[(█+)(░+)\]/.exec(line);
    expect(bar?.[1]?.length).toBe(Math.round(0.25 * ((bar?.[1]?.length ?? 0) + (bar?.[2]?.length ?? 0))));
  });

  test("bytes are shown in binary units; a note sits after the counts", () => {
    const line = renderProgressLine({
      label: "importing",
      unit: "bytes",
      done: 5 * 1024 * 1024,
      total: 20 * 1024 * 1024,
      elapsedMs: 1000,
      note: "1,234 entries",
      columns: 120,
    });
    expect(line).toContain("5.0 MiB/20.0 MiB  1,234 entries  5.0 MiB/s  ETA 0:03");
  });

  test("without a total: count, rate and elapsed time, no bar", () => {
    const line = renderProgressLine({
      label: "importing",
      unit: "items",
      done: 300,
      total: undefined,
      elapsedMs: 3000,
      columns: 80,
    });
    expect(line).toBe("importing 300  100/s  elapsed 0:03");
  });

  test("never wider than the terminal; the bar goes first when space is short", () => {
    for (const columns of [20, 40, 60, 80, 200]) {
      const line = renderProgressLine({
        label: "exporting",
        unit: "items",
        done: 123_456,
        total: 1_000_000,
        elapsedMs: 10_000,
        columns,
      });
      expect(line.length).toBeLessThanOrEqual(columns - 1);
    }
    const narrow = renderProgressLine({ label: "x", unit: "items", done: 1, total: 2, elapsedMs: 1, columns: 40 });
    expect(narrow).not.toContain("[");
  });

  test("the bar keeps its width as the count grows", () => {
    const widths = [1, 10, 100, 1000, 10_000].map((done) => {
      const line = renderProgressLine({
        label: "verifying",
        unit: "items",
        done,
        total: 10_000,
        elapsedMs: 1000,
        columns: 100,
      });
      return /\[([█░]+)\]/.exec(line)?.[1]?.length;
    });
    expect(new Set(widths).size).toBe(1);
  });
});

describe("ProgressBar", () => {
  test("draws in place with \\r and erase-line, at most every redraw interval, and erases itself at the end", () => {
    const tty = fakeTty();
    const clock = fakeClock();
    const bar = new ProgressBar(tty, { label: "verifying", total: 1000, now: clock.now, showAfterMs: 0 });
    clock.advance(1000);
    bar.update(100);
    bar.update(150); // same instant: not redrawn
    clock.advance(1000);
    bar.update(400);
    bar.finish();
    bar.update(500); // after finish: ignored
    expect(tty.writes).toHaveLength(3);
    expect(tty.writes.slice(0, 2).map(drawn)).toEqual([
      expect.stringMatching(/^verifying \[.*\] {2}10% {2}100\/1,000 {2}100\/s {2}ETA 0:09$/),
      expect.stringMatching(/^verifying \[.*\] {2}40% {2}400\/1,000 {2}200\/s {2}ETA 0:03$/),
    ]);
    expect(tty.writes[2]).toBe("\r\x1b[K");
  });

  test("quick work never shows a bar, and finish then writes nothing", () => {
    const tty = fakeTty();
    const clock = fakeClock();
    const bar = new ProgressBar(tty, { label: "scanning", total: 10, now: clock.now });
    clock.advance(100);
    bar.update(10);
    bar.finish();
    expect(tty.writes).toEqual([]);
  });

  test("a total can arrive with an update", () => {
    const tty = fakeTty();
    const clock = fakeClock();
    const bar = new ProgressBar(tty, { label: "verifying", now: clock.now, showAfterMs: 0 });
    clock.advance(500);
    bar.update(5, 10);
    expect(tty.writes[0]).toContain("50%  5/10");
  });

  test("an unknown width (0 columns) is taken as 80", () => {
    const tty = fakeTty(0);
    const clock = fakeClock();
    const bar = new ProgressBar(tty, { label: "verifying", total: 100, now: clock.now, showAfterMs: 0 });
    clock.advance(500);
    bar.update(50);
    expect(drawn(tty.writes[0]).length).toBeLessThanOrEqual(79);
  });
});

describe("progressEnabled", () => {
  const tty = { isTTY: true, write: () => undefined };
  const pipe = { isTTY: false, write: () => undefined };

  test("only on a terminal, and not with NO_COLOR, CI or TERM=dumb", () => {
    expect(progressEnabled({ env: {}, stream: tty, stdoutIsTTY: true })).toBe(true);
    expect(progressEnabled({ env: {}, stream: pipe, stdoutIsTTY: true })).toBe(false);
    expect(progressEnabled({ env: { NO_COLOR: "1" }, stream: tty, stdoutIsTTY: true })).toBe(false);
    expect(progressEnabled({ env: { CI: "true" }, stream: tty, stdoutIsTTY: true })).toBe(false);
    expect(progressEnabled({ env: { TERM: "dumb" }, stream: tty, stdoutIsTTY: true })).toBe(false);
    // An empty NO_COLOR does not count (no-color.org).
    expect(progressEnabled({ env: { NO_COLOR: "" }, stream: tty, stdoutIsTTY: true })).toBe(true);
  });

  test("stdout must be a terminal too, unless stdout carries the data (export > dump)", () => {
    expect(progressEnabled({ env: {}, stream: tty, stdoutIsTTY: false })).toBe(false);
    expect(progressEnabled({ env: {}, stream: tty, stdoutIsTTY: false }, true)).toBe(true);
    expect(progressEnabled({ env: { CI: "1" }, stream: tty, stdoutIsTTY: false }, true)).toBe(false);
  });

  test("createProgress gives a real bar only when enabled", () => {
    expect(createProgress({ env: {}, stream: pipe, stdoutIsTTY: true }, { label: "x" })).toBe(NO_PROGRESS);
    expect(createProgress({ env: {}, stream: tty, stdoutIsTTY: true }, { label: "x" })).toBeInstanceOf(ProgressBar);
  });
});
