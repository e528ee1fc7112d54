import type { FileOps } from "../disk/file-ops.ts";
import { encodeRecordInto, recordBytes, type WalRecord } from "./wal-format.ts";

/** The write buffer kept between commits; one grown past {@link KEPT_BYTES} is dropped after its flush. */
const INITIAL_BYTES = 512 * 1024;
const KEPT_BYTES = 4 * 1024 * 1024;

/**
 * Log records appended since the last group commit, not yet written: encoded one after
 * the other into one reused buffer, which the commit writes with one call before its
 * fdatasync (64 writes in flight cost 64 system calls otherwise, and a fresh buffer each
 * commit costs its page faults). They are in the log, for the order of records, from the
 * moment they are added; in the file once flushed.
 */
export class RecordBuffer {
  #buffer = new Uint8Array(INITIAL_BYTES);
  #view = new DataView(this.#buffer.buffer);
  #bytes = 0;
  /** Offset in the segment of the first byte held. */
  #at = 0;

  /** True when nothing waits to be written. */
  get empty(): boolean {
    return this.#bytes === 0;
  }

  /** Holds `record`, which belongs at offset `at` of the segment (right after the last one held). */
  add(record: WalRecord, at: number): void {
    if (this.#bytes === 0) this.#at = at;
    const size = recordBytes(record);
    if (this.#bytes + size > this.#buffer.byteLength) this.#grow(this.#bytes + size);
    encodeRecordInto(this.#buffer, this.#view, this.#bytes, record);
    this.#bytes += size;
  }

  #grow(needed: number): void {
    const grown = new Uint8Array(Math.max(needed, this.#buffer.byteLength * 2));
    grown.set(this.#buffer.subarray(0, this.#bytes));
    this.#buffer = grown;
    this.#view = new DataView(grown.buffer);
  }

  /** Drops everything held, unwritten (the segment it belonged to was abandoned). */
  discard(): void {
    this.#bytes = 0;
  }

  /** Writes everything held at its offset of `fd` (emptied first: a failure leaves nothing to write again); throws the file system's error. */
  flush(ops: FileOps, fd: number): void {
    const bytes = this.#buffer;
    const length = this.#bytes;
    const at = this.#at;
    this.#bytes = 0;
    if (bytes.byteLength > KEPT_BYTES) {
      this.#buffer = new Uint8Array(INITIAL_BYTES);
      this.#view = new DataView(this.#buffer.buffer);
    }
    let offset = 0;
    while (offset < length) {
      const written = ops.writeSync(fd, bytes, offset, length - offset, at + offset);
      if (written <= 0) throw new Error("short write");
      offset += written;
    }
  }
}
