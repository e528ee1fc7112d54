import type { OperationRecorder } from "../contract/operation-recorder.ts";
import { readEntryExpiry } from "../disk/entry-file-info.ts";
import { entryFilePath, entryKey } from "../disk/layout.ts";
import { type RemoveContext, removeEntryFile } from "../disk/remove-entry-file.ts";
import type { Expiry } from "./expiry.ts";
import type { Victim } from "./retention-index.ts";

/** What reclaiming expired entries needs. */
export interface ReclaimContext extends RemoveContext {
  readonly expiry: Expiry;
  readonly recorder: OperationRecorder | null;
}

/**
 * Removes expired entry files: at once (on the next event-loop turn) after a read
 * met one, or when asked by a timer or `gc()`. Each removal re-reads the entry's
 * expiry first (the log's write not yet in place, else the file's header), since a
 * newer write may have replaced the expired entry.
 */
export class Reclaimer {
  readonly #queue = new Map<string, Victim>();
  #expirations = 0;

  /** `readOnly`: a read-only store notes nothing and removes nothing (the writer reclaims). */
  constructor(
    private readonly context: ReclaimContext,
    private readonly readOnly = false,
  ) {}

  /** Expired entries this store removed. */
  get expirations(): number {
    return this.#expirations;
  }

  /** Queues an entry a read found expired; the queue drains on the next turn of the event loop. */
  queue(tenantId: bigint, entryId: bigint): void {
    if (this.readOnly) return;
    const key = `${tenantId}/${entryId}`;
    if (this.#queue.has(key)) return;
    this.#queue.set(key, { tenantId, entryId });
    if (this.#queue.size === 1) setImmediate(() => this.#drain());
  }

  #drain(): void {
    const queued = [...this.#queue.values()];
    this.#queue.clear();
    for (const { tenantId, entryId } of queued) this.reclaimIfExpired(tenantId, entryId);
  }

  /** Removes an entry file if, on disk right now, it is expired; true when it did. */
  reclaimIfExpired(tenantId: bigint, entryId: bigint): boolean {
    const { context } = this;
    if (this.readOnly) return false;
    let expiresAt: bigint | undefined;
    try {
      // A write of the log not yet in place is the entry now, not the (older) file under it.
      const unplaced = context.wal?.unplaced.get(entryKey(tenantId, entryId));
      expiresAt = unplaced?.expiresAt ?? readEntryExpiry(entryFilePath(context.root, tenantId, entryId));
    } catch {
      return false; // not readable now (EMFILE, ...): a later pass retries
    }
    if (expiresAt === undefined || !context.expiry.isExpired(expiresAt)) return false;
    try {
      // No directory fsync: a cache may lose a removal.
      removeEntryFile(context, tenantId, entryId, "expired");
    } catch {
      return false; // gone already, or not removable now: a later pass retries
    }
    this.#expirations++;
    context.recorder?.retention?.("expired", "ttl");
    return true;
  }
}
