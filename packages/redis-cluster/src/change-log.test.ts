import { describe, expect, test } from "bun:test";
import { judgeTail, type LogPosition, markOf } from "./change-log.ts";
import type { RawRecord } from "./log-scripts.ts";

const record = (id: string, seq: number, entry: string, kind = "p"): RawRecord => [
  id,
  ["s", String(seq), "k", kind, "i", entry],
];
const at: LogPosition = { seq: 5, epoch: "100.1", lastId: "5-0" };

describe("markOf", () => {
  test("a bucket that never logged starts at seq 0 with no epoch; the ids follow", () => {
    expect(markOf(["0", "", "0-0"])).toEqual({ position: { seq: 0, epoch: "", lastId: "0-0" }, ids: [] });
    expect(markOf(["5", "100.1", "5-0", "a", "b"])).toEqual({ position: at, ids: ["a", "b"] });
  });
});

describe("judgeTail", () => {
  test("records that continue the sequence give their distinct ids and the new position", () => {
    const verdict = judgeTail(at, ["7", "100.1", "7-0", [record("6-0", 6, "a"), record("7-0", 7, "a", "d")]], 10);
    expect(verdict).toEqual({
      kind: "records",
      ids: ["a"],
      position: { seq: 7, epoch: "100.1", lastId: "7-0" },
      more: false,
    });
  });

  test("nothing new, the log where the reader stopped: no ids", () => {
    expect(judgeTail(at, ["5", "100.1", "5-0", []], 10)).toEqual({
      kind: "records",
      ids: [],
      position: at,
      more: false,
    });
  });

  test("a full reply says there is more", () => {
    const verdict = judgeTail(at, ["9", "100.1", "9-0", [record("6-0", 6, "a"), record("7-0", 7, "b")]], 2);
    expect(verdict).toMatchObject({ kind: "records", more: true, position: { seq: 7, lastId: "7-0" } });
  });

  test("a reader that has seen nothing takes the epoch it meets, from seq 1", () => {
    const none: LogPosition = { seq: 0, epoch: "", lastId: "0-0" };
    expect(judgeTail(none, ["1", "200.2", "9-0", [record("9-0", 1, "a")]], 10)).toMatchObject({
      kind: "records",
      position: { seq: 1, epoch: "200.2", lastId: "9-0" },
    });
    expect(judgeTail(none, ["3", "200.2", "9-0", [record("9-0", 3, "a")]], 10).kind).toBe("reset");
  });

  test("a gap (trimmed past the reader), a lower seq (lost in a failover), a new epoch or a deleted log: reset", () => {
    expect(judgeTail(at, ["9", "100.1", "9-0", [record("8-0", 8, "a"), record("9-0", 9, "b")]], 10).kind).toBe("reset");
    expect(judgeTail(at, ["4", "100.1", "4-0", []], 10).kind).toBe("reset");
    expect(judgeTail(at, ["6", "300.3", "6-0", [record("6-0", 6, "a")]], 10).kind).toBe("reset");
    expect(judgeTail(at, ["0", "", "0-0", []], 10).kind).toBe("reset");
    // Same seq but the log ends elsewhere: records were replaced by others with the same numbers.
    expect(judgeTail(at, ["5", "100.1", "3-0", []], 10).kind).toBe("reset");
    // The log says seq 8 but the records end at 6 (and the reply was not full).
    expect(judgeTail(at, ["8", "100.1", "6-0", [record("6-0", 6, "a")]], 10).kind).toBe("reset");
  });
});
