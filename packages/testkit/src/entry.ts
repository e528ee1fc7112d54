// The entry shape the test suites build and compare. Declared here, not imported from
// @reflex/codec: the testkit is a leaf package (codec and core tests depend on it).

/** The fields of one cache entry: structurally `EntryFields` of `@reflex/codec`. */
export interface TestEntry {
  readonly tenantId: bigint;
  readonly contextHash: bigint;
  readonly timestamp: bigint;
  readonly embedding: Uint8Array;
  readonly payloadBlob: Uint8Array;
}

/** What an entry looks like before it is stored; every field has a default. */
export interface EntrySpec {
  readonly tenantId?: bigint;
  readonly contextHash?: bigint;
  readonly timestamp?: bigint;
  readonly embedding?: Uint8Array;
  /** A string is UTF-8 encoded. */
  readonly payload?: string | Uint8Array;
}

const utf8 = new TextEncoder();

/**
 * An entry of tenant 1 (by default) with a small embedding and a text payload.
 *
 * @example
 * store.storeSync(7n, makeEntry({ tenantId: 2n, payload: "hi" }));
 */
export function makeEntry(spec: EntrySpec = {}): TestEntry {
  const payload = spec.payload ?? "hello, reflex";
  return {
    tenantId: spec.tenantId ?? 1n,
    contextHash: spec.contextHash ?? 0xc0ffeen,
    timestamp: spec.timestamp ?? 1_700_000_000n,
    embedding: spec.embedding ?? new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]),
    payloadBlob: typeof payload === "string" ? utf8.encode(payload) : payload,
  };
}

/** An entry's fields as plain values. */
export interface PlainEntry {
  tenantId: bigint;
  contextHash: bigint;
  timestamp: bigint;
  embedding: number[];
  payloadBlob: number[];
}

/**
 * The entry's fields as plain values (bytes as number arrays), for `toEqual`: a
 * handle, a decoded message or a plain object of the same fields compare equal.
 */
export function plain(entry: TestEntry): PlainEntry {
  return {
    tenantId: entry.tenantId,
    contextHash: entry.contextHash,
    timestamp: entry.timestamp,
    embedding: Array.from(entry.embedding),
    payloadBlob: Array.from(entry.payloadBlob),
  };
}
