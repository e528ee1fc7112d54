import { decodeEnvelope } from "@reflex/codec";
import type { LookupIndex } from "@reflex/core/lookup";
import { judgeTail, type LogPosition, markOf, type TailVerdict } from "./change-log.ts";
import { type ClusterContext, nowSeconds } from "./context.ts";
import { bucketKeys } from "./layout.ts";
import { readError } from "./redis-errors.ts";

/** Values read per MGET while a tenant is built or records are applied. */
const READ_CHUNK = 256;
/** Records read per bucket per tail script. */
export const TAIL_COUNT = 1000;
/** Tail passes one round makes at most while buckets still have more records. */
const MAX_PASSES = 64;

/**
 * Waits for every promise to settle, then rejects with the first failure: no re-read of a
 * failed round or build is still applying when the next one starts (it would apply values
 * read before that one's start, after it).
 */
async function allSettled(promises: readonly Promise<void>[]): Promise<void> {
  const failed = (await Promise.allSettled(promises)).find((result) => result.status === "rejected");
  if (failed !== undefined) throw failed.reason;
}

/** The generation of a value: its 64-bit hash (the re-check compares it with the value read then). */
export function generationOf(bytes: Uint8Array): bigint {
  return BigInt(Bun.hash.wyhash(bytes));
}

/**
 * One tenant of the shared {@link LookupIndex}, kept equal to the cluster's entries of that
 * tenant: built by reading every bucket (its log position marked first, in the same script
 * as its id list, so no change falls between), then current by reading each bucket's change
 * log and re-reading the ids it names. Applying what a key holds *now* is idempotent, so a
 * record read twice or a value newer than its record does no harm; a log that may have lost
 * records (trimmed past this reader, a failover, a deleted tenant) makes it build again.
 * Every build and round runs on one chain, one after another: the only writer of the
 * tenant's index and generations.
 */
export class TenantFeed {
  /** Entry id -> generation of the value indexed for it. */
  readonly generations = new Map<bigint, bigint>();
  #positions: LogPosition[] = [];
  #chain: Promise<void> = Promise.resolve();
  /** A round asked for and not started yet (later askers share it). */
  #queued: Promise<void> | null = null;
  #built = false;
  /** Set by {@link close}: a round still running applies nothing more. */
  #closed = false;
  /** The close's forget has run. */
  #forgotten = false;
  /** The build running now, if any: until it ends the tenant's index is incomplete. */
  #building: Promise<void> | null = null;
  /** When a lookup last used this feed (`performance.now()`), for dropping idle ones. */
  lastUsed = performance.now();
  /** Times this tenant was built (1 after the first use), and why the later ones were. */
  builds = 0;
  lastResetReason = "";

  constructor(
    private readonly context: ClusterContext,
    private readonly index: LookupIndex,
    readonly tenantId: bigint,
  ) {}

  /** Resolves once the tenant is built and every change logged before this call is applied. */
  catchUp(): Promise<void> {
    if (this.#queued !== null) return this.#queued;
    const round = this.#chain.then(() => {
      this.#queued = null;
      if (this.#closed) return; // a closed feed touches the index no more
      return this.#built ? this.#round() : this.#build();
    });
    this.#queued = round;
    this.#chain = round.catch(() => {}); // a failed round is repeated by the next one
    return round;
  }

  /** True once a build finished (a failed one leaves it false: the next {@link catchUp} builds again). */
  get built(): boolean {
    return this.#built;
  }

  /** True while a build runs (the tenant's index is incomplete until it ends). */
  get building(): boolean {
    return this.#building !== null;
  }

  /** Resolves when no build is running (the tenant's index is whole, maybe a round behind). */
  settled(): Promise<void> {
    return this.#building ?? Promise.resolve();
  }

  /** Drops the feed for good (the store is closing, or no lookup used it for a while). */
  close(): void {
    this.#closed = true;
    this.forget();
  }

