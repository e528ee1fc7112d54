/** What a peer store offers the load and store scenarios. Keys are small integers; values are envelope bytes. */
export interface Peer {
  /** Name in the results table, e.g. `lmdb getBinary`. */
  readonly name: string;
  /** One write, durable as far as the peer's configuration goes. */
  put(key: number, value: Uint8Array): Promise<void> | undefined;
  /** Many writes made durable together (one transaction, or puts awaited together). */
  putMany(keys: readonly number[], value: Uint8Array): Promise<void> | undefined;
  /** One read; returns the value's bytes (a copy the caller owns). */
  get(key: number): Uint8Array | Promise<Uint8Array>;
  close(): Promise<void> | undefined;
}
