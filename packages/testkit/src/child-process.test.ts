import { afterAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnLines, spawnScript } from "./child-process.ts";
import { removeTempDirs, tempDir } from "./temp-dirs.ts";

afterAll(removeTempDirs);

const bun = (code: string) => spawnLines([process.execPath, "-e", code]);

describe("spawnLines", () => {
  test("reports stdout as lines, the unterminated tail, stderr and the exit code", async () => {
    const child = bun('process.stdout.write("one\\ntwo\\nrest"); console.error("oops"); process.exit(3)');
    expect(await child.process.exited).toBe(3);
    expect(await child.stdoutClosed).toBe("rest");
    expect(child.lines).toEqual(["one", "two"]);
    expect(await child.stderr()).toBe("oops\n");
    expect([child.process.exitCode, child.process.signalCode]).toEqual([3, null]);
  });

  test("waitFor resolves on a line by text or by predicate, before or after it arrives", async () => {
    const child = bun('console.log("ready"); await Bun.stdin.text(); console.log("done 7")');
    expect(await child.waitFor("ready")).toBe("ready");
    expect(await child.waitFor("ready")).toBe("ready"); // already seen
    const done = child.waitFor((line) => line.startsWith("done "));
    child.process.stdin.end(); // the start barrier: stdin closes
    expect(await done).toBe("done 7");
    expect(await child.process.exited).toBe(0);
  });

  test("options.env is the child's whole environment", async () => {
    const child = spawnLines([process.execPath, "-e", "console.log(process.env.REFLEX_X, process.env.HOME)"], {
      env: { PATH: process.env.PATH, REFLEX_X: "given" },
    });
    expect(await child.process.exited).toBe(0);
    expect(child.lines).toEqual(["given undefined"]);
  });

  test("waitFor rejects when stdout ends without the line", async () => {
    const child = bun('console.log("something else")');
    await expect(child.waitFor("ready")).rejects.toThrow("stdout closed before the awaited line");
    await child.stdoutClosed;
    await expect(child.waitFor("ready")).rejects.toThrow("stdout closed before the awaited line");
  });

  test("a SIGKILLed child reports the signal and keeps the lines it wrote", async () => {
    const child = bun('console.log("ready"); setInterval(() => {}, 1000)');
    await child.waitFor("ready");
    child.process.kill("SIGKILL");
    await child.process.exited;
    expect(child.process.signalCode).toBe("SIGKILL");
    expect(await child.stdoutClosed).toBe("");
    expect(child.lines).toEqual(["ready"]);
  });
});

describe("spawnScript", () => {
  test("runs a script with the running bun and passes its arguments", async () => {
    const script = join(tempDir(), "child.ts");
    writeFileSync(script, 'console.log(process.argv.slice(2).join(","));');
    const child = spawnScript(script, ["a", "b c"]);
    expect(await child.process.exited).toBe(0);
    await child.stdoutClosed;
    expect(child.lines).toEqual(["a,b c"]);
  });
});
