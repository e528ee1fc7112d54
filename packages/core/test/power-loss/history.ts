// What a workload asked of the store and what the store acknowledged, on one logical
// clock, and what that allows a key to hold after a power cut at a given instant.

/** One operation on one key: a write of `value`, or a removal (`value` null: delete, tenant delete). */
export interface KeyOp {
  readonly value: Uint8Array | null;
  /** Acknowledged as durable (fsync durability) when it resolves. */
  readonly durable: boolean;
  readonly invokedAt: number;
  /** Set when it resolved successfully. */
  respondedAt?: number;
  /** Set when it failed without effect (a delete of a missing entry): no candidate for a cut after that. */
  failedAt?: number;
}

/** What a key may hold after a cut. */
export interface Allowed {
  /** The whole values it may hold. */
  readonly values: readonly Uint8Array[];
  /** It may be absent. */
  readonly absent: boolean;
  /** A damaged file may be there (only when a write not acknowledged as durable may have left one). */
  readonly corrupt: boolean;
}

/** The history of one workload: per key, its operations in the order they were invoked. */
export class History {
  readonly #ops = new Map<string, KeyOp[]>();
  #clock = 0;

  /** The logical time now (each invocation and response ticks it). */
  get now(): number {
    return this.#clock;
  }

  /** Records the invocation of an operation on `key`; the caller sets `respondedAt` through {@link respond}. */
  invoke(key: string, value: Uint8Array | null, durable: boolean): KeyOp {
    const op: KeyOp = { value, durable, invokedAt: ++this.#clock };
    const ops = this.#ops.get(key) ?? [];
    ops.push(op);
    this.#ops.set(key, ops);
    return op;
  }

  /** Records that an operation resolved successfully. */
  respond(op: KeyOp): void {
    op.respondedAt = ++this.#clock;
  }

  /**
   * Records that an operation failed without effect (a delete of a missing entry). A cut
   * before the failure still counts it as in flight: its effect may be on disk then.
   */
  fail(op: KeyOp): void {
    op.failedAt = ++this.#clock;
  }

  /**
   * What `key` may hold after a cut at logical time `at`. Every operation invoked before
   * the cut is a candidate, and so is the initial absence; a candidate is ruled out when an
   * operation acknowledged as durable before the cut was invoked after it had responded
   * (the acknowledged one supersedes it). A damaged file is allowed only while a write that
   * was not durable remains a candidate.
   */
  allowedAt(key: string, at: number): Allowed {
    const ops = (this.#ops.get(key) ?? []).filter(
      (op) => op.invokedAt < at && (op.failedAt === undefined || op.failedAt > at),
    );
    const acked = ops.filter((op) => op.durable && op.respondedAt !== undefined && op.respondedAt < at);
    const ruledOut = (respondedAt: number | undefined): boolean =>
      respondedAt !== undefined && respondedAt < at && acked.some((later) => later.invokedAt > respondedAt);
    const candidates = ops.filter((op) => !ruledOut(op.respondedAt));
    return {
      values: candidates.flatMap((op) => (op.value === null ? [] : [op.value])),
      absent: acked.length === 0 || candidates.some((op) => op.value === null),
      corrupt: candidates.some((op) => op.value !== null && !op.durable),
    };
  }

  /**
   * What a read of `key` on the live store may return once every operation so far has
   * responded: the value of the last successful operation, or of any successful one that
   * overlapped it (their order is the store's to pick). With the log, a write is read back
   * from memory until its file is in place: this checks the read path, not the disk.
   */
  liveAllowed(key: string): Allowed {
    const done = (this.#ops.get(key) ?? []).filter((op) => op.respondedAt !== undefined);
    const last = done.reduce<KeyOp | undefined>(
      (a, op) => (a === undefined || op.invokedAt > a.invokedAt ? op : a),
      undefined,
    );
    if (last === undefined) return { values: [], absent: true, corrupt: false };
    const candidates = done.filter((op) => op === last || (op.respondedAt as number) > last.invokedAt);
    return {
      values: candidates.flatMap((op) => (op.value === null ? [] : [op.value])),
      absent: candidates.some((op) => op.value === null),
      corrupt: false,
    };
  }

  /** Every key with an operation. */
  keys(): string[] {
    return [...this.#ops.keys()];
  }
}
