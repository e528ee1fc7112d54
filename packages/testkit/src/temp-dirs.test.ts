import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { removeTempDirs, tempDir } from "./temp-dirs.ts";

afterAll(removeTempDirs);

describe("temp dirs", () => {
  test("tempDir makes a fresh, empty dir with the prefix, a new one every call", () => {
    const a = tempDir("reflex-testkit-");
    const b = tempDir("reflex-testkit-");
    expect(a).not.toBe(b);
    expect(basename(a).startsWith("reflex-testkit-")).toBe(true);
    expect(basename(tempDir()).startsWith("reflex-")).toBe(true);
    expect(readdirSync(a)).toEqual([]);
  });

  test("removeTempDirs removes every dir made, with its contents, and only those", () => {
    const a = tempDir();
    const b = tempDir();
    mkdirSync(join(a, "1"));
    writeFileSync(join(a, "1", "2.rfx"), "x");
    const bystander = join(b, "..", `${basename(b)}-bystander`);
    mkdirSync(bystander);
    removeTempDirs();
    expect([existsSync(a), existsSync(b), existsSync(bystander)]).toEqual([false, false, true]);
    removeTempDirs(); // nothing left to remove: no error
    rmSync(bystander, { recursive: true });
  });
});
