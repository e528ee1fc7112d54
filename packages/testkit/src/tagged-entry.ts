// Self-describing entries for the crash, race, concurrency and corruption tests, shared
// by the test files and the child processes they spawn. An entry's contextHash (its
// "tag") names the write that made it; every other byte derives from (tenant, id, tag),
// so a reader can regenerate what that write stored and compare byte for byte: a torn
// or mixed file cannot pass.
import { patternBytes, sameBytes } from "./bytes.ts";
import type { TestEntry } from "./entry.ts";

/** A 32-bit seed for one write (`tag`) of one entry. */
export function entrySeed(tenantId: bigint, entryId: bigint, tag: bigint): number {
  return Bun.hash.crc32(`${tenantId}/${entryId}/${tag}`) >>> 0;
}

function embeddingLength(seed: number): number {
  return 64 + (seed % 8) * 16;
}

/**
 * The entry that write `tag` stores under (tenantId, entryId), with a payload of
 * `payloadLength` bytes: contextHash and timestamp are the tag, the bytes derive from all three.
 *
 * @example
 * store.storeSync(id, taggedEntry(tenant, id, 7n, 4096)); // later: entryProblem(loaded, tenant, id, () => 4096)
 */
export function taggedEntry(tenantId: bigint, entryId: bigint, tag: bigint, payloadLength: number): TestEntry {
  const seed = entrySeed(tenantId, entryId, tag);
  return {
    tenantId,
    contextHash: tag,
    timestamp: tag,
    embedding: patternBytes(embeddingLength(seed), seed ^ 0x5a5a5a5a),
    payloadBlob: patternBytes(payloadLength, seed),
  };
}

/**
 * Why `entry` (loaded from (tenantId, entryId)) is not exactly what the write named by
 * its contextHash stored, or undefined when it is. `payloadLength` says how long that
 * write's payload was.
 */
export function entryProblem(
  entry: TestEntry,
  tenantId: bigint,
  entryId: bigint,
  payloadLength: (tag: bigint) => number,
): string | undefined {
  const tag = entry.contextHash;
  const expected = taggedEntry(tenantId, entryId, tag, payloadLength(tag));
  if (entry.tenantId !== tenantId) return `tenant ${entry.tenantId}, expected ${tenantId}`;
  if (entry.timestamp !== expected.timestamp) return `tag ${tag}: timestamp ${entry.timestamp}`;
  if (!sameBytes(entry.embedding, expected.embedding)) return `tag ${tag}: embedding differs`;
  if (!sameBytes(entry.payloadBlob, expected.payloadBlob)) {
    return `tag ${tag}: payload differs (${entry.payloadBlob.byteLength} bytes, expected ${expected.payloadBlob.byteLength})`;
  }
  return undefined;
}
