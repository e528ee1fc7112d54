import { describe, expect, test } from "bun:test";
import { readyLine } from "./ready-line.ts";

function child(script: string) {
  return Bun.spawn([process.execPath, "-e", script], { stdin: "ignore", stdout: "pipe", stderr: "ignore" });
}

describe("readyLine", () => {
  test("returns what follows the prefix on the first line", async () => {
    const proc = child('console.log("ready at http://127.0.0.1:1"); console.log("more")');
    expect(await readyLine(proc, "ready at ", 10_000)).toBe("http://127.0.0.1:1");
    await proc.exited;
  });

  test("a first line that is not the banner, or no line at all, throws and the child is killed", async () => {
    const wrong = child('console.log("oops"); setTimeout(() => {}, 60_000)');
    await expect(readyLine(wrong, "ready at ", 10_000, () => "its stderr")).rejects.toThrow(/"oops"\nits stderr/);
    expect(await wrong.exited).not.toBe(0);
    const silent = child("process.exit(0)");
    await expect(readyLine(silent, "ready at ", 10_000)).rejects.toThrow("did not start");
  });
});
