import type { FileOps } from "../disk/file-ops.ts";

/**
 * Log records appended since the last group commit, not yet written: the commit writes
 * them with one call before its fdatasync, instead of one write call per record (64
 * writes in flight cost 64 system calls otherwise). They are in the log, for the order of
 * records, from the moment they are added; in the file once flushed.
 */
export class RecordBuffer {
  #parts: Uint8Array[] = [];
  #bytes = 0;
  /** Offset in the segment of the first byte held. */
  #at = 0;

  /** True when nothing waits to be written. */
  get empty(): boolean {
    return this.#parts.length === 0;
  }

  /** Holds `record`, which belongs at offset `at` of the segment (right after the last one held). */
  add(record: Uint8Array, at: number): void {
    if (this.#parts.length === 0) this.#at = at;
    this.#parts.push(record);
    this.#bytes += record.byteLength;
  }

  /** Writes everything held at its offset of `fd` (emptied first: a failure leaves nothing to write again); throws the file system's error. */
  flush(ops: FileOps, fd: number): void {
    const parts = this.#parts;
    const bytes = parts.length === 1 ? (parts[0] as Uint8Array) : new Uint8Array(this.#bytes);
    if (parts.length > 1) {
      let offset = 0;
      for (const part of parts) {
        bytes.set(part, offset);
        offset += part.byteLength;
      }
    }
    const at = this.#at;
    this.#parts = [];
    this.#bytes = 0;
    let offset = 0;
    while (offset < bytes.byteLength) {
      const written = ops.writeSync(fd, bytes, offset, bytes.byteLength - offset, at + offset);
      if (written <= 0) throw new Error("short write");
      offset += written;
    }
  }
}
