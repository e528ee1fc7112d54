import { afterEach, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { removeTempDirs, tempDir } from "@reflex/testkit";
import { type FileOps, nodeFileOps, TEMP_OPEN_FLAGS } from "../disk/file-ops.ts";
import { RecordBuffer } from "./record-buffer.ts";

afterEach(removeTempDirs);

describe("RecordBuffer", () => {
  test("writes every record held at its offset with one call, then holds nothing", () => {
    const path = `${tempDir()}/segment`;
    let calls = 0;
    const ops: FileOps = {
      ...nodeFileOps,
      writeSync: (...args) => {
        calls++;
        return nodeFileOps.writeSync(...args);
      },
    };
    const fd = nodeFileOps.openSync(path, TEMP_OPEN_FLAGS, 0o644);
    nodeFileOps.writeSync(fd, new Uint8Array([9, 9]), 0, 2, 0);
    const buffer = new RecordBuffer();
    expect(buffer.empty).toBe(true);
    buffer.add(new Uint8Array([1, 2]), 2);
    buffer.add(new Uint8Array([3]), 4);
    buffer.flush(ops, fd);
    expect(calls).toBe(1);
    expect(buffer.empty).toBe(true);
    nodeFileOps.closeSync(fd);
    expect([...readFileSync(path)]).toEqual([9, 9, 1, 2, 3]);
  });

  test("a failed write empties it and throws the file system's error", () => {
    const ops: FileOps = {
      ...nodeFileOps,
      writeSync: () => {
        throw Object.assign(new Error("ENOSPC"), { code: "ENOSPC" });
      },
    };
    const buffer = new RecordBuffer();
    buffer.add(new Uint8Array([1]), 0);
    expect(() => buffer.flush(ops, -1)).toThrow("ENOSPC");
    expect(buffer.empty).toBe(true);
  });
});
