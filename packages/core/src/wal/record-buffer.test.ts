import { afterEach, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { removeTempDirs, tempDir } from "@reflex/testkit";
import { type FileOps, nodeFileOps, TEMP_OPEN_FLAGS } from "../disk/file-ops.ts";
import { RecordBuffer } from "./record-buffer.ts";
import { encodeRecord, walRecord } from "./wal-format.ts";

afterEach(removeTempDirs);

function countingWrites(): { ops: FileOps; calls: () => number } {
  let calls = 0;
  const ops: FileOps = {
    ...nodeFileOps,
    writeSync: (...args) => {
      calls++;
      return nodeFileOps.writeSync(...args);
    },
  };
  return { ops, calls: () => calls };
}

describe("RecordBuffer", () => {
  test("writes every record held, encoded, at its offset with one call, then holds nothing", () => {
    const path = `${tempDir()}/segment`;
    const { ops, calls } = countingWrites();
    const fd = nodeFileOps.openSync(path, TEMP_OPEN_FLAGS, 0o644);
    nodeFileOps.writeSync(fd, new Uint8Array([9, 9]), 0, 2, 0);
    const buffer = new RecordBuffer();
    expect(buffer.empty).toBe(true);
    buffer.add(walRecord("put", 3n, 7n, new Uint8Array([1, 2, 3])), 2);
    buffer.add(walRecord("delete", 3n, 8n), 2 + 35);
    buffer.flush(ops, fd);
    expect(calls()).toBe(1);
    expect(buffer.empty).toBe(true);
    nodeFileOps.closeSync(fd);
    const expected = [
      9,
      9,
      ...encodeRecord("put", 3n, 7n, new Uint8Array([1, 2, 3])),
      ...encodeRecord("delete", 3n, 8n),
    ];
    expect([...readFileSync(path)]).toEqual(expected);
  });

  test("reused after a flush, and grown past its first size, it writes exactly the records of each commit", () => {
    const path = `${tempDir()}/segment`;
    const fd = nodeFileOps.openSync(path, TEMP_OPEN_FLAGS, 0o644);
    const buffer = new RecordBuffer();
    const big = walRecord("put", 1n, 1n, new Uint8Array(3 * 1024 * 1024).fill(5)); // past the buffer's first size
    const small = walRecord("put", 1n, 2n, new Uint8Array(100).fill(6));
    buffer.add(small, 0);
    buffer.add(big, encodeRecord("put", 1n, 2n, small.envelope).byteLength);
    buffer.flush(nodeFileOps, fd);
    const first = readFileSync(path);
    buffer.add(walRecord("delete", 1n, 3n), first.byteLength);
    buffer.flush(nodeFileOps, fd);
    nodeFileOps.closeSync(fd);
    const expected = Buffer.concat([
      encodeRecord("put", 1n, 2n, small.envelope),
      encodeRecord("put", 1n, 1n, big.envelope),
      encodeRecord("delete", 1n, 3n),
    ]);
    expect(readFileSync(path).equals(expected)).toBe(true);
  });

  test("a failed write empties it and throws the file system's error", () => {
    const ops: FileOps = {
      ...nodeFileOps,
      writeSync: () => {
        throw Object.assign(new Error("ENOSPC"), { code: "ENOSPC" });
      },
    };
    const buffer = new RecordBuffer();
    buffer.add(walRecord("delete", 1n, 1n), 0);
    expect(() => buffer.flush(ops, -1)).toThrow("ENOSPC");
    expect(buffer.empty).toBe(true);
  });
});
