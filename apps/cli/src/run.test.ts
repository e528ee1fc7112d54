// run() in-process with a fake Io: what cannot be arranged with pipes (a terminal on stdin or stdout).
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Io } from "./io.ts";
import { run } from "./run.ts";

const root = mkdtempSync(join(tmpdir(), "reflex-run-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function fakeIo(options: { stdinTTY?: boolean; stdoutTTY?: boolean; env?: Record<string, string> } = {}) {
  const stdout: (string | Uint8Array)[] = [];
  const stderr: string[] = [];
  const io: Io = {
    stdout: { isTTY: options.stdoutTTY === true, write: async (chunk) => void stdout.push(chunk) },
    stderr: { isTTY: true, write: async (chunk) => void stderr.push(String(chunk)) },
    stdin: {
      isTTY: options.stdinTTY === true,
      size: () => undefined,
      async *stream() {},
    },
    progress: { isTTY: true, columns: 80, write: () => undefined },
    env: { REFLEX_ROOT: root, ...options.env },
  };
  return { io, stdout, stderr };
}

test("export refuses to write a dump to a terminal", async () => {
  const { io, stdout, stderr } = fakeIo({ stdoutTTY: true });
  expect(await run(["export"], io)).toBe(2);
  expect(stdout).toEqual([]);
  expect(stderr).toEqual(["reflex: export: refusing to write a binary dump to a terminal; redirect stdout\n"]);
});

test("import refuses to read a dump from a terminal", async () => {
  const { io, stderr } = fakeIo({ stdinTTY: true });
  expect(await run(["import"], io)).toBe(2);
  expect(stderr).toEqual(["reflex: import: reads a dump from stdin; redirect it from a file or a pipe\n"]);
});

test("REFLEX_DEBUG adds the stack after the one line", async () => {
  const { io, stderr } = fakeIo({ env: { REFLEX_DEBUG: "1" } });
  expect(await run(["get", "1", "x"], io)).toBe(2);
  expect(stderr[0]).toStartWith("reflex: entry id must be a decimal integer");
  expect(stderr[1]).toContain("    at ");
});

test("a write that fails with EPIPE ends the command silently with exit 3", async () => {
  const { io, stderr } = fakeIo();
  const broken: Io = {
    ...io,
    stdout: {
      isTTY: false,
      write: async () => {
        throw Object.assign(new Error("EPIPE: broken pipe, write"), { code: "EPIPE" });
      },
    },
  };
  expect(await run(["--version"], broken)).toBe(3);
  expect(stderr).toEqual([]);
});
