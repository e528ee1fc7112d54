// What a reader of a bucket's change log (log-scripts.ts) makes of the replies: where it
// stands, which ids changed since, and when it can no longer trust what it missed.
import type { RawRecord } from "./log-scripts.ts";

/** How far a reader has read one bucket's log. */
export interface LogPosition {
  /** The bucket's sequence number of the last record read (0: none yet). */
  readonly seq: number;
  /** The epoch of that sequence ("" while the bucket has never logged anything). */
  readonly epoch: string;
  /** The stream id of the last record read ("0-0": none). */
  readonly lastId: string;
}

/** The start of a reader: the position the mark script read, and the bucket's ids at that instant. */
export function markOf(reply: readonly string[]): { position: LogPosition; ids: string[] } {
  const [seq, epoch, lastId, ...ids] = reply;
  return { position: { seq: Number(seq ?? 0), epoch: epoch ?? "", lastId: lastId ?? "0-0" }, ids };
}

/** What a tail reply means for a reader at some position. */
export type TailVerdict =
  /** Records follow on from the position: re-read these ids; `more` when the reply was full. */
  | {
      readonly kind: "records";
      readonly ids: readonly string[];
      readonly position: LogPosition;
      readonly more: boolean;
    }
  /** The reader may have missed records (trimmed, lost in a failover, the log deleted): rebuild. */
  | { readonly kind: "reset"; readonly reason: string };

function field(record: RawRecord, name: string): string | undefined {
  const fields = record[1];
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

/**
 * Judges a tail reply `{seq, epoch, last id, records after position.lastId}` (at most
 * `count` records). Records must continue the position's sequence one by one, in the same
 * epoch (a reader that has seen nothing takes the epoch it meets): a jump means records were
 * trimmed before it read them, a lower sequence or a new epoch that records were lost or the
 * log was deleted (failover, FLUSH, a deleted tenant), and with nothing new the log must
 * still end where the reader stopped.
 */
export function judgeTail(
  position: LogPosition,
  reply: readonly [string, string, string, readonly RawRecord[]],
  count: number,
): TailVerdict {
  const [seqText, epoch, lastId, records] = reply;
  const seq = Number(seqText);
  if (position.epoch !== "" && epoch !== position.epoch) {
    return { kind: "reset", reason: `the log's epoch changed (${position.epoch} -> ${epoch || "none"})` };
  }
  if (seq < position.seq) return { kind: "reset", reason: `the log went back from seq ${position.seq} to ${seq}` };
  if (records.length === 0) {
    if (seq !== position.seq || lastId !== position.lastId) {
      return { kind: "reset", reason: `records up to seq ${seq} are gone before they were read` };
    }
    return { kind: "records", ids: [], position, more: false };
  }
  const ids = new Set<string>();
  let expected = position.seq + 1;
  for (const record of records) {
    const recordSeq = Number(field(record, "s"));
    if (recordSeq !== expected) {
      return { kind: "reset", reason: `record seq ${recordSeq} follows ${expected - 1}: records were trimmed` };
    }
    expected++;
    const id = field(record, "i");
    if (id !== undefined) ids.add(id);
  }
  const last = records[records.length - 1] as RawRecord;
  const more = records.length >= count;
  if (!more && expected - 1 !== seq) {
    return { kind: "reset", reason: `the log holds seq ${seq} but its records end at ${expected - 1}` };
  }
  return { kind: "records", ids: [...ids], position: { seq: expected - 1, epoch, lastId: last[0] }, more };
}
