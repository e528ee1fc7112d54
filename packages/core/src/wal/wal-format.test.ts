import { describe, expect, test } from "bun:test";
import { encodeEnvelope } from "@reflex/codec";
import { makeEntry } from "@reflex/testkit";
import {
  encodeRecord,
  encodeSegmentHeader,
  readRecords,
  SEGMENT_HEADER_BYTES,
  segmentVersion,
  WAL_FORMAT_VERSION,
} from "./wal-format.ts";

function segmentOf(...records: Uint8Array[]): Uint8Array {
  const parts = [encodeSegmentHeader(1), ...records];
  const bytes = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.byteLength;
  }
  return bytes;
}

const envelope = encodeEnvelope(7n, makeEntry({ tenantId: 3n, payload: "x".repeat(5000) }));
const records = [encodeRecord("put", 3n, 7n, envelope), encodeRecord("delete", 3n, 8n), encodeRecord("tenant", 4n, 0n)];

describe("wal format", () => {
  test("records read back in order, with the envelope of a put", () => {
    const segment = segmentOf(...records);
    expect(segmentVersion(segment)).toBe(WAL_FORMAT_VERSION);
    const read = readRecords(segment);
    expect(read.end).toBe(segment.byteLength);
    expect(read.records.map((r) => `${r.kind} ${r.tenantId}/${r.entryId}`)).toEqual([
      "put 3/7",
      "delete 3/8",
      "tenant 4/0",
    ]);
    expect(read.records[0]?.envelope).toEqual(envelope);
  });

  test("a torn tail is dropped at every length; the whole records before it are kept", () => {
    const segment = segmentOf(...records);
    const firstEnd = SEGMENT_HEADER_BYTES + (records[0] as Uint8Array).byteLength;
    for (let length = SEGMENT_HEADER_BYTES; length < segment.byteLength; length += 97) {
      const read = readRecords(segment.subarray(0, length));
      expect(read.records.length).toBe(length < firstEnd ? 0 : length < firstEnd + 32 ? 1 : 2);
    }
  });

  test("a flipped byte anywhere in a record ends the segment there", () => {
    const segment = segmentOf(...records);
    for (let at = SEGMENT_HEADER_BYTES; at < SEGMENT_HEADER_BYTES + (records[0] as Uint8Array).byteLength; at += 61) {
      const damaged = segment.slice();
      damaged[at] = (damaged[at] as number) ^ 0x10;
      expect(readRecords(damaged).records.length).toBe(0);
    }
  });

  test("a zeroed 4 KiB page inside a put (a torn write) drops it", () => {
    const segment = segmentOf(...records);
    segment.fill(0, 4096, 8192);
    expect(readRecords(segment).records.length).toBe(0);
  });

  test("the header names the version; anything else is no segment", () => {
    expect(segmentVersion(encodeSegmentHeader(9))).toBe(1);
    expect(segmentVersion(new Uint8Array(16))).toBeUndefined();
    expect(segmentVersion(new Uint8Array(3))).toBeUndefined();
  });
});
