import { afterEach, describe, expect, test } from "bun:test";
import { removeTempDirs, tempDir } from "@reflex/testkit";
import { type FileOps, nodeFileOps } from "../disk/file-ops.ts";
import { GroupCommit } from "./group-commit.ts";
import { closeSegment, createSegment, type Segment } from "./segment-file.ts";
import { RECORD_HEADER_BYTES, walRecord } from "./wal-format.ts";

afterEach(removeTempDirs);

/** A commit over one real segment; `append` adds a record with a body of `bytes` bytes and returns its lsn. */
function setUp(ops: FileOps = nodeFileOps) {
  const segment: Segment = createSegment(nodeFileOps, tempDir(), 1, 0);
  let retired = 0;
  const commit = new GroupCommit(ops, {
    segment: () => segment,
    tail: () => segment.base + segment.size,
    retire: () => {
      retired++;
    },
    abandon: () => {
      retired++;
    },
  });
  const append = (bytes: number): number => {
    commit.buffer.add(walRecord("put", 1n, 1n, new Uint8Array(bytes).fill(7)), segment.size);
    segment.size += RECORD_HEADER_BYTES + bytes;
    return segment.size;
  };
  return { commit, append, retired: () => retired, close: () => closeSegment(nodeFileOps, segment) };
}

describe("GroupCommit", () => {
  test("the records of one turn share one fdatasync and apply in log order", async () => {
    let syncs = 0;
    const ops: FileOps = {
      ...nodeFileOps,
      fsync: async (fd, dataOnly) => {
        syncs++;
        expect(dataOnly).toBe(true);
        await nodeFileOps.fsync(fd, dataOnly);
      },
    };
    const { commit, append, close } = setUp(ops);
    const applied: number[] = [];
    const waits = Array.from({ length: 64 }, (_, i) => commit.wait(append(10), () => applied.push(i)));
    expect(commit.busy).toBe(true);
    await Promise.all(waits);
    expect(syncs).toBe(1);
    expect(applied).toEqual(Array.from({ length: 64 }, (_, i) => i));
    expect(commit.busy).toBe(false);
    close();
  });

  test("a failed write fails every record waiting, and ends the segment", async () => {
    const ops: FileOps = {
      ...nodeFileOps,
      writeSync: () => {
        throw Object.assign(new Error("EIO"), { code: "EIO" });
      },
    };
    const { commit, append, retired, close } = setUp(ops);
    const waits = [commit.wait(append(10), () => 1), commit.wait(append(10), () => 2)];
    const results = await Promise.allSettled(waits);
    expect(results.map((result) => result.status)).toEqual(["rejected", "rejected"]);
    expect(retired()).toBe(1);
    close();
  });
});
