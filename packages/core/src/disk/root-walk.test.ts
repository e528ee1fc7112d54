import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { removeTempDirs, tempDir } from "@reflex/testkit";
import { isStoreError } from "../contract/store-error.ts";
import { entryFiles, entryIdTexts, readDirectory, tenantNames } from "./root-walk.ts";

afterEach(removeTempDirs);

/** A root with tenants 2, 10 and 0, entries, and every kind of junk the walk must pass over. */
function junkyRoot(): string {
  const root = tempDir();
  for (const tenant of ["10", "2", "0"]) mkdirSync(join(root, tenant));
  for (const name of ["7.rfx", "12.rfx", "007.rfx", "x.rfx", "3.tmp", "4.rfx.bak", "18446744073709551616.rfx"]) {
    writeFileSync(join(root, "2", name), "");
  }
  mkdirSync(join(root, "2", "5.rfx")); // a directory named like an entry
  writeFileSync(join(root, "10", "1.rfx"), "");
  for (const junk of ["01", "abc", ".reflex-ttl"]) mkdirSync(join(root, junk));
  writeFileSync(join(root, "3"), "a file named like a tenant");
  return root;
}

describe("the root walk", () => {
  test("tenantNames: canonical decimal directories only, in numeric order", () => {
    expect(tenantNames(junkyRoot())).toEqual(["0", "2", "10"]);
  });

  test("entryIdTexts: regular files named <canonical id>.rfx only", () => {
    expect(entryIdTexts(join(junkyRoot(), "2")).sort()).toEqual(["12", "7"]);
  });

  test("entryFiles: every entry of the root, tenants ascending, or of one tenant", () => {
    const root = junkyRoot();
    const all = entryFiles(root).map((ref) => ref.relativePath);
    expect(all.slice(0, 2).sort()).toEqual(["2/12.rfx", "2/7.rfx"]);
    expect(all.slice(2)).toEqual(["10/1.rfx"]);
    expect(entryFiles(root, { tenantId: 10n })).toEqual([{ tenantId: 10n, entryId: 1n, relativePath: "10/1.rfx" }]);
    expect(entryFiles(root, { tenantId: 99n })).toEqual([]);
  });

  test("a missing root or tenant is empty in both modes", () => {
    const missing = join(tempDir(), "nope");
    expect([tenantNames(missing), tenantNames(missing, "quiet"), readDirectory(missing)]).toEqual([[], [], null]);
  });

  test("a directory that cannot be listed (here ELOOP, which root gets too) is an io error when strict, empty when quiet", () => {
    const root = junkyRoot();
    const loop = join(root, "loop");
    symlinkSync(loop, loop);
    let caught: unknown;
    try {
      entryIdTexts(loop);
    } catch (error) {
      caught = error;
    }
    expect(isStoreError(caught, "io")).toBe(true);
    expect((caught as { errno?: string }).errno).toBe("ELOOP");
    expect(entryIdTexts(loop, "quiet")).toEqual([]);
    expect(readDirectory(loop, "quiet")).toBeNull();
  });

  test("a file where a tenant directory should be reads as missing (ENOTDIR), not as an error", () => {
    const root = junkyRoot();
    expect(entryIdTexts(join(root, "3"))).toEqual([]);
  });
});
