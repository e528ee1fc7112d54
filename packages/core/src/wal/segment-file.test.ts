import { afterEach, describe, expect, test } from "bun:test";
import { fstatSync } from "node:fs";
import { removeTempDirs, tempDir } from "@reflex/testkit";
import { type FileOps, nodeFileOps } from "../disk/file-ops.ts";
import { closeSegment, createSegment, extendAhead, preallocate } from "./segment-file.ts";

afterEach(removeTempDirs);

/** Real file ops whose full async fsyncs wait until released; counts zero writes and fsyncs on this thread. */
function heldOps() {
  const counts = { writes: 0, fsyncSyncs: 0, asyncFsyncs: 0 };
  const held: (() => void)[] = [];
  const ops: FileOps = {
    ...nodeFileOps,
    writeSync: (...args) => {
      counts.writes++;
      return nodeFileOps.writeSync(...args);
    },
    fsyncSync: (fd, dataOnly) => {
      counts.fsyncSyncs++;
      nodeFileOps.fsyncSync(fd, dataOnly);
    },
    fsync: async (fd, dataOnly) => {
      counts.asyncFsyncs++;
      await new Promise<void>((resolve) => held.push(resolve));
      await nodeFileOps.fsync(fd, dataOnly);
    },
  };
  const release = () => {
    for (const resolve of held.splice(0)) resolve();
  };
  return { ops, counts, release };
}

describe("segment preallocation", () => {
  test("extendAhead writes zeros ahead and lets records into them only once its fsync (off the event loop) is done", async () => {
    const { ops, counts, release } = heldOps();
    const segment = createSegment(ops, tempDir(), 1, 0);
    preallocate(ops, segment, 0, 4096);
    const allocated = segment.allocated;
    extendAhead(ops, segment, 4096);
    expect(segment.written).toBe(allocated); // more than half of 4096 still ahead: nothing to do
    segment.size = allocated - 100; // records now fill all but 100 bytes
    extendAhead(ops, segment, 4096);
    expect(segment.written).toBe(allocated + 4096);
    expect(fstatSync(segment.fd).size).toBe(allocated + 4096);
    expect(segment.allocated).toBe(allocated); // not durable yet: no record goes there
    expect(segment.extending).toBe(true);
    extendAhead(ops, segment, 4096); // one extension at a time
    expect(counts.asyncFsyncs).toBe(1);
    release();
    await Bun.sleep(0);
    for (let i = 0; i < 100 && segment.extending; i++) await Bun.sleep(1);
    expect(segment.extending).toBe(false);
    expect(segment.allocated).toBe(allocated + 4096);
    closeSegment(ops, segment);
  });

  test("records that need the room before the fsync ahead is done get it from an fsync on this thread, without writing the zeros again", () => {
    const { ops, counts, release } = heldOps();
    const segment = createSegment(ops, tempDir(), 1, 0);
    preallocate(ops, segment, 0, 4096);
    segment.size = segment.allocated - 100;
    extendAhead(ops, segment, 4096);
    const written = segment.written;
    const before = { ...counts };
    preallocate(ops, segment, 200, 1000); // within what extendAhead wrote
    expect(counts.writes).toBe(before.writes);
    expect(counts.fsyncSyncs).toBe(before.fsyncSyncs + 1);
    expect(segment.allocated).toBe(written);
    release();
    closeSegment(ops, segment);
  });

  test("a failed fsync ahead is reported (io) by the next preallocation, once, and the room is not given", async () => {
    const ops: FileOps = { ...nodeFileOps, fsync: async () => Promise.reject(new Error("EIO")) };
    const segment = createSegment(ops, tempDir(), 1, 0);
    preallocate(ops, segment, 0, 4096);
    const allocated = segment.allocated;
    segment.size = allocated - 100;
    extendAhead(ops, segment, 4096);
    for (let i = 0; i < 100 && segment.extending; i++) await Bun.sleep(1);
    expect(segment.allocated).toBe(allocated);
    expect(() => preallocate(ops, segment, 200, 4096)).toThrow(expect.objectContaining({ code: "io" }));
    preallocate(ops, segment, 200, 4096); // tried again: fsynced on this thread
    expect(segment.allocated).toBeGreaterThan(allocated);
    closeSegment(ops, segment);
  });
});
