// The entries the failover tests write: each payload a pattern of its id, so a lost, wrong or
// torn entry shows when it is read back (failover.test.ts, replica-lost-scenario.ts).
import type { EntryFields } from "@reflex/core";
import { patternBytes } from "@reflex/testkit";

/** The payload of entry `id`: `size` bytes of a pattern seeded by the id. */
export function patternPayload(id: bigint, size: number): Uint8Array {
  return patternBytes(size, Number(id % 0xffff_ffffn));
}

/** Entry `id` of `tenantId` with a {@link patternPayload} of `size` bytes, its context hash the id. */
export function patternEntry(tenantId: bigint, id: bigint, size: number): EntryFields {
  return {
    tenantId,
    contextHash: id,
    timestamp: 1_700_000_000n,
    embedding: new Uint8Array(0),
    payloadBlob: patternPayload(id, size),
  };
}
