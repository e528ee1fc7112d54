import { describe, expect, test } from "bun:test";
import { formatBytes, formatCount, formatDuration, formatRate, formatTable, toJsonText } from "./format.ts";

describe("formatBytes", () => {
  test("bytes below 1 KiB are exact, then binary units with one decimal", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(1023)).toBe("1023 B");
    expect(formatBytes(1024)).toBe("1.0 KiB");
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(1024 * 1024)).toBe("1.0 MiB");
    expect(formatBytes(12.34 * 1024 * 1024)).toBe("12.3 MiB");
    expect(formatBytes(5 * 1024 ** 3)).toBe("5.0 GiB");
    expect(formatBytes(3 * 1024 ** 4)).toBe("3.0 TiB");
  });

  test("never shows 1024.0 of a unit: it moves up", () => {
    expect(formatBytes(1024 * 1024 - 1)).toBe("1.0 MiB");
    expect(formatBytes(1024 * 1024 - 52 * 1024)).toBe("972.0 KiB");
  });
});

describe("formatCount", () => {
  test("groups digits by three, for numbers and bigints", () => {
    expect(formatCount(0)).toBe("0");
    expect(formatCount(999)).toBe("999");
    expect(formatCount(1000)).toBe("1,000");
    expect(formatCount(1234567)).toBe("1,234,567");
    expect(formatCount(-1234)).toBe("-1,234");
    expect(formatCount(18446744073709551615n)).toBe("18,446,744,073,709,551,615");
  });
});

describe("formatDuration", () => {
  test("m:ss, h:mm:ss, and --:-- when unknown", () => {
    expect(formatDuration(0)).toBe("0:00");
    expect(formatDuration(75)).toBe("1:15");
    expect(formatDuration(3600 + 62)).toBe("1:01:02");
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe("--:--");
    expect(formatDuration(Number.NaN)).toBe("--:--");
  });
});

describe("formatRate", () => {
  test("items per second, compact; bytes in binary units", () => {
    expect(formatRate(2.5, "items")).toBe("2.5/s");
    expect(formatRate(950, "items")).toBe("950/s");
    expect(formatRate(12_345, "items")).toBe("12.3k/s");
    expect(formatRate(4_500_000, "items")).toBe("4.5M/s");
    expect(formatRate(3 * 1024 * 1024, "bytes")).toBe("3.0 MiB/s");
    expect(formatRate(Number.NaN, "items")).toBe("?/s");
  });
});

describe("formatTable", () => {
  test("aligns columns two spaces apart, numbers right, no trailing spaces", () => {
    const table = formatTable(
      [
        ["tenant", "entries", "size"],
        ["1", "1,000", "10.0 MiB"],
        ["18446744073709551615", "7", "512 B"],
      ],
      ["left", "right", "right"],
    );
    expect(table).toBe(
      [
        "tenant                entries      size",
        "1                       1,000  10.0 MiB",
        "18446744073709551615        7     512 B",
      ].join("\n"),
    );
  });

  test("a short last cell leaves no trailing spaces; ragged rows are fine", () => {
    expect(formatTable([["a", "bbb"], ["cc"]])).toBe("a   bbb\ncc");
    expect(formatTable([])).toBe("");
  });
});

test("toJsonText writes bigints as decimal strings", () => {
  expect(toJsonText({ id: 18446744073709551615n, n: 1, list: [0n] })).toBe(
    '{"id":"18446744073709551615","n":1,"list":["0"]}',
  );
});