  /**
   * Forgets the tenant's part of the index (before a build, or when the feed is closed);
   * once closed, only the close itself does (a late round of a closed feed must not wipe
   * what a newer feed of the same tenant has indexed).
   */
  forget(): void {
    if (this.#closed && this.#forgotten) return;
    this.#forgotten = this.#closed;
    this.index.tenantRemoved(this.tenantId);
    this.generations.clear();
    this.#built = false;
  }

  #build(): Promise<void> {
    const building = this.#readAll().finally(() => {
      this.#building = null;
    });
    this.#building = building;
    return building;
  }

  async #readAll(): Promise<void> {
    this.builds++;
    this.forget();
    const { reader } = this.context.clients;
    const marks = await Promise.all(
      this.#buckets().map(async (keys) => {
        try {
          return markOf(await reader.reflexLogMark(keys.ids, keys.usage, keys.log));
        } catch (error) {
          throw readError(`reading the change log of ${keys.log}`, error);
        }
      }),
    );
    await allSettled(marks.map((mark, bucket) => this.#reread(bucket, mark.ids)));
    this.#positions = marks.map((mark) => mark.position);
    this.#built = true;
  }

  async #round(): Promise<void> {
    const { reader } = this.context.clients;
    const buckets = this.#buckets();
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      const verdicts: TailVerdict[] = await Promise.all(
        buckets.map(async (keys, bucket) => {
          const position = this.#positions[bucket] as LogPosition;
          try {
            return judgeTail(
              position,
              await reader.reflexLogTail(keys.usage, keys.log, position.lastId, TAIL_COUNT),
              TAIL_COUNT,
            );
          } catch (error) {
            throw readError(`reading the change log of ${keys.log}`, error);
          }
        }),
      );
      if (this.#closed) return;
      const reset = verdicts.find((verdict) => verdict.kind === "reset");
      if (reset !== undefined) {
        this.lastResetReason = reset.reason;
        return this.#build();
      }
      let more = false;
      await allSettled(
        verdicts.map(async (verdict, bucket) => {
          if (verdict.kind !== "records") return;
          await this.#reread(bucket, verdict.ids);
          this.#positions[bucket] = verdict.position;
          more ||= verdict.more;
        }),
      );
      if (!more) return;
    }
  }

  /** Reads what each id of a bucket holds now and indexes that (or forgets the id). */
  async #reread(bucket: number, ids: readonly string[]): Promise<void> {
    const keys = bucketKeys(this.context.options.namespace, this.tenantId, bucket);
    for (let start = 0; start < ids.length; start += READ_CHUNK) {
      const chunk = ids.slice(start, start + READ_CHUNK);
      let values: (Buffer | null)[];
      try {
        values = await this.context.clients.reader.mgetBuffer(...chunk.map((id) => keys.entryPrefix + id));
      } catch (error) {
        throw readError(`reading entries of tenant ${this.tenantId}`, error);
      }
      for (const [i, id] of chunk.entries()) this.#apply(BigInt(id), values[i] ?? null);
    }
  }

  /** Indexes `bytes` as entry `entryId`, or forgets it when a load would refuse it (gone, damaged, misplaced). */
  #apply(entryId: bigint, bytes: Buffer | null): void {
    if (this.#closed) return;
    if (bytes !== null) {
      let decoded: ReturnType<typeof decodeEnvelope> | undefined;
      try {
        decoded = decodeEnvelope(bytes);
      } catch {
        decoded = undefined;
      }
      const expired = decoded !== undefined && decoded.expiresAt !== 0n && decoded.expiresAt <= nowSeconds();
      if (
        decoded !== undefined &&
        !expired &&
        decoded.entry.tenantId === this.tenantId &&
        decoded.entryId === entryId
      ) {
        this.index.written({
          tenantId: this.tenantId,
          entryId,
          entry: decoded.entry,
          fileBytes: bytes.byteLength,
          replacedBytes: undefined,
          expiresAt: decoded.expiresAt,
        });
        this.generations.set(entryId, generationOf(bytes));
        return;
      }
    }
    this.index.vanished(this.tenantId, entryId);
    this.generations.delete(entryId);
  }

  #buckets() {
    const { namespace } = this.context.options;
    return Array.from({ length: this.context.buckets }, (_, bucket) => bucketKeys(namespace, this.tenantId, bucket));
  }
}
