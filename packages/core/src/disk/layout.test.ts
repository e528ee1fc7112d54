import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { SeededRandom } from "@reflex/testkit";
import { MAX_ID } from "../../test/helpers.ts";
import {
  compareDecimal,
  ENTRY_EXTENSION,
  entryFilePath,
  entryIdText,
  isCanonicalDecimal,
  TEMP_EXTENSION,
  tempFileName,
  tempFileOwnerPid,
  tenantDirPath,
} from "./layout.ts";

describe("isCanonicalDecimal", () => {
  test.each(["0", "1", "9", "10", "42", "4294967296", "18446744073709551614", "18446744073709551615"])(
    "%p is canonical",
    (text) => {
      expect(isCanonicalDecimal(text)).toBe(true);
    },
  );

  test.each([
    "",
    "00",
    "007",
    "-1",
    "+1",
    " 1",
    "1 ",
    "1.0",
    "1e3",
    "0x10",
    "abc",
    "18446744073709551616",
    "18446744073709551620",
    "99999999999999999999",
    "100000000000000000000",
    "\uff11",
  ])("%p is not", (text) => {
    expect(isCanonicalDecimal(text)).toBe(false);
  });

  test("agrees with BigInt on random u64s and their neighbours past 2^64-1", () => {
    const prng = new SeededRandom(7);
    for (let i = 0; i < 2000; i++) {
      const value = prng.u64AnySize();
      expect(isCanonicalDecimal(value.toString())).toBe(true);
    }
    for (let delta = 1n; delta < 50n; delta++) expect(isCanonicalDecimal((MAX_ID + delta).toString())).toBe(false);
  });
});

describe("compareDecimal", () => {
  test("orders numerically, not as text", () => {
    expect(compareDecimal("2", "10")).toBeLessThan(0);
    expect(compareDecimal("10", "2")).toBeGreaterThan(0);
    expect(compareDecimal("100", "100")).toBe(0);
    expect(compareDecimal("99", "100")).toBeLessThan(0);
    expect(compareDecimal("0", "18446744073709551615")).toBeLessThan(0);
    expect(["100", "2", "10", "0", "18446744073709551615", "9"].sort(compareDecimal)).toEqual([
      "0",
      "2",
      "9",
      "10",
      "100",
      "18446744073709551615",
    ]);
  });

  test("agrees with bigint order on random pairs", () => {
    const prng = new SeededRandom(11);
    for (let i = 0; i < 2000; i++) {
      const a = prng.u64AnySize();
      const b = prng.u64AnySize();
      const expected = a < b ? -1 : a > b ? 1 : 0;
      expect(Math.sign(compareDecimal(a.toString(), b.toString()))).toBe(expected);
    }
  });
});

describe("entryIdText", () => {
  test.each([
    ["0.rfx", "0"],
    ["42.rfx", "42"],
    ["18446744073709551615.rfx", "18446744073709551615"],
  ])("%p is entry %p", (name, id) => {
    expect(entryIdText(name)).toBe(id);
  });

  test.each([
    "x.txt",
    "abc.rfx",
    "007.rfx",
    "-1.rfx",
    "18446744073709551616.rfx",
    "5.rfx.tmp",
    "5.RFX",
    "5",
    ".rfx",
    "5.rfx.",
    " 5.rfx",
    "5..rfx",
  ])("%p is junk", (name) => {
    expect(entryIdText(name)).toBeUndefined();
  });
});

describe("paths", () => {
  test("tenantDirPath and entryFilePath name directories and files in decimal", () => {
    expect(tenantDirPath("/r", MAX_ID)).toBe(join("/r", "18446744073709551615"));
    expect(entryFilePath("/r", 0n, MAX_ID)).toBe(join("/r", "0", `18446744073709551615${ENTRY_EXTENSION}`));
    expect(ENTRY_EXTENSION).toBe(".rfx");
    expect(TEMP_EXTENSION).toBe(".tmp");
  });
});

describe("temp file names", () => {
  test("10,000 names are distinct, end in .tmp and are never entry names", () => {
    const names = new Set<string>();
    for (let i = 0; i < 10_000; i++) {
      const name = tempFileName(BigInt(i % 3));
      expect(name.endsWith(TEMP_EXTENSION)).toBe(true);
      expect(entryIdText(name)).toBeUndefined();
      names.add(name);
    }
    expect(names.size).toBe(10_000);
  });

  test("names start with the entry id, and tempFileOwnerPid reads this process's pid back", () => {
    for (const id of [0n, 42n, MAX_ID]) {
      const name = tempFileName(id);
      expect(name.startsWith(`${id}.`)).toBe(true);
      expect(tempFileOwnerPid(name)).toBe(process.pid);
    }
  });

  test("tempFileOwnerPid parses well-formed names of other processes", () => {
    expect(tempFileOwnerPid("5.12345.deadbeef-7.tmp")).toBe(12345);
    expect(tempFileOwnerPid("18446744073709551615.1.0-1.tmp")).toBe(1);
  });

  test.each([
    "5.rfx.tmp",
    "5.tmp",
    "5.123.tmp",
    "5.123.xyz-1.tmp",
    "5.123.ab-1.rfx",
    "5.123.ab-.tmp",
    "a.123.ab-1.tmp",
    "5.-1.ab-1.tmp",
    "5.123.ab-1.tmp.bak",
    "",
  ])("tempFileOwnerPid of %p is undefined", (name) => {
    expect(tempFileOwnerPid(name)).toBeUndefined();
  });
});
