import type { FileOps } from "../disk/file-ops.ts";

/**
 * Sizes of entry files statted while a group commit's fdatasync runs (see group-commit.ts),
 * so the puts it acknowledges report the size of the file they replace without a stat
 * after the fsync, on the path of their acknowledgement. A size holds only until this
 * process changes that file by another way than the commit's own records (a removal, a
 * write outside the log): {@link forget} drops it then, and {@link clear} drops them all
 * once the commit has applied its records.
 */
export class KnownSizes {
  readonly #sizes = new Map<string, number | undefined>();

  constructor(private readonly ops: FileOps) {}

  /** Stats the file of `key` at `path` now, unless its size is known already (an earlier record of the commit); a failed stat is left to the record's own. */
  measure(key: string, path: string): void {
    if (this.#sizes.has(key)) return;
    try {
      this.#sizes.set(key, this.ops.statSync(path)?.size);
    } catch {
      // Stat again when the record applies, and report its error then.
    }
  }

  /** The size of the file of `key` (undefined: no file), measured or else statted now; a measured size is used once. */
  take(key: string, path: string): number | undefined {
    if (this.#sizes.has(key)) {
      const size = this.#sizes.get(key);
      this.#sizes.delete(key);
      return size;
    }
    return this.ops.statSync(path)?.size;
  }

  /** The file of `key` changed by another way than the commit's records: its size is no longer known. */
  forget(key: string): void {
    this.#sizes.delete(key);
  }

  /** Drops every size (the commit's records are applied, or a tenant's directory went aside). */
  clear(): void {
    this.#sizes.clear();
  }
}
