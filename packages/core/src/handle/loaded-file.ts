import { decodeEntryBody, type EntryFields } from "@reflex/codec";

/** Counts live mappings so the store can keep under its bound (the kernel caps a process at ~65k). */
export class MappingBudget {
  #live = 0;
  readonly #registry = new FinalizationRegistry<MappingBudget>((budget) => budget.#live--);

  constructor(readonly max: number) {}

  /** Mappings currently alive (not released and not yet collected). */
  get live(): number {
    return this.#live;
  }

  /** True when one more mapping fits under the bound. */
  hasRoom(): boolean {
    return this.#live < this.max;
  }

  /** Counts a new mapping until `unmapped()` or until the GC frees its buffer. */
  mapped(buffer: ArrayBuffer, token: object): void {
    this.#live++;
    this.#registry.register(buffer, this, token);
  }

  /** Uncounts a mapping that was unmapped explicitly. */
  unmapped(token: object): void {
    if (this.#registry.unregister(token)) this.#live--;
  }
}

/**
 * One verified entry file in memory: its bytes (a private mapping or a heap buffer)
 * and the decoded fields, whose bytes fields are views of those bytes. Shared by
 * every handle of the same load and by the handle cache; reference counted so
 * that a mapping is unmapped only when nobody can still read it.
 */
export class LoadedFile {
  #refs = 0;
  #unmapped = false;
  #entry: EntryFields | null;
  #payloadDigest: bigint | null = null;
  /** Where the body starts, for a file whose body is decoded on first use. */
  readonly #bodyOffset: number;

  constructor(
    readonly tenantId: bigint,
    readonly entryId: bigint,
    readonly bytes: Uint8Array,
    entry: EntryFields | null,
    readonly budget: MappingBudget | null,
    /** Unix seconds after which the entry is gone; 0 never. */
    readonly expiresAt: bigint = 0n,
    bodyOffset = 0,
  ) {
    this.#entry = entry;
    this.#bodyOffset = bodyOffset;
    budget?.mapped(bytes.buffer as ArrayBuffer, this);
  }

  /**
   * Envelope bytes this process has just encoded: trusted, so not checksummed, and
   * their body is decoded only when a field is first read.
   */
  static encoded(
    tenantId: bigint,
    entryId: bigint,
    bytes: Uint8Array,
    headerBytes: number,
    expiresAt: bigint,
  ): LoadedFile {
    return new LoadedFile(tenantId, entryId, bytes, null, null, expiresAt, headerBytes);
  }

  /** The decoded fields; their bytes fields are views of {@link bytes}. */
  get entry(): EntryFields {
    this.#entry ??= decodeEntryBody(this.bytes, this.#bodyOffset);
    return this.#entry;
  }

  /** 64-bit wyhash of the payload, computed on first use and kept with the file (the file never changes). */
  get payloadDigest(): bigint {
    this.#payloadDigest ??= BigInt(Bun.hash.wyhash(this.entry.payloadBlob));
    return this.#payloadDigest;
  }

  /** True when the bytes are a mapping of the file rather than a heap copy. */
  get mapped(): boolean {
    return this.budget !== null;
  }

  /** Takes a reference. */
  retain(): this {
    this.#refs++;
    return this;
  }

  /** Drops a reference; the last one unmaps a mapping at once. */
  drop(): void {
    this.#refs--;
    if (this.#refs === 0 && this.budget !== null && !this.#unmapped) {
      this.#unmapped = true;
      this.budget.unmapped(this);
      // Detaches the buffer and every view of it, and unmaps it now rather than at GC.
      (this.bytes.buffer as ArrayBuffer).transfer(0);
    }
  }
}
