import { afterEach, describe, expect, test } from "bun:test";
import { closeSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "@reflex/testkit";
import { cleanupTestState } from "../../test/helpers.ts";
import { isStoreError } from "../contract/store-error.ts";
import { openEntryFile } from "./open-entry-file.ts";

afterEach(cleanupTestState);

describe("openEntryFile", () => {
  test("opens a file; an absent one (or one under a file) is undefined in both modes", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "1.rfx"), "x");
    const fd = openEntryFile(join(dir, "1.rfx"), "strict");
    expect(typeof fd).toBe("number");
    closeSync(fd as number);
    for (const mode of ["strict", "quiet"] as const) {
      expect(openEntryFile(join(dir, "2.rfx"), mode)).toBeUndefined();
      expect(openEntryFile(join(dir, "1.rfx", "3.rfx"), mode)).toBeUndefined(); // ENOTDIR
    }
  });

  test("any other failure is an io error when strict, undefined when quiet", () => {
    const dir = tempDir();
    const long = join(dir, `${"9".repeat(300)}.rfx`); // ENAMETOOLONG: not absent, just unopenable
    let caught: unknown;
    try {
      openEntryFile(long, "strict");
    } catch (error) {
      caught = error;
    }
    expect(isStoreError(caught, "io")).toBe(true);
    expect(openEntryFile(long, "quiet")).toBeUndefined();
  });
});
